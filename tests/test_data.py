"""Data layer: every source format, the bad-input errors, the MNIST cache and its download path."""

import gzip
import http.server
import io
import tarfile
import threading

import numpy as np
import pytest

from datafiles import (
    SHARED_MNIST, csv_bytes, idx_bytes, npz_bytes, png_bytes, sample_digits, write_idx_folder,
    write_image_folder, zip_bytes, needs_shared, shared_absent,
)
from nnscratch.data import mnist_cache
from nnscratch.data import Dataset, download_mnist, load_mnist, parse_upload, parse_uploads, stratified_split
from nnscratch.errors import DataFormatError, DataUnavailableError

needs_mnist = needs_shared(SHARED_MNIST)
OFFLINE = ["http://127.0.0.1:9/"]  # discard port: nothing listens, refused at once


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache and can never reach a real mirror."""
    d = tmp_path / "cache"
    monkeypatch.setenv("NNSCRATCH_DATA", str(d))
    monkeypatch.setattr(mnist_cache, "MIRRORS", OFFLINE)
    monkeypatch.delenv("NNSCRATCH_MNIST_MIRROR", raising=False)
    return d


@pytest.fixture(scope="module")
def digits():
    return sample_digits(40)


def _err(fn, *args, match=None):
    with pytest.raises(DataFormatError, match=match) as info:
        fn(*args)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


# ---------------------------------------------------------------- the sample and Dataset


def test_sample_is_stratified_readonly_uint8():
    ds = load_mnist("sample")
    assert (ds.x_train.shape, ds.x_test.shape) == ((4000, 28, 28), (1000, 28, 28))
    assert ds.x_train.dtype == ds.y_train.dtype == np.uint8
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert ds.source == "built-in sample (5,000 digits)"
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert not a.flags.writeable
    with pytest.raises(ValueError):
        ds.x_train[0, 0, 0] = 1
    with pytest.raises(ValueError):  # not even by flipping the flag back
        ds.x_train.flags.writeable = True
    assert 0 < ds.x_train.mean() < 60  # real digits: mostly background


def test_train_xy_returns_new_float_arrays():
    ds = load_mnist()
    X, y = ds.train_xy()
    assert X.dtype == np.float32 and X.shape == (4000, 784) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X[7] * 255, ds.x_train[7].ravel(), atol=1e-4)
    X[:] = 0.5  # the caller owns it: the shared dataset must not change
    y[:] = 3
    assert ds.train_xy()[0][7].max() == 1.0 and ds.y_train.max() == 9
    Xt, yt = ds.test_xy()
    assert Xt.shape == (1000, 784) and yt.shape == (1000,)


def test_dataset_does_not_freeze_the_callers_arrays(digits):
    x, y = digits
    ds = Dataset(x, y, x, y, "mine")
    assert x.flags.writeable and not ds.x_train.flags.writeable


def test_stratified_split_is_fixed_and_per_class():
    y = np.repeat(np.arange(10), [50, 30, 20, 10, 40, 50, 60, 70, 80, 90])
    tr, te = stratified_split(y, 0.2, seed=0)
    tr2, te2 = stratified_split(y, 0.2, seed=0)
    assert np.array_equal(te, te2) and np.array_equal(tr, tr2)
    assert np.array_equal(np.sort(np.concatenate([tr, te])), np.arange(len(y)))
    assert np.bincount(y[te]).tolist() == [10, 6, 4, 2, 8, 10, 12, 14, 16, 18]
    assert not np.array_equal(te, stratified_split(y, 0.2, seed=1)[1])


# ---------------------------------------------------------------- IDX


@needs_mnist
def test_full_mnist_from_the_shared_idx_folder():
    ds = load_mnist(SHARED_MNIST)
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.y_train[:5].tolist() == [5, 0, 4, 1, 9] and ds.y_test[:3].tolist() == [7, 2, 1]
    assert np.bincount(ds.y_test).sum() == 10000 and not ds.x_train.flags.writeable
    with pytest.raises(ValueError):
        ds.y_train.flags.writeable = True


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_raw_or_gz(tmp_path, digits, gz):
    x, y = digits
    write_idx_folder(tmp_path / "m", x[:30], y[:30], x[30:], y[30:], gz=gz)
    (tmp_path / "m" / "README.txt").write_text("not data")
    ds = load_mnist(str(tmp_path / "m"))
    assert np.array_equal(ds.x_train, x[:30]) and np.array_equal(ds.y_test, y[30:])


def test_idx_pair_only_gets_a_carved_test_split(tmp_path, digits):
    x, y = digits
    (tmp_path / "imgs").write_bytes(idx_bytes(x))
    (tmp_path / "labs").write_bytes(gzip.compress(idx_bytes(y)))
    ds = load_mnist(tmp_path)
    assert (len(ds.x_train), len(ds.x_test)) == (30, 10)
    assert np.bincount(ds.y_test, minlength=10).tolist() == [1] * 10  # 4 per class * 0.2 rounds to 1


def test_idx_zip_and_multi_upload(digits):
    x, y = digits
    files = {"train-images-idx3-ubyte": idx_bytes(x[:30]), "train-labels-idx1-ubyte": idx_bytes(y[:30]),
             "t10k-images-idx3-ubyte.gz": gzip.compress(idx_bytes(x[30:])),
             "t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(y[30:]))}
    ds = parse_upload(zip_bytes({f"mnist/{k}": v for k, v in files.items()}), "mnist.zip")
    assert np.array_equal(ds.y_train, y[:30]) and np.array_equal(ds.x_test, x[30:])
    ds2 = parse_uploads([(v, k) for k, v in files.items()])
    assert np.array_equal(ds2.x_train, x[:30])


@pytest.mark.parametrize("mutate, match", [
    (lambda b: b"\x00\x00\x08\x02" + b[4:], r"img: byte 0: magic number 2050"),
    (lambda b: b[:-5], r"img: truncated at byte \d+: the header says 40 items"),
    (lambda b: b + b"\x00", r"img: byte \d+: 1 extra bytes"),
    (lambda b: b[:8] + (27).to_bytes(4, "big") + b[12:], r"img: byte 8: images are 27x28, expected 28x28"),
    (lambda b: b[:2], r"img: byte 0: only 2 bytes"),
])
def test_idx_errors_name_file_and_offset(tmp_path, digits, mutate, match):
    x, y = digits
    (tmp_path / "img").write_bytes(mutate(idx_bytes(x)))
    (tmp_path / "lab").write_bytes(idx_bytes(y))
    if len(mutate(idx_bytes(x))) < 4:
        _err(load_mnist, tmp_path / "img", match=match)
    else:
        _err(load_mnist, tmp_path, match=match)


def test_idx_bad_labels_counts_and_gzip(tmp_path, digits):
    x, y = digits
    bad = y.copy()
    bad[5] = 10
    d = write_idx_folder(tmp_path / "a", x, bad, x, y)
    _err(load_mnist, d, match=r"train-labels-idx1-ubyte.gz: byte 13: label 10 \(item 5\) is outside 0-9")
    d = write_idx_folder(tmp_path / "b", x, y[:-1], x, y)
    _err(load_mnist, d, match=r"counts disagree: train-images-idx3-ubyte.gz has 40 images, .* 39 labels")
    d = write_idx_folder(tmp_path / "c", x, y, x, y)
    gz = (d / "t10k-images-idx3-ubyte.gz").read_bytes()
    (d / "t10k-images-idx3-ubyte.gz").write_bytes(gz[: len(gz) // 2])
    _err(load_mnist, d, match=r"t10k-images-idx3-ubyte.gz: truncated or corrupt gzip")
    _err(load_mnist, d / "train-images-idx3-ubyte.gz", match=r"lone IDX images file")


# ---------------------------------------------------------------- CSV


def test_kaggle_train_csv_with_header(tmp_path, digits):
    x, y = digits
    (tmp_path / "train.csv").write_bytes(csv_bytes(x, y))
    ds = load_mnist(tmp_path / "train.csv")
    assert len(ds.x_train) + len(ds.x_test) == 40 and np.bincount(ds.y_test).tolist() == [1] * 10
    both = np.concatenate([ds.x_train, ds.x_test])[np.argsort(np.concatenate([*stratified_split(y)]))]
    assert np.array_equal(both, x)
    assert "train.csv (40 digits, 10 held out as test" in ds.source


def test_kaggle_test_csv_is_prediction_only(tmp_path, digits):
    x, _ = digits
    ds = parse_upload(csv_bytes(x), "test.csv")
    assert ds.y_test is None and ds.y_train is None and not ds.labelled and len(ds.x_train) == 0
    assert np.array_equal(ds.x_test, x)
    X, y = ds.test_xy()
    assert X.shape == (40, 784) and y is None
    _err(ds.train_xy, match="prediction only")


def test_csv_without_header_label_first_or_last(digits):
    x, y = digits
    ds = parse_upload(csv_bytes(x, y, header=False), "mnist_train_small.csv")
    assert sorted(np.concatenate([ds.y_train, ds.y_test]).tolist()) == sorted(y.tolist())
    ds2 = parse_upload(gzip.compress(csv_bytes(x, y, header=False, label_last=True)), "mnist_5k.csv.gz")
    assert np.array_equal(ds2.x_train, ds.x_train) and np.array_equal(ds2.y_test, ds.y_test)


def test_csv_label_column_found_by_name(digits):
    x, y = digits
    flat = x.reshape(40, 784).astype(int)
    rows = np.column_stack([flat[:, :3], y, flat[:, 3:]])
    head = ",".join([f"p{i}" for i in range(3)] + ["Label"] + [f"p{i}" for i in range(3, 784)])
    text = head + "\n" + "\n".join(",".join(map(str, r)) for r in rows.tolist()) + "\n"
    ds = parse_upload(text.encode(), "mid.csv")
    ref = parse_upload(csv_bytes(x, y), "ref.csv")
    assert np.array_equal(ds.x_train, ref.x_train) and np.array_equal(ds.y_train, ref.y_train)


def test_csv_tolerates_crlf_blank_lines_floats_and_bom(digits):
    x, y = digits
    ref = parse_upload(csv_bytes(x, y), "a.csv")
    text = csv_bytes(x, y).decode()
    variants = [
        text.replace("\n", "\r\n"),
        "\ufeff" + text + "\n\n\n",
        text.replace(",0,", ",0.0,"),
        text.replace("\n", "\n\n", 3),
    ]
    for v in variants:
        ds = parse_upload(v.encode(), "v.csv")
        assert np.array_equal(ds.x_train, ref.x_train) and np.array_equal(ds.y_test, ref.y_test)


def _csv_with(cell_row, cell_col, value, digits):
    x, y = digits
    lines = csv_bytes(x, y).decode().split("\n")
    cells = lines[cell_row - 1].split(",")
    cells[cell_col - 1] = value
    lines[cell_row - 1] = ",".join(cells)
    return "\n".join(lines).encode()


@pytest.mark.parametrize("row, col, value, match", [
    (5, 300, "abc", r"k.csv: line 5, column 300: 'abc' is not a number"),
    (7, 20, "", r"k.csv: line 7, column 20: missing value"),
    (7, 20, "nan", r"k.csv: line 7, column 20: missing value"),
    (3, 100, "256", r"k.csv: line 3, column 100: value 256; expected integers 0-255"),
    (3, 100, "-1", r"k.csv: line 3, column 100: value -1"),
    (3, 100, "3.5", r"k.csv: line 3, column 100: value 3.5"),
    (9, 1, "10", r"k.csv: line 9, column 1: label 10 is outside 0-9"),
    (4, 785, "1,2", r"k.csv: Expected 785 fields in line 4, saw 786"),
])
def test_csv_errors_name_line_and_column(digits, row, col, value, match):
    _err(parse_upload, _csv_with(row, col, value, digits), "k.csv", match=match)


def test_csv_structural_errors(digits):
    x, y = digits
    good = csv_bytes(x, y).decode().split("\n")
    _err(parse_upload, b"", "e.csv", match=r"e.csv: is empty")
    _err(parse_upload, (good[0] + "\n").encode(), "h.csv", match=r"h.csv: has no data rows after line 1")
    _err(parse_upload, b"1,2,3\n4,5,6\n", "s.csv", match=r"s.csv: line 1 has 3 columns; expected 785")
    short = "\n".join(good[:3] + [good[3].rsplit(",", 1)[0]] + good[4:])
    _err(parse_upload, short.encode(), "r.csv", match=r"r.csv: line 4, column 785: missing value")
    _err(parse_upload, b"\xff\xfe" + b"1," * 784 + b"2\n", "u.csv", match=r"u.csv: line 1, byte 0: not text")


# ---------------------------------------------------------------- .npz


def test_keras_npz_and_single_split_npz(tmp_path, digits):
    x, y = digits
    (tmp_path / "mnist.npz").write_bytes(npz_bytes(x_train=x[:30], y_train=y[:30], x_test=x[30:], y_test=y[30:]))
    ds = load_mnist(tmp_path / "mnist.npz")
    assert np.array_equal(ds.x_train, x[:30]) and np.array_equal(ds.y_test, y[30:])
    ds = parse_upload(npz_bytes(x=x.reshape(40, 784).astype(np.int64), y=y.astype(np.int32)), "flat.npz")
    assert len(ds.x_train) == 30 and ds.x_train.dtype == np.uint8
    ds = parse_upload(npz_bytes(x_train=x.astype(np.float32) / 255, y_train=y.astype(np.float64)), "scaled.npz")
    assert np.array_equal(np.sort(np.concatenate([ds.x_train, ds.x_test]).ravel()), np.sort(x.ravel()))


def test_npz_errors(digits):
    x, y = digits
    _err(parse_upload, npz_bytes(a=x), "k.npz", match=r"k.npz: arrays \['a'\]; expected Keras' x_train")
    _err(parse_upload, npz_bytes(x_train=x, y_train=y[:-1]), "k.npz", match=r"40 images but 39 labels")
    _err(parse_upload, npz_bytes(x_train=x[:, :27], y_train=y), "k.npz", match=r"shape \(40, 27, 28\)")
    _err(parse_upload, npz_bytes(x_train=x, y_train=y + 1), "k.npz", match=r"label \d+ is 10; expected a digit")
    _err(parse_upload, npz_bytes(x_train=x.astype(float) * 2, y_train=y), "k.npz", match=r"pixel \d+ is 5\d\d")
    _err(parse_upload, npz_bytes(x_train=np.array([{}], dtype=object), y_train=y), "k.npz", match=r"dtype object")
    _err(parse_upload, npz_bytes(x_train=x, y_train=y)[:-100], "k.npz", match=r"k.npz: cannot read it")
    _err(parse_upload, npz_bytes(x_train=x), "k.npz", match=r"x_train without its partner")


# ---------------------------------------------------------------- image folders and zips


def test_image_folder_roundtrip_and_polarity(tmp_path, digits):
    x, y = digits
    write_image_folder(tmp_path / "pngs", x, y)
    ds = load_mnist(tmp_path / "pngs")
    both = np.concatenate([ds.x_train, ds.x_test])
    order = np.argsort(np.concatenate([*stratified_split(np.sort(y))]))
    assert np.array_equal(both[order], x[np.argsort(y, kind="stable")])
    write_image_folder(tmp_path / "inv", x, y, invert=True)  # dark ink on white paper
    assert np.array_equal(load_mnist(tmp_path / "inv").x_train, ds.x_train)


def test_image_folder_train_test_and_resizing(tmp_path, digits):
    x, y = digits
    write_image_folder(tmp_path / "d" / "training", x[:30], y[:30], size=56)
    write_image_folder(tmp_path / "d" / "testing", x[30:], y[30:])
    ds = load_mnist(tmp_path / "d")
    assert (len(ds.x_train), len(ds.x_test)) == (30, 10) and ds.x_train.shape[1:] == (28, 28)
    assert np.array_equal(ds.x_test, x[30:][np.argsort(y[30:], kind="stable")])
    big = ds.x_train.astype(float)
    assert big.max() > 200
    for img in big:  # made as MNIST was: ink fitted into a 20px box, centre of mass at (14, 14)
        rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)
        cy = (img.sum(1) @ np.arange(28)) / img.sum()
        cx = (img.sum(0) @ np.arange(28)) / img.sum()
        assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_image_zip_upload_and_bad_image(tmp_path, digits):
    x, y = digits
    files = {f"digits/{lab}/{i}.png": png_bytes(img) for i, (img, lab) in enumerate(zip(x, y))}
    files["digits/.DS_Store"] = b"junk"
    ds = parse_upload(zip_bytes(files), "digits.zip")
    assert len(ds) == 40
    files["digits/3/broken.png"] = b"\x89PNG not really"
    _err(parse_upload, zip_bytes(files), "digits.zip", match=r"cannot read digits.zip:digits/3/broken.png as an image \(not a recognised")


def test_single_image_and_missing_paths(tmp_path, digits):
    _err(parse_upload, png_bytes(digits[0][0]), "seven.png", match=r"seven.png: is one image, not a dataset")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("mnist/train.csv")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"1,2"))
    _err(parse_upload, buf.getvalue(), "mnist.tar.gz", match=r"mnist.tar.gz: is a tar archive; unpack it")
    _err(load_mnist, tmp_path / "nope.csv", match=r"nope.csv: no such file or folder")
    (tmp_path / "empty").mkdir()
    _err(load_mnist, tmp_path / "empty", match=r"empty: is empty")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("hello")
    _err(load_mnist, tmp_path / "notes", match=r"found no MNIST data among a.txt")


def test_kaggle_and_colab_folders(tmp_path, digits):
    x, y = digits
    k = tmp_path / "digit-recognizer"
    k.mkdir()
    (k / "train.csv").write_bytes(csv_bytes(x, y))
    (k / "test.csv").write_bytes(csv_bytes(x[:5]))
    (k / "sample_submission.csv").write_text("ImageId,Label\n1,0\n")
    assert len(load_mnist(k)) == 40
    c = tmp_path / "sample_data"
    c.mkdir()
    (c / "mnist_train_small.csv").write_bytes(csv_bytes(x[:30], y[:30], header=False))
    (c / "mnist_test.csv").write_bytes(csv_bytes(x[30:], y[30:], header=False))
    (c / "california_housing_test.csv").write_text("a,b\n1,2\n")
    ds = load_mnist(c)
    assert np.array_equal(ds.x_train, x[:30]) and np.array_equal(ds.y_test, y[30:])


# ---------------------------------------------------------------- the "mnist" cache and downloads


@pytest.fixture(scope="module")
def mirror_server():
    """127.0.0.1 server: /good/ real files, /broken/ garbage, /truncated/ cut mid-body, /gone/ 404."""
    if not SHARED_MNIST.is_dir():
        pytest.skip(shared_absent(SHARED_MNIST))
    files = {p.name: p.read_bytes() for p in SHARED_MNIST.glob("*.gz")}
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            _, kind, name = self.path.split("/", 2)
            data = files.get(name)
            if data is None or kind == "gone":
                self.send_error(404)
                return
            body = {"good": data, "broken": b"<html>mirror moved</html>" * 40, "truncated": data}[kind]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if kind == "truncated" else body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def _cache_files(cache):
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_download_falls_through_bad_mirrors_and_builds_fast_cache(mirror_server, cache, monkeypatch):
    url, requests = mirror_server
    monkeypatch.setenv("NNSCRATCH_MNIST_MIRROR", f"{url}/gone/ {url}/broken/")  # tried first
    monkeypatch.setattr(mnist_cache, "MIRRORS", [f"{url}/truncated/", f"{url}/good/"])
    requests.clear()
    seen = []
    ds = load_mnist("mnist", progress=lambda done, total, name: seen.append((done, total, name)))
    assert ds.x_train.shape == (60000, 28, 28) and ds.y_test[:3].tolist() == [7, 2, 1]
    assert isinstance(ds.x_train, np.memmap) and not ds.x_train.flags.writeable
    assert {n for _, _, n in seen} == {v[0] for v in mnist_cache.FILES.values()}
    assert (9719438, 9719438, "train-images-idx3-ubyte.gz") in seen
    assert requests[:4] == [f"/{k}/train-images-idx3-ubyte.gz" for k in ("gone", "broken", "truncated", "good")]
    assert not any(".part" in f for f in _cache_files(cache))
    assert len(_cache_files(cache)) == 8
    monkeypatch.setattr(mnist_cache, "MIRRORS", OFFLINE)  # second load: cache only, no network
    monkeypatch.delenv("NNSCRATCH_MNIST_MIRROR")
    again = load_mnist("mnist")
    assert np.array_equal(again.y_train, ds.y_train) and isinstance(again.x_test, np.memmap)
    # a damaged fast cache is rebuilt from the verified .gz files, still without network
    npy = cache / "mnist" / "npy" / "x_test.npy"
    head = npy.read_bytes()[:1000]
    npy.unlink()  # a new file: truncating the mapped one in place would crash the live maps (SIGBUS)
    npy.write_bytes(head)
    assert np.array_equal(load_mnist("mnist").x_test[-50:], again.x_test[-50:])


def test_only_bad_mirrors_leave_no_cache(mirror_server, cache):
    mirror_server, _ = mirror_server
    with pytest.raises(DataUnavailableError, match=r"cannot download MNIST's train-images.* 2 mirror") as info:
        download_mnist(mirrors=[f"{mirror_server}/broken/", f"{mirror_server}/truncated/"])
    assert "--data sample" in str(info.value) and "download --from DIR" in str(info.value)
    assert _cache_files(cache) == []


def test_offline_message_points_to_sample_and_from():
    with pytest.raises(DataUnavailableError) as info:
        load_mnist("mnist")
    msg = str(info.value)
    assert "\n" not in msg and "--data sample" in msg and "python -m nnscratch download --from DIR" in msg


@needs_mnist
def test_download_from_local_dir_and_reject_damaged_copy(tmp_path, cache, monkeypatch):
    folder = download_mnist(from_dir=SHARED_MNIST)
    assert folder == cache / "mnist" and len(load_mnist("mnist").y_train) == 60000
    with pytest.raises(DataUnavailableError, match=r"missing: no such folder"):  # even with a full cache
        download_mnist(from_dir=tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in SHARED_MNIST.glob("*labels*.gz"):
        (bad / p.name).write_bytes(p.read_bytes())
    raw = gzip.decompress((SHARED_MNIST / "t10k-images-idx3-ubyte.gz").read_bytes())
    (bad / "t10k-images-idx3-ubyte").write_bytes(raw[:-1] + b"\x01")  # raw, one byte changed
    (bad / "train-images-idx3-ubyte.gz").write_bytes((SHARED_MNIST / "train-images-idx3-ubyte.gz").read_bytes())
    other = tmp_path / "other-cache"
    monkeypatch.setenv("NNSCRATCH_DATA", str(other))
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte: content MD5 \w+ .* is not MNIST's"):
        download_mnist(from_dir=bad)
    assert not (other / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    assert not (other / "mnist" / "npy").exists()
    with pytest.raises(DataUnavailableError, match=r"no such folder"):
        download_mnist(from_dir=tmp_path / "missing")


def test_cache_dir_env_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("NNSCRATCH_DATA", str(tmp_path / "x"))
    assert mnist_cache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv("NNSCRATCH_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if mnist_cache.sys.platform.startswith("linux"):
        assert mnist_cache.cache_dir() == tmp_path / "xdg" / "nnscratch"
