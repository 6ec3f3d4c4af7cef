"""Property tests: corrupted variants of valid files, in every format, only ever raise DataFormatError.

Each valid file is small (a dozen real digits) so hundreds of variants run in seconds. A variant
either parses (then it must be a well-formed read-only Dataset) or raises DataFormatError with a
one-line message; any other exception is a bug.

Two kinds of corruption: of the file's bytes as uploaded (for a gzip, zip or npz file that mostly tests
the container: a flipped byte dies at its checksum), and of the content *inside* a container (the CSV
before gzip, one IDX file, .npy member or PNG before zipping), re-wrapped into a valid container, so the
inner parsers see corrupt content behind a checksum that holds.
"""

import gzip
import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples  # hypothesis counts scaled by the profile (tests/conftest.py)

from datafiles import csv_bytes, idx_bytes, npz_bytes, png_bytes, sample_digits, zip_bytes
from nnscratch.data import parse_upload
from nnscratch.errors import DataFormatError

X, Y = sample_digits(12)


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _gz(b: bytes) -> bytes:
    return gzip.compress(b, mtime=0)


IDX_PARTS = {"train-images-idx3-ubyte": idx_bytes(X[:8]), "train-labels-idx1-ubyte": idx_bytes(Y[:8]),
             "t10k-images-idx3-ubyte": idx_bytes(X[8:]), "t10k-labels-idx1-ubyte": idx_bytes(Y[8:])}
# Containers as (inner parts, how they are wrapped): a corrupt part re-wrapped is a valid container
# around corrupt content. The wrapping is what np.savez_compressed, gzip and zip tools write.
CONTAINERS = {
    "mnist_5k.csv.gz": ({"csv": csv_bytes(X, Y, header=False, label_last=True)}, lambda p: _gz(p["csv"])),
    "mnist.npz": ({"x_train.npy": _npy(X[:8]), "y_train.npy": _npy(Y[:8]), "x_test.npy": _npy(X[8:]),
                   "y_test.npy": _npy(Y[8:])}, zip_bytes),
    "idx.zip": (IDX_PARTS, zip_bytes),
    "idx_gz.zip": (IDX_PARTS, lambda p: zip_bytes({k: _gz(v) for k, v in p.items()})),
    "pngs.zip": ({f"d/{y}/{i}.png": png_bytes(x) for i, (x, y) in enumerate(zip(X, Y))}, zip_bytes),
    "images.idx.gz": ({"idx": idx_bytes(X)}, lambda p: _gz(p["idx"])),
}


def _wrapped(name: str) -> bytes:
    parts, wrap = CONTAINERS[name]
    return wrap(parts)


VALID = {
    "kaggle_train.csv": csv_bytes(X, Y),
    "kaggle_test.csv": csv_bytes(X),
    "colab.csv": csv_bytes(X, Y, header=False),
    "mnist_5k.csv.gz": _wrapped("mnist_5k.csv.gz"),
    "mnist.npz": npz_bytes(x_train=X[:8], y_train=Y[:8], x_test=X[8:], y_test=Y[8:]),
    "mnist_rewrapped.npz": _wrapped("mnist.npz"),
    "idx.zip": _wrapped("idx.zip"),
    "idx_gz.zip": _wrapped("idx_gz.zip"),
    "pngs.zip": _wrapped("pngs.zip"),
}
# lone IDX files are refused (no partner), but their headers deserve corrupting too
LONE = {"labels.idx": idx_bytes(Y), "images.idx.gz": _wrapped("images.idx.gz")}
SEEDS = {**VALID, **LONE}


def _check(data, name):
    try:
        ds = parse_upload(data, name)
    except DataFormatError as err:
        msg = str(err)
        assert msg and "\n" not in msg
        return
    for a in (ds.x_train, ds.x_test):
        assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[1:] == (28, 28) and not a.flags.writeable
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        if a is not None and a.size:
            with pytest.raises(ValueError):  # shared across app sessions: no way back to writable
                a.flags.writeable = True
    if ds.labelled:
        assert ds.y_train.max(initial=0) <= 9 and ds.y_test.max(initial=0) <= 9


def _mutate(draw, data: bytes) -> bytes:
    """1-3 byte-level edits: flip a bit, truncate, insert, delete, overwrite."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "overwrite"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 64))]
        else:
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[i : i + len(chunk)] = chunk
    return bytes(data)


@st.composite
def corrupted(draw):
    """A seed file with its bytes (as uploaded) corrupted."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    return _mutate(draw, SEEDS[name]), name


@st.composite
def corrupted_inside(draw):
    """A container whose content is corrupted (one inner part), wrapped again with valid checksums."""
    name = draw(st.sampled_from(sorted(CONTAINERS)))
    parts, wrap = CONTAINERS[name]
    part = draw(st.sampled_from(sorted(parts)))
    return wrap({**parts, part: _mutate(draw, parts[part])}), name


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_files_parse(name):
    _check(VALID[name], name)
    ds = parse_upload(VALID[name], name)
    assert len(ds) == 12 and np.array_equal(np.sort(np.concatenate([ds.x_train, ds.x_test]).ravel()), np.sort(X.ravel()))


@pytest.mark.parametrize("name", sorted(LONE))
def test_lone_idx_files_are_refused_with_a_hint(name):
    with pytest.raises(DataFormatError, match="lone IDX"):
        parse_upload(LONE[name], name)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_corrupted_files_raise_only_data_format_error(case):
    _check(*case)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted_inside())
def test_corrupted_content_inside_containers_raises_only_data_format_error(case):
    _check(*case)


@settings(max_examples=examples(100), deadline=None)
@given(st.binary(max_size=64), st.sampled_from(["x.csv", "x.npz", "x.gz", "x"]))
def test_random_bytes_raise_only_data_format_error(data, name):
    _check(data, name)


CELL = st.one_of(st.integers(-5, 300).map(str), st.sampled_from(["", "nan", "inf", "1e3", "0.5", "x", " 7 ", '"3"']))


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 784), CELL), min_size=1, max_size=4))
def test_bad_csv_cells_raise_only_data_format_error(edits):
    lines = csv_bytes(X, Y).decode().split("\n")
    for row, col, cell in edits:
        cells = lines[row + 1].split(",")
        cells[col] = cell
        lines[row + 1] = ",".join(cells)
    _check("\n".join(lines).encode(), "cells.csv")


@settings(max_examples=examples(15), deadline=None)
@given(st.integers(1, 20), st.integers(0, 2**31 - 1))
def test_formats_round_trip_random_digits(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.uint8)
    for data, name in [(csv_bytes(x, y), "r.csv"), (npz_bytes(x_train=x, y_train=y), "r.npz")]:
        ds = parse_upload(data, name)
        got_x = np.concatenate([ds.x_train, ds.x_test])
        got_y = np.concatenate([ds.y_train, ds.y_test])
        order = np.lexsort((got_x.reshape(n, -1)[:, :8].T[::-1]))
        ref = np.lexsort((x.reshape(n, -1)[:, :8].T[::-1]))
        assert np.array_equal(got_x[order], x[ref]) and np.array_equal(got_y[order], y[ref])
