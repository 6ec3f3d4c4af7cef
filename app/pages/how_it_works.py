"""How it works: the equations, the code that training really runs beside them, and the live numbers."""

import inspect
import textwrap

import numpy as np
import pandas as pd
import streamlit as st

from app import charts, session, ui
from nnscratch import network
from nnscratch.data import kinds
from nnscratch.network import ACTIVATIONS, INITS, Network

s = session.state()
st.title("How it works")
ui.model_picker()


def show_source(fn, caption: str) -> None:
    """A whole function of nnscratch, read from the running code itself (never a copy)."""
    st.caption(caption)
    st.code(textwrap.dedent(inspect.getsource(fn)), language="python", wrap_lines=True)


def bars(values, title, top=None, percent=False, highlight=None, x_title="unit"):
    """(data, spec) of one layer's values as bars; with many units only the ``top`` strongest."""
    v = np.asarray(values).reshape(-1)
    idx = np.arange(len(v))
    if top is not None and len(v) > top:
        idx = np.sort(np.argsort(-np.abs(v))[:top])
        title += f" ({top} strongest of {len(v)})"
    df = pd.DataFrame({"unit": [str(i) for i in idx], "value": v[idx], "hl": [i == highlight for i in idx]})
    return df, charts.scaled(charts.bar_chart_spec("unit", "value", title=title, highlight="hl",
                                                   y_format="%" if percent else None, height=230, label_size=13,
                                                   x_title=x_title), ui.scale())


