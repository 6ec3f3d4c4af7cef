import io

import numpy as np
import pytest

import nnscratch
from nnscratch import ConfigError, ModelFileError, Network
from nnscratch.network import log_softmax, softmax


def _batch(n=7, d=784, k=10, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)).astype(dtype), rng.integers(0, k, n)


def _numeric_grad(net, X, y, name, eps=1e-6):
    p = net.params[name]
    g = np.zeros_like(p)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = p[i]
        p[i] = old + eps
        lp, _ = net.loss_and_gradients(X, y)
        p[i] = old - eps
        lm, _ = net.loss_and_gradients(X, y)
        p[i] = old
        g[i] = (lp - lm) / (2 * eps)
    return g


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh"])
def test_gradients_match_finite_differences(activation):
    # two hidden layers, float64; small inputs keep the finite differences quick
    net = Network([12, 6, 5, 4], activation=activation, init="xavier", seed=3, dtype=np.float64)
    for k in net.params:  # biases non-zero so their gradients are exercised
        net.params[k] += np.random.default_rng(1).normal(0, 0.1, net.params[k].shape)
    X, y = _batch(9, 12, 4, seed=2)
    _, grads = net.loss_and_gradients(X, y)
    assert set(grads) == set(net.params)
    for name in net.params:
        num = _numeric_grad(net, X, y, name)
        err = np.abs(num - grads[name]).max() / max(np.abs(num).max(), np.abs(grads[name]).max(), 1e-12)
        assert err < 1e-6, f"{activation} {name}: relative error {err:.2e}"


def test_bias_gradients_are_per_unit_not_one_scalar():
    net = Network([784, 10, 10], init="classic", seed=0, dtype=np.float64)
    X, y = _batch(32)
    _, grads = net.loss_and_gradients(X, y)
    for name in ("b1", "b2"):
        assert grads[name].shape == net.params[name].shape
        # the notebooks' bug made every entry equal (one scalar broadcast)
        assert np.ptp(grads[name]) > 1e-6, f"{name} gradient is the same for every unit"
    assert np.allclose(grads["b2"], _numeric_grad(net, X, y, "b2"), atol=1e-8)


def test_large_batches_are_chunked_without_changing_the_gradient():
    net = Network([784, 16, 10], seed=1, dtype=np.float64)
    X, y = _batch(5000, seed=4)  # more rows than one chunk
    loss, grads, correct = net.forward_backward(X, y)
    Z = net.activations(X)["Z2"]
    expected_loss = -np.mean(log_softmax(Z)[np.arange(len(y)), y])
    assert loss == pytest.approx(expected_loss, rel=1e-10)
    assert correct == int((Z.argmax(1) == y).sum())
    one = [net.forward_backward(X[i:i + 1000], y[i:i + 1000])[1] for i in range(0, 5000, 1000)]
    for k in grads:
        assert np.allclose(grads[k], sum(g[k] for g in one) / 5, atol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    Z = np.array([[1000.0, 0.0, -1000.0], [-5e4, -5e4, -5e4]])
    P = softmax(Z)
    assert np.isfinite(P).all() and np.allclose(P.sum(1), 1)
    assert np.isfinite(log_softmax(Z)).all()
    net = Network([4, 3], seed=0, dtype=np.float64)
    net.params["W1"][:] = 1e4  # logits in the tens of thousands
    loss, grads = net.loss_and_gradients(np.ones((2, 4)), np.array([0, 1]))
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())


def test_shapes_layout_and_outputs():
    net = Network([784, 256, 128, 10])
    assert net.params["W1"].shape == (784, 256)  # one column per hidden unit
    assert net.params["b2"].shape == (128,)
    assert all(p.dtype == np.float32 for p in net.params.values())
    X, _ = _batch(5, dtype=np.float32)
    P = net.predict_proba(X)
    assert P.shape == (5, 10) and np.allclose(P.sum(1), 1, atol=1e-5)
    assert (net.predict(X) == P.argmax(1)).all()
    acts = net.activations(X)
    assert list(acts) == ["A0", "Z1", "A1", "Z2", "A2", "Z3", "A3"]
    assert acts["A1"].shape == (5, 256) and (acts["A1"] >= 0).all()
    assert np.allclose(acts["A3"], P, atol=1e-6)
    assert net.architecture == "784-256-128-10"


