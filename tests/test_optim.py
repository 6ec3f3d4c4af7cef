import numpy as np
import pytest

from nnscratch.optim import Adam, Momentum, SGD, lr_at


def test_sgd_step_and_weight_decay_on_weights_only():
    params = {"W1": np.array([1.0, 2.0]), "b1": np.array([1.0])}
    grads = {"W1": np.array([0.5, 0.5]), "b1": np.array([0.5])}
    SGD(weight_decay=0.1).step(params, grads, lr=0.1)
    assert np.allclose(params["W1"], [1 - 0.1 * (0.5 + 0.1), 2 - 0.1 * (0.5 + 0.2)])
    assert np.allclose(params["b1"], [1 - 0.05])


def test_momentum_accumulates():
    params = {"W1": np.zeros(1)}
    opt = Momentum(mu=0.9)
    for _ in range(2):
        opt.step(params, {"W1": np.ones(1)}, lr=1.0)
    assert np.allclose(params["W1"], [-(1 + 1.9)])


def test_adam_first_step_is_lr_times_sign():
    params = {"W1": np.zeros(3)}
    Adam().step(params, {"W1": np.array([3.0, -0.001, 100.0])}, lr=0.01)
    assert np.allclose(params["W1"], [-0.01, 0.01, -0.01], rtol=1e-3)  # eps folded as in the paper's efficient form


@pytest.mark.parametrize("schedule, at_half, at_end", [
    ("constant", 1.0, 1.0), ("step", 0.1, 0.01), ("cosine", 0.5, 0.0)])
def test_schedules(schedule, at_half, at_end):
    assert lr_at(schedule, 1.0, 0, 100) == 1.0
    assert lr_at(schedule, 1.0, 50, 100) == pytest.approx(at_half)
    assert lr_at(schedule, 1.0, 100, 100) == pytest.approx(at_end, abs=1e-12)
