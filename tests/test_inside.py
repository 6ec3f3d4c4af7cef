"""nnscratch.inside: the lit units, a unit's evidence map and the contributions are Network.forward's numbers."""

import numpy as np
import pytest

from nnscratch import metrics
from nnscratch.errors import ConfigError
from nnscratch.inside import contributions, lit, unit_evidence
from nnscratch.network import ACTIVATIONS, Network, softmax


def _drawing(seed=0):
    x = np.zeros((28, 28), np.float32)
    x[5:23, 12:16] = np.random.default_rng(seed).random((18, 4))
    return x


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_lit_values_are_network_forwards(activation):
    net = Network([784, 40, 10], activation=activation, seed=1)
    x = _drawing()
    out = lit(net, x)
    ZL, layers = net.forward(x.reshape(1, 784), keep_z=True)
    np.testing.assert_array_equal(out["Z2"], ZL[0])
    np.testing.assert_array_equal(out["A1"], layers[0][1][0])
    np.testing.assert_allclose(out["A2"], softmax(ZL)[0], rtol=1e-6)
    assert out["digit"] == int(ZL.argmax()) and out["runner_up"] == int(np.argsort(-ZL[0])[1])


@pytest.mark.parametrize("unit", [0, 7, 39])
def test_a_units_pre_activation_is_the_sum_of_its_evidence_map_plus_bias(unit):
    net = Network([784, 40, 10], seed=2)
    net.params["b1"][:] = np.linspace(-0.3, 0.3, 40, dtype=np.float32)
    x = _drawing(unit)
    ev = unit_evidence(net, x, unit)
    ZL, layers = net.forward(x.reshape(1, 784), keep_z=True)
    Z1, A1 = layers[0]
    np.testing.assert_allclose(ev["product"], net.params["W1"][:, unit] * x.reshape(-1), rtol=1e-6)
    assert ev["pre_activation"] == pytest.approx(float(ev["product"].sum()) + ev["bias"], abs=1e-9)
    assert ev["pre_activation"] == pytest.approx(float(Z1[0, unit]), rel=1e-5, abs=1e-6)
    assert ev["activation"] == pytest.approx(float(A1[0, unit]), rel=1e-5, abs=1e-6)


def test_contributions_add_up_to_the_digits_score():
    net = Network([784, 64, 10], seed=3)
    x = _drawing(3)
    out = lit(net, x)
    for digit in (out["digit"], out["runner_up"]):
        c = contributions(net, x, digit, top=5)
        assert c["total"] + c["bias"] == pytest.approx(c["score"], rel=1e-5, abs=1e-5)
        assert c["score"] == pytest.approx(float(out["Z2"][digit]))
        assert len(c["units"]) == 5 and list(c["values"]) == sorted(c["values"], reverse=True)
        np.testing.assert_allclose(c["values"], out["A1"][c["units"]] * net.params["W2"][c["units"], digit], rtol=1e-6)


def test_two_hidden_layers_contribute_from_the_last_one():
    net = Network([784, 20, 12, 10], seed=4)
    c = contributions(net, _drawing(), 3, top=4)
    assert c["units"].max() < 12
    assert c["total"] + c["bias"] == pytest.approx(c["score"], rel=1e-5, abs=1e-5)


def test_bad_units_and_models_without_hidden_layer_are_one_line_errors():
    net = Network([784, 40, 10])
    with pytest.raises(ConfigError, match="0 to 39"):
        unit_evidence(net, _drawing(), 40)
    with pytest.raises(ConfigError, match="pixels"):
        lit(net, np.zeros(100))
    with pytest.raises(ConfigError, match="no hidden layer"):
        unit_evidence(Network([784, 10]), _drawing(), 0)


@pytest.mark.parametrize("hidden", [(40,), (30, 20), ()])
def test_pixel_evidence_of_a_relu_network_without_biases_sums_to_the_score(hidden):
    from nnscratch.inside import pixel_evidence

    net = Network([784, *hidden, 10], seed=5, dtype=np.float64)
    for k in net.params:
        if k.startswith("b"):
            net.params[k][:] = 0
    x = _drawing(5)
    Z = lit(net, x)[f"Z{net.n_layers}"]
    for digit in (0, 3, 9):
        assert pixel_evidence(net, x, digit).sum() == pytest.approx(float(Z[digit]), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu"])
def test_pixel_evidence_is_input_times_the_gradient(activation):
    from nnscratch.inside import pixel_evidence

    net = Network([784, 16, 10], activation=activation, seed=6, dtype=np.float64)
    x = _drawing(6).reshape(-1).astype(np.float64)
    ev = pixel_evidence(net, x, 4)
    for p in np.flatnonzero(x)[:5]:  # central differences on a few inked pixels
        h = 1e-6
        up, down = x.copy(), x.copy()
        up[p] += h
        down[p] -= h
        grad = (lit(net, up)["Z2"][4] - lit(net, down)["Z2"][4]) / (2 * h)
        assert ev[p] == pytest.approx(x[p] * grad, rel=1e-5, abs=1e-8)
