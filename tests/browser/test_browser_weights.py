"""Weights page in a real browser: after a quick run, the grid shows one picture per hidden unit.

The grid is one picture (tiles on white, a colour bar at the right), so the test counts the coloured
tiles in the image the browser received: a tile is a cell of the grid of coloured column bands x row
bands. With more than 64 units the grid is paged; every page is counted.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from PIL import Image

from .appdriver import ARTIFACTS, record
from nnscratch import plots

GRID_IMG = '[data-testid="stMain"] [data-testid="stImage"] img'


def _bands(mask_1d) -> list[tuple[int, int]]:
    """Runs of True in a 1-D mask as [(start, stop), ...]."""
    m = np.concatenate([[False], np.asarray(mask_1d, bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    return list(zip(edges[::2], edges[1::2]))


def _level(cover) -> float:
    """A typical coverage of a tile line: the upper quartile of the non-empty lines."""
    nz = cover[cover > 0]
    return float(np.percentile(nz, 75)) if nz.size else 1.0


def count_tiles(png: bytes) -> int:
    """Coloured square tiles in a weight-grid picture (PNG or JPEG); the narrow colour bar is not one."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)
    coloured = (rgb.max(axis=2) - rgb.min(axis=2)) > 20  # white gaps and black/grey numbers are not
    # thresholds relative to a tile's coverage: compression noise in a white gap stays far below it
    col_cover = coloured.mean(axis=0)
    cols = [b for b in _bands(col_cover > 0.3 * _level(col_cover)) if b[1] - b[0] > 3]
    widest = max(b[1] - b[0] for b in cols)
    cols = [b for b in cols if b[1] - b[0] > 0.6 * widest]  # drops the colour bar
    # a row line's coverage in its best column band: a short last row counts as much as a full one
    row_cover = np.max([coloured[:, a:b].mean(axis=1) for a, b in cols], axis=0)
    rows = [b for b in _bands(row_cover > 0.3 * _level(row_cover)) if b[1] - b[0] > 0.6 * widest]
    cells = np.array([coloured[r0:r1, c0:c1].mean() for r0, r1 in rows for c0, c1 in cols])
    return int((cells > 0.3 * _level(cells)).sum()) if cells.size else 0


@pytest.mark.parametrize("hidden,start", [(10, 0), (37, 0), (64, 0), (128, 64), (65, 64), (1, 0)])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])  # Streamlit sends an RGB array as JPEG
def test_tile_counter_counts_every_unit_picture(hidden, start, fmt):
    """The counter itself (no browser): it must tell 63 pictures from 64, on the app's own grid."""
    W1 = np.random.default_rng(hidden).normal(0, 0.05, (784, hidden))
    buf = io.BytesIO()
    Image.fromarray(plots.weight_grid_image(W1, start=start, count=64, selected=start)).save(buf, fmt, quality=75)
    assert count_tiles(buf.getvalue()) == min(hidden - start, 64)


def grid_png(app) -> tuple[str, bytes]:
    src = app.page.locator(GRID_IMG).first.get_attribute("src")
    url = src if src.startswith("http") else app.base + src
    resp = app.page.request.get(url)
    assert resp.ok, f"grid image {url}: HTTP {resp.status}"
    return src, resp.body()


def test_weight_grid_shows_one_picture_per_hidden_unit(app):
    app.open("Train")
    t0 = time.monotonic()
    app.start_training(epochs=1)  # the quick preset (784-128-10), one epoch: trained, and quick
    done = app.wait_progress(lambda p: p["status"] == "completed", timeout=600, what="the quick run to complete")
    record("quick_1_epoch_in_app_s", round(time.monotonic() - t0, 1))
    record("quick_1_epoch_steps", done["total"])
    app.page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebarUserContent\"]').innerText.includes('784-128-10')",
        timeout=60_000)
    hidden = int(re.search(r"784-(\d+)-10", app.sidebar_text())[1])

    app.goto("Weights")
    assert not app.exceptions()
    assert re.search(rf"\b{hidden} hidden units", app.page.locator('[data-testid="stMain"]').inner_text())
    src, png = grid_png(app)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "weights-grid-page-0.img").write_bytes(png)
    counts = [count_tiles(png)]
    pager = app.page.locator('[data-testid="stMain"]').get_by_role("slider")
    while sum(counts) < hidden and pager.count():  # paged grid: the next page of units
        pager.first.focus()
        pager.first.press("ArrowRight")
        app.page.wait_for_function("old => { const i = document.querySelector('[data-testid=\"stMain\"] "
                                   "[data-testid=\"stImage\"] img'); return i && i.getAttribute('src') !== old; }",
                                   arg=src, timeout=60_000)
        app.wait_idle()
        src, png = grid_png(app)
        (ARTIFACTS / f"weights-grid-page-{len(counts)}.img").write_bytes(png)
        counts.append(count_tiles(png))
    record("weights_tiles_per_page", counts)
    assert sum(counts) == hidden, f"{counts} pictures on the grid's pages for {hidden} hidden units"
    assert not app.exceptions()
