"""Non-UI helpers behind the app's pictures: numbers checked exactly, figures checked for their parts."""

import re

import numpy as np
import pytest

from nnscratch import viz


def test_unit_images_take_columns_of_W1():
    W1 = np.zeros((784, 3))
    W1[5, 1] = 7.0  # pixel (0, 5) of unit 1
    imgs = viz.unit_images(W1)
    assert imgs.shape == (3, 28, 28)
    assert imgs[1, 0, 5] == 7.0 and imgs[0].sum() == 0 and imgs[2].sum() == 0
    assert viz.unit_images(W1, [1]).shape == (1, 28, 28)
    with pytest.raises(ValueError):
        viz.unit_images(np.zeros((3, 784)))


def test_symmetric_scale_ignores_outliers_and_is_never_zero():
    W = np.full(1000, 0.1)
    W[0] = -50.0
    assert viz.symmetric_scale(W) == pytest.approx(0.1)
    assert viz.symmetric_scale(W, 100) == 50.0
    assert viz.symmetric_scale(np.zeros(10)) > 0


def test_grid_columns_classic_in_one_row():
    assert viz.grid_columns(10) == 10
    assert viz.grid_columns(3) == 3
    assert viz.grid_columns(32) == 8
    assert viz.grid_columns(64) == 16


def test_mosaic_places_tiles_row_major_with_gaps():
    tiles = np.arange(3)[:, None, None] * np.ones((3, 2, 2))
    m = viz.mosaic(tiles, ncols=2, gap=1)
    assert m.shape == (5, 5)
    assert m[0, 0] == 0 and m[0, 3] == 1 and m[3, 0] == 2
    assert np.isnan(m[0, 2]) and np.isnan(m[3, 3])


