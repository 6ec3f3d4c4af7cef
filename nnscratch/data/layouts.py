"""From one file's bytes, a folder, or a zip archive to labelled splits.

A result ("splits") is a dict: ``{"train": (x, y)}`` plus ``"test": (x, y)`` when the source
has its own test set, or ``{"unlabelled": x}`` for pixels-only data (Kaggle's ``test.csv``).
``x`` is uint8 ``(n, 28, 28)``, ``y`` uint8 ``(n,)``. Layouts recognised in folders/zips:
the IDX files (one or two image+label pairs), ``<label>/`` image folders (optionally under
``train*/`` and ``test*/``), or CSV/.npz files (Kaggle's and Colab's folders).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from .csv_format import csv_columns, parse_csv
from .budget import checkpoint
from .formats import gunzip, gunzip_head, idx_header, idx_kind, parse_idx, reading, sniff
from .npz_format import open_zip, read_dataset_npz, splits_from_npz
from .image_format import PixelBudget, decode_image
from .limits import MAX_BYTES, MAX_DIGITS, MAX_ZIP_DEPTH

DIGITS = tuple("0123456789")
JUNK = {"thumbs.db", "desktop.ini", "__macosx"}
MAX_ENTRIES = 200_000
EXPECTED = "the four IDX files, <label>/ image folders (0-9), or one CSV/.npz file"


class Entry:
    """One file of a folder or archive: ``parts`` is its path inside it, ``name`` for messages."""

    def __init__(self, parts, name, size, read, read_head=None):
        self.parts, self.name, self.size, self._read = tuple(parts), name, size, read
        if read_head is not None:
            self._read_head = read_head

    def read(self) -> bytes:
        if self.size > MAX_BYTES:
            raise DataFormatError(f"{self.name}: {self.size >> 20} MB is too large for MNIST data")
        with reading(self.name):
            return self._read()

    def head(self, n: int = 65536) -> bytes:
        """First ``n`` bytes, decompressed if gzip: enough to tell the format."""
        with reading(self.name):
            return gunzip_head(self._read_head(n * 4), n)

    def _read_head(self, n):
        return self._read()[:n]


class FileEntry(Entry):
    def __init__(self, path: Path, parts):
        super().__init__(parts, str(path), path.stat().st_size, path.read_bytes)
        self.path = path

    def _read_head(self, n):
        with open(self.path, "rb") as f:
            return f.read(n)


def parse_bytes(data: bytes, name: str, depth: int = 0) -> dict:
    """One file's content, any supported format -> splits. ``depth``: zips this file was found in."""
    with reading(name):
        head = gunzip_head(data, 512)  # kinds refused outright are refused before anything is inflated
        kind = sniff(head)
        if kind == "idx":  # a corrupt header deserves its own message
            idx_header(head, name)
            raise DataFormatError(f"{name}: is a lone IDX {idx_kind(head)} file; give the folder (or a .zip) "
                                  "holding images and labels together")
        if kind == "npy":
            raise DataFormatError(f"{name}: is a single .npy array; save x_train, y_train, x_test, y_test in one .npz")
        if kind == "tar":
            raise DataFormatError(f"{name}: is a tar archive; unpack it and give the folder, or upload a .zip")
        if kind == "image":
            raise DataFormatError(f"{name}: is one image, not a dataset; classify it with `predict` or the Draw page")
        data = gunzip(data, name)
        kind = sniff(data)
        if kind == "empty":
            raise DataFormatError(f"{name}: is empty; expected MNIST data ({EXPECTED})")
        if kind == "zip":
            return parse_zip(data, name, depth)
        x, y = parse_csv(data, name)
        return {"unlabelled": x} if y is None else {"train": (x, y)}


