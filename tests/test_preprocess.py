"""MNIST-style preprocessing of canvas drawings and image files."""

import gzip
import io

import numpy as np
import pytest
from PIL import Image

from datafiles import SHARED_MNIST, needs_shared
from nnscratch.errors import DataFormatError
from nnscratch.drawing.preprocess import BRUSH_WIDTH, CANVAS_SIZE, load_image, to_mnist

MNIST_TEST = SHARED_MNIST / "t10k-images-idx3-ubyte.gz"


def canvas(draw_fn=None):
    """A blank canvas like st_canvas's image_data (opaque black), optionally drawn on in gray (H, W)."""
    g = np.zeros((CANVAS_SIZE, CANVAS_SIZE), np.uint8)
    if draw_fn:
        draw_fn(g)
    out = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)
    out[:, :, :3] = g[:, :, None]
    out[:, :, 3] = 255
    return out


def centre_of_mass(img):
    r = np.arange(img.shape[0])
    m = img.sum()
    return (img.sum(1) @ r) / m, (img.sum(0) @ r) / m


def bbox(img, thr=0.0):
    rows = np.flatnonzero((img > thr).any(1))
    cols = np.flatnonzero((img > thr).any(0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_constants_are_sane():
    assert CANVAS_SIZE >= 200 and CANVAS_SIZE % 28 == 0
    # an MNIST stroke is ~2-3 px of a 20 px digit; a digit drawn ~2/3 of the canvas tall is ~190 px
    assert 1.5 <= BRUSH_WIDTH * 20 / (CANVAS_SIZE * 0.7) <= 4


def test_empty_canvas_gives_none():
    assert to_mnist(None) is None                                                  # no image sent yet
    assert to_mnist(canvas()) is None
    assert to_mnist(np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)) is None   # fully transparent
    assert to_mnist(np.full((50, 50), 255, np.uint8)) is None                      # blank paper
    white_transparent = np.zeros((40, 40, 4), np.uint8)
    white_transparent[:, :, :3] = 255                                              # alpha 0: nothing drawn
    assert to_mnist(white_transparent) is None


def test_mnist_geometry_box_20_and_mass_centred():
    def draw(g):  # an off-centre, wide, lopsided blob: an L shape
        g[40:60, 30:230] = 255
        g[40:120, 30:50] = 255
    out = to_mnist(canvas(draw))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0 and out.max() > 0.9
    r0, r1, c0, c1 = bbox(out)
    assert c1 - c0 + 1 == 20          # the longer side (width) is 20 px
    assert r1 - r0 + 1 == 8           # aspect ratio kept: 80/200 * 20
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_vertical_stroke_stays_a_thin_centred_bar():
    def draw(g):
        g[30:250, 130:152] = 255
    out = to_mnist(canvas(draw))
    r0, r1, c0, c1 = bbox(out, 0.05)
    assert r1 - r0 + 1 == 20
    assert c1 - c0 + 1 <= 4           # aspect ratio kept: 22/220 * 20 = 2 px (+ antialiasing)
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_transparent_and_opaque_canvas_agree():
    opaque = canvas(lambda g: g.__setitem__((slice(50, 200), slice(100, 130)), 255))
    transparent = np.zeros_like(opaque)
    ink = opaque[:, :, 0] > 0
    transparent[ink] = (255, 255, 255, 255)
    np.testing.assert_array_equal(to_mnist(opaque), to_mnist(transparent))


def test_dark_on_light_is_detected_and_inverted():
    light = np.zeros((140, 100), np.uint8)
    light[20:120, 40:55] = 255
    light[20:35, 20:80] = 255
    dark = 255 - light
    a = to_mnist(light)
    np.testing.assert_allclose(to_mnist(dark), a, atol=1e-5)
    np.testing.assert_allclose(to_mnist(dark, invert=True), a, atol=1e-5)
    rgb = np.repeat(dark[:, :, None], 3, axis=2)
    np.testing.assert_allclose(to_mnist(rgb), a, atol=1e-5)


def test_grey_paper_background_is_removed():
    img = np.full((120, 120), 200, np.uint8)   # grey paper, dark ink
    img[20:100, 55:65] = 30
    out = to_mnist(img)
    assert out.max() == pytest.approx(1.0)
    assert out[:, :10].max() == 0              # the paper itself is not ink


def test_bad_shape_raises_one_line():
    with pytest.raises(DataFormatError) as e:
        to_mnist(np.zeros((4, 4, 2), np.uint8))
    assert "\n" not in str(e.value)


def _png_bytes(arr, mode=None):
    buf = io.BytesIO()
    Image.fromarray(arr, mode).save(buf, format="PNG")
    return buf.getvalue()


def test_load_image_any_size_either_polarity(tmp_path):
    img = np.full((300, 210), 255, np.uint8)       # black pen on white paper
    img[40:260, 95:115] = 0
    p = tmp_path / "one.png"
    p.write_bytes(_png_bytes(img))
    a = load_image(p)
    b = load_image(_png_bytes(255 - img))          # white on black, from bytes
    assert a.shape == (28, 28) and a.dtype == np.float32
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert abs(centre_of_mass(a)[1] - 14) <= 0.5


def test_load_image_dark_strokes_on_transparency():
    rgba = np.zeros((100, 100, 4), np.uint8)      # black ink, transparent elsewhere
    rgba[10:90, 45:55, 3] = 255
    out = load_image(_png_bytes(rgba, "RGBA"))
    r0, r1, _, _ = bbox(out, 0.5)
    assert r1 - r0 + 1 >= 18


def test_load_image_errors_are_one_line(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not an image")
    for src in (bad, tmp_path / "missing.png", b"\x89PNG\r\n\x1a\n truncated"):
        with pytest.raises(DataFormatError) as e:
            load_image(src)
        assert "\n" not in str(e.value)
    with pytest.raises(DataFormatError, match="no visible digit"):
        load_image(_png_bytes(np.full((30, 30), 255, np.uint8)))


@needs_shared(MNIST_TEST)
def test_mnist_digit_drawn_at_canvas_scale_comes_back_close_to_itself():
    with gzip.open(MNIST_TEST) as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:50]
    def cos(a, b):
        return float((a * b).sum() / np.linalg.norm(a) / np.linalg.norm(b))

    sims, aligned = [], []
    for d in digits:
        big = np.asarray(Image.fromarray(d).resize((CANVAS_SIZE, CANVAS_SIZE), Image.Resampling.BILINEAR))
        out = to_mnist(canvas(lambda g: g.__setitem__(Ellipsis, big)))
        x = d.astype(np.float32) / 255
        sims.append(cos(out, x))
        # MNIST centres by a whole-pixel shift, so a centre of mass near x.5 may round the other way
        aligned.append(max(cos(np.roll(out, (a, b), (0, 1)), x) for a in (-1, 0, 1) for b in (-1, 0, 1)))
    assert np.median(sims) > 0.95, sims
    assert min(aligned) > 0.85, aligned
