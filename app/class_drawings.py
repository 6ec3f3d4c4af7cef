"""The room's labelled drawings on the Class page: the latest with the model's reads, the room's
accuracy, the confusion matrix (which digit the room's drawings are taken for); for the instructor,
teaching the current model the room's handwriting and exporting the drawings as a dataset."""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

from nnscratch.data.export import kaggle_csv_bytes, png_zip
from nnscratch.errors import StoreError
from nnscratch.metrics import confusion_matrix

from . import board, cells, charts, resources, runs, session, teach, ui

LATEST = 16


def _stats(rows):
    """-> (accuracy or None, confusion matrix (10, 10): rows the digit drawn, columns the model's read, count)."""
    read = _read(rows)
    acc = float(np.mean(read["pred"] == read["y"])) if len(read["y"]) else None
    return acc, confusion_matrix(read["y"], read["pred"]), len(rows)


def _read(rows) -> dict:
    """The drawings a model read (predicted is set): rows (m dicts), y (m,) the labels, pred (m,) the reads,
    probs (m, 10) the probabilities the model gave (NaN where a row has none stored)."""
    read = [r for r in rows if r["predicted"] is not None]
    probs = np.full((len(read), 10), np.nan)
    for i, r in enumerate(read):
        p = list(r.get("probabilities") or [])
        if len(p) == 10:
            probs[i] = p
    return dict(rows=read, y=np.array([r["label"] for r in read], np.int64),
                pred=np.array([r["predicted"] for r in read], np.int64), probs=probs)


def room(big: bool = False) -> None:
    """The room's drawings: counts, accuracy, confusion matrix and the latest ones. ``big``: presenter."""
    try:
        # the presenter's view refreshes every few seconds: it reads no images but the latest ones
        rows = board.call(board.store().list_drawings, board.me().token, limit=None, with_images=not big)
        latest = board.call(board.store().list_drawings, board.me().token, limit=LATEST) if big else rows[:LATEST]
    except StoreError as e:
        st.caption(board.md(f"The room's drawings are not available: {e}"))
        return
    st.subheader("The room's drawings")
    if not rows:
        st.caption("No labelled drawings yet. On the Draw page, tap Right or the right digit under the answer.")
        return
    acc, cm, n = _stats(rows)
    people = len({(r["nickname"]) for r in rows})
    if big:
        st.html(f"<div class='big'>{n} drawings by {people} people · read right {html.escape(ui.fmt_pct(acc))}</div>")
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric("Labelled drawings", f"{n:,}")
        m2.metric("By", f"{people} people")
        m3.metric("Read right", ui.fmt_pct(acc))
    c1, c2 = st.columns([1.3, 1], gap="large")
    with c1:
        st.markdown("**The latest, with what the model read**")
        grid = st.container(horizontal=True, gap="small", key="digits")
        for r in latest:
            ok = r["predicted"] == r["label"]
            card = grid.container(width=96 if not big else 130, border=True)
            card.image(r["image28"], width=70 if not big else 100,
                       alt=f"A drawn {r['label']}, read as {r['predicted']}")
            card.markdown(f"**{r['label']}** · {r['predicted']} " + (":green[✓]" if ok else ":red[✗]"))
            card.caption(board.md(r["nickname"]))
    with c2:
        st.markdown("**Which digit the room's drawings are taken for**")
        st.image(resources.confusion_png(cm), width="stretch", alt=charts.confusion_alt(cm))
        st.caption("Row = the digit drawn (the label given), column = what the model that answered read.")
    if not big:
        cell_examples(rows)


def cell_examples(rows) -> None:
    """Choose a cell of the room's confusion matrix: exactly those drawings, each with the probabilities the
    model that answered gave it (rows with images)."""
    read = _read(rows)
    if not len(read["y"]):
        return
    idx = cells.pick(read["y"], read["pred"], read["probs"], key="room_cell",
                     label="Digit drawn → what the model read", noun="drawing")
    cells.show(np.stack([r["image28"] for r in read["rows"]]) / 255.0, idx, read["probs"],
               lambda i: f"#{read['rows'][i]['id']}", labels=read["y"], key="room-cell",
               what="drawings")


def export(rows, kind: str) -> bytes:
    """Store rows (with images) -> the download: "zip" (``<label>/<id>.png`` under ``drawings/``) or
    "csv" (Kaggle layout); empty bytes when there are none. Both read back with load_mnist."""
    if not rows:
        return b""
    images, labels = np.stack([d["image28"] for d in rows]), [d["label"] for d in rows]
    return png_zip(images, labels, [str(d["id"]) for d in rows]) if kind == "zip" else kaggle_csv_bytes(images, labels)


def instructor() -> None:
    """Teach the current model the room's handwriting; export the drawings (PNG folder zipped, CSV)."""
    st.markdown("**The room's labelled drawings**")

    def rows():
        return board.call(board.store().list_drawings, None, limit=None)

    c1, c2 = st.columns(2)
    c1.download_button("Drawings as PNG folders (.zip)", data=lambda: export(rows(), "zip"),
                       file_name="class_drawings.zip", mime="application/zip", icon=":material/folder_zip:")
    c2.download_button("Drawings as a Kaggle-style CSV", data=lambda: export(rows(), "csv"),
                       file_name="class_drawings.csv", mime="text/csv", icon=":material/table:")
    st.caption("Both read back with `load_mnist` (and the Train page's upload). From a shell: "
               "`python -m nnscratch class export-drawings DIR`.")
    w = teach.finished_teaching("the room's")
    if w is not None:
        teach.teach_result(w)
    if runs.running() is not None:
        st.caption("A run of yours is going; teaching can start when it ends.")
        return
    net, _, _ = session.active_model()
    if st.button("Teach the current model the room's handwriting", icon=":material/school:", key="teach_room"):
        with ui.show_errors("starting to teach"):
            teach.start_teaching(rows(), net, "the room's")
            ui.flash("Teaching the room's handwriting: see the sidebar; the result shows here when it ends.")
            st.rerun()
