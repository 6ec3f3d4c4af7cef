"""fine_tune: a new network that learns a few drawings without forgetting MNIST; bad input refused."""


import numpy as np
import pytest

import nnscratch
from datafiles import PEN_FILE, needs_shared
from nnscratch import ConfigError, Network, fine_tune
from nnscratch.checkpoint import SHIPPED_MODEL_PATH

SHIPPED = SHIPPED_MODEL_PATH


def crosses(n, seed):
    """n 'X' glyphs (two thick diagonals, jittered in size and place) -> (n, 784) float32 in [0, 1].

    No digit looks like this: the shipped model reads them as 8 or 1, never as 4.
    """
    rng = np.random.default_rng(seed)
    out = np.zeros((n, 28, 28), np.float32)
    rr, cc = np.mgrid[0:28, 0:28]
    for i in range(n):
        cy, cx = 14 + rng.uniform(-1.5, 1.5, 2)
        h = rng.uniform(7, 9.5)
        box = (np.abs(rr - cy) <= h) & (np.abs(cc - cx) <= h)
        for s in (1, -1):
            dist = np.abs((rr - cy) - s * (cc - cx)) / np.sqrt(2)
            out[i] = np.maximum(out[i], np.clip(2.2 - dist, 0, 1) * box)
    return out.reshape(n, 784)


@pytest.fixture(scope="module")
def shipped():
    return Network.load(SHIPPED)


@pytest.fixture(scope="module")
def sample_test():
    return nnscratch.load_mnist("sample").test_xy()


def test_returns_a_new_network_and_leaves_the_input_untouched(shipped):
    before = {k: v.copy() for k, v in shipped.params.items()}
    meta_before = dict(shipped.meta)
    X = crosses(6, 0)
    new = fine_tune(shipped, X, np.full(6, 4), steps=3)
    assert new is not shipped and isinstance(new, Network)
    assert all(np.array_equal(shipped.params[k], before[k]) for k in before)
    assert shipped.meta == meta_before
    assert any(not np.array_equal(new.params[k], before[k]) for k in before)
    assert all(new.params[k] is not shipped.params[k] for k in before)
    ft = new.meta["fine_tune"]
    assert ft["n_digits"] == 6 and ft["per_digit"][4] == 6 and ft["steps"] == 3
    assert ft["from"] == shipped.meta["name"] and new.meta["status"] == "completed"


def test_learns_a_few_drawings_and_keeps_reading_mnist(shipped, sample_test):
    """Five crosses labelled 4 with the defaults: new crosses then read as 4, MNIST digits still read."""
    X_train, X_new = crosses(5, 1), crosses(50, 2)
    assert (shipped.predict(X_new) == 4).mean() < 0.1
    new = fine_tune(shipped, X_train, np.full(5, 4))
    assert (new.predict(X_new) == 4).mean() >= 0.9
    X_test, y_test = sample_test
    assert new.accuracy(X_test, y_test) >= shipped.accuracy(X_test, y_test) - 0.01


@pytest.mark.slow  # 3-7 s on 2 cores: two fine-tunes of the shipped model
def test_without_replay_it_forgets(shipped, sample_test):
    """The replay is what keeps MNIST: without it, a few crosses labelled 4 make it see 4s everywhere."""
    X_test, y_test = sample_test
    kw = dict(steps=150, lr=1e-3)
    forgetful = fine_tune(shipped, crosses(5, 1), np.full(5, 4), replay=None, **kw)
    kept = fine_tune(shipped, crosses(5, 1), np.full(5, 4), **kw)
    assert forgetful.accuracy(X_test, y_test) < kept.accuracy(X_test, y_test) - 0.05


def test_given_replay_and_determinism():
    net = Network([784, 16, 10], seed=1)
    X_rep, y_rep = nnscratch.load_mnist("sample").train_xy()
    X, y = crosses(4, 3), np.array([4, 4, 7, 7])
    a = fine_tune(net, X, y, replay=(X_rep[:200], y_rep[:200]), steps=5, seed=3)
    b = fine_tune(net, X, y, replay=(X_rep[:200], y_rep[:200]), steps=5, seed=3)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert a.meta["fine_tune"]["replay"] == "200 given digits"


def test_stop_event_returns_the_network_as_far_as_it_got():
    import threading
    stop = threading.Event()
    rows = []

    def callback(row):
        rows.append(row)
        if len(rows) == 2:
            stop.set()

    net = Network([784, 16, 10])
    new = fine_tune(net, crosses(3, 0), [1, 2, 3], steps=100, callback=callback, stop_event=stop)
    assert len(rows) == 2 and new.meta["status"] == "stopped" and new.meta["fine_tune"]["steps"] == 2


