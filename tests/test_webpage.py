"""nnscratch.webpage: the exported page's size, its weights decoded back, no external reference, its
escaping, and the CLI command. (The page's JavaScript is run in tests/browser/test_browser_webpage.py.)"""

import json
import re

import numpy as np
import pytest

from nnscratch import Network
from nnscratch.errors import ConfigError
from nnscratch.network import ACTIVATIONS
from nnscratch.tools.cli import main
from nnscratch.webpage import DEFAULT_ENCODING, ENCODINGS, decode, encode, quantised, to_html

SIZE_LIMIT = 500 * 1024  # issue #25: a 784-128-10 model under 500 KB


def embedded_config(page: str) -> dict:
    """The JSON the page's script starts from (``const CFG = {...};``)."""
    m = re.search(r"const CFG = (\{.*?\});\n", page)
    assert m, "no model configuration in the page"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def net():
    n = Network([784, 128, 10], seed=5)
    n.params["W1"] *= 3  # weights of a trained model's range, not only the initial ones
    n.meta = {"name": "Ada's <b>model</b>", "data": {"kind": "mnist", "label": "MNIST (60,000 train / 10,000 test)"},
              "test_accuracy": 0.9765}
    return n


@pytest.mark.parametrize("encoding", ["float16", "int8"])
def test_a_784_128_10_page_is_under_500_kb(net, encoding):
    size = len(to_html(net, encoding).encode("utf-8"))
    assert size < SIZE_LIMIT, f"{encoding}: {size / 1024:.0f} KB"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_embedded_weights_decode_to_the_models_within_the_quantisation_error(net, encoding):
    cfg = embedded_config(to_html(net, encoding))
    assert cfg["sizes"] == net.sizes and cfg["activation"] == net.activation
    assert len(cfg["layers"]) == net.n_layers
    for l, layer in enumerate(cfg["layers"], start=1):
        for key in ("W", "b"):
            want = net.params[f"{key}{l}"].astype(np.float64)
            got = decode(layer[key]).astype(np.float64)
            assert got.shape == want.shape
            if encoding == "float32":
                bound = np.zeros(want.shape)
            elif encoding == "float16":  # half precision: 11 significant bits, relative error <= 2^-11
                bound = np.maximum(np.abs(want) * 2.0 ** -11, 2.0 ** -25)
            else:  # int8: within half a step of scale = max|w| / 127
                bound = np.full(want.shape, layer[key]["scale"] / 2 * (1 + 1e-6))
                assert layer[key]["scale"] == pytest.approx(np.abs(want).max() / 127 if want.any() else 1.0)
            assert np.all(np.abs(got - want) <= bound), f"{key}{l}: max error {np.abs(got - want).max():.3g}"


def test_quantised_copy_holds_the_decoded_weights_and_agrees(net):
    X = np.random.default_rng(0).random((200, 784)).astype(np.float32)
    for encoding in ENCODINGS:
        q = quantised(net, encoding)
        assert q.params["W1"].dtype == net.params["W1"].dtype and q.params["W1"] is not net.params["W1"]
        assert np.array_equal(q.params["W1"], decode(encode(net.params["W1"], encoding)))
    diff = np.abs(quantised(net, DEFAULT_ENCODING).predict_proba(X) - net.predict_proba(X)).max()
    assert diff < 1e-2


def test_page_references_nothing_outside_itself(net):
    page = to_html(net)
    assert not re.search(r"(?i)(https?:|ftp:|wss?:)?//[a-z0-9.-]+\.[a-z]{2,}", page.replace("<!DOCTYPE", ""))
    assert not re.search(r"(?i)\b(src|href)\s*=", page), "the page loads or links nothing"
    assert not re.search(r"(?i)@import|url\(|fetch\(|XMLHttpRequest|WebSocket|import\(", page)
    assert "default-src 'none'" in page  # and the browser is told to refuse anything else


def test_inside_panel_says_sizes_data_accuracy_and_escapes_names(net):
    page = to_html(net)
    inside = page[page.index("What is inside"):page.index("</dl>")]
    assert "784 → 128 → 10" in inside and "MNIST (60,000 train / 10,000 test)" in inside
    assert "97.65 %" in inside and "float16" in inside
    assert "<b>model</b>" not in page and "Ada&#x27;s &lt;b&gt;model&lt;/b&gt;" in page
    tricky = net.copy()
    tricky.meta["name"] = "{{CONFIG}}</script><script>alert(1)</script>"
    page = to_html(tricky)
    assert "alert(1)</script>" not in page and page.count("const CFG = ") == 1
    assert embedded_config(page)["sizes"] == net.sizes


def test_every_engine_activation_has_a_javascript_form():
    for name, g in ACTIVATIONS.items():
        assert g.js.strip(), f"{name} has no JavaScript form for the exported page"
        assert g.js in to_html(Network([784, 8, 10], activation=name))


def test_unusable_models_are_refused_in_one_line():
    with pytest.raises(ConfigError, match="784 inputs"):
        to_html(Network([64, 8, 10]))
    big = Network([784, 4, 10])
    big.params["W1"][0, 0] = 1e6
    with pytest.raises(ConfigError, match="int8"):
        to_html(big, "float16")
    assert "const CFG" in to_html(big, "int8")
    with pytest.raises(ConfigError, match="float16, int8, float32"):
        encode(np.zeros(3), "float8")


def test_cli_writes_the_page_and_fails_in_one_line(net, tmp_path, capsys):
    model = tmp_path / "m.npz"
    net.save(model)
    out = tmp_path / "digit.html"
    assert main(["webpage", str(model), "--out", str(out), "--weights", "int8"]) == 0
    assert str(out) in capsys.readouterr().out
    cfg = embedded_config(out.read_text(encoding="utf-8"))
    assert cfg["layers"][0]["W"]["enc"] == "int8"
    assert main(["webpage", str(tmp_path / "missing.npz")]) == 1
    assert main(["webpage", str(model), "--out", str(tmp_path / "no" / "x.html")]) == 1
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    assert main(["webpage", str(tmp_path / "bad.npz")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(e.startswith("nnscratch: ") for e in err)
    assert "no such model file" in err[0] and "does not exist" in err[1] and "Traceback" not in "".join(err)


def test_the_pages_canvas_and_preprocessing_constants_come_from_preprocess(net):
    from nnscratch.drawing import preprocess
    from nnscratch.webpage import TEMPLATE

    page = to_html(net)
    assert embedded_config(page)["pre"] == {
        "canvas": preprocess.CANVAS_SIZE, "brush": preprocess.BRUSH_WIDTH, "box": preprocess.BOX,
        "frame": preprocess.FRAME, "centre": preprocess.CENTRE, "ink_threshold": preprocess.INK_THRESHOLD}
    assert f'width="{preprocess.CANVAS_SIZE}" height="{preprocess.CANVAS_SIZE}"' in page
    template = TEMPLATE.read_text(encoding="utf-8")  # one source: no second copy of the numbers in the page
    for value in (preprocess.CANVAS_SIZE, preprocess.BRUSH_WIDTH):
        assert not re.search(rf"(?<![\w.#]){value}(?![\w.])", template), f"{value} is written into webpage.html"
