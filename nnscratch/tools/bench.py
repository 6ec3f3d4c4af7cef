"""Throughput benchmarks, measured side by side in one run (this machine is shared and noisy).

1. One epoch of 784-128-10, batch 128, float32, plain SGD over 60,000 samples: nnscratch vs
   PyTorch on the CPU (skipped where torch is not installed).
2. The same epoch as a fraction of this machine's float32 matrix-multiply rate.
3. The ``classic`` preset vs the notebook's own code, same data, same number of iterations.

For 2 and 3 it also times the matrix products alone (same shapes, nothing else): the ceiling any
NumPy training loop can reach on this machine, since every step needs at least those products.

Each timing is the best of ``repeats`` runs; ratios compare timings taken minutes apart at most.
"""

import math
import os
import time

import numpy as np

EPOCH_SIZES = [784, 128, 10]
EPOCH_BATCH = 128
N_EPOCH = 60_000


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def matmul_gflops(repeats=3, n=2048):
    """The machine's float32 matmul rate: best time of a (n, n) @ (n, n) product."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    return 2 * n ** 3 / best_of(lambda: a @ b, repeats) / 1e9


def epoch_flops(sizes=EPOCH_SIZES, n=N_EPOCH):
    """Multiply-add FLOPs of one training epoch: forward, dW for every layer, dA below the top."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * a * b for a, b in pairs)
    grad_w = forward
    grad_a = sum(2 * a * b for a, b in pairs[1:])  # no dX for the input layer
    return n * (forward + grad_w + grad_a)


def _data(source):
    """(X float32 (60000, 784), y) from full MNIST if cached, else the sample tiled to that size."""
    from ..data import mnist_cache
    from ..data import load_mnist
    if source is None:
        source = "mnist" if mnist_cache.load_fast() is not None else "sample"
    ds = load_mnist(source)
    X, y = ds.train_xy()
    if len(X) < N_EPOCH:  # speed does not depend on which digits they are
        reps = math.ceil(N_EPOCH / len(X))
        X, y = np.tile(X, (reps, 1))[:N_EPOCH], np.tile(y, reps)[:N_EPOCH]
    return X[:N_EPOCH], y[:N_EPOCH], ds.source


def nnscratch_epoch(X, y, repeats):
    from ..network import Network
    from ..train import fit
    return best_of(lambda: fit(Network(EPOCH_SIZES, seed=0), X, y, epochs=1, batch_size=EPOCH_BATCH,
                             optimizer="sgd", lr=0.1, schedule="constant"), repeats)


def epoch_products_only(X, repeats):
    """Seconds for just the matrix products of one 784-128-10 epoch at batch 128 (no activations,
    loss, gather or update): the floor under any NumPy loop doing that epoch."""
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((784, 128)).astype(np.float32) * 0.05
    W2 = rng.standard_normal((128, 10)).astype(np.float32) * 0.1

    def run():
        for i in range(0, len(X), EPOCH_BATCH):
            xb = X[i:i + EPOCH_BATCH]
            A1 = xb @ W1
            Z2 = A1 @ W2
            A1.T @ Z2, xb.T @ (Z2 @ W2.T)
    return best_of(run, repeats)


def classic_products_only(X, steps, repeats):
    """Seconds for just the two 60,000 x 784 x 10 products of ``steps`` full-batch iterations of
    784-10-10, chunked as nnscratch does (X read from memory once per iteration)."""
    from ..network import _CHUNK_ROWS
    rng = np.random.default_rng(0)
    W1 = (rng.random((784, 10)) - 0.5).astype(np.float32)
    dZ1 = rng.random((len(X), 10), dtype=np.float32)

    def run():
        for _ in range(steps):
            for i in range(0, len(X), _CHUNK_ROWS):
                X[i:i + _CHUNK_ROWS] @ W1, X[i:i + _CHUNK_ROWS].T @ dZ1[i:i + _CHUNK_ROWS]
    return best_of(run, repeats)


def torch_epoch(X, y, repeats):
    """The same epoch in PyTorch (CPU), or None where torch is absent."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def run():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), EPOCH_BATCH):
            idx = perm[i:i + EPOCH_BATCH]
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return best_of(run, repeats)


def classic_vs_notebook(X, y, steps, repeats):
    """Seconds for ``steps`` full-batch iterations: (nnscratch classic, the notebook's code)."""
    from . import notebook
    from ..recipe import preset_recipe
    from ..train import fit
    recipe = preset_recipe("classic").replace(steps=steps)
    ours = best_of(lambda: fit(recipe.network(), X, y, **recipe.fit_kwargs()), repeats)
    theirs = best_of(lambda: notebook.run(X, y, alpha=0.1, iterations=steps), max(1, repeats - 1))
    return ours, theirs


def run_benchmarks(data=None, classic_steps=50, repeats=3, log=print):
    X, y, source = _data(data)
    log(f"data: {source}, {len(X):,} training rows; {os.cpu_count()} CPU cores; numpy {np.__version__}")
    peak = matmul_gflops(repeats)
    log(f"float32 matmul (2048^3): {peak:.1f} GFLOP/s")
    ours = nnscratch_epoch(X, y, repeats)
    flops = epoch_flops()
    fraction = flops / ours / 1e9 / peak
    log(f"epoch 784-128-10, batch {EPOCH_BATCH}, SGD: nnscratch {ours:.3f} s "
        f"({N_EPOCH / ours:,.0f} samples/s, {flops / ours / 1e9:.1f} GFLOP/s = {100 * fraction:.0f} % of matmul)")
    floor = epoch_products_only(X, repeats)
    log(f"  its matrix products alone (no activations, loss or updates): {floor:.3f} s = "
        f"{100 * flops / floor / 1e9 / peak:.0f} % of matmul, the ceiling for any NumPy loop")
    theirs = torch_epoch(X, y, repeats)
    if theirs is None:
        log("epoch in PyTorch: skipped (torch is not installed; `pip install torch` to compare)")
    else:
        log(f"epoch in PyTorch {theirs:.3f} s ({N_EPOCH / theirs:,.0f} samples/s): "
            f"nnscratch is {theirs / ours:.2f}x PyTorch's samples/s")
    classic, nb = classic_vs_notebook(X, y, classic_steps, repeats)
    log(f"classic preset, {classic_steps} full-batch iterations on {len(X):,} rows: nnscratch {classic:.2f} s, "
        f"notebook {nb:.2f} s: {nb / classic:.1f}x faster")
    classic_floor = classic_products_only(X, classic_steps, repeats)
    log(f"  its two 60,000 x 784 x 10 products alone: {classic_floor:.2f} s; even with nothing else "
        f"nnscratch could be at most {nb / classic_floor:.1f}x faster than the notebook")
    return {
        "data": source, "matmul_gflops": peak,
        "epoch_seconds": ours, "epoch_samples_per_second": N_EPOCH / ours, "epoch_fraction_of_matmul": fraction,
        "torch_epoch_seconds": theirs, "speedup_vs_torch": None if theirs is None else theirs / ours,
        "classic_steps": classic_steps, "classic_seconds": classic, "notebook_seconds": nb,
        "speedup_vs_notebook": nb / classic,
        "epoch_products_only_seconds": floor, "epoch_products_only_fraction_of_matmul": flops / floor / 1e9 / peak,
        "classic_products_only_seconds": classic_floor, "speedup_vs_notebook_ceiling": nb / classic_floor,
    }