def test_zero_hidden_layers_is_logistic_regression():
    net = Network([784, 10])
    X, y = _batch(3, dtype=np.float32)
    loss, grads = net.loss_and_gradients(X, y)
    assert set(grads) == {"W1", "b1"} and np.isfinite(loss)


def test_inits():
    c = Network([784, 10, 10], init="classic", seed=0, dtype=np.float64)
    for p in c.params.values():
        assert p.min() >= -0.5 and p.max() < 0.5
    assert np.ptp(c.params["b1"]) > 0  # classic draws biases too
    h = Network([784, 300, 10], init="he", seed=0)
    assert abs(h.params["W1"].std() - np.sqrt(2 / 784)) < 0.005
    assert not h.params["b1"].any()
    x = Network([784, 300, 10], init="xavier", seed=0)
    assert np.abs(x.params["W1"]).max() <= np.sqrt(6 / 1084)
    assert np.array_equal(Network([784, 5, 10], seed=7).params["W1"], Network([784, 5, 10], seed=7).params["W1"])
    assert not np.array_equal(Network([784, 5, 10], seed=7).params["W1"], Network([784, 5, 10], seed=8).params["W1"])


@pytest.mark.parametrize("kwargs, words", [
    ({"sizes": [784]}, "at least inputs and outputs"),
    ({"sizes": [784, 0, 10]}, "at least one unit"),
    ({"sizes": "abc"}, "list of integers"),
    ({"sizes": [784, 10], "activation": "softsign"}, "softsign"),
    ({"sizes": [784, 10], "init": "zeros"}, "zeros"),
    ({"sizes": [784, 10], "seed": -1}, "seed"),
])
def test_bad_config_names_the_value(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        Network(**kwargs)


def test_bad_input_shape():
    with pytest.raises(ConfigError, match=r"\(n, 784\)"):
        Network([784, 10]).predict(np.zeros((2, 783)))


def test_save_load_roundtrip(tmp_path):
    net = Network([784, 32, 16, 10], activation="tanh", init="xavier", seed=5)
    net.meta.update(name="mine", test_accuracy=0.5)
    path = tmp_path / "m.npz"
    net.save(path)
    back = Network.load(path)
    assert back.sizes == net.sizes and back.activation == "tanh" and back.init == "xavier"
    assert back.meta["name"] == "mine" and back.meta["library_version"] == nnscratch.__version__
    assert "created_at" in back.meta
    for k in net.params:
        assert np.array_equal(back.params[k], net.params[k])
    assert Network.load(net.to_bytes()).sizes == net.sizes
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed away


def test_load_rejects_bad_files(tmp_path):
    net = Network([784, 8, 10])
    good = net.to_bytes()
    with pytest.raises(ModelFileError, match="no such model file"):
        Network.load(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="not a readable"):
        Network.load(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="not a readable"):
        Network.load(b"hello, I am a text file")
    buf = io.BytesIO()
    np.savez(buf, W1=np.zeros((784, 8)))
    with pytest.raises(ModelFileError, match="no 'meta'"):
        Network.load(buf.getvalue())
    # shapes that disagree with the metadata
    other = Network([784, 9, 10])
    arrays = dict(other.params)
    arrays["meta"] = np.frombuffer(b'{"sizes": [784, 8, 10], "activation": "relu"}', np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(ModelFileError, match="W1 has shape"):
        Network.load(buf.getvalue())
    # a pickled object array is refused, never unpickled
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError):
        Network.load(buf.getvalue())


def test_save_does_not_clobber_good_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    Network([784, 8, 10]).save(path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        Network([784, 4, 10]).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
