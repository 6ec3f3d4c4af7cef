"""Data-layer benchmark: Kaggle-size CSV parse time and full-MNIST fast-cache load time.

    python bench/bench_data.py [--json]

Needs the development copy of MNIST (../shared/data/mnist, or $NNSCRATCH_SHARED). Writes a
42,000 x 785 CSV (Kaggle's digit-recognizer train.csv layout, header included) from the real
digits into a temporary folder, and builds the .npy cache in another temporary folder (your real
cache is never touched). Figures are best and median of a few runs; the OS page cache is warm.
"""

import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("NNSCRATCH_SHARED") or ROOT.parent / "shared" / "data") / "mnist"


def kaggle_csv(x: np.ndarray, y: np.ndarray) -> bytes:
    """uint8 images (n, 784) + labels -> CSV bytes with Kaggle's header, built vectorised (fast)."""
    table = np.zeros((256, 4), np.uint8)  # "d,", "dd,", "ddd,", left-aligned, zero-padded
    for v in range(256):
        s = f"{v},".encode()
        table[v, : len(s)] = list(s)
    cells = table[np.column_stack([y, x])]  # (n, 785, 4)
    cells[:, -1][cells[:, -1] == ord(",")] = ord("\n")
    flat = cells.ravel()
    header = ",".join(["label"] + [f"pixel{i}" for i in range(784)]) + "\n"
    return header.encode() + flat[flat != 0].tobytes()


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times), statistics.median(times)


def main():
    if not (SHARED / "train-images-idx3-ubyte.gz").is_file():
        sys.exit(f"bench_data: {SHARED} not found; set NNSCRATCH_SHARED to the folder holding mnist/")
    t = time.perf_counter()
    import pandas  # noqa: F401  - imported once per process; timed separately

    import_s = time.perf_counter() - t
    from nnscratch.data import download_mnist, load_mnist
    from nnscratch.data.csv_format import parse_csv

    x = np.frombuffer(gzip.decompress((SHARED / "train-images-idx3-ubyte.gz").read_bytes()), np.uint8, offset=16)
    y = np.frombuffer(gzip.decompress((SHARED / "train-labels-idx1-ubyte.gz").read_bytes()), np.uint8, offset=8)
    res = {"pandas_import_s": round(import_s, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.csv"
        path.write_bytes(kaggle_csv(x.reshape(-1, 784)[:42000], y[:42000]))
        res["csv_mb"] = round(path.stat().st_size / 1e6, 1)
        data = path.read_bytes()
        (xs, ys), best, med = timed(lambda: parse_csv(data, "train.csv"), 3)
        assert xs.shape == (42000, 28, 28) and np.array_equal(ys, y[:42000])
        res.update(csv_parse_best_s=round(best, 3), csv_parse_median_s=round(med, 3))
        ds, best, med = timed(lambda: load_mnist(path), 3)
        res.update(csv_load_mnist_best_s=round(best, 3), csv_load_mnist_median_s=round(med, 3))

        os.environ["NNSCRATCH_DATA"] = str(Path(tmp) / "cache")
        _, best, _ = timed(lambda: download_mnist(from_dir=SHARED), 1)
        res["cache_build_s"] = round(best, 3)
        ds, best, med = timed(lambda: load_mnist("mnist"), 5)
        assert ds.x_train.shape == (60000, 28, 28)
        res.update(cache_load_best_s=round(best, 4), cache_load_median_s=round(med, 4))
        _, best, med = timed(lambda: (ds.train_xy(), ds.test_xy()), 3)
        res.update(cache_to_float32_best_s=round(best, 3), cache_to_float32_median_s=round(med, 3))
        del ds
    _, best, med = timed(lambda: load_mnist("sample"), 5)
    res.update(sample_load_best_s=round(best, 4), sample_load_median_s=round(med, 4))

    print(f"Kaggle-size CSV (42,000 x 785, {res['csv_mb']} MB): parse {res['csv_parse_best_s']:.2f} s best, "
          f"{res['csv_parse_median_s']:.2f} s median (load_mnist incl. read + split: {res['csv_load_mnist_best_s']:.2f} s;"
          f" pandas import {res['pandas_import_s']:.2f} s once)")
    print(f"Full MNIST from the fast cache: {res['cache_load_best_s'] * 1000:.1f} ms best, "
          f"{res['cache_load_median_s'] * 1000:.1f} ms median (memory-mapped); to float32 via train_xy+test_xy: "
          f"{res['cache_to_float32_best_s']:.2f} s; building the cache from the .gz files: {res['cache_build_s']:.2f} s")
    print(f"Built-in sample: {res['sample_load_best_s'] * 1000:.1f} ms best")
    if "--json" in sys.argv:
        print(json.dumps(res))


if __name__ == "__main__":
    main()