@pytest.mark.parametrize("call, words", [
    (lambda n: fine_tune("model.npz", crosses(1, 0), [4]), "Network"),
    (lambda n: fine_tune(n, np.zeros((0, 784)), []), "none"),
    (lambda n: fine_tune(n, np.zeros((2, 28, 28)), [1, 2]), "shape (n, 784)"),
    (lambda n: fine_tune(n, crosses(2, 0) * 255, [1, 2]), "[0, 1]"),
    (lambda n: fine_tune(n, np.full((1, 784), np.nan), [1]), "[0, 1]"),
    (lambda n: fine_tune(n, crosses(2, 0), [1]), "one label per image"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 10]), "0-9"),
    (lambda n: fine_tune(n, crosses(2, 0), [1.5, 2]), "whole numbers"),
    (lambda n: fine_tune(n, crosses(2, 0), ["a", "b"]), "whole numbers"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], steps=0), "steps"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], steps=2.5), "steps"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], lr=-1), "learning rate"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], lr=float("nan")), "learning rate"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], replay_fraction=1), "replay_fraction"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], replay="mnist"), "replay"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], replay=(np.zeros((3, 784)), [1, 2])), "replay digits"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], augment={"max_rotate": 500}), "max_rotate"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], augment="yes"), "augment"),
    (lambda n: fine_tune(n, crosses(2, 0), [1, 2], seed=-1), "seed"),
])
def test_bad_input_is_refused_in_one_line(call, words):
    net = Network([784, 8, 10])
    with pytest.raises(ConfigError) as err:
        call(net)
    msg = str(err.value)
    assert words in msg and "\n" not in msg


@needs_shared(PEN_FILE)
def test_pen_writer_reads_no_worse_after_three_digits_per_class(shipped, sample_test):
    """The held-out writer the shipped model reads worst: 3 digits per class in, the rest read at least
    as well, and the sample's MNIST test digits within half a point (bench_finetune.py measures more)."""
    from nnscratch.drawing import pendigits
    _, heldout = pendigits.heldout_split(pendigits.load(PEN_FILE))
    X, y = pendigits.to_dataset(heldout)
    writers = np.array([s.writer for s in heldout])
    errors = {w: (shipped.predict(X[writers == w]) != y[writers == w]).mean() for w in set(writers)}
    worst = max(errors, key=errors.get)
    idx = np.flatnonzero(writers == worst)
    rng = np.random.default_rng(0)
    train = np.concatenate([rng.choice(idx[y[idx] == c], 3, replace=False) for c in range(10)])
    test = np.setdiff1d(idx, train)
    new = fine_tune(shipped, X[train], y[train])
    assert new.accuracy(X[test], y[test]) >= shipped.accuracy(X[test], y[test])
    X_test, y_test = sample_test
    assert new.accuracy(X_test, y_test) >= shipped.accuracy(X_test, y_test) - 0.005


def test_cli_finetune_on_an_exported_folder(tmp_path, capsys):
    """Export drawings, fine-tune from the command line, read the JSON, load the new model."""
    from nnscratch.data.export import write_png_folder
    from nnscratch.tools.cli import main
    import json

    write_png_folder(tmp_path / "mine", crosses(10, 5), np.full(10, 4))
    base = tmp_path / "base.npz"
    Network([784, 16, 10], seed=2).save(base)
    out = tmp_path / "new.npz"
    assert main(["finetune", str(base), "--data", str(tmp_path / "mine"), "--out", str(out), "--steps", "20",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n_train"] == 8 and result["n_heldout"] == 2 and result["steps"] == 20
    assert 0 <= result["heldout_after"] <= 1 and 0 <= result["check_after"] <= 1
    new = Network.load(out)
    assert new.meta["fine_tune"]["n_digits"] == 8 and new.meta["command"].startswith("python -m nnscratch finetune")
    assert main(["finetune", str(base), "--data", str(tmp_path / "mine"), "--out", str(tmp_path / "all.npz"),
                 "--steps", "2", "--all"]) == 0
    text = capsys.readouterr().out
    assert "on 10 drawings" in text and "held-out drawings: none" in text


@pytest.mark.parametrize("extra, words", [
    (["--steps", "0"], "steps"),
    (["--data", "nowhere"], "no such file"),
    (["--out", "/no/such/dir/x.npz"], "does not exist"),
    (["--replay-fraction", "1"], "replay_fraction"),
])
def test_cli_finetune_refuses_in_one_line(tmp_path, capsys, extra, words):
    from nnscratch.data.export import write_png_folder
    from nnscratch.tools.cli import main

    write_png_folder(tmp_path / "mine", crosses(10, 5), np.full(10, 4))
    base = tmp_path / "base.npz"
    Network([784, 16, 10]).save(base)
    argv = ["finetune", str(base), "--data", str(tmp_path / "mine"), "--out", str(tmp_path / "n.npz")]
    for i in range(0, len(extra), 2):
        if extra[i] in argv:
            argv[argv.index(extra[i]) + 1] = extra[i + 1]
        else:
            argv += extra[i:i + 2]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1 and not (tmp_path / "n.npz").exists()


def test_holdout_split_keeps_three_to_learn_per_digit():
    from nnscratch.finetune import holdout_split
    y = np.array([7] * 8 + [1] * 3 + [2] * 4)
    learn, held = holdout_split(y)
    assert np.array_equal(np.sort(np.concatenate([learn, held])), np.arange(len(y)))
    assert list(np.bincount(y[held], minlength=10)[[7, 1, 2]]) == [2, 0, 1]
    assert all((y[learn] == d).sum() >= 3 for d in (7, 1, 2))
    assert len(holdout_split(np.array([3, 3, 3, 5]))[1]) == 0  # too few: nothing held out


def test_fine_tune_in_place_trains_the_given_network():
    from nnscratch.finetune import fine_tune_in_place
    net = Network([784, 8, 10])
    w = net.params["W1"].copy()
    history = fine_tune_in_place(net, crosses(3, 0), [4, 4, 4], steps=4)
    assert len(history) == 4 and history.status == "completed" and not np.array_equal(w, net.params["W1"])
    assert net.meta["fine_tune"]["n_digits"] == 3
