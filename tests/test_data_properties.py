"""Property tests: corrupted variants of valid files, in every format, only ever raise DataFormatError.

Each valid file is small (a dozen real digits) so hundreds of variants run in seconds. A variant
either parses (then it must be a well-formed read-only Dataset) or raises DataFormatError with a
one-line message; any other exception is a bug.
"""

import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datafiles import csv_bytes, idx_bytes, npz_bytes, png_bytes, sample_digits, zip_bytes
from nnscratch.data import parse_upload
from nnscratch.errors import DataFormatError

X, Y = sample_digits(12)


def _idx_zip(gz):
    enc = gzip.compress if gz else (lambda b: b)
    return zip_bytes({"train-images-idx3-ubyte": enc(idx_bytes(X[:8])), "train-labels-idx1-ubyte": enc(idx_bytes(Y[:8])),
                      "t10k-images-idx3-ubyte": enc(idx_bytes(X[8:])), "t10k-labels-idx1-ubyte": enc(idx_bytes(Y[8:]))})


VALID = {
    "kaggle_train.csv": csv_bytes(X, Y),
    "kaggle_test.csv": csv_bytes(X),
    "colab.csv": csv_bytes(X, Y, header=False),
    "mnist_5k.csv.gz": gzip.compress(csv_bytes(X, Y, header=False, label_last=True)),
    "mnist.npz": npz_bytes(x_train=X[:8], y_train=Y[:8], x_test=X[8:], y_test=Y[8:]),
    "idx.zip": _idx_zip(gz=False),
    "idx_gz.zip": _idx_zip(gz=True),
    "pngs.zip": zip_bytes({f"d/{y}/{i}.png": png_bytes(x) for i, (x, y) in enumerate(zip(X, Y))}),
}
# lone IDX files are refused (no partner), but their headers deserve corrupting too
LONE = {"labels.idx": idx_bytes(Y), "images.idx.gz": gzip.compress(idx_bytes(X))}
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


@st.composite
def corrupted(draw):
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
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
    return bytes(data), name


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_files_parse(name):
    _check(VALID[name], name)
    ds = parse_upload(VALID[name], name)
    assert len(ds) == 12 and np.array_equal(np.sort(np.concatenate([ds.x_train, ds.x_test]).ravel()), np.sort(X.ravel()))


@pytest.mark.parametrize("name", sorted(LONE))
def test_lone_idx_files_are_refused_with_a_hint(name):
    with pytest.raises(DataFormatError, match="lone IDX"):
        parse_upload(LONE[name], name)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_corrupted_files_raise_only_data_format_error(case):
    _check(*case)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64), st.sampled_from(["x.csv", "x.npz", "x.gz", "x"]))
def test_random_bytes_raise_only_data_format_error(data, name):
    _check(data, name)


CELL = st.one_of(st.integers(-5, 300).map(str), st.sampled_from(["", "nan", "inf", "1e3", "0.5", "x", " 7 ", '"3"']))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 784), CELL), min_size=1, max_size=4))
def test_bad_csv_cells_raise_only_data_format_error(edits):
    lines = csv_bytes(X, Y).decode().split("\n")
    for row, col, cell in edits:
        cells = lines[row + 1].split(",")
        cells[col] = cell
        lines[row + 1] = ",".join(cells)
    _check("\n".join(lines).encode(), "cells.csv")


@settings(max_examples=15, deadline=None)
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
