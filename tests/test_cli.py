import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnscratch import Network
from nnscratch.tools.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _last_json(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_train_then_evaluate_then_predict(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--preset", "quick", "--hidden", "32", "--steps", "60", "--data", "sample",
                 "--out", str(model), "--json", "--quiet"]) == 0
    result = _last_json(capsys)
    assert {"val_accuracy", "test_accuracy", "seconds", "samples_per_second", "out"} <= set(result)
    assert result["out"] == str(model) and result["architecture"] == "784-32-10"
    assert 0.6 < result["test_accuracy"] <= 1 and 0.6 < result["val_accuracy"] <= 1
    net = Network.load(model)
    assert net.meta["recipe"]["preset"] == "quick" and net.meta["test_accuracy"] == result["test_accuracy"]
    assert net.meta["recipe"]["hidden"] == [32] and net.meta["recipe"]["steps"] == 60
    assert net.meta["data"]["kind"] == "sample" and "sample" in net.meta["data"]["label"]

    assert main(["evaluate", str(model), "--data", "sample", "--json"]) == 0
    ev = _last_json(capsys)
    assert ev["accuracy"] == pytest.approx(result["test_accuracy"])
    assert len(ev["per_class"]) == 10 and np.array(ev["confusion"]).sum() == ev["n"]
    assert np.trace(np.array(ev["confusion"])) / ev["n"] == pytest.approx(ev["accuracy"])

    # a dark-on-light "1" drawn at an odd size, and the same light-on-dark
    img = np.full((90, 60), 255, np.uint8)
    img[10:80, 27:34] = 0
    Image.fromarray(img).save(tmp_path / "one_dark.png")
    Image.fromarray(255 - img).save(tmp_path / "one_light.png")
    assert main(["predict", str(model), str(tmp_path / "one_dark.png"), str(tmp_path / "one_light.png"),
                 "--json"]) == 0
    preds = _last_json(capsys)["predictions"]
    assert len(preds) == 2 and preds[0]["digit"] == preds[1]["digit"]
    assert abs(sum(preds[0]["probabilities"]) - 1) < 1e-3


def test_zero_hidden_layers_and_full_batch(tmp_path, capsys):
    assert main(["train", "--hidden", "--batch-size", "full", "--optimizer", "sgd", "--lr", "0.5",
                 "--steps", "5", "--out", str(tmp_path / "lr.npz"), "--json", "--quiet"]) == 0
    assert _last_json(capsys)["architecture"] == "784-10"


@pytest.mark.parametrize("argv, words", [
    (["train", "--lr", "-1"], "learning rate"),
    (["train", "--batch-size", "zero"], "batch_size"),
    (["train", "--data", "/no/such/place"], "/no/such/place"),
    (["train", "--out", "/no/such/dir/m.npz"], "does not exist"),
    (["train", "--preset", "fastest"], "fastest"),
    (["evaluate", "/no/model.npz"], "no such model file"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_input_is_one_line_and_nonzero(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own refusals
        code = e.code
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert words in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_predict_rejects_a_non_image(tmp_path, capsys):
    model = tmp_path / "m.npz"
    Network([784, 10]).save(model)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a picture")
    assert main(["predict", str(model), str(bad)]) == 1
    assert "notes.txt" in capsys.readouterr().err


def test_module_entry_point_in_a_real_process(tmp_path):
    """python -m nnscratch: a user error is one line on stderr, exit 1, no traceback."""
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    proc = subprocess.run([sys.executable, "-m", "nnscratch", "evaluate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "broken.npz" in proc.stderr and "Traceback" not in proc.stderr