def test_confusion_and_per_class():
    y = np.array([0, 0, 1, 1, 2])
    p = np.array([0, 1, 1, 1, 0])
    cm = viz.confusion_matrix(y, p, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    acc = viz.per_class_accuracy(y, p, 4)
    assert acc[:3].tolist() == [0.5, 1.0, 0.0] and np.isnan(acc[3])


def test_misclassified_sorted_by_confidence_and_filtered():
    y = np.array([1, 2, 3, 4, 5])
    p = np.array([1, 3, 4, 7, 5])
    probs = np.zeros((5, 10))
    probs[1, 3], probs[2, 4], probs[3, 7] = 0.6, 0.9, 0.7
    assert viz.misclassified(y, p, probs).tolist() == [2, 3, 1]
    assert viz.misclassified(y, p, probs, true_class=2).tolist() == [1]
    assert viz.misclassified(y, p, probs, pred_class=7).tolist() == [3]
    assert viz.misclassified(y, p, limit=2).tolist() == [1, 2]


def test_upscale_is_crisp_uint8():
    img = np.zeros((28, 28))
    img[0, 0] = 1.0
    up = viz.upscale(img, 3)
    assert up.shape == (84, 84) and up.dtype == np.uint8
    assert up[:3, :3].min() == 255 and up[3, 3] == 0


def test_history_table_thins_but_keeps_validation_and_last_row():
    rows = [dict(step=i, epoch=i / 100, loss=1.0 / i, train_acc=0.5, val_acc=0.9 if i % 250 == 0 else None,
                 lr=0.1) for i in range(1, 1001)]
    df = viz.history_table(rows, max_points=50)
    assert len(df) <= 55
    assert df["step"].iloc[-1] == 1000 and df["step"].iloc[0] == 1
    assert set(df.loc[df["val_acc"].notna(), "step"]) == {250, 500, 750, 1000}
    assert df["loss_smooth"].iloc[-1] > df["loss"].iloc[-1]  # the average lags a falling loss
    assert viz.history_table([]).empty


def test_format_duration():
    assert viz.format_duration(12.3) == "12 s"
    assert viz.format_duration(75) == "1 min 15 s"
    assert viz.format_duration(None) == "–"


def test_figures_render_with_labels_and_colour_bar():
    rng = np.random.default_rng(0)
    W1 = rng.normal(size=(784, 10))
    fig = viz.weight_grid_figure(W1, selected=3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [str(i) for i in range(10)]
    assert len(fig.axes) == 2  # the grid and its colour bar
    png = viz.to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    big = viz.weight_grid_figure(rng.normal(size=(784, 100)), start=64, count=64)
    assert [t.get_text() for t in big.axes[0].texts] == [str(i) for i in range(64, 100)]
    viz.to_png(viz.unit_figure(W1[:, 0], 0.5, 1.0, 0))
    viz.to_png(viz.heatmap_figure(rng.normal(size=(800, 10))))
    cm = viz.confusion_matrix(rng.integers(0, 10, 500), rng.integers(0, 10, 500))
    viz.to_png(viz.confusion_figure(cm))


def test_colorize_is_centred_and_symmetric():
    rgb = viz.colorize(np.array([-1.0, 0.0, 1.0, np.nan, 5.0]), vmax=1.0)
    assert rgb.shape == (5, 3) and rgb.dtype == np.uint8
    assert rgb[3].tolist() == [255, 255, 255]  # NaN: white
    assert rgb[1].min() > 230  # zero sits in the white middle of the diverging map
    assert rgb[0][2] > rgb[0][0] and rgb[2][0] > rgb[2][2]  # negative blue, positive red
    assert rgb[4].tolist() == rgb[2].tolist()  # beyond the scale: the end colour


def test_weight_grid_image_layout():
    W1 = np.random.default_rng(0).normal(size=(784, 800)).astype(np.float32)
    img = viz.weight_grid_image(W1, start=64, count=64, selected=70, zoom=4)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    # 16 columns of 112 px tiles plus gaps, then the colour bar
    assert img.shape[1] > 16 * 112 and img.shape[0] > 4 * 112
    few = viz.weight_grid_image(W1[:, :10], zoom=4)
    assert few.shape[0] < 2 * 112 + 100, "ten units fit in one row"
    assert few.shape[1] > 10 * 112  # ... side by side
    # the first tile is unit 64's weights on the shared colour scale
    vmax = viz.symmetric_scale(W1)
    tile = img[8:8 + 112:4, 8:8 + 112:4]
    assert np.array_equal(tile, viz.colorize(W1[:, 64].reshape(28, 28), vmax))


def test_unit_heatmap_and_histogram_images():
    w = np.linspace(-1, 1, 784)
    assert viz.unit_image(w, 1.0, zoom=10).shape == (280, 280, 3)
    hm = viz.heatmap_image(np.random.default_rng(0).normal(size=(10, 800)), cell=24)
    assert hm.shape[0] == 240 and hm.shape[2] == 3  # columns too narrow to number: no label band
    small = viz.heatmap_image(np.eye(10), cell=40, font_px=20)
    assert small.shape[0] == 400 + 28  # ten rows of 40 px plus the column numbers
    centres, counts = viz.histogram([0, 0, 1, np.nan], bins=2)
    assert counts.tolist() == [2, 1] and len(centres) == 2


def test_chart_specs_are_plain_json_with_the_right_fields():
    import json

    for spec in (viz.loss_chart_spec("epoch"), viz.accuracy_chart_spec(),
                 viz.bar_chart_spec("digit", "p", highlight="top", y_domain=(0, 1), text_format=".0%"),
                 viz.histogram_spec("h")):
        assert json.loads(json.dumps(spec)) == spec  # nothing but JSON: no Altair objects
    loss = viz.loss_chart_spec("epoch")
    assert [l["encoding"]["y"]["field"] for l in loss["layer"]] == ["loss", "loss_smooth"]
    assert loss["layer"][0]["encoding"]["x"]["field"] == "epoch"
    acc = viz.accuracy_chart_spec()
    assert acc["transform"][0]["fold"] == ["train_acc", "val_acc"]
    bar = viz.bar_chart_spec("digit", "p", highlight="top")
    assert bar["encoding"]["color"]["condition"]["test"] == "datum['top']"


def test_probability_bars_html_has_one_bar_per_class_scaled_and_the_top_one_pink():
    probs = np.array([0.05, 0.7, 0.25] + [0.0] * 7)
    html = viz.probability_bars_html(probs, height=100)
    heights = [int(h) for h in re.findall(r"height:(\d+)px;background", html)]
    assert heights == [5, 70, 25] + [1] * 7  # a zero still shows as a hairline
    assert html.count(viz.PINK) == 1 and html.index(viz.PINK) < html.index(">1<") < html.index(">2<")
    assert "70%" in html and "25%" in html
