"""Hostile uploads: mutated CSV, IDX, NPZ, PNG and model files give only the project's own errors.

Each test starts from a valid file made from real digits, applies a random stack of byte-level mutations
(flip, overwrite, insert, delete, truncate, duplicate) with hypothesis, and feeds the result to the
entry points the app uses for uploads: ``nnscratch.parse_upload`` / ``parse_uploads`` (data),
``nnscratch.Network.load`` (models) and ``nnscratch.drawing.preprocess.load_image`` (a picture of a digit).
Anything may be accepted, but every refusal must be an ``NNScratchError`` (a one-line message the app
shows), never a stray ``zlib.error``, ``struct.error``, ``MemoryError``... and never a traceback.
Compressed containers are also mutated *inside* (the raw IDX before gzip, the .npy members and the
model's JSON metadata before zipping), or almost every mutation would only break a checksum.
A pickle planted in an .npz must never be unpickled: its payload would set ``PWNED``.
About 2,600 generated examples in total; the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples  # hypothesis counts scaled by the profile (tests/conftest.py)

import nnscratch
from nnscratch.errors import NNScratchError
from nnscratch.drawing.preprocess import load_image

from datafiles import csv_bytes, idx_bytes, npz_bytes, png_bytes, sample_digits, zip_bytes

X, Y = sample_digits(20)
CSV = csv_bytes(X, Y)
IDX_IMAGES = idx_bytes(X)
IDX_LABELS = idx_bytes(Y)
NPZ = npz_bytes(x_train=X[:12], y_train=Y[:12], x_test=X[12:], y_test=Y[12:])
PNG = png_bytes(X[3], size=112)
PNG_PAPER = png_bytes(X[7], size=64, invert=True)  # dark ink on light paper


def _model_bytes(sizes=(784, 8, 10)):
    net = nnscratch.Network(list(sizes), seed=1)
    net.meta["name"] = "hostile-seed"
    return net.to_bytes()


MODEL = _model_bytes()
MODEL_DEEP = _model_bytes((784, 6, 5, 10))

MEMORY_HEADROOM = 1536 << 20  # address space a loader may reserve for one small file (gunzip reserves 1 GB)
FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------------------------ mutations
@st.composite
def mutated(draw, seed: bytes, max_ops: int = 4) -> bytes:
    """``seed`` with 1..max_ops random byte-level edits (positions biased towards headers)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        n = len(data)
        head = draw(st.booleans())
        pos = draw(st.integers(0, max(0, min(n, 64) - 1) if head else max(0, n - 1)))
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "dup", "zero"]))
        if op == "flip" and n:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and n:
            data[pos] = draw(st.sampled_from([0, 1, 9, 10, 0x7F, 0x80, 0xFF, ord(","), ord("\n"), ord("-")]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete" and n:
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        elif op == "dup" and n:
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 256))]
        elif op == "zero" and n:
            k = draw(st.integers(1, 32))
            data[pos:pos + k] = bytes(len(data[pos:pos + k]))
    return bytes(data)


