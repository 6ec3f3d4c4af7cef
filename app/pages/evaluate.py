"""Evaluate: accuracy overall and per digit, the confusion matrix, the mistakes, one example up close."""

import numpy as np
import pandas as pd
import streamlit as st

from app import cells, charts, resources, session, ui
from nnscratch import metrics, plots
from nnscratch.data import kinds

s = session.state()
st.title("How good is it?")
ui.model_picker()

with ui.show_errors("evaluating"):
    net, kind, token = session.active_model()
    source = s["data_source"]
    with st.spinner("Evaluating on the test set…"):
        probs, pred, arrays = session.evaluate(net, token, source)
    y = arrays.y_test
    X = arrays.X_test
    acc = float(np.mean(pred == y)) if len(y) else float("nan")
    per_class = metrics.per_class_accuracy(y, pred)
    cm = metrics.confusion_matrix(y, pred)

    m = st.columns(4)
    m[0].metric("Test accuracy", ui.fmt_pct(acc, 2))
    m[1].metric("Test digits", f"{len(y):,}")
    m[2].metric("Mistakes", f"{int(np.sum(pred != y)):,}")
    worst = int(np.nanargmin(per_class)) if np.isfinite(per_class).any() else None
    m[3].metric("Hardest digit", "–" if worst is None else str(worst),
                None if worst is None else f"{100 * per_class[worst]:.1f} % right", delta_color="off",
                delta_arrow="off")
    trained_on = (net.meta.get("data") or {}).get("kind")
    if source == kinds.SAMPLE and trained_on == kinds.MNIST:
        # The built-in sample's 5,000 digits all come from MNIST's training set.
        st.warning("This model was trained on the full MNIST training set, which contains every digit of the "
                   "built-in sample, so this number is optimistic. For a fair test choose *Full MNIST* on the "
                   f"Train page (its 10,000 test digits); the model's own figure is "
                   f"{ui.fmt_pct(net.meta.get('test_accuracy'), 2)}.", icon=":material/info:")
    fair = "" if source == kinds.SAMPLE and trained_on == kinds.MNIST else " (never used to train this model)"
    st.caption(f"Test set: {arrays.source or source}{fair}. Model: {session.model_summary(net)['name']} "
               f"`{net.architecture}`.")

    c1, c2 = st.columns([1, 1.1], gap="large")
    with c1:
        st.subheader("Accuracy per digit")
        df = pd.DataFrame({"digit": [str(i) for i in range(10)], "accuracy": per_class})
        st.vega_lite_chart(df, charts.scaled(charts.bar_chart_spec("digit", "accuracy", y_domain=(0, 1), y_format="%",
                                                                 text_format=".0%", height=420), ui.scale()),
                           width="stretch")
    with c2:
        st.subheader("Confusion matrix")
        st.image(resources.confusion_png(cm), width="stretch", alt=charts.confusion_alt(cm))
        st.caption("Row = the true digit, column = what the network said. Green: right; red: mistakes.")

    st.subheader("Choose a cell of the confusion matrix")
    idx = cells.pick(y, pred, probs, key="ev_cell", label="True digit → what the network said")
    cells.show(X, idx, probs, lambda i: f"#{i}", labels=y, key="ev-cell")

    st.subheader("Look at one example")
    e1, e2, e3 = st.columns([1, 1, 2], gap="large")
    i = int(e1.number_input("Test index", min_value=0, max_value=max(0, len(y) - 1), step=1, key="ev_index"))
    e1.button("Random digit", key="ev_random",
              on_click=lambda: s.__setitem__("ev_index", int(np.random.default_rng().integers(len(y)))))
    e2.image(plots.upscale(X[i].reshape(28, 28), 7), width=int(196 * ui.scale()), alt=f"Test digit #{i}: a {y[i]}")
    with e3:
        ok = pred[i] == y[i]
        st.metric("Label", int(y[i]))
        st.metric("Network says", int(pred[i]), f"{100 * probs[i, pred[i]]:.1f} % sure, {'right' if ok else 'wrong'}",
                  delta_color="normal" if ok else "inverse")
