"""MNIST from wherever people keep it: one loader, one read-only ``Dataset``.

    ds = load_mnist("sample")            # built in: 5,000 digits, works offline (the default)
    ds = load_mnist("mnist")             # full 60,000 + 10,000: cache, else download (verified)
    ds = load_mnist("path/to/train.csv") # or IDX (.gz) folder, Keras .npz, <label>/ image folders, a .zip
    X, y = ds.train_xy()                 # float32 (n, 784) in [0, 1], int64 (n,): new arrays

Formats are detected by content. Sources with one split get a stratified test split carved
out with a fixed seed. Bad input raises ``DataFormatError`` (file and line/byte named);
full MNIST that cannot be had raises ``DataUnavailableError``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from .formats import reading
from .npz_format import read_npz, splits_from_npz
from .kinds import MNIST, PATH, SAMPLE, UPLOAD
from .limits import MAX_BYTES
from .layouts import Entry, folder_entries, parse_bytes, parse_tree
from .mnist_cache import cache_dir, download_mnist
from . import mnist_cache

__all__ = ["Dataset", "load_mnist", "download_mnist", "parse_upload", "parse_uploads", "stratified_split", "cache_dir"]

SAMPLE_PATH = Path(__file__).with_name("sample_mnist.npz")
TEST_FRACTION = 0.2
SPLIT_SEED = 0


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    view = a.view()  # never flip the caller's own array
    view.flags.writeable = False
    return view


class Dataset:
    """Images uint8 ``(n, 28, 28)`` (0 = background, 255 = ink) and labels uint8 ``(n,)``, read-only.

    Safe to share between threads and app sessions: nothing here is ever modified in place.
    For pixels-only data (Kaggle ``test.csv``) the images are in ``x_test``, both labels are None
    and the training split is empty: usable for prediction only (``labelled`` is False).
    """

    def __init__(self, x_train, y_train, x_test, y_test, source: str, kind: str = PATH):
        for x, y, split in ((x_train, y_train, "train"), (x_test, y_test, "test")):
            if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
                raise ValueError(f"{split} images must be uint8 (n, 28, 28), got {x.dtype} {x.shape}")
            if y is not None and (y.dtype != np.uint8 or y.shape != (len(x),)):
                raise ValueError(f"{split} labels must be uint8 ({len(x)},), got {y.dtype} {y.shape}")
        self.x_train, self.y_train = _frozen(x_train), _frozen(y_train)
        self.x_test, self.y_test = _frozen(x_test), _frozen(y_test)
        self.source = source  # for people: what it is and where it came from
        self.kind = kind  # one of kinds.DATA_KINDS: what a model's metadata records

    @property
    def labelled(self) -> bool:
        return self.y_test is not None

    def train_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """New arrays: float32 (n_train, 784) in [0, 1] and int64 (n_train,)."""
        if self.y_train is None or len(self.x_train) == 0:
            raise DataFormatError(f"{self.source}: has no labels, so it cannot train; use it for prediction, "
                                  "or give a labelled file")
        return _as_xy(self.x_train), self.y_train.astype(np.int64)

    def test_xy(self) -> tuple[np.ndarray, np.ndarray | None]:
        """New arrays: float32 (n_test, 784) in [0, 1] and int64 (n_test,) (None when unlabelled)."""
        y = None if self.y_test is None else self.y_test.astype(np.int64)
        return _as_xy(self.x_test), y

    def __len__(self) -> int:
        return len(self.x_train) + len(self.x_test)

    def __repr__(self) -> str:
        return f"Dataset({self.source!r}, train={len(self.x_train):,}, test={len(self.x_test):,})"


def _as_xy(x: np.ndarray) -> np.ndarray:
    out = x.reshape(len(x), 784).astype(np.float32)
    out *= np.float32(1 / 255)
    return out


def stratified_split(y: np.ndarray, test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED):
    """Index arrays (train, test), both sorted, with ``test_fraction`` of every class in test."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = int(round(len(idx) * test_fraction))
        test.append(rng.permutation(idx)[:k])
    test = np.sort(np.concatenate(test)) if test else np.zeros(0, np.int64)
    train = np.setdiff1d(np.arange(len(y)), test, assume_unique=True)
    return train, test