@contextlib.contextmanager
def memory_cap(extra: int = MEMORY_HEADROOM):
    """Cap this process's address space at its current size + ``extra`` bytes while a hostile input is
    parsed, so a file that makes a loader allocate gigabytes fails as MemoryError (reported below as a
    bug) instead of the kernel's OOM killer taking down the machine. Where the cap cannot be set (no
    RLIMIT_AS, no /proc), the test skips with the reason: the bound it claims is not checked there, and
    CI (NNSCRATCH_REQUIRE_ALL=1, tests/skip_policy.py) turns that skip into a failure."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            vm = int(f.read().split()[0]) * resource.getpagesize()
        cap = vm + extra if hard == resource.RLIM_INFINITY else min(vm + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError) as e:
        pytest.skip(f"the address-space cap (RLIMIT_AS) cannot be set here ({type(e).__name__}: {e}): "
                    "the memory bound this test claims would go unchecked")
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def only_our_errors(fn, *args):
    """Call ``fn``; any exception other than NNScratchError fails the test (with its type and text)."""
    try:
        with memory_cap():
            return fn(*args)
    except NNScratchError as e:
        assert str(e) and "\n" not in str(e).strip(), f"multi-line or empty message: {e!r}"
        return None
    except Exception as e:  # noqa: BLE001 - this is the bug being hunted
        pytest.fail(f"{fn.__qualname__} leaked {type(e).__name__}: {e}", pytrace=False)


def _npz_of(members: dict) -> bytes:
    """A stored (uncompressed) zip of raw .npy member bytes, so member edits survive as edits."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for k, v in members.items():
            zf.writestr(k, v)
    return buf.getvalue()


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ the seeds are valid
def test_the_unmutated_seeds_are_accepted():
    """Otherwise the fuzzing below would only exercise the first refusal."""
    for data, name in ((CSV, "train.csv"), (NPZ, "mnist.npz")):
        assert len(nnscratch.parse_upload(data, name)) > 0, name
    assert len(nnscratch.parse_uploads([(IDX_IMAGES, "train-images-idx3-ubyte"),
                                        (IDX_LABELS, "train-labels-idx1-ubyte")])) == 20
    assert nnscratch.Network.load(MODEL).sizes == [784, 8, 10]
    assert nnscratch.Network.load(MODEL_DEEP).sizes == [784, 6, 5, 10]
    assert nnscratch.Network.load(_npz_of(MODEL_MEMBERS)).sizes == [784, 8, 10]
    assert nnscratch.Network.load(_npz_of(MODEL_MEMBERS_DEEP)).sizes == [784, 6, 5, 10]
    assert load_image(PNG).shape == (28, 28) and load_image(PNG_PAPER).shape == (28, 28)


# ------------------------------------------------------------------------------------ data uploads
@settings(max_examples=examples(300), **FAST)
@given(mutated(CSV, max_ops=6))
def test_mutated_csv(data):
    only_our_errors(nnscratch.parse_upload, data, "train.csv")


@settings(max_examples=examples(250), **FAST)
@given(mutated(IDX_IMAGES), mutated(IDX_LABELS), st.booleans())
def test_mutated_idx_pair(images, labels, gz):
    if gz:
        images, labels = gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)
    only_our_errors(nnscratch.parse_uploads, [(images, "train-images-idx3-ubyte.gz"),
                                              (labels, "train-labels-idx1-ubyte.gz")])


@settings(max_examples=examples(200), **FAST)
@given(mutated(gzip.compress(IDX_IMAGES, mtime=0)))
def test_mutated_gzip_container(data):
    only_our_errors(nnscratch.parse_uploads, [(data, "t10k-images-idx3-ubyte.gz"),
                                              (gzip.compress(IDX_LABELS), "t10k-labels-idx1-ubyte.gz")])


@settings(max_examples=examples(250), **FAST)
@given(mutated(NPZ))
def test_mutated_npz_container(data):
    only_our_errors(nnscratch.parse_upload, data, "mnist.npz")


NPY_MEMBERS = {"x_train.npy": _npy(X[:12]), "y_train.npy": _npy(Y[:12].astype(np.int64)),
               "x_test.npy": _npy(X[12:]), "y_test.npy": _npy(Y[12:])}


@settings(max_examples=examples(250), **FAST)
@given(st.sampled_from(sorted(NPY_MEMBERS)), st.data())
def test_mutated_npy_member_inside_npz(key, data):
    members = dict(NPY_MEMBERS)
    members[key] = data.draw(mutated(members[key]))
    only_our_errors(nnscratch.parse_upload, _npz_of(members), "mnist.npz")


@settings(max_examples=examples(200), **FAST)
@given(mutated(PNG), st.sampled_from(["parse", "load_image"]))
def test_mutated_png(data, entry):
    if entry == "parse":
        only_our_errors(nnscratch.parse_upload, zip_bytes({"digits/3/a.png": data, "digits/7/b.png": PNG_PAPER}),
                        "digits.zip")
    else:
        only_our_errors(load_image, data)


@settings(max_examples=examples(150), **FAST)
@given(mutated(PNG_PAPER, max_ops=6))
def test_mutated_png_on_paper(data):
    only_our_errors(load_image, data)


# ------------------------------------------------------------------------------------ model uploads
MODEL_SEEDS = {"784-8-10": MODEL, "784-6-5-10": MODEL_DEEP}


