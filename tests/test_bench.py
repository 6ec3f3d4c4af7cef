import numpy as np
import pytest

from nnscratch import load_mnist
from nnscratch.tools import bench, notebook
from nnscratch.tools.bench import epoch_flops, matmul_gflops


def test_epoch_flops_counts_forward_weight_grads_and_hidden_grads():
    # 784-128-10: forward 2(784*128 + 128*10), dW the same, dA1 2*10*128, no dX
    per_sample = 2 * (784 * 128 + 128 * 10) * 2 + 2 * 128 * 10
    assert epoch_flops([784, 128, 10], n=60_000) == 60_000 * per_sample


def test_matmul_rate_is_two_n_cubed_flops_over_the_best_time(monkeypatch):
    """The formula, with the timing replaced: 2 n^3 FLOPs of an (n, n) product over its best time, in GFLOP/s."""
    seen = []

    def best_of(fn, repeats):
        seen.append((fn().shape, repeats))
        return 0.25

    monkeypatch.setattr(bench, "best_of", best_of)
    assert matmul_gflops(repeats=3, n=256) == pytest.approx(2 * 256 ** 3 / 0.25 / 1e9)
    assert seen == [((256, 256), 3)]


def test_best_of_is_the_fastest_run(monkeypatch):
    ticks = iter([0.0, 0.5, 1.0, 1.25, 2.0, 2.4])  # start and end of three runs: 0.5, 0.25 and 0.4 s
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(ticks))
    assert bench.best_of(lambda: None, 3) == pytest.approx(0.25)


def test_matmul_rate_measured_here_is_a_cpu_rate():
    """A real measurement lands between an old laptop core (~1 GFLOP/s) and a big server (~10 TFLOP/s):
    a wrong unit (FLOP/s, MFLOP/s) or FLOP count (n^2, n^3 without the 2) falls far outside it."""
    assert 0.1 < matmul_gflops(repeats=2, n=512) < 20_000


def test_notebook_baseline_really_learns():
    """The baseline the classic preset is timed against must be a working implementation."""
    ds = load_mnist("sample")
    X, y = ds.train_xy()
    params = notebook.run(X, y, alpha=0.1, iterations=60, seed=0)
    Xt, yt = ds.test_xy()
    acc = (notebook.predict(params, Xt) == yt).mean()
    assert acc > 0.3  # ten classes: chance is 0.1
    assert params[1].shape == (10, 1) and np.ptp(params[1]) > 0  # biases drawn per unit at init


def test_bench_step_times_the_engine_on_the_pages_defaults_and_summarises():
    """bench/bench_step.py's engine side runs (784-128-10, ten real steps a repeat) and its summary is the
    median and the maximum of what was measured."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import bench_step

    times = bench_step.engine_times(2)
    assert len(times) == 2 and all(0 < t < 30 for t in times)
    assert bench_step.summary([0.5, 0.2, 0.9]) == {"n": 3, "p50_s": 0.5, "max_s": 0.9}
