"""Writers for decompression bombs: small files that claim (and would really decode to) gigabytes.

Every file here is *valid* in its container (gzip and zip checksums, PNG chunk CRCs and Adler-32 all
right), so a parser can only refuse it for what it claims, not because a checksum broke. The huge
streams are built without ever holding them: one deflate block for 1 MB of a pattern, flushed with
``Z_FULL_FLUSH`` so it does not depend on what came before, is repeated ``mb`` times, and the CRC-32 of
the whole is computed with zlib's own combine rule (GF(2) matrices), not by running over gigabytes.
Used by tests/test_bombs.py, tests/test_upload_bombs_live.py and bench/bench_bombs.py.
"""

from __future__ import annotations

import functools
import struct
import zlib

import numpy as np

MB = 1 << 20
POLY = 0xEDB88320  # CRC-32 (gzip, zip, PNG), reflected


# ------------------------------------------------------------------------------------ CRC-32 combine
def _times(mat, vec):
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


@functools.lru_cache(maxsize=None)
def _zeros_operator(nbytes: int) -> tuple:
    """The linear map on CRC registers that feeding ``nbytes`` zero bytes applies (as 32 column images)."""
    if nbytes == 1:
        cols = []
        for i in range(32):
            reg = 1 << i
            for _ in range(8):
                reg = (reg >> 1) ^ (POLY if reg & 1 else 0)
            cols.append(reg)
        return tuple(cols)
    half = _zeros_operator(nbytes // 2)
    sq = tuple(_times(half, c) for c in half)
    return tuple(_times(_zeros_operator(1), c) for c in sq) if nbytes % 2 else sq


def _shift(crc: int, nbytes: int) -> int:
    bit = 1
    while nbytes:  # apply the operator for each set bit of nbytes (2^k bytes at a time)
        if nbytes & 1:
            crc = _times(_zeros_operator(bit), crc)
        nbytes >>= 1
        bit <<= 1
    return crc


def crc_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    return _shift(crc1, len2) ^ crc2


def crc_repeat(crc: int, length: int, times: int) -> int:
    """CRC-32 of a block repeated ``times`` times, from the block's CRC and length."""
    out, out_len, blk, blk_len = 0, 0, crc, length
    while times:
        if times & 1:
            out, out_len = crc_combine(out, blk, blk_len), out_len + blk_len
        blk, blk_len = crc_combine(blk, blk, blk_len), blk_len * 2
        times >>= 1
    return out


# ------------------------------------------------------------------------------------ deflate streams
@functools.lru_cache(maxsize=64)
def _block(pattern: bytes) -> tuple[bytes, bytes]:
    """(1 MB of ``pattern`` repeated, its raw-deflate block after a full flush)."""
    chunk = (pattern * (MB // len(pattern) + 1))[:MB]
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    co.compress(b"")
    co.flush(zlib.Z_FULL_FLUSH)
    return chunk, co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)


def deflate_stream(head: bytes, mb: int, pattern: bytes = b"\0") -> tuple[bytes, int, int]:
    """Raw deflate of ``head`` + ``mb`` MB of ``pattern``: (stream, CRC-32 of the content, content length)."""
    chunk, blk = _block(pattern)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    stream = first + blk * mb + b"\x03\x00"  # an empty final fixed-Huffman block ends the stream
    crc = crc_combine(zlib.crc32(head), crc_repeat(zlib.crc32(chunk), MB, mb), mb * MB)
    return stream, crc, len(head) + mb * MB


def gzip_bomb(head: bytes, mb: int, pattern: bytes = b"\0") -> bytes:
    """A valid gzip of ``head`` followed by ``mb`` MB of ``pattern`` (~1 KB per MB of zeros)."""
    stream, crc, size = deflate_stream(head, mb, pattern)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + stream + struct.pack("<II", crc, size & 0xFFFFFFFF)


def idx_head(kind: str, count: int) -> bytes:
    """An IDX header: 'images' (count, 28, 28) or 'labels' (count,)."""
    return struct.pack(">IIII", 2051, count, 28, 28) if kind == "images" else struct.pack(">II", 2049, count)


def csv_head(columns: int = 785) -> bytes:
    names = ["label"] + [f"pixel{i}" for i in range(columns - 1)]
    return (",".join(names) + "\n").encode()


# ------------------------------------------------------------------------------------ zip
def zip_of(members, repeat_directory: int = 1) -> bytes:
    """A zip built by hand from ``[(name, method, compressed, crc, size)]`` (method 0 stored, 8 deflate,
    12 bzip2): whatever sizes are claimed are written as given. ``repeat_directory`` > 1 lists every
    member that many times in the central directory (a directory bomb)."""
    local, central = bytearray(), bytearray()
    for name, method, data, crc, size in members:
        fn = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data),
                             size & 0xFFFFFFFF, len(fn), 0) + fn + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
                               size & 0xFFFFFFFF, len(fn), 0, 0, 0, 0, 0, offset) + fn
    central = bytes(central) * repeat_directory
    n = min(len(members) * repeat_directory, 0xFFFF)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), len(local), 0)
    return bytes(local) + central + end


def deflated_member(name: str, head: bytes, mb: int, pattern: bytes = b"\0"):
    stream, crc, size = deflate_stream(head, mb, pattern)
    return name, 8, stream, crc, size


def stored_member(name: str, data: bytes):
    return name, 0, data, zlib.crc32(data), len(data)


def npy_head(shape, dtype="<u1") -> bytes:
    """An .npy (version 1.0) header claiming ``shape`` (the data that should follow is not included)."""
    d = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}"
    pad = -(10 + len(d) + 1) % 64
    text = (d + " " * pad + "\n").encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


# ------------------------------------------------------------------------------------ PNG
def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, mb: int | None = None) -> bytes:
    """A valid 8-bit gray PNG of ``width`` x ``height`` black pixels, its IDAT holding ``mb`` MB of inflated
    zeros (default: exactly the image, filter bytes included; ~1 KB per MB). Zero rows are all-zero bytes."""
    raw = height * (width + 1) if mb is None else mb * MB
    whole, rest = divmod(raw, MB)
    stream, _, _ = deflate_stream(b"", whole)
    if rest:  # the last partial MB: its own final block
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        stream = stream[:-2] + co.compress(bytes(rest)) + co.flush()
    adler = ((raw % 65521) << 16) | 1  # Adler-32 of `raw` zero bytes: a = 1, b = raw
    idat = b"\x78\xda" + stream + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def check_crc_helpers() -> None:
    """Self-check against zlib on small sizes (the tests call it)."""
    for head, mb, pat in ((b"", 1, b"\0"), (b"abc", 3, b"\0"), (b"x" * 100, 2, b"0,"), (b"", 5, b"\n")):
        stream, crc, size = deflate_stream(head, mb, pat)
        chunk = _block(pat)[0]
        content = zlib.decompress(stream, -15)
        assert content == head + chunk * mb and size == len(content) and crc == zlib.crc32(content)
    assert np.frombuffer(zlib.decompress(png_bomb(7, 5)[41:-16]), np.uint8).sum() == 0
