"""The Class page's room drawings in a real browser: choosing a (drawn, read) cell of the room's confusion
matrix shows exactly those drawings, each with the probabilities the model gave it.

An app server of its own with its own SQLite board (as test_browser_class.py), holding labelled drawings
stored beforehand: real test digits of the built-in sample, each read by the shipped model (the engine's
``predict_proba``), as the Draw page stores them. The test recomputes which drawings each cell holds.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import nnscratch
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.data.splits import prepare_arrays
from nnscratch.metrics import confusion_cell, confusion_matrix
from nnscratch.store import DrawingRecord, get_store

from .appdriver import ANSWER_TIMEOUT, ARTIFACTS
from .test_browser_class import BoardServer, person


@pytest.fixture(scope="module")
def room(browser, tmp_path_factory):
    """(server, ids (m,) newest first, y, pred, probs): the stored drawings and the engine's reads of them."""
    ARTIFACTS.mkdir(exist_ok=True)
    server = BoardServer(browser, tmp_path_factory.mktemp("room-cells"))
    sample = prepare_arrays(nnscratch.load_mnist("sample"))
    net = nnscratch.Network.load(SHIPPED_MODEL_PATH)
    images = np.round(sample.X_test * 255).astype(np.uint8)  # what the store keeps
    probs = net.predict_proba(images / 255.0)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != sample.y_test)[:15]
    right = np.flatnonzero(pred == sample.y_test)[:45]
    chosen = np.concatenate([right, wrong])
    store = get_store(server.env["NNSCRATCH_DB"])
    ids = []
    for k, i in enumerate(chosen):
        ids.append(store.save_drawing(DrawingRecord(
            label=int(sample.y_test[i]), image28=images[i], nickname=f"p{k % 7}", owner=f"owner-{k % 7}",
            predicted=int(pred[i]), probabilities=probs[i].tolist(), model_name="pretrained", created_at=1000.0 + k)))
    rows = store.list_drawings(None, limit=None, with_images=False)  # newest first, as the page reads them
    newest_first = chosen[::-1]
    store.close()
    assert [r["id"] for r in rows] == ids[::-1]
    stored = np.array([r["probabilities"] for r in rows])
    np.testing.assert_allclose(stored, probs[newest_first], rtol=1e-4, atol=1e-9)  # the engine's, to 5 digits
    server.start()
    # the page orders a cell by the probabilities as stored (5 significant digits: near-1 values can tie)
    yield server, np.array(ids[::-1]), sample.y_test[newest_first], pred[newest_first], stored
    server.stop()


def test_a_room_cell_shows_exactly_its_drawings_with_their_probabilities(browser, room):
    server, ids, y, pred, probs = room
    cm = confusion_matrix(y, pred)
    off = cm - np.diag(np.diag(cm))
    worst = tuple(int(v) for v in np.unravel_index(int(np.argmax(off)), off.shape))
    assert cm[worst] >= 1
    ctx, d = person(browser, server.url, "class?name=Teacher")
    try:
        d.page.get_by_text("The room's drawings").first.wait_for(timeout=ANSWER_TIMEOUT)
        best = int(np.argmax(np.diag(cm)))
        for t, p in (worst, (best, best)):
            n = int(cm[t, p])
            option = f"true {t} → said {p}: {n:,} drawing{'s' if n != 1 else ''}{' (right)' if t == p else ''}"
            want = confusion_cell(y, pred, t, p, probs)[:40]
            captions = d.cell_captions("Digit drawn → what the model read", "room-cell", option,
                                       f"{n:,} drawings in this cell", len(want))
            assert [int(re.match(r"#(\d+)", c)[1]) for c in captions] == ids[want].tolist()
            for c, i in zip(captions, want):
                top = re.findall(r"(\d): (\d+) %", c)
                order = np.argsort(-probs[i])[:3]
                assert [(int(k), int(v)) for k, v in top] == [(int(k), round(100 * probs[i, k])) for k in order]
                assert int(top[0][0]) == p
        assert not d.exceptions() and not d.error_boxes()
    finally:
        ctx.close()