with ui.show_errors("explaining"):
    net, kind, _ = session.active_model()
    L = net.n_layers
    g = ACTIVATIONS[net.activation]
    st.markdown(f"The current model is `{net.architecture}`: an input row of 784 pixels, "
                f"{L - 1} hidden layer{'s' if L != 2 else ''}, and 10 outputs. One digit is a row "
                f"$x$ of shape (1, 784); a batch of $n$ digits is the matrix $A_0$ of shape ($n$, 784). "
                f"Every piece of code on this page is read from the `nnscratch` package this app runs.")

    st.header("Forward: from pixels to probabilities")
    f1, f2 = st.columns([1, 1], gap="large")
    with f1:
        for l in range(1, L + 1):
            st.latex(rf"Z_{l} = A_{l - 1} W_{l} + b_{l}")
            if l < L:
                st.latex(rf"A_{l} = g(Z_{l})")
        st.latex(rf"g: \; {g.formula}")
        st.latex(rf"A_{L} = \mathrm{{softmax}}(Z_{L})")
        st.markdown("**The shapes** (one row per digit, one column per unit) →")
        rows = [("A0 = X", f"(n, {net.sizes[0]})", "the pixels, 0 = black, 1 = white")]
        for l in range(1, L + 1):
            rows.append((f"W{l}", f"({net.sizes[l - 1]}, {net.sizes[l]})",
                         "one column per unit" + (": its picture on the Weights page" if l == 1 else "")))
            rows.append((f"b{l}", f"({net.sizes[l]},)", "one bias per unit"))
            rows.append((f"Z{l}, A{l}", f"(n, {net.sizes[l]})",
                         "scores → probabilities" if l == L else "weighted sums → activations"))
    with f2:
        st.table(pd.DataFrame(rows, columns=["array", "shape", "meaning"]).set_index("array"))
    show_source(Network.forward, "`Network.forward`: one loop over the layers, used by training and prediction")
    show_source(g.forward, f"g = {net.activation}")
    show_source(INITS[net.init], f"how `{net.init}` drew each layer's first weights (`INITS[{net.init!r}]`)")

    st.header("Softmax and the loss")
    s1, s2 = st.columns([1, 1], gap="large")
    with s1:
        # one formula per line: side by side they were wider than the column on a 1366 px screen
        st.latex(r"\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}")
        st.latex(r"\log \mathrm{softmax}(z)_k = z_k - m - \log \textstyle\sum_j e^{z_j - m}")
        st.latex(r"m = \max_j z_j")
        st.latex(r"\text{loss} = -\frac{1}{n}\sum_{i} \log A_{" + str(L) + r"}[i, y_i]")
        st.latex(rf"dZ_{L} = \frac{{1}}{{n}}\,(A_{L} - Y)")
    with s2:
        st.markdown("Subtracting the largest score $m$ first changes nothing in the result and keeps `exp` from "
                    "overflowing, so any scores give a finite loss. The gradient of softmax followed by "
                    "cross-entropy is simply *probabilities minus the one-hot label* ($Y$, one row per digit with a 1 "
                    "in the column of its label), divided by the batch size.")
    show_source(network.log_softmax, "`log_softmax` and `softmax`")
    show_source(network.softmax, "")
    show_source(network.softmax_cross_entropy, "`softmax_cross_entropy`: the loss and dZ that training uses")

    st.header("Backward: the slope of the loss for every weight")
    b1, b2 = st.columns([1, 1], gap="large")
    with b1:
        for l in range(L, 0, -1):
            st.latex(rf"dW_{l} = A_{l - 1}^\top dZ_{l}")
            st.latex(rf"db_{l} = \textstyle\sum_i dZ_{l}[i, :]")
            if l > 1:
                st.latex(rf"dZ_{l - 1} = (dZ_{l} W_{l}^\top) \odot g'(Z_{l - 1})")
        st.latex(g.slope)
        st.latex(r"W \leftarrow W - \eta\, dW, \qquad b \leftarrow b - \eta\, db")
    with b2:
        st.markdown("Every gradient has the shape of what it updates: $dW_l$ like $W_l$, $db_l$ like "
                    "$b_l$ (**one number per unit**: the classic notebook summed them into one scalar, "
                    "a bug). The $1/n$ makes the step size independent of the batch size. The last line "
                    "is plain gradient descent with learning rate η; momentum and Adam reshape each step "
                    "from the same gradients. These formulas are checked against finite differences in "
                    "the tests, for every activation and for two hidden layers.")
    show_source(Network.backward, "`Network.backward`: one training step's forward and backward pass")
    show_source(g.backward, f"g' for {net.activation}")
    show_source(Network.forward_backward, "`Network.forward_backward`: large batches in cache-sized chunks")

    st.header("Live numbers for one digit")
    choices = {"drawing": "your last drawing (Draw page)", "test": "a test digit"}
    pick = st.radio("Digit", list(choices), format_func=choices.get, horizontal=True, key="hw_pick")
    img = s["last_drawing"] if pick == "drawing" else None
    if img is None:
        if pick == "drawing":
            st.caption("No drawing yet: showing a test digit instead.")
        arrays = session.get_arrays(kinds.SAMPLE)
        i = int(st.columns(4)[0].number_input("Test index", 0, len(arrays.y_test) - 1, key="hw_index", step=1))
        img = arrays.X_test[i].reshape(28, 28)
    acts = net.activations(np.asarray(img, np.float32).reshape(1, 784))
    st.caption("`Network.activations` runs `Network.forward` above on this one digit and keeps every layer.")

    cols = st.columns([0.8, 1.4, 1.4, 1.2], gap="medium")
    with cols[0].container(key="digits"):
        st.markdown("**A0: the input**")
        st.image(np.clip(img, 0, 1), width=int(168 * ui.scale()), alt="The input digit, 28×28 pixels")
    cols[1].vega_lite_chart(*bars(acts["Z1"], "Z1 = A0·W1 + b1", top=12), width="stretch")
    if L > 1:
        cols[2].vega_lite_chart(*bars(acts["A1"], "A1 = g(Z1)", top=12), width="stretch")
    cols[2].vega_lite_chart(*bars(acts[f"Z{L}"], f"Z{L}: 10 scores", highlight=int(np.argmax(acts[f"A{L}"])),
                                  x_title="digit"), width="stretch")
    p = acts[f"A{L}"].reshape(-1)
    cols[3].vega_lite_chart(*bars(p, f"A{L} = softmax(Z{L})", percent=True, highlight=int(np.argmax(p)),
                                  x_title="digit"), width="stretch")
    cols[3].markdown(f"Prediction: **{int(np.argmax(p))}** ({100 * p.max():.1f} %)")
