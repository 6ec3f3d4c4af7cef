"""My drawings: the drawings I labelled on the Draw page, right and wrong, each deletable; my accuracy
by digit; and "Teach it my handwriting", which fine-tunes my current model on them."""

import numpy as np
import pandas as pd
import streamlit as st

from app import board, charts, runs, session, takehome, teach, ui
from nnscratch import worker
from nnscratch.errors import StoreError
from nnscratch.metrics import per_class_accuracy

s = session.state()
me = board.me()
st.title("My drawings")
GALLERY_MAX = 120


def teach_section(rows) -> None:
    st.subheader("Teach it my handwriting")
    w = teach.finished_teaching()
    if w is not None:
        teach.teach_result(w)
    live = runs.running()
    if live is not None:
        progress(live)
        return
    net, kind, _ = session.active_model()
    st.caption(f"Fine-tunes the current model ({board.md(session.model_summary(net)['name'])}) on your "
               f"{len(rows)} labelled drawings, mixed with MNIST digits so it keeps reading those. About "
               f"{teach.DEFAULTS['steps']} steps: seconds, once a training slot is free.")
    if st.button("Teach it my handwriting", type="primary", icon=":material/school:", disabled=not rows,
                 key="teach_mine"):
        with ui.show_errors("starting to teach"):
            teach.start_teaching(rows, net, f"{me.nickname}'s")
            st.rerun()
    takehome.download_page_button(st, net, key="dl_page_mine")


@st.fragment(run_every=1.0)
def progress(w) -> None:
    snap = w.snapshot()
    if w.done:
        st.rerun()  # the whole page: the model is adopted, the result shown
    if snap["status"] == worker.QUEUED:
        st.info(f"Waiting for a free training slot (number {snap['queue_position'] or '?'} in the queue)…")
    else:
        st.progress(snap["progress"], text=f"Learning your handwriting: step {snap['step']} / {snap['total_steps']}")
    if st.button("Stop", key="teach_stop"):
        w.stop()


def accuracy_by_digit(rows) -> None:
    y = np.array([r["label"] for r in rows])
    pred = np.array([-1 if r["predicted"] is None else r["predicted"] for r in rows])
    acc = per_class_accuracy(y, pred)
    counts = np.bincount(y, minlength=10)
    st.subheader("How well it read me")
    c1, c2 = st.columns([1, 2])
    c1.metric("Read right", ui.fmt_pct(float(np.mean(pred == y))), f"{int(np.sum(pred == y))} of {len(y)}",
              delta_color="off", delta_arrow="off")
    df = pd.DataFrame({"digit": [str(d) for d in range(10)], "accuracy": np.nan_to_num(acc, nan=0.0),
                       "drawings": counts})
    c2.vega_lite_chart(df[df.drawings > 0], charts.bar_chart_spec("digit", "accuracy", y_domain=(0, 1),
                       y_format="%", text_format=".0%", height=220), width="stretch")
    c2.caption("By digit: the share of my drawings of it that the model read right when I drew them.")


def gallery(rows) -> None:
    st.subheader("Gallery")
    which = st.segmented_control("Show", ["All", "Wrong", "Right"], default="All", key="mine_filter")
    shown = [r for r in rows if which in (None, "All") or (which == "Wrong") == (r["predicted"] != r["label"])]
    if not shown:
        st.caption("None.")
        return
    grid = st.container(horizontal=True, gap="small", key="digits")
    for r in shown[:GALLERY_MAX]:
        right = r["predicted"] == r["label"]
        card = grid.container(width=110, border=True, key=f"mine-{r['id']}")
        card.image(r["image28"], width=84, alt=f"My {r['label']}, read as {r['predicted']}")
        card.markdown(f"**{r['label']}** · read {r['predicted']} " + (":green[✓]" if right else ":red[✗]"))
        if card.button("Delete", key=f"del-{r['id']}", icon=":material/delete:"):
            with ui.show_errors("deleting the drawing"):
                board.call(board.store().delete_drawing, r["id"], me.token)
                st.rerun()
    if len(shown) > GALLERY_MAX:
        st.caption(f"The newest {GALLERY_MAX} of {len(shown)}.")


try:
    mine = board.call(board.store().list_drawings, me.token, mine_only=True, limit=None)
except StoreError as e:
    st.warning(f"The class board is offline, and your drawings are kept there: {e}", icon=":material/cloud_off:")
    st.stop()
if not mine:
    st.info("No drawings yet. On the **Draw** page, tap **Right** or the right digit under the answer: each "
            "labelled drawing is kept here (and nothing you do not label).", icon=":material/draw:")
    st.page_link("app/pages/draw.py", label="Draw a digit", icon=":material/draw:")
teach_section(mine)
if mine:
    accuracy_by_digit(mine)
    gallery(mine)
