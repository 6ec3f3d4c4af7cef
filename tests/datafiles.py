"""Writers for every MNIST file format, used by tests/test_data*.py to make files from real digits; and
where the ../shared development data is (``$NNSCRATCH_SHARED`` overrides it), for the tests that need it."""

import gzip
import io
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from skip_policy import NEEDS_SHARED

SHARED = Path(os.environ.get("NNSCRATCH_SHARED") or Path(__file__).resolve().parents[1].parent / "shared" / "data")
SHARED_MNIST = SHARED / "mnist"
PEN_FILE = SHARED / "pendigits" / "pendigits-train"


def shared_absent(path: Path) -> str:
    """The skip reason for a test that needs ``path`` from the development data (see skip_policy)."""
    return f"{NEEDS_SHARED}: {path} is absent (a clone without ../shared; set NNSCRATCH_SHARED to point elsewhere)"


def needs_shared(path: Path):
    """A skipif mark: the test needs ``path`` (a file or folder of the development data)."""
    return pytest.mark.skipif(not path.exists(), reason=shared_absent(path))
SAMPLE = Path(__file__).resolve().parents[1] / "nnscratch" / "data" / "sample_mnist.npz"


def sample_digits(n=40):
    """``n`` real MNIST digits from the built-in sample, classes in turn 0,1,..9,0,1..: (x uint8 (n,28,28), y uint8)."""
    with np.load(SAMPLE) as z:
        x, y = z["x_test"], z["y_test"]
    k = -(-n // 10)
    idx = np.stack([np.flatnonzero(y == c)[:k] for c in range(10)], axis=1).ravel()[:n]
    return x[idx].copy(), y[idx].copy()


def idx_bytes(arr):
    arr = np.ascontiguousarray(arr, np.uint8)
    magic = 2051 if arr.ndim == 3 else 2049
    return struct.pack(f">I{arr.ndim}I", magic, *arr.shape) + arr.tobytes()


def csv_bytes(x, y=None, header=True, label_last=False):
    flat = x.reshape(len(x), -1).astype(np.int64)
    if y is not None:
        flat = np.column_stack([flat, y]) if label_last else np.column_stack([y, flat])
    lines = [",".join(map(str, row)) for row in flat.tolist()]
    if header:
        names = [f"pixel{i}" for i in range(784)]
        if y is not None:
            names = names + ["label"] if label_last else ["label"] + names
        lines.insert(0, ",".join(names))
    return ("\n".join(lines) + "\n").encode()


def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def png_bytes(img, size=None, invert=False):
    from PIL import Image

    im = Image.fromarray(255 - img if invert else img)
    if size:
        im = im.resize((size, size), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def write_idx_folder(folder, x, y, xt, yt, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in (("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte", y),
                      ("t10k-images-idx3-ubyte", xt), ("t10k-labels-idx1-ubyte", yt)):
        data = idx_bytes(arr)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(data) if gz else data)
    return folder


def write_image_folder(folder, x, y, **kw):
    for i, (img, lab) in enumerate(zip(x, y)):
        d = folder / str(lab)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:05d}.png").write_bytes(png_bytes(img, **kw))
    return folder


def zip_bytes(files):
    """``{"inner/path": bytes}`` -> zip archive bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
