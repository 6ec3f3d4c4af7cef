"""Zip archives and NumPy .npz files (a zip of .npy arrays): the directory and every array header are
checked against what MNIST data can be before anything is extracted or allocated."""

from __future__ import annotations

import io
import zipfile

import numpy as np

from ..errors import DataFormatError
from .budget import checkpoint
from .formats import inflate_limit, reading, to_images, to_labels
from .limits import MAX_ARRAY_BYTES, MAX_BYTES, MAX_DIGITS, MAX_RATIO, MAX_ZIP_MEMBERS

ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """A zip archive whose directory was checked before anything is extracted: at most MAX_ZIP_MEMBERS
    entries, stored or deflated members only, each at most ``inflate_limit`` of its compressed size,
    MAX_BYTES in all. (zipfile never inflates a member past the size the directory declares.)"""
    if bytes(data).count(b"PK\x01\x02") > MAX_ZIP_MEMBERS:
        # every directory entry starts with this signature: counted before zipfile builds one object per entry
        raise DataFormatError(f"{name}: holds more than {MAX_ZIP_MEMBERS:,} files; zip the MNIST folder itself")
    with reading(name):
        zf = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in zf.infolist():
        where = f"{name}:{info.filename[:80]}"
        if info.compress_type not in ZIP_METHODS:
            raise DataFormatError(f"{where}: compressed with method {info.compress_type}; zip it again with the "
                                  "usual (deflate) compression")
        if info.file_size > inflate_limit(info.compress_size):
            raise DataFormatError(f"{where}: claims to unpack {info.compress_size:,} bytes into {info.file_size:,} "
                                  f"(more than {MAX_RATIO}x); not MNIST data")
        total += info.file_size
        if total > MAX_BYTES:
            raise DataFormatError(f"{name}: unpacks to more than {MAX_BYTES >> 20} MB; not MNIST data")
    return zf


def read_npz(data: bytes, name: str, lowercase: bool = True, check=None) -> dict[str, np.ndarray]:
    """Every numeric array in an .npz (zip of .npy), keys lower-cased unless told otherwise; no pickles.

    Sizes are checked from the zip directory and each .npy header before anything is allocated:
    each array within its member's declared size, MAX_ARRAY_BYTES in all. ``check(key, shape)``, if
    given, may refuse an array by raising, or skip it (unread) by returning False.
    """
    arrays = {}
    with reading(name), open_zip(data, name) as zf:
        total = 0
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4].lower() if lowercase else info.filename[:-4]
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            if dtype.hasobject or dtype.kind not in "uifb":
                raise DataFormatError(f"{name}: array {key!r} has dtype {dtype}; expected numbers")
            if check is not None and check(key, shape) is False:
                continue
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            total += size
            if size > info.file_size:
                raise DataFormatError(f"{name}: array {key!r} claims {size} bytes but is stored in {info.file_size}")
            if total > MAX_ARRAY_BYTES:
                raise DataFormatError(f"{name}: its arrays hold more than {MAX_ARRAY_BYTES >> 20} MB (array {key!r} is "
                                      f"{dtype} {shape}); save the images as uint8 to upload them")
            with zf.open(info) as f:
                arrays[key] = np.lib.format.read_array(f, allow_pickle=False)
            checkpoint(total, MAX_ARRAY_BYTES)
    return arrays


IMAGE_KEYS, LABEL_KEYS = ("x_train", "x_test", "x", "images", "data"), ("y_train", "y_test", "y", "labels", "target")


def read_dataset_npz(data: bytes, name: str) -> dict[str, np.ndarray]:
    """The image and label arrays of a data .npz, shapes checked from the headers before reading:
    images (n, 28, 28) or (n, 784), labels (n,), n <= MAX_DIGITS; other arrays are never read."""
    seen = []

    def check(key, shape):
        seen.append(key)
        if key not in IMAGE_KEYS + LABEL_KEYS:
            return False
        if key in IMAGE_KEYS and (len(shape) not in (2, 3) or int(np.prod(shape[1:], dtype=np.int64)) != 784):
            raise DataFormatError(f"{name} ({key}): images have shape {shape}; expected (n, 28, 28) or (n, 784)")
        if key in LABEL_KEYS and len(shape) != 1:
            raise DataFormatError(f"{name} ({key}): labels have shape {shape}; expected (n,) digits 0-9")
        if shape[0] > MAX_DIGITS:
            raise DataFormatError(f"{name} ({key}): {shape[0]:,} rows; this app reads at most {MAX_DIGITS:,} digits "
                                  "(MNIST has 70,000)")
        return True

    arrays = read_npz(data, name, check=check)
    if not arrays:
        raise DataFormatError(f"{name}: arrays {sorted(seen)}; expected Keras' x_train, y_train, x_test, y_test (or x, y)")
    return arrays


def splits_from_npz(arrays: dict[str, np.ndarray], name: str):
    """Keras layout (x_train, y_train[, x_test, y_test]) or one split (x, y / images, labels)."""
    out = {}
    for split in ("train", "test"):
        xk, yk = f"x_{split}", f"y_{split}"
        if xk in arrays or yk in arrays:
            if xk not in arrays or yk not in arrays:
                raise DataFormatError(f"{name}: has {xk if xk in arrays else yk} without its partner; expected both")
            out[split] = _xy(arrays[xk], arrays[yk], name, f" ({xk}/{yk})")
    if not out:
        for xk, yk in (("x", "y"), ("images", "labels"), ("data", "target")):
            if xk in arrays and yk in arrays:
                out["train"] = _xy(arrays[xk], arrays[yk], name, f" ({xk}/{yk})")
                break
    if "train" not in out:
        raise DataFormatError(
            f"{name}: arrays {sorted(arrays)}; expected Keras' x_train, y_train, x_test, y_test (or x, y)"
        )
    return out


def _xy(x, y, name, where):
    x, y = to_images(x, name, where), to_labels(y, name, where)
    if len(x) != len(y):
        raise DataFormatError(f"{name}{where}: {len(x)} images but {len(y)} labels; the counts must agree")
    return x, y