@settings(max_examples=examples(400), **FAST)
@given(st.sampled_from(sorted(MODEL_SEEDS)), st.data())
def test_mutated_model_file(which, data):
    """Both a one- and a two-hidden-layer model file (the deep one has W3/b3 and a longer sizes list)."""
    only_our_errors(nnscratch.Network.load, data.draw(mutated(MODEL_SEEDS[which])))


def _model_members(sizes=(784, 8, 10), meta=None):
    net = nnscratch.Network(list(sizes), seed=1)
    m = {**net.config(), "name": "x"}
    m.update(meta or {})
    members = {f"{k}.npy": _npy(v) for k, v in net.params.items()}
    members["meta.npy"] = _npy(np.frombuffer(json.dumps(m).encode(), np.uint8))
    return members


MODEL_MEMBERS = _model_members()
MODEL_MEMBERS_DEEP = _model_members((784, 6, 5, 10))
META_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                        st.text(max_size=8), st.lists(st.integers(-5, 10**9), max_size=5),
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # numpy's header parser on a mangled header
@settings(max_examples=examples(300), **FAST)
@given(st.sampled_from([MODEL_MEMBERS, MODEL_MEMBERS_DEEP]), st.data())
def test_mutated_member_inside_model(seed, data):
    members = dict(seed)
    key = data.draw(st.sampled_from(sorted(members)))
    members[key] = data.draw(mutated(members[key]))
    only_our_errors(nnscratch.Network.load, _npz_of(members))


@settings(max_examples=examples(300), **FAST)
@given(st.dictionaries(st.sampled_from(["sizes", "activation", "init", "seed", "dtype", "name"]),
                       META_VALUES, min_size=1, max_size=3))
def test_model_metadata_with_odd_values(meta):
    """Metadata is JSON a user can edit: any values in any field; big sizes must not allocate."""
    only_our_errors(nnscratch.Network.load, _npz_of(_model_members(meta=meta)))


@pytest.mark.parametrize("sizes", [[784, 10**9, 10], [784, 2**31, 10], [784, -5, 10], [784], [784, 0, 10],
                                   [10**12, 10], [784] + [8] * 500 + [10]])
def test_model_metadata_with_absurd_sizes_is_refused_without_allocating(sizes):
    net = only_our_errors(nnscratch.Network.load, _npz_of(_model_members(meta={"sizes": sizes})))
    assert net is None, f"a file whose metadata says sizes {sizes[:6]}... loaded as {net.architecture[:60]}"


# ------------------------------------------------------------------------------------ pickles
PWNED = []


def _pwn():
    PWNED.append("unpickled!")
    return np.zeros(3)


class _Payload:
    def __reduce__(self):
        return (_pwn, ())


def _pickled_npy():
    """An .npy of dtype object: numpy stores it as a pickle (which would call _pwn when loaded)."""
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = _Payload(), _Payload()
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize("where", ["data-npz", "model-npz", "model-meta", "zip-of-npz", "raw-pickle"])
def test_pickles_are_never_unpickled(where):
    PWNED.clear()
    bomb = _pickled_npy()
    raw = pickle.dumps(_Payload())
    if where == "data-npz":
        only_our_errors(nnscratch.parse_upload, _npz_of({**NPY_MEMBERS, "x_train.npy": bomb}), "mnist.npz")
    elif where == "model-npz":
        only_our_errors(nnscratch.Network.load, _npz_of({**MODEL_MEMBERS, "W1.npy": bomb}))
    elif where == "model-meta":
        only_our_errors(nnscratch.Network.load, _npz_of({**MODEL_MEMBERS, "meta.npy": bomb}))
    elif where == "zip-of-npz":
        only_our_errors(nnscratch.parse_upload, zip_bytes({"a/mnist.npz": _npz_of({"x.npy": bomb, "y.npy": bomb})}),
                        "bundle.zip")
    else:
        only_our_errors(nnscratch.parse_upload, raw, "mnist.pkl")
        only_our_errors(nnscratch.Network.load, raw)
        only_our_errors(load_image, raw)
    assert PWNED == [], f"a pickle was unpickled via {where}"
