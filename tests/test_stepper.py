"""nnscratch.stepper: one step is the engine's own step, Step back undoes it exactly, x10 is ten steps."""

import numpy as np
import pytest

from nnscratch.errors import ConfigError
from nnscratch.network import Network, softmax
from nnscratch.optim import make_optimizer
from nnscratch.stepper import Stepper, top_changed


def _data(n=200, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def _net(hidden=(32,), seed=0):
    return Network([784, *hidden, 10], seed=seed)


def test_sgd_step_is_w_minus_lr_times_the_engines_gradient():
    X, y = _data()
    net = _net()
    st = Stepper(net, X, y, optimizer="sgd", lr=0.1, batch_size=16, seed=3)
    r = st.step()
    # by hand: the same batch through Network.forward/backward of an untouched copy
    xb, yb = X[r.index], y[r.index]
    ZL, _ = net.forward(xb)
    loss_sum, grads, _ = net.backward(xb, yb, len(yb))
    assert r.loss_before == pytest.approx(loss_sum / len(yb), rel=1e-6)
    np.testing.assert_allclose(r.probs_before, softmax(ZL), rtol=1e-6)
    for k, W_before in net.params.items():
        np.testing.assert_allclose(r.grads[k], grads[k], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(st.net.params[k], W_before - 0.1 * grads[k], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(r.update[k], -0.1 * grads[k], rtol=1e-4, atol=1e-7)
    # the loss after is the same batch's loss through the stepped weights
    after = net.copy()
    after.params = {k: v.copy() for k, v in st.net.params.items()}
    assert r.loss_after == pytest.approx(after.loss_and_gradients(xb, yb)[0], rel=1e-6)
    assert r.loss_after < r.loss_before  # a small step downhill on the batch it was computed on


def test_the_given_network_is_never_changed_and_keep_hands_back_a_copy():
    X, y = _data()
    net = _net()
    before = {k: v.copy() for k, v in net.params.items()}
    st = Stepper(net, X, y)
    st.step_many(3)
    for k in before:
        np.testing.assert_array_equal(net.params[k], before[k])
    kept = st.keep()
    st.step()
    assert not np.array_equal(kept.params["W1"], st.net.params["W1"])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_step_back_restores_parameters_and_optimizer_state_exactly(optimizer):
    X, y = _data()
    st = Stepper(_net(), X, y, optimizer=optimizer, lr=0.01, batch_size=8)
    st.step_many(2)
    params = {k: v.copy() for k, v in st.net.params.items()}
    first = st.step()
    assert st.back()
    for k in params:
        np.testing.assert_array_equal(st.net.params[k], params[k])
    assert st.steps == 2
    again = st.step()  # tried twice: same batch, same update, bit for bit (the optimizer state was restored)
    np.testing.assert_array_equal(again.index, first.index)
    for k in params:
        np.testing.assert_array_equal(again.update[k], first.update[k])
    assert again.step == first.step == 3


def test_step_back_after_x10_undoes_all_ten_and_stops_when_nothing_is_left():
    X, y = _data()
    st = Stepper(_net(), X, y)
    W = st.net.params["W1"].copy()
    st.step_many(10)
    assert st.steps == 10
    assert st.back()
    np.testing.assert_array_equal(st.net.params["W1"], W)
    assert st.steps == 0 and not st.back()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_x10_equals_ten_single_steps(optimizer):
    X, y = _data()
    a = Stepper(_net(), X, y, optimizer=optimizer, lr=0.05, seed=7)
    b = Stepper(_net(), X, y, optimizer=optimizer, lr=0.05, seed=7)
    many = a.step_many(10)
    singles = [b.step() for _ in range(10)]
    for k in a.net.params:
        np.testing.assert_array_equal(a.net.params[k], b.net.params[k])
    assert [r.loss_before for r in many] == [r.loss_before for r in singles]
    assert [r.step for r in many] == list(range(1, 11))


def test_step_on_my_drawing_puts_it_labelled_in_the_batch_and_raises_its_probability():
    X, y = _data()
    drawing = np.zeros((28, 28), np.float32)
    drawing[4:24, 12:16] = 1.0  # a "1"
    st = Stepper(_net(), X, y, lr=0.5, batch_size=8)
    r = st.step(drawing=(drawing, 7))
    assert r.index[0] == -1 and r.y[0] == 7
    np.testing.assert_array_equal(r.X[0], drawing.reshape(-1))
    assert r.probs_after[0, 7] > r.probs_before[0, 7]
    assert (r.index[1:] >= 0).all()


def test_top_changed_units_are_the_longest_update_columns():
    U = np.zeros((784, 5), np.float32)
    U[:, 3] = 0.2
    U[0, 1] = 3.0
    units, sizes = top_changed(U, 2)
    assert units.tolist() == [3, 1]
    assert sizes[0] == pytest.approx(0.2 * 28, rel=1e-6) and sizes[1] == pytest.approx(3.0)


@pytest.mark.parametrize("kwargs, words", [
    (dict(lr=0), "learning rate"), (dict(lr=float("nan")), "learning rate"), (dict(batch_size=0), "batch size"),
    (dict(batch_size=10_000), "batch size"), (dict(optimizer="rmsprop"), "optimizer")])
def test_bad_settings_are_one_line_errors(kwargs, words):
    X, y = _data()
    with pytest.raises(ConfigError, match=words):
        Stepper(_net(), X, y, **kwargs)


def test_a_bad_drawing_is_refused():
    X, y = _data()
    st = Stepper(_net(), X, y)
    with pytest.raises(ConfigError, match="label"):
        st.step(drawing=(np.zeros(784), 12))
    with pytest.raises(ConfigError, match="pixels"):
        st.step(drawing=(np.zeros(100), 3))


def test_optimizer_matches_make_optimizer_by_hand_for_adam():
    X, y = _data()
    net = _net()
    st = Stepper(net, X, y, optimizer="adam", lr=0.01, seed=2)
    r = st.step()
    hand = net.copy()
    _, grads = hand.loss_and_gradients(X[r.index], y[r.index])
    make_optimizer("adam").step(hand.params, grads, 0.01)
    for k in hand.params:
        np.testing.assert_allclose(st.net.params[k], hand.params[k], rtol=1e-6, atol=1e-7)


def test_a_refused_drawing_changes_nothing():
    X, y = _data()
    a, b = Stepper(_net(), X, y, seed=4), Stepper(_net(), X, y, seed=4)
    with pytest.raises(ConfigError):
        a.step(drawing=(np.zeros(784), -1))
    assert not a.can_go_back
    np.testing.assert_array_equal(a.step().index, b.step().index)  # the sampler did not move either
