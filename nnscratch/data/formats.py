"""Byte-level parsers for the MNIST file formats people actually have.

Every parser takes the file's bytes plus a display ``name`` (used in messages) and returns
uint8 arrays: images ``(n, 28, 28)``, labels ``(n,)`` in 0-9. Bad content raises
``DataFormatError`` naming the file and, where it can, the line or byte offset; no other
exception escapes (``reading`` turns anything unexpected into one).

Formats are told apart by content, never by file name: gzip, zip/.npz, IDX, image, text (CSV).
This module: the shared helpers, gzip and IDX; zip and .npz are in ``npz_format``, CSV in ``csv_format``,
images in ``image_format``. Nothing is decompressed or allocated past what the file claims and ``limits`` allows:
an IDX header fixes how many bytes to inflate, a zip's directory and an .npy header are checked first.
"""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import numpy as np

from ..errors import DataFormatError, NNScratchError
from .budget import checkpoint
from .limits import MAX_BYTES, MAX_CSV_LINES, MAX_DIGITS, MAX_RATIO, RATIO_FLOOR

IMAGE_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")


@contextlib.contextmanager
def reading(name):
    """Turn any unexpected exception from third-party code into a one-line DataFormatError."""
    try:
        yield
    except NNScratchError:  # ours already (a DataFormatError, or ParseCancelled from a checkpoint)
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


def inflate_limit(compressed: int) -> int:
    """Most bytes ``compressed`` bytes of gzip/zip data may expand to (``MAX_RATIO``, ``MAX_BYTES``)."""
    return min(MAX_BYTES, max(RATIO_FLOOR, MAX_RATIO * compressed))


class _Gunzip:
    """Incremental gzip reader (multi-member ok): ``read(n)`` inflates only ``n`` more bytes."""

    STEP_IN, STEP_OUT = 1 << 16, 1 << 22  # input fed / output asked per zlib call: small copies only

    def __init__(self, data, name):
        self.data, self.name, self.pos = memoryview(data), name, 0
        self.d, self.pending = zlib.decompressobj(wbits=31), b""

    def read(self, n: int) -> bytes:
        out = io.BytesIO()
        self.read_into(out, n)
        return out.getvalue()

    def read_into(self, out: io.BytesIO, n: int, check=None) -> None:
        """Up to ``n`` more bytes into ``out``; fewer only at the end of the data (checksums verified).
        ``check(piece)`` sees each piece as it is inflated, and may refuse the content early."""
        try:
            while n > 0:
                if self.d.eof:  # end of a member: another member, or zero padding, may follow
                    self.pending = self.d.unused_data
                    if len(self.pending) < 2:
                        self.pending += bytes(self.data[self.pos:self.pos + self.STEP_IN])
                        self.pos = min(len(self.data), self.pos + self.STEP_IN)
                    if self.pending[:2] != b"\x1f\x8b":
                        if self.pending.strip(b"\0") or bytes(self.data[self.pos:]).strip(b"\0"):
                            raise DataFormatError(f"{self.name}: junk after the gzip data; get a fresh copy of the file")
                        self.pending, self.pos = b"", len(self.data)
                        break
                    self.d = zlib.decompressobj(wbits=31)
                if not self.pending:
                    if self.pos >= len(self.data):
                        raise DataFormatError(f"{self.name}: truncated or corrupt gzip data (it ends early); "
                                              "get a fresh copy of the file")
                    self.pending = self.data[self.pos:self.pos + self.STEP_IN]
                    self.pos += len(self.pending)
                piece = self.d.decompress(self.pending, min(n, self.STEP_OUT))
                self.pending = self.d.unconsumed_tail
                if check is not None:
                    check(piece)
                out.write(piece)
                n -= len(piece)
                if len(piece) == self.STEP_OUT:
                    checkpoint(self.pos, len(self.data))
        except zlib.error as err:
            raise DataFormatError(f"{self.name}: truncated or corrupt gzip data ({err}); get a fresh copy of the file") from err


def gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip content (multi-member ok), or return ``data`` unchanged if not gzip.

    Inflates only what the content can need: an IDX file exactly the size its header states (+1 byte,
    so trailing data is still reported), anything else at most ``inflate_limit(len(data))`` bytes.
    """
    if data[:2] != b"\x1f\x8b":
        return data
    g = _Gunzip(data, name)
    head = g.read(512)  # enough to tell the kind (a tar's magic is at 257); an IDX header is 16 at most
    limit = inflate_limit(len(data))
    want = None
    if head[:2] == b"\0\0":  # IDX: its header says exactly how many bytes follow
        header, dims = idx_header(head, name)
        want = header + int(np.prod(dims, dtype=np.int64))
    if want is not None and want > limit:
        raise DataFormatError(f"{name}: its IDX header claims {want:,} bytes, {want / len(data):.0f}x the compressed "
                              f"size (real MNIST files: under {MAX_RATIO}x); not an MNIST file")
    check = _TextCheck(name, head) if want is None and sniff(head) == "text" else None
    buf = io.BytesIO()  # grows in place; getvalue() hands over its buffer without a copy
    buf.write(head)
    g.read_into(buf, (limit if want is None else want) + 1 - len(head), check)
    out = buf.getvalue()
    if len(out) > limit:
        raise DataFormatError(f"{name}: decompresses to more than {limit:,} bytes ({MAX_RATIO}x its size, "
                              f"at most {MAX_BYTES >> 20} MB); not an MNIST file")
    return out


class _TextCheck:
    """While a gzip that starts like text is inflated: it must stay a plausible CSV of digits (no NUL
    bytes, at most MAX_CSV_LINES lines), so a bomb of zeros or of blank lines stops at its first MB."""

    def __init__(self, name, head):
        self.name, self.lines = name, head.count(b"\n")

    def __call__(self, piece):
        if b"\0" in piece:
            raise DataFormatError(f"{self.name}: decompresses to binary data (zero bytes) after a text start; "
                                  "not a CSV of digits")
        self.lines += piece.count(b"\n")
        if self.lines > MAX_CSV_LINES:
            raise DataFormatError(f"{self.name}: decompresses to more than {MAX_CSV_LINES:,} lines; this app reads "
                                  f"at most {MAX_DIGITS:,} digits (MNIST has 70,000)")


def gunzip_head(data: bytes, n: int = 8192) -> bytes:
    """First ``n`` decompressed bytes of possibly-gzip ``data`` (b'' if unreadable); for sniffing."""
    if data[:2] != b"\x1f\x8b":
        return data[:n]
    try:
        return zlib.decompressobj(wbits=31).decompress(data, n)
    except zlib.error:
        return b""


# ---------------------------------------------------------------- IDX


def idx_header(data: bytes, name: str) -> tuple[int, tuple[int, ...]]:
    """(header length, dimensions) from an IDX file's first bytes (16 suffice), checked: the magic,
    28x28 images, 1..MAX_DIGITS items. The file then holds exactly ``prod(dimensions)`` more bytes."""
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
    if dims[0] > MAX_DIGITS:
        raise DataFormatError(f"{name}: byte 4: the header says {dims[0]:,} items; this app reads at most "
                              f"{MAX_DIGITS:,} digits (MNIST has 70,000)")
    if ndim == 3 and dims[1:] != (28, 28):
        raise DataFormatError(f"{name}: byte 8: images are {dims[1]}x{dims[2]}, expected 28x28")
    return header, dims


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """IDX (uncompressed) -> read-only uint8 images (n, 28, 28) or labels (n,) in 0-9."""
    header, dims = idx_header(data, name)
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
    if len(dims) == 1:
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


CHUNK = 4096  # images converted at a time: temporaries stay a few MB whatever the dataset's size


def to_images(x: np.ndarray, name: str, where: str = "") -> np.ndarray:
    """Numeric (n, 784) or (n, 28, 28) pixels in 0-255 -> uint8 (n, 28, 28); floats all <= 1 are scaled.

    Works ``CHUNK`` images at a time, so a float64 upload costs the array itself plus the uint8 result.
    """
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
    chunks = [slice(i, i + CHUNK) for i in range(0, len(x), CHUNK)]
    scaled = False
    if x.dtype.kind == "f":
        lo, hi = np.inf, -np.inf
        for c in chunks:
            part = x[c].reshape(-1, 784)
            finite = np.isfinite(part)
            if not finite.all():
                i = c.start + int(np.flatnonzero(~finite.all(axis=1))[0])
                raise DataFormatError(f"{name}{where}: image {i} has NaN or infinite pixels")
            lo, hi = min(lo, part.min()), max(hi, part.max())
        scaled = hi <= 1.0 and lo >= 0.0  # already scaled to [0, 1]
    out = np.empty(x.shape, np.uint8)
    for c in chunks:
        flat = x[c].reshape(-1, 784)
        if scaled:
            flat = np.rint(flat * 255.0)
        bad = (flat < 0) | (flat > 255)
        if x.dtype.kind == "f":
            bad |= flat != np.rint(flat)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise DataFormatError(f"{name}{where}: image {c.start + i}, pixel {j} is {flat[i, j]}; expected integers 0-255")
        out[c] = flat.reshape(-1, 28, 28)
    return out


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
