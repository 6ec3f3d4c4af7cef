"""nnscratch.plots: weight pictures, heatmaps, the confusion matrix picture."""

import numpy as np
import pytest

from nnscratch import metrics, plots


def test_unit_images_take_columns_of_W1():
    W1 = np.zeros((784, 3))
    W1[5, 1] = 7.0  # pixel (0, 5) of unit 1
    imgs = plots.unit_images(W1)
    assert imgs.shape == (3, 28, 28)
    assert imgs[1, 0, 5] == 7.0 and imgs[0].sum() == 0 and imgs[2].sum() == 0
    assert plots.unit_images(W1, [1]).shape == (1, 28, 28)
    with pytest.raises(ValueError):
        plots.unit_images(np.zeros((3, 784)))


def test_symmetric_scale_ignores_outliers_and_is_never_zero():
    W = np.full(1000, 0.1)
    W[0] = -50.0
    assert plots.symmetric_scale(W) == pytest.approx(0.1)
    assert plots.symmetric_scale(W, 100) == 50.0
    assert plots.symmetric_scale(np.zeros(10)) > 0


def test_grid_columns_classic_in_one_row():
    assert plots.grid_columns(10) == 10
    assert plots.grid_columns(3) == 3
    assert plots.grid_columns(32) == 8
    assert plots.grid_columns(64) == 16


def test_upscale_is_crisp_uint8():
    img = np.zeros((28, 28))
    img[0, 0] = 1.0
    up = plots.upscale(img, 3)
    assert up.shape == (84, 84) and up.dtype == np.uint8
    assert up[:3, :3].min() == 255 and up[3, 3] == 0


def test_confusion_figure_renders_counts_as_png():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    cm = metrics.confusion_matrix(y, p)
    fig = plots.confusion_figure(cm)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {str(v) for v in cm[cm > 0].ravel()} == texts  # every non-zero count is written in its cell
    png = plots.to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_colorize_is_centred_and_symmetric():
    rgb = plots.colorize(np.array([-1.0, 0.0, 1.0, np.nan, 5.0]), vmax=1.0)
    assert rgb.shape == (5, 3) and rgb.dtype == np.uint8
    assert rgb[3].tolist() == [255, 255, 255]  # NaN: white
    assert rgb[1].min() > 200 and np.ptp(rgb[1].astype(int)) <= 2  # zero: the light, neutral grey middle
    assert rgb[0][2] > rgb[0][0] and rgb[2][0] > rgb[2][2]  # negative blue, positive red
    assert rgb[4].tolist() == rgb[2].tolist()  # beyond the scale: the end colour


def test_weight_grid_image_layout():
    W1 = np.random.default_rng(0).normal(size=(784, 800)).astype(np.float32)
    img = plots.weight_grid_image(W1, start=64, count=64, selected=70, zoom=4)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    # 16 columns of 112 px tiles plus gaps, then the colour bar
    assert img.shape[1] > 16 * 112 and img.shape[0] > 4 * 112
    few = plots.weight_grid_image(W1[:, :10], zoom=4)
    assert few.shape[0] < 2 * 112 + 100, "ten units fit in one row"
    assert few.shape[1] > 10 * 112  # ... side by side
    # the first tile is unit 64's weights on the shared colour scale
    vmax = plots.symmetric_scale(W1)
    tile = img[8:8 + 112:4, 8:8 + 112:4]
    assert np.array_equal(tile, plots.colorize(W1[:, 64].reshape(28, 28), vmax))


def test_unit_heatmap_and_histogram_images():
    w = np.linspace(-1, 1, 784)
    assert plots.unit_image(w, 1.0, zoom=10).shape == (280, 280, 3)
    hm = plots.heatmap_image(np.random.default_rng(0).normal(size=(10, 800)), cell=24)
    assert hm.shape[0] == 240 and hm.shape[2] == 3  # columns too narrow to number: no label band
    small = plots.heatmap_image(np.eye(10), cell=40, font_px=20)
    assert small.shape[0] == 400 + 28  # ten rows of 40 px plus the column numbers
    centres, counts = plots.histogram([0, 0, 1, np.nan], bins=2)
    assert counts.tolist() == [2, 1] and len(centres) == 2
