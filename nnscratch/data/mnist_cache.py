"""The full MNIST (60,000 + 10,000): cache folder, download from public mirrors, fast .npy cache.

Layout under ``cache_dir() / "mnist"``: the four verified IDX ``.gz`` files, and ``npy/`` with
``x_train.npy`` etc., which later loads open memory-mapped in milliseconds. Every file is
written to a temporary name and renamed only once verified, so an interrupted or corrupt
download never leaves a bad cache behind.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, DataUnavailableError
from .formats import gunzip, parse_idx

# Tried in order; tests point this at a local server. (torchvision's and TensorFlow's mirrors, then the original.)
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
# key -> (file name, MD5 of the decompressed bytes, decompressed size, array shape)
FILES = {
    "x_train": ("train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb", 47_040_016, (60_000, 28, 28)),
    "y_train": ("train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624", 60_008, (60_000,)),
    "x_test": ("t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea", 7_840_016, (10_000, 28, 28)),
    "y_test": ("t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637", 10_008, (10_000,)),
}
TIMEOUT = 30.0
_UMASK = os.umask(0o022)  # read the umask (the only portable way), then put it back
os.umask(_UMASK)
OFFLINE_HINT = "use --data sample (built in), or copy the files in with `python -m nnscratch download --from DIR`"


def cache_dir() -> Path:
    """``$NNSCRATCH_DATA``, else the platform's user cache dir (``~/.cache/nnscratch`` on Linux)."""
    env = os.environ.get("NNSCRATCH_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "nnscratch" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "nnscratch"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnscratch"


def mnist_dir() -> Path:
    return cache_dir() / "mnist"


def verify(data: bytes, key: str, name: str) -> bytes:
    """Gzip or raw IDX bytes of file ``key`` -> the decompressed bytes, if their MD5 is MNIST's."""
    fname, md5, size, _ = FILES[key]
    raw = gunzip(data, name)
    got = hashlib.md5(raw).hexdigest()
    if got != md5:
        raise DataFormatError(
            f"{name}: content MD5 {got} ({len(raw):,} bytes) is not MNIST's {fname} ({md5}, {size:,} bytes); "
            "the file is damaged or not the original"
        )
    return raw


def load_fast(folder: Path | None = None) -> dict[str, np.ndarray] | None:
    """The four arrays memory-mapped read-only from the .npy cache, or None if absent or damaged."""
    npy = (folder or mnist_dir()) / "npy"
    out = {}
    for key, (*_, shape) in FILES.items():
        try:
            arr = np.load(npy / f"{key}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if arr.shape != shape or arr.dtype != np.uint8:
            return None
        out[key] = arr
    return out


def load(progress=None) -> dict[str, np.ndarray]:
    """Full MNIST arrays: from the fast cache, else from the verified IDX files, else downloaded."""
    arrays = load_fast()
    if arrays is None:
        download_mnist(progress=progress)
        arrays = load_fast()
    if arrays is None:
        raise DataUnavailableError(f"{mnist_dir()}: the MNIST cache cannot be read back; delete that folder and retry")
    return arrays


def download_mnist(from_dir=None, progress=None, *, mirrors=None, timeout=None) -> Path:
    """Get the four MNIST files into the cache (verified) and build the fast cache; returns the folder.

    ``from_dir``: copy from a local folder instead of the network (original names, .gz or not).
    ``progress(done_bytes, total_bytes_or_None, file_name)`` is called as bytes arrive.
    ``mirrors``: base URLs tried in order (default: ``$NNSCRATCH_MNIST_MIRROR`` (space-separated),
    then ``MIRRORS``).
    Raises DataUnavailableError when no mirror delivers a verified file (e.g. offline).
    """
    folder = mnist_dir()
    if from_dir is not None and not Path(from_dir).is_dir():
        raise DataUnavailableError(f"{from_dir}: no such folder; give the folder holding the four MNIST IDX files")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        raws = {key: _ensure(folder, key, from_dir, progress, mirrors, timeout) for key in FILES}
        (folder / "npy").mkdir(exist_ok=True)
        for key, raw in raws.items():
            arr = parse_idx(raw, FILES[key][0])
            _atomic_write(folder / "npy" / f"{key}.npy", lambda f, a=arr: np.save(f, a, allow_pickle=False))
    except PermissionError as err:
        raise DataUnavailableError(
            f"cannot write the MNIST cache in {folder} ({err.strerror}); set NNSCRATCH_DATA to a writable folder"
        ) from err
    return folder


def _ensure(folder, key, from_dir, progress, mirrors, timeout) -> bytes:
    """Decompressed, verified bytes of one file, fetching it into the cache if needed."""
    fname = FILES[key][0]
    target = folder / fname
    if target.is_file():
        try:
            return verify(target.read_bytes(), key, str(target))
        except DataFormatError:
            target.unlink(missing_ok=True)  # damaged cache: fetch it again
    if from_dir is not None:
        src = _find_local(Path(from_dir), fname)
        data = src.read_bytes()
        if progress:
            progress(len(data), len(data), fname)
        raw = verify(data, key, str(src))
        stored = data if data[:2] == b"\x1f\x8b" else gzip.compress(raw, compresslevel=1)
        _atomic_write(target, lambda f: f.write(stored))
        return raw
    if mirrors is None:  # a workshop can serve the files on its own network: NNSCRATCH_MNIST_MIRROR=http://host/
        mirrors = os.environ.get("NNSCRATCH_MNIST_MIRROR", "").split() + list(MIRRORS)
    return _download(target, key, mirrors, progress, timeout or TIMEOUT)


def _find_local(root: Path, fname: str) -> Path:
    if not root.is_dir():
        raise DataUnavailableError(f"{root}: no such folder; give the folder holding the four MNIST IDX files")
    stem = fname[:-3]
    names = {fname, stem, stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"}
    for depth in ("", "*/", "*/*/"):  # also torchvision's MNIST/raw/ layout
        for p in sorted(root.glob(depth + "*")):
            if p.name in names and p.is_file():
                return p
    raise DataUnavailableError(f"{root}: has no {fname} (nor {stem}); copy the four MNIST IDX files there")


def _download(target: Path, key: str, mirrors, progress, timeout) -> bytes:
    fname = FILES[key][0]
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + fname
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{fname}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                _stream(url, out, fname, progress, timeout)
            raw = verify(Path(tmp).read_bytes(), key, url)
            os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; the cache is ordinary shared data
            os.replace(tmp, target)
            return raw
        except (OSError, http.client.HTTPException, ValueError) as err:  # URLError, timeouts, bad data
            failures.append(f"{url}: {str(err).strip() or type(err).__name__}")
        finally:
            Path(tmp).unlink(missing_ok=True)
    last = failures[-1] if failures else "no mirrors configured"
    raise DataUnavailableError(f"cannot download MNIST's {fname} from {len(mirrors)} mirror(s) ({last}); {OFFLINE_HINT}")


def _stream(url, out, fname, progress, timeout):
    req = urllib.request.Request(url, headers={"User-Agent": "nnscratch"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        total = int(resp.headers.get("Content-Length") or 0) or None
        done = 0
        if progress:
            progress(0, total, fname)
        while chunk := resp.read(1 << 16):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total, fname)
    if total and done != total:
        raise DataFormatError(f"{url}: the download stopped at {done:,} of {total:,} bytes")


def _atomic_write(path: Path, write):
    """Write via a temp file in the same folder, then rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
