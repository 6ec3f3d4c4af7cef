"""Pen trajectories: parsing, rendering like the canvas, writer-disjoint split."""


import numpy as np
import pytest

from datafiles import PEN_FILE, needs_shared
from nnscratch.drawing import pendigits
from nnscratch.errors import DataFormatError
from nnscratch.drawing.preprocess import CANVAS_SIZE, to_mnist

needs_pen = needs_shared(PEN_FILE)

SMALL = """.INCLUDE        dene.doc
.LEXICON "0" "1" "2" "3" "4" "5" "6" "7" "8" "9"
.HIERARCHY      DIGIT

.SEGMENT DIGIT    0 ? "1"
.COMMENT 1 7   3
.PEN_DOWN
 250  400
 250  250
 250  100
.PEN_UP
.DT 100

.SEGMENT DIGIT    1 ? "7"
.COMMENT 7 9   5
.PEN_DOWN
 100  400
 300  400
 200  100
.PEN_UP
.PEN_DOWN
 150  250
 250  250
.PEN_UP
.DT 100
"""


@pytest.fixture
def small_file(tmp_path):
    p = tmp_path / "pen.txt"
    p.write_text(SMALL)
    return p


def centre_of_mass(img):
    r = np.arange(28)
    return (img.sum(1) @ r) / img.sum(), (img.sum(0) @ r) / img.sum()


def test_load_parses_labels_writers_strokes_and_flips_y(small_file):
    s = pendigits.load(small_file)
    assert [d.label for d in s] == [1, 7] and [d.writer for d in s] == [7, 9]
    assert len(s[0].strokes) == 1 and len(s[1].strokes) == 2
    one = s[0].strokes[0]
    assert one.shape == (3, 2)
    # y points up on the tablet: the first point (y=400) is at the top of the screen (small y)
    assert one[0, 1] < one[-1, 1]
    np.testing.assert_array_equal(one[:, 0], 250)


def test_load_rejects_garbage_with_one_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text(".SEGMENT DIGIT 0 ? \"3\"\n.PEN_DOWN\n 12 abc\n.PEN_UP\n")
    with pytest.raises(DataFormatError) as e:
        pendigits.load(p)
    assert "line 3" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(DataFormatError):
        pendigits.load(tmp_path / "missing.txt")


def test_render_looks_like_the_canvas(small_file):
    s = pendigits.load(small_file)
    img = pendigits.render(s[1].strokes)
    assert img.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and img.dtype == np.uint8
    assert (img[:, :, 3] == 255).all()                  # opaque black background, white ink
    ink = img[:, :, 0]
    assert ink.max() == 255 and 0 < (ink > 0).mean() < 0.2
    assert len(np.unique(ink)) > 10                     # anti-aliased edges
    rows = np.flatnonzero(ink.any(1))
    assert 0.55 * CANVAS_SIZE < rows[-1] - rows[0] < 0.85 * CANVAS_SIZE   # a natural size, with a margin
    assert rows[0] > 0 and rows[-1] < CANVAS_SIZE - 1


def test_rendered_pen_one_is_a_vertical_bar_centred_by_mass(small_file):
    one = pendigits.load(small_file)[0]
    x = to_mnist(pendigits.render(one.strokes))
    cols = np.flatnonzero(x.max(0) > 0.2)
    rows = np.flatnonzero(x.max(1) > 0.2)
    assert len(cols) <= 4 and len(rows) >= 18            # tall and thin, like an MNIST "1"
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_split_by_writer_is_disjoint_and_deterministic():
    samples = [pendigits.PenDigit(label=i % 10, writer=i % 30 + 1, strokes=[np.zeros((2, 2))])
               for i in range(300)]
    tr, te = pendigits.split_by_writer(samples, 0.2, seed=0)
    assert len(tr) + len(te) == 300
    assert not {s.writer for s in tr} & {s.writer for s in te}
    assert len({s.writer for s in te}) == 6
    tr2, te2 = pendigits.split_by_writer(samples, 0.2, seed=0)
    assert [id(s) for s in te] == [id(s) for s in te2]
    _, te3 = pendigits.split_by_writer(samples, 0.2, seed=1)
    assert {s.writer for s in te3} != {s.writer for s in te}


def test_to_dataset_shapes(small_file):
    X, y = pendigits.to_dataset(pendigits.load(small_file))
    assert X.shape == (2, 784) and X.dtype == np.float32 and y.dtype == np.int64
    assert list(y) == [1, 7] and 0 <= X.min() and X.max() <= 1 and (X.sum(1) > 10).all()


@needs_pen
def test_the_real_file():
    s = pendigits.load(PEN_FILE)
    assert len(s) == 7494
    assert len({d.writer for d in s}) == 30
    assert np.bincount([d.label for d in s]).min() >= 700
    tr, te = pendigits.heldout_split(s)
    assert 1000 < len(te) < 2500 and not {d.writer for d in tr} & {d.writer for d in te}
