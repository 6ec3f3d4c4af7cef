"""Every size limit on input data, in one place: what a file may claim before it is refused.

A hostile file is cheap to make (4 MB of gzip can claim gigabytes), so each parser checks what the
file *claims* (a header, a zip directory, a line count, an image size) against these limits before
decoding, and never decompresses more than the content can need. MNIST itself is 70,000 digits;
the limits leave a margin above that and refuse anything far beyond it with a one-line message.

What one parse can hold at most follows from these numbers: ``MAX_PARSE_MEMORY`` at the end.
"""

MAX_DIGITS = 100_000
"""Digits in one dataset (IDX items, CSV rows, .npz rows, image files): MNIST's 70,000 and a margin."""

MAX_CSV_LINES = MAX_DIGITS + 1_000
"""Lines a CSV may have (rows, a header, some blank lines); counted before anything is parsed."""

MAX_LINE_BYTES = 64 << 10
"""Longest CSV line: 785 numbers written as long decimals ("0.0039215686274509803,") need ~18 KB."""

MAX_BYTES = 256 << 20
"""Most bytes one file may hold, or decompress to: a CSV of 100,000 digits is ~180 MB (pixels written
as integers; a CSV of decimals like 0.0039215 is refused beyond this: write integers 0-255)."""

MAX_RATIO = 50
"""Most a gzip stream or a zip member may expand (real MNIST files: 4-10x; a zero bomb: ~1000x)."""

RATIO_FLOOR = 1 << 20
"""Small inputs may always expand to this many bytes, whatever the ratio (tiny test files)."""

MAX_ZIP_MEMBERS = 2 * MAX_DIGITS + 1_000
"""Entries in a zip: one image per digit, doubled for macOS's ``__MACOSX/._*`` twins, plus folders."""

MAX_ZIP_DEPTH = 2
"""Zips inside zips: a folder zip holding a Keras .npz is 2 levels; deeper nesting is refused."""

MAX_ARRAY_BYTES = 256 << 20
"""Total bytes of the arrays in one .npz (data or model), from their headers: float32 MNIST is 220 MB."""

MAX_IMAGE_PIXELS = 1024 * 1024
"""Pixels of one image in a dataset folder (a digit is 28x28; a scan at 300 dpi is ~300x300)."""

MAX_FOLDER_PIXELS = 256 << 20
"""Pixels of all the images of one dataset together (70,000 MNIST PNGs are 55 M): bounds decoding time."""

MAX_UPLOAD_MB = 200
"""Uploads at once, in MB: the app's own check (``.streamlit/config.toml``'s server.maxUploadSize agrees)."""

BLOCK_BYTES = 4 << 20
"""Text a CSV parser works on at once (whole lines of about this many bytes)."""

MAX_PARSE_MEMORY = (MAX_UPLOAD_MB << 20) + MAX_BYTES + 3 * MAX_DIGITS * 785 + BLOCK_BYTES
"""Most memory one parse of an accepted upload may hold (a bound from the limits above, not a measurement):
the upload's bytes, one inflated stream or zip's members, the digits about three times (while the CSV is
assembled and the test split is carved) and one block's work. A refused file costs a few MB: it is refused
from its claims. Docs quote this number; ``budget`` keeps at most NNSCRATCH_MAX_PARSING such parses at once."""
