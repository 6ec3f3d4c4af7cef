"""Write labelled 28x28 digits as datasets that ``load_mnist`` reads back, pixel for pixel.

    write_png_folder("drawings", images, labels)     # drawings/<label>/<name>.png, 8-bit gray
    write_kaggle_csv("drawings.csv", images, labels) # label,pixel0..pixel783 (header), one digit a row
    png_zip(images, labels)                          # the folder as a .zip, in memory (the app's download)

``images``: uint8 (n, 28, 28) or (n, 784) with 0 = background and 255 = ink (as MNIST and the store
keep them), or floats in [0, 1] (rounded to the nearest 1/255). ``labels``: n whole numbers 0-9.
Files are written whole or not at all (temp file, then rename), and nothing existing is overwritten.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import ConfigError

__all__ = ["as_uint8_images", "png_files", "write_png_folder", "png_zip", "kaggle_csv_bytes",
           "write_kaggle_csv"]

CSV_HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))


def as_uint8_images(images, labels):
    """-> (uint8 (n, 28, 28), int64 (n,)), checked; ConfigError (one line) on anything else."""
    a = np.asarray(images)
    if a.ndim == 2 and a.shape[1] == 784:
        a = a.reshape(len(a), 28, 28)
    if a.ndim != 3 or a.shape[1:] != (28, 28):
        raise ConfigError(f"images must be (n, 28, 28) or (n, 784), got shape {a.shape}")
    if a.dtype.kind == "f":
        if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
            raise ConfigError("float images must hold values in [0, 1]; give uint8 images for 0-255 values")
        a = np.round(a * 255).astype(np.uint8)
    elif a.dtype != np.uint8:
        if a.dtype.kind not in "iu" or a.min(initial=0) < 0 or a.max(initial=0) > 255:
            raise ConfigError(f"images must be uint8 0-255 or floats in [0, 1], not {a.dtype}")
        a = a.astype(np.uint8)
    y = np.asarray(labels)
    if len(a) == 0:
        raise ConfigError("there are no digits to export; label some drawings first")
    if y.shape != (len(a),):
        raise ConfigError(f"give one label per image: {len(a)} images, labels of shape {y.shape}")
    if (y.dtype.kind not in "iu" or y.min() < 0 or y.max() > 9):
        raise ConfigError("labels must be whole numbers 0-9")
    return a, y.astype(np.int64)


def _png(img: np.ndarray) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(img, mode="L").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def png_files(images, labels, names=None):
    """Yield (relative path "<label>/<name>.png", PNG bytes) for every digit.

    ``names`` (one per image, e.g. drawing ids) default to the running index, zero-padded.
    """
    imgs, y = as_uint8_images(images, labels)
    if names is None:
        width = max(5, len(str(len(y))))
        names = [f"{i:0{width}d}" for i in range(len(y))]
    names = [str(n) for n in names]
    if len(names) != len(y) or len(set(names)) != len(names):
        raise ConfigError("names must be one distinct name per image")
    for img, label, name in zip(imgs, y, names):
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ConfigError(f"name {name[:40]!r} cannot be a file name; use letters, digits, - and _")
        yield f"{label}/{name}.png", _png(img)


def write_png_folder(folder, images, labels, names=None) -> int:
    """Write ``folder/<label>/<name>.png`` for every digit -> how many files were written.

    The folder must not exist yet or be empty (an export never mixes with older files); it is
    filled under a temporary name and renamed at the end, so a failed export leaves nothing behind.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} already exists and is not an empty folder; choose a new folder name")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"{parent} does not exist; create it first or choose another place")
    files = list(png_files(images, labels, names))  # all checks before anything is written
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    try:
        for rel, data in files:
            (tmp / rel).parent.mkdir(exist_ok=True)
            (tmp / rel).write_bytes(data)
        if folder.exists():
            folder.rmdir()  # empty, checked above
        os.replace(tmp, folder)
    except BaseException:
        _remove_tree(tmp)
        raise
    return len(files)


def _remove_tree(path: Path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def png_zip(images, labels, names=None, top: str = "drawings") -> bytes:
    """The PNG folder as .zip bytes: ``top/<label>/<name>.png`` (load_mnist reads the zip as is)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in png_files(images, labels, names):
            zf.writestr(f"{top}/{rel}", data)
    return buf.getvalue()


def kaggle_csv_bytes(images, labels) -> bytes:
    """Kaggle's train.csv layout: a header ``label,pixel0,...,pixel783``, then one digit per line."""
    imgs, y = as_uint8_images(images, labels)
    table = np.concatenate([y[:, None], imgs.reshape(len(y), 784).astype(np.int64)], axis=1)
    buf = io.StringIO()
    buf.write(CSV_HEADER + "\n")
    np.savetxt(buf, table, fmt="%d", delimiter=",")
    return buf.getvalue().encode("ascii")


def write_kaggle_csv(path, images, labels) -> int:
    """Write :func:`kaggle_csv_bytes` to ``path`` (atomically; refuses to overwrite) -> rows written."""
    path = Path(path)
    if path.exists():
        raise ConfigError(f"{path} already exists; choose a new file name")
    if not path.resolve().parent.is_dir():
        raise ConfigError(f"{path.resolve().parent} does not exist; create it first or choose another place")
    data = kaggle_csv_bytes(images, labels)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.resolve().parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.link(tmp, path)  # unlike a rename, fails if someone made the file meanwhile
    except FileExistsError:
        raise ConfigError(f"{path} already exists; choose a new file name") from None
    finally:
        os.unlink(tmp)
    return data.count(b"\n") - 1
