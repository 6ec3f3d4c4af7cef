"""Exported drawings come back from load_mnist pixel for pixel, and train and fine-tune as they are."""

import io
import zipfile

import numpy as np
import pytest

import nnscratch
from nnscratch import ConfigError, Network, fine_tune, load_mnist
from nnscratch.data.export import kaggle_csv_bytes, png_zip, write_kaggle_csv, write_png_folder


def drawings(n=40, seed=0):
    """n digit-like uint8 (28, 28) images with every grey level the canvas makes, labels 0-9 in turn."""
    rng = np.random.default_rng(seed)
    x, y = nnscratch.load_mnist("sample").x_test[:n].copy(), np.arange(n) % 10
    x[:, 4:24, 4:24] = np.maximum(x[:, 4:24, 4:24], rng.integers(0, 256, (n, 20, 20), dtype=np.uint8) // 3)
    x[:, 0, :] = 0  # the border stays background, as after to_mnist
    return x, y


def all_digits(ds):
    """Every (image bytes, label) of a Dataset, train and test together, as a sorted list."""
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    return sorted((img.tobytes(), int(lab)) for img, lab in zip(x, y))


def expected(x, y):
    return sorted((img.tobytes(), int(lab)) for img, lab in zip(x, y))


def test_png_folder_round_trip_is_pixel_exact(tmp_path):
    x, y = drawings()
    assert write_png_folder(tmp_path / "drawings", x, y) == 40
    assert sorted(p.parent.name for p in (tmp_path / "drawings").rglob("*.png")) == sorted(str(v) for v in y)
    ds = load_mnist(tmp_path / "drawings")
    assert all_digits(ds) == expected(x, y)
    assert len(ds.y_test) == 10  # a stratified fifth held out: one per digit


def test_csv_and_zip_round_trip_is_pixel_exact(tmp_path):
    x, y = drawings(seed=1)
    assert write_kaggle_csv(tmp_path / "drawings.csv", x, y) == 40
    header = (tmp_path / "drawings.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "label" and header[1] == "pixel0" and len(header) == 785
    assert all_digits(load_mnist(tmp_path / "drawings.csv")) == expected(x, y)
    data = png_zip(x, y)
    (tmp_path / "drawings.zip").write_bytes(data)
    assert all_digits(load_mnist(tmp_path / "drawings.zip")) == expected(x, y)
    assert all_digits(nnscratch.parse_upload(data, "drawings.zip")) == expected(x, y)
    assert kaggle_csv_bytes(x, y) == (tmp_path / "drawings.csv").read_bytes()


def test_float_images_and_names(tmp_path):
    x, y = drawings(10)
    write_png_folder(tmp_path / "d", x.reshape(10, 784) / 255.0, y, names=[f"id-{i}" for i in range(10)])
    assert (tmp_path / "d" / "3" / "id-3.png").is_file()
    assert all_digits(load_mnist(tmp_path / "d")) == expected(x, y)


def test_exported_drawings_train_and_fine_tune(tmp_path):
    x, y = drawings(60)
    write_png_folder(tmp_path / "d", x, y)
    ds = load_mnist(tmp_path / "d")
    X, labels = ds.train_xy()
    # the network's inputs are the exported drawings' pixels, scaled to [0, 1], each with its own label
    inputs = [(np.round(r * 255).astype(np.uint8).tobytes(), int(v)) for r, v in zip(X, labels)]
    assert len(inputs) == 50 and set(inputs) <= set(expected(x, y)) and 0 <= X.min() and X.max() <= 1
    net = Network([784, 16, 10], seed=0)
    loss0 = net.loss_and_gradients(X, labels)[0]
    nnscratch.fit(net, X, labels, steps=80, batch_size=16)
    assert net.loss_and_gradients(X, labels)[0] < loss0 * 0.8  # it learns from them
    assert net.accuracy(X, labels) >= 0.25  # measured 0.34 (seeded): well above the 0.1 of guessing
    W1 = net.params["W1"].copy()
    new = fine_tune(net, X, labels, steps=3)
    assert new is not net and np.array_equal(net.params["W1"], W1)  # a new network; the old one untouched
    assert not np.array_equal(new.params["W1"], W1) and new.meta["fine_tune"]["n_digits"] == 50
    pred = new.predict(ds.test_xy()[0])
    assert pred.shape == (len(ds.y_test),) and set(pred.tolist()) <= set(range(10))
    assert all_digits(load_mnist(tmp_path / "d")) == expected(x, y)  # nothing touched the files


def test_refuses_to_overwrite_and_leaves_nothing_behind(tmp_path):
    x, y = drawings(10)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not an empty folder"):
        write_png_folder(tmp_path / "full", x, y)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    (tmp_path / "a.csv").write_text("mine")
    with pytest.raises(ConfigError, match="already exists"):
        write_kaggle_csv(tmp_path / "a.csv", x, y)
    assert (tmp_path / "a.csv").read_text() == "mine"
    with pytest.raises(ConfigError, match="0-9"):
        write_png_folder(tmp_path / "new", x, y + 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "full"]


@pytest.mark.parametrize("images, labels, words", [
    (np.zeros((0, 28, 28), np.uint8), [], "no digits"),
    (np.zeros((2, 27, 27), np.uint8), [1, 2], "shape"),
    (np.full((2, 784), 2.0), [1, 2], "[0, 1]"),
    (np.full((2, 784), 300), [1, 2], "uint8"),
    (np.zeros((2, 784), np.uint8), [1], "one label per image"),
    (np.zeros((2, 784), np.uint8), [1.0, 2.0], "0-9"),
])
def test_bad_input_is_refused(images, labels, words):
    with pytest.raises(ConfigError, match=None) as err:
        png_zip(images, labels)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_zip_has_one_folder_per_label():
    x, y = drawings(20)
    with zipfile.ZipFile(io.BytesIO(png_zip(x, y))) as zf:
        names = zf.namelist()
    assert len(names) == 20 and all(n.startswith("drawings/") and n.endswith(".png") for n in names)
    assert {n.split("/")[1] for n in names} == {str(d) for d in range(10)}


def test_drawings_of_one_digit_only_round_trip(tmp_path):
    """A single <label>/ folder is a class of images, not a wrapping folder to look inside."""
    x, _ = drawings(5)
    y = np.full(5, 7)
    write_png_folder(tmp_path / "sevens", x, y)
    assert all_digits(load_mnist(tmp_path / "sevens")) == expected(x, y)
    assert all_digits(nnscratch.parse_upload(png_zip(x, y), "sevens.zip")) == expected(x, y)