def parse_zip(data: bytes, name: str, depth: int = 0) -> dict:
    """A .npz (zip of .npy arrays) or a zip of any folder layout (its directory checked by ``open_zip``)."""
    if depth >= MAX_ZIP_DEPTH:
        raise DataFormatError(f"{name}: a zip inside a zip inside a zip; unpack the outer ones first")
    with reading(name), open_zip(data, name) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if any(i.filename.endswith(".npy") for i in infos):
            return splits_from_npz(read_dataset_npz(data, name), name)
        entries = [
            Entry(i.filename.split("/"), f"{name}:{i.filename}", i.file_size, lambda i=i: _zip_member(zf, i),
                  lambda n, i=i: _zip_head(zf, i, n))
            for i in infos
        ]
        return parse_tree(entries, name, depth + 1)


def _zip_member(zf, info) -> bytes:
    """A member's bytes, inflated in small steps and never past the size the directory declares (zf.read
    would inflate a whole compressed block at once: a member lying about its size could take gigabytes)."""
    out = bytearray()
    with zf.open(info) as f:
        while len(out) < info.file_size:
            chunk = f.read(min(1 << 20, info.file_size - len(out)))
            if not chunk:
                break
            out += chunk
    if len(out) != info.file_size:
        raise DataFormatError(f"{zf.filename or 'zip'}:{info.filename}: holds {len(out):,} bytes, its directory says "
                              f"{info.file_size:,}; the zip is damaged")
    return bytes(out)


def _zip_head(zf, info, n):
    with zf.open(info) as f:  # only the start: members are inflated in full once, when parsed
        return f.read(n)


