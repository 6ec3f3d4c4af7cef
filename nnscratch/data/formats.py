"""Byte-level parsers for the MNIST file formats people actually have.

Every parser takes the file's bytes plus a display ``name`` (used in messages) and returns
uint8 arrays: images ``(n, 28, 28)``, labels ``(n,)`` in 0-9. Bad content raises
``DataFormatError`` naming the file and, where it can, the line or byte offset; no other
exception escapes (``guard`` turns anything unexpected into one).

Formats are told apart by content, never by file name: gzip, zip/.npz, IDX, image, text (CSV).
This module: the shared helpers, IDX and .npz; CSV is in ``csv_format``, images in ``image_format``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import struct
import zipfile
import zlib

import numpy as np

from ..errors import DataFormatError

MAX_BYTES = 1 << 30  # refuse to inflate anything bigger (gzip/zip bombs, runaway uploads)
IMAGE_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")


@contextlib.contextmanager
def guard(name):
    """Turn any unexpected exception from third-party code into a one-line DataFormatError."""
    try:
        yield
    except DataFormatError:
        raise
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - pandas/PIL/zipfile raise many types on bad bytes
        detail = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise DataFormatError(f"{name}: cannot read it ({detail}); is it a valid MNIST file?") from err


def sniff(data: bytes) -> str:
    """Kind of content: 'empty', 'gzip', 'zip', 'npy', 'idx', 'image', 'tar' or 'text'."""
    if not data[:4096].strip() and not data.strip():
        return "empty"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:6] == b"\x93NUMPY":
        return "npy"
    if data[:2] == b"\x00\x00":  # IDX magic starts with two zero bytes; text never does
        return "idx"
    if data[257:262] == b"ustar":
        return "tar"
    if data.startswith(IMAGE_MAGICS) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    return "text"


def gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip content (multi-member ok), or return ``data`` unchanged if not gzip."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as g:
            out = g.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error, ValueError) as err:
        raise DataFormatError(f"{name}: truncated or corrupt gzip data ({err}); get a fresh copy of the file") from err
    if len(out) > MAX_BYTES:
        raise DataFormatError(f"{name}: decompresses to more than {MAX_BYTES >> 20} MB; not an MNIST file")
    return out


def gunzip_head(data: bytes, n: int = 8192) -> bytes:
    """First ``n`` decompressed bytes of possibly-gzip ``data`` (b'' if unreadable); for sniffing."""
    if data[:2] != b"\x1f\x8b":
        return data[:n]
    try:
        return zlib.decompressobj(wbits=31).decompress(data, n)
    except zlib.error:
        return b""


# ---------------------------------------------------------------- IDX


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """IDX (uncompressed) -> read-only uint8 images (n, 28, 28) or labels (n,) in 0-9."""
    if len(data) < 4:
        raise DataFormatError(f"{name}: byte 0: only {len(data)} bytes, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if magic not in (2049, 2051):
        raise DataFormatError(
            f"{name}: byte 0: magic number {magic} (0x{magic:08x}); expected 2051 (IDX images) or 2049 (IDX labels)"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(f"{name}: truncated at byte {len(data)}: the IDX header needs {header} bytes")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if dims[0] == 0:
        raise DataFormatError(f"{name}: byte 4: the header says 0 items; expected some digits")
    if ndim == 3 and dims[1:] != (28, 28):
        raise DataFormatError(f"{name}: byte 8: images are {dims[1]}x{dims[2]}, expected 28x28")
    count = int(np.prod(dims, dtype=np.int64))
    expected = header + count
    if len(data) < expected:
        raise DataFormatError(
            f"{name}: truncated at byte {len(data)}: the header says {dims[0]} items, which need {expected} bytes"
        )
    if len(data) > expected:
        raise DataFormatError(
            f"{name}: byte {expected}: {len(data) - expected} extra bytes after the {dims[0]} items the header announces"
        )
    arr = np.frombuffer(bytes(data), np.uint8, count=count, offset=header).reshape(dims)
    if ndim == 1:
        bad = np.flatnonzero(arr > 9)
        if bad.size:
            i = int(bad[0])
            raise DataFormatError(f"{name}: byte {header + i}: label {arr[i]} (item {i}) is outside 0-9")
    return arr


def idx_kind(head: bytes) -> str | None:
    """'images', 'labels' or None, from the first (decompressed) bytes of a file."""
    if len(head) < 4:
        return None
    return {2051: "images", 2049: "labels"}.get(int.from_bytes(head[:4], "big"))


# ---------------------------------------------------------------- values -> uint8


def to_images(x: np.ndarray, name: str, where: str = "") -> np.ndarray:
    """Numeric (n, 784) or (n, 28, 28) pixels in 0-255 -> uint8 (n, 28, 28); floats all <= 1 are scaled."""
    if x.dtype.kind not in "uifb":
        raise DataFormatError(f"{name}{where}: pixels have dtype {x.dtype}; expected numbers 0-255")
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataFormatError(f"{name}{where}: images have shape {x.shape}; expected (n, 28, 28) or (n, 784)")
    if x.shape[0] == 0:
        raise DataFormatError(f"{name}{where}: contains zero images")
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind == "f":
        if not np.isfinite(x).all():
            i = int(np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).any(axis=1))[0])
            raise DataFormatError(f"{name}{where}: image {i} has NaN or infinite pixels")
        if x.max() <= 1.0 and x.min() >= 0.0:  # already scaled to [0, 1]
            x = np.rint(x * 255.0)
    flat = x.reshape(len(x), -1)
    bad = (flat < 0) | (flat > 255) | (flat != np.rint(flat)) if x.dtype.kind == "f" else (flat < 0) | (flat > 255)
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DataFormatError(f"{name}{where}: image {i}, pixel {j} is {flat[i, j]}; expected integers 0-255")
    return x.astype(np.uint8)


def to_labels(y: np.ndarray, name: str, where: str = "") -> np.ndarray:
    """Integer-valued labels 0-9 of any numeric dtype, shape (n,) -> uint8 (n,)."""
    if y.dtype.kind not in "uifb" or y.ndim != 1:
        raise DataFormatError(f"{name}{where}: labels have dtype {y.dtype} and shape {y.shape}; expected (n,) digits 0-9")
    with np.errstate(invalid="ignore"):
        bad = ~((y >= 0) & (y <= 9) & (y == np.rint(y))) if y.dtype.kind == "f" else (y < 0) | (y > 9)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{name}{where}: label {i} is {y[i]}; expected a digit 0-9")
    return y.astype(np.uint8)


# ---------------------------------------------------------------- .npz


def read_npz(data: bytes, name: str, lowercase: bool = True) -> dict[str, np.ndarray]:
    """Every numeric array in an .npz (zip of .npy), keys lower-cased unless told otherwise; no pickles,
    sizes checked from the headers before anything is allocated."""
    arrays = {}
    with guard(name), zipfile.ZipFile(io.BytesIO(data)) as zf:
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
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            total += size
            if size > info.file_size or total > MAX_BYTES:
                raise DataFormatError(f"{name}: array {key!r} claims {size} bytes but is stored in {info.file_size}")
            with zf.open(info) as f:
                arrays[key] = np.lib.format.read_array(f, allow_pickle=False)
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