def load_mnist(source=SAMPLE, progress=None) -> Dataset:
    """``"sample"`` (built in), ``"mnist"`` (full, cached/downloaded), or a path to a file or folder.

    ``progress(done_bytes, total_bytes, file_name)`` is called while downloading full MNIST.
    Raises DataFormatError (bad or missing path/file) or DataUnavailableError (offline, no cache).
    """
    if source is None or (isinstance(source, str) and source == SAMPLE):
        return _sample()
    if isinstance(source, str) and source == MNIST:
        a = mnist_cache.load(progress=progress)
        return Dataset(a["x_train"], a["y_train"], a["x_test"], a["y_test"],
                       "MNIST (60,000 train + 10,000 test)", kind=MNIST)
    path = Path(os.fspath(source)).expanduser()
    name = str(source)
    if path.is_dir():
        return _dataset(parse_tree(folder_entries(path), name), name)
    if not path.is_file():
        raise DataFormatError(f"{name}: no such file or folder; give 'sample', 'mnist' or a path to MNIST data")
    with reading(name):
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataFormatError(f"{name}: {size >> 20} MB is too large for MNIST data")
        data = path.read_bytes()
    return _dataset(parse_bytes(data, name), name)


def parse_upload(data: bytes, filename: str) -> Dataset:
    """An uploaded file's bytes (any format ``load_mnist`` reads; a .zip may hold a folder layout)."""
    return _dataset(parse_bytes(bytes(data), filename), filename, kind=UPLOAD)


def parse_uploads(files) -> Dataset:
    """Several uploaded files at once, e.g. the four IDX files: ``[(data, filename), ...]``."""
    files = list(files)
    if len(files) == 1:
        return parse_upload(*files[0])
    entries = [Entry([fn], fn, len(d), lambda d=d: bytes(d)) for d, fn in files]
    label = " + ".join(fn for _, fn in files) if len(files) == 2 else f"{files[0][1]} + {len(files) - 1} more files"
    return _dataset(parse_tree(entries, label), label, kind=UPLOAD)


def _locked(*arrays):
    """Our own fresh arrays, made read-only at the base, so no view can ever be made writable again."""
    for a in arrays:
        while a is not None:
            a.flags.writeable = False
            a = a.base if isinstance(a.base, np.ndarray) else None
    return arrays


def _sample() -> Dataset:
    name = "built-in sample"
    try:
        data = SAMPLE_PATH.read_bytes()
    except OSError as err:
        raise DataFormatError(f"{SAMPLE_PATH}: the built-in sample is missing; reinstall nnscratch") from err
    s = splits_from_npz(read_npz(data, name), name)
    return Dataset(*_locked(*s["train"], *s["test"]), f"built-in sample ({len(s['train'][0]) + len(s['test'][0]):,} digits)",
                   kind=SAMPLE)


def _dataset(splits: dict, name: str, kind: str = PATH) -> Dataset:
    """Splits from the parsers -> Dataset, carving a stratified test split when there is none."""
    label = Path(name).name or name
    if "unlabelled" in splits:
        (x,) = _locked(splits["unlabelled"])
        return Dataset(np.zeros((0, 28, 28), np.uint8), None, x, None,
                       f"{label} ({len(x):,} unlabelled digits, prediction only)", kind)
    x, y = splits["train"]
    if "test" in splits:
        x, y, xt, yt = _locked(x, y, *splits["test"])
        return Dataset(x, y, xt, yt, f"{label} ({len(x):,} train + {len(xt):,} test)", kind)
    tr, te = stratified_split(y)
    return Dataset(*_locked(x[tr], y[tr], x[te], y[te]),
                   f"{label} ({len(y):,} digits, {len(te):,} held out as test, stratified, seed {SPLIT_SEED})", kind)
