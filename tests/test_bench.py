import numpy as np

from nnscratch import load_mnist
from nnscratch.tools import notebook
from nnscratch.tools.bench import epoch_flops, matmul_gflops


def test_epoch_flops_counts_forward_weight_grads_and_hidden_grads():
    # 784-128-10: forward 2(784*128 + 128*10), dW the same, dA1 2*10*128, no dX
    per_sample = 2 * (784 * 128 + 128 * 10) * 2 + 2 * 128 * 10
    assert epoch_flops([784, 128, 10], n=60_000) == 60_000 * per_sample


def test_matmul_rate_is_measured():
    assert matmul_gflops(repeats=1, n=256) > 0


def test_notebook_baseline_really_learns():
    """The baseline the classic preset is timed against must be a working implementation."""
    ds = load_mnist("sample")
    X, y = ds.train_xy()
    params = notebook.run(X, y, alpha=0.1, iterations=60, seed=0)
    Xt, yt = ds.test_xy()
    acc = (notebook.predict(params, Xt) == yt).mean()
    assert acc > 0.3  # ten classes: chance is 0.1
    assert params[1].shape == (10, 1) and np.ptp(params[1]) > 0  # biases drawn per unit at init