def folder_entries(root: Path) -> list[Entry]:
    """Every file under ``root`` (3 levels deep at most), as entries."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root).parts
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d)) if len(rel) < 3 else []
        for f in sorted(filenames):
            p = Path(dirpath, f)
            if p.is_file():
                out.append(FileEntry(p, rel + (f,)))
            if len(out) > MAX_ENTRIES:
                raise DataFormatError(f"{root}: holds more than {MAX_ENTRIES:,} files; point to the MNIST folder itself")
    return out


def _hidden(part: str) -> bool:
    return part.startswith((".", "__")) or part.lower() in JUNK


def parse_tree(entries: list[Entry], name: str, depth: int = 0) -> dict:
    """Files of a folder or archive -> splits, trying image folders, then IDX, then CSV/.npz.
    ``depth``: zips these files were found in."""
    entries = [e for e in entries if not any(_hidden(p) for p in e.parts)]
    while entries and all(len(e.parts) > 1 for e in entries) and len({e.parts[0] for e in entries}) == 1:
        if entries[0].parts[0] in DIGITS and all(len(e.parts) == 2 for e in entries):
            break  # one <label>/ folder of images (drawings of one digit), not a wrapper
        for e in entries:  # one wrapping folder (typical of zips): look inside it
            e.parts = e.parts[1:]
    if not entries:
        raise DataFormatError(f"{name}: is empty; expected {EXPECTED}")
    images = [e for e in entries if len(e.parts) >= 2 and e.parts[-2] in DIGITS]
    if images:
        return _image_folders(images, name)
    heads = {id(e): e.head() for e in entries}
    idx = [(e, idx_kind(heads[id(e)])) for e in entries if sniff(heads[id(e)]) == "idx"]
    for e, k in idx:
        if k is None:  # IDX-like but a wrong magic number: say so precisely
            parse_idx(gunzip(e.read(), e.name), e.name)
    if idx:
        return _idx_files(idx, name)
    return _table_files(entries, heads, name, depth)


def _split_of(parts) -> str:
    text = "/".join(parts).lower()
    return "test" if ("test" in text or "t10k" in text) else "train"


def _image_folders(entries, name) -> dict:
    if len(entries) > MAX_DIGITS:
        raise DataFormatError(f"{name}: holds {len(entries):,} images; this app reads at most {MAX_DIGITS:,} digits "
                              "(MNIST has 70,000)")
    pixels = PixelBudget(name)
    done = 0
    groups = defaultdict(list)
    for e in entries:
        groups[_split_of(e.parts[:-2])].append(e)
    out = {}
    for split, es in groups.items():
        es.sort(key=lambda e: (e.parts[-2], e.parts))
        x = np.empty((len(es), 28, 28), np.uint8)
        for i, e in enumerate(es):
            x[i] = decode_image(e.read(), e.name, pixels)
            done += 1
            if done % 256 == 0:
                checkpoint(done, len(entries))
        y = np.array([int(e.parts[-2]) for e in es], np.uint8)
        out[split] = (x, y)
    if "train" not in out:
        out = {"train": out["test"]}
    return out


def _pair_key(fname: str) -> str:
    s = re.sub(r"\.gz$", "", fname.lower())
    return re.sub(r"idx[13]", "idx", re.sub(r"images?|labels?", "#", s))


def _idx_files(found, name) -> dict:
    imgs = [e for e, k in found if k == "images"]
    labs = [e for e, k in found if k == "labels"]
    if len(imgs) != len(labs) or len(imgs) > 2:
        listed = ", ".join(e.parts[-1] for e, _ in found)
        raise DataFormatError(
            f"{name}: found IDX files {listed}; expected one images file and one labels file per split (train, test)"
        )
    if len(imgs) == 1:
        pairs = [(imgs[0], labs[0])]
    else:
        by_key = {_pair_key(e.parts[-1]): e for e in labs}
        pairs = [(i, by_key.get(_pair_key(i.parts[-1]))) for i in imgs]
        if any(lab is None for _, lab in pairs):
            raise DataFormatError(f"{name}: cannot tell which IDX labels file goes with which images file by name")
    loaded = []
    for ie, le in pairs:
        x = parse_idx(gunzip(ie.read(), ie.name), ie.name)
        y = parse_idx(gunzip(le.read(), le.name), le.name)
        if x.ndim != 3 or y.ndim != 1:
            raise DataFormatError(f"{ie.name}: IDX shapes {x.shape} and {y.shape}; expected images and labels")
        if len(x) != len(y):
            raise DataFormatError(
                f"{name}: counts disagree: {ie.parts[-1]} has {len(x)} images, {le.parts[-1]} has {len(y)} labels"
            )
        loaded.append((_split_of(ie.parts), len(x), (x, y)))
    if len(loaded) == 1:
        return {"train": loaded[0][2]}
    a, b = loaded
    if a[0] == b[0]:  # names do not say: the bigger pair is the training set
        a, b = ("train", a[1], a[2]), ("test", b[1], b[2])
        if a[1] < b[1]:
            a, b = ("train", b[1], b[2]), ("test", a[1], a[2])
    return {a[0]: a[2], b[0]: b[2]}


def _table_files(entries, heads, name, depth) -> dict:
    labelled, unlabelled = [], []
    for e in entries:
        head = heads[id(e)]
        kind = sniff(head)
        if kind == "zip":
            labelled.append(e)
        elif kind == "text":
            cols = csv_columns(head)
            (labelled if cols == 785 else unlabelled if cols == 784 else []).append(e)
    if len(labelled) > 2 or (len(labelled) == 2 and len({_split_of(e.parts) for e in labelled}) != 2):
        listed = ", ".join(e.parts[-1] for e in labelled)
        raise DataFormatError(f"{name}: several data files ({listed}); point to one of them")
    if labelled:
        out = {}
        for e in labelled:
            splits = parse_bytes(e.read(), e.name, depth)
            if len(labelled) == 1:
                return splits
            out[_split_of(e.parts)] = _single(splits, e.name)
        return out
    if len(unlabelled) == 1:
        e = unlabelled[0]
        return parse_bytes(e.read(), e.name, depth)
    listed = ", ".join(e.parts[-1] for e in entries[:5])
    raise DataFormatError(f"{name}: found no MNIST data among {listed}; expected {EXPECTED}")


def _single(splits, name):
    if "test" in splits or "train" not in splits:
        raise DataFormatError(f"{name}: expected one labelled split in this file")
    return splits["train"]
