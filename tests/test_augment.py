"""Vectorised random affine augmentation."""


import numpy as np
import pytest

from nnscratch.augment import random_affine
from nnscratch.errors import ConfigError


def digits(n=64, seed=0):
    """n blocky synthetic 'digits' (n, 784) in [0, 1], ink kept away from the border."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, 28, 28), np.float32)
    for i in range(n):
        r, c = rng.integers(7, 12, 2)
        imgs[i, r:r + 10, c:c + 3] = 1.0
        imgs[i, r:r + 3, c:c + 8] = 0.7
    return imgs.reshape(n, 784)


def com(X):
    imgs = X.reshape(-1, 28, 28)
    r = np.arange(28, dtype=np.float64)
    m = imgs.sum((1, 2))
    return (imgs.sum(2) @ r) / m, (imgs.sum(1) @ r) / m


def test_shape_dtype_new_array_input_untouched():
    X = digits()
    before = X.copy()
    out = random_affine(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == np.float32
    assert out is not X and not np.shares_memory(out, X)
    np.testing.assert_array_equal(X, before)
    assert out.min() >= 0 and out.max() <= 1 + 1e-6


def test_deterministic_given_rng():
    X = digits()
    a = random_affine(X, np.random.default_rng(5), thickness=0.5)
    b = random_affine(X, np.random.default_rng(5), thickness=0.5)
    c = random_affine(X, np.random.default_rng(6), thickness=0.5)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).mean() > 0.01


def test_no_distortion_is_identity():
    X = digits()
    out = random_affine(X, 0, max_shift=0, max_rotate=0, scale=0, shear=0)
    np.testing.assert_allclose(out, X, atol=1e-6)


def test_moves_ink_by_at_most_max_shift():
    X = digits(200)
    out = random_affine(X, 1, max_shift=3, max_rotate=0, scale=0, shear=0)
    (r0, c0), (r1, c1) = com(X), com(out)
    dr, dc = r1 - r0, c1 - c0
    assert np.abs(dr).max() <= 3.01 and np.abs(dc).max() <= 3.01
    assert np.abs(dr).mean() > 1.0 and np.abs(dc).mean() > 1.0      # shifts spread over [-3, 3]
    # a pure shift away from the border keeps the ink
    np.testing.assert_allclose(out.sum(1), X.sum(1), rtol=1e-4)


def test_rotation_turns_a_bar():
    X = np.zeros((100, 28, 28), np.float32)
    X[:, 4:24, 13:15] = 1.0                                          # vertical bar through the centre
    out = random_affine(X.reshape(100, 784), 2, max_shift=0, max_rotate=30, scale=0, shear=0)
    imgs = out.reshape(100, 28, 28)
    top = imgs[:, 4:8].sum(1)                                        # where the bar's top ends up
    cols = (top * np.arange(28)).sum(1) / top.sum(1)
    assert np.abs(cols - 13.5).max() < 8 and np.abs(cols - 13.5).mean() > 1.5
    np.testing.assert_allclose(out.sum(1), X.reshape(100, 784).sum(1), rtol=0.05)


def test_thickness_thickens_and_thins():
    X = digits(200)
    out = random_affine(X, 3, max_shift=0, max_rotate=0, scale=0, shear=0, thickness=1.0)
    ratio = out.sum(1) / X.sum(1)
    assert ratio.max() > 1.3 and ratio.min() < 0.7


def test_bad_options_raise_config_error():
    with pytest.raises(ConfigError):
        random_affine(digits(2), 0, max_rotate=-5)
    with pytest.raises(ConfigError):
        random_affine(np.zeros((2, 10), np.float32), 0)
