"""Take a model home: one self-contained HTML file that reads digits drawn in it, with no network at all.

The file holds the weights (base64, float16 by default, or int8 times one scale per matrix), a drawing
canvas, ``preprocess.to_mnist`` ported step for step to JavaScript (``webpage.html``), and the forward
pass, whose activation is the engine's own (``ACTIVATIONS[...].js``). Pure Python + NumPy: the app's
"Download as a web page" buttons and ``python -m nnscratch webpage`` both call :func:`to_html`.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import numpy as np

from .drawing import preprocess
from .errors import ConfigError
from .network import ACTIVATIONS, Network

__all__ = ["ENCODINGS", "DEFAULT_ENCODING", "encode", "decode", "quantised", "check", "to_html", "file_name"]

# float16: 2 bytes a weight, and the page agrees with the float32 engine to ~1e-3 in probability; int8
# halves the size again at a larger error; float32 is exact and twice float16's size. Measured by
# bench/bench_webpage.py: see docs/take-home.md.
ENCODINGS = ("float16", "int8", "float32")
_DTYPES = {"float16": "<f2", "int8": "i1", "float32": "<f4"}
DEFAULT_ENCODING = "float16"
TEMPLATE = Path(__file__).with_name("webpage.html")
F16_MAX = float(np.finfo(np.float16).max)


def encode(a: np.ndarray, encoding: str = DEFAULT_ENCODING) -> dict:
    """One weight matrix or bias vector -> {"shape", "enc", "scale", "b64"} (little-endian bytes, base64).

    float16: the values rounded to half precision (scale 1). int8: round(a / scale) with
    scale = max|a| / 127, so every value is within scale / 2 of the original. float32: as they are.
    """
    a = np.asarray(a, dtype=np.float64)
    if encoding == "float16":
        if a.size and np.abs(a).max() > F16_MAX:
            raise ConfigError(f"a weight of {np.abs(a).max():.3g} is too large for float16 (max {F16_MAX:g}); "
                              "use the int8 encoding")
        raw, scale = a.astype("<f2").tobytes(), 1.0
    elif encoding == "float32":
        raw, scale = a.astype("<f4").tobytes(), 1.0
    elif encoding == "int8":
        top = float(np.abs(a).max()) if a.size else 0.0
        scale = top / 127 if top > 0 else 1.0
        raw = np.clip(np.round(a / scale), -127, 127).astype("i1").tobytes()
    else:
        raise ConfigError(f"unknown weight encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    return {"shape": list(a.shape), "enc": encoding, "scale": scale, "b64": base64.b64encode(raw).decode("ascii")}


def decode(d: dict) -> np.ndarray:
    """The inverse of :func:`encode` (what the page's JavaScript does), as float32 of d["shape"]."""
    raw = base64.b64decode(d["b64"])
    values = np.frombuffer(raw, _DTYPES[d["enc"]]).astype(np.float64)
    return (values * d["scale"]).astype(np.float32).reshape(d["shape"])


def _layers(net: Network, encoding: str) -> list[dict]:
    return [{"W": encode(net.params[f"W{l}"], encoding), "b": encode(net.params[f"b{l}"], encoding)}
            for l in range(1, net.n_layers + 1)]


def quantised(net: Network, encoding: str = DEFAULT_ENCODING) -> Network:
    """A copy of ``net`` with the weights the page would hold (encoded, then decoded): for measuring."""
    out = net.copy()
    for l, layer in enumerate(_layers(net, encoding), start=1):
        out.params[f"W{l}"] = decode(layer["W"]).astype(net.dtype)
        out.params[f"b{l}"] = decode(layer["b"]).astype(net.dtype)
    return out


def _facts(net: Network, encoding: str) -> list[tuple[str, str]]:
    """The "what is inside" panel, as (term, text) pairs (escaped when written)."""
    m = net.meta
    data = m.get("data") or {}
    trained_on = " + ".join(x for x in (data.get("label"), data.get("extra")) if x) or "not recorded"
    acc = m.get("test_accuracy")
    weights = sum(int(p.size) for p in net.params.values())
    facts = [("Model", m.get("name") or "model"),
             ("Layers", " → ".join(str(s) for s in net.sizes)
              + (f" ({net.activation} in the hidden layers, softmax at the end)" if net.n_layers > 1
                 else " (softmax of a weighted sum: no hidden layer)")),
             ("Parameters", f"{weights:,} weights and biases, stored as {encoding}"),
             ("Trained on", trained_on),
             ("Test accuracy", "not measured" if acc is None else f"{100 * float(acc):.2f} %")]
    for term, key in (("Where it came from", "origin"), ("Made", "created_at")):
        if m.get(key):
            facts.append((term, str(m[key])))
    return facts


def _json_for_script(obj) -> str:
    """JSON that cannot end the <script> it sits in."""
    return json.dumps(obj, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


def check(net: Network) -> None:
    """Raise ConfigError (one line) if ``net`` cannot become a page: cheap, for a button to ask first."""
    g = ACTIVATIONS.get(net.activation)
    if g is None or not g.js:
        raise ConfigError(f"activation {net.activation!r} has no JavaScript form; a page cannot run this model")
    if net.sizes[0] != preprocess.FRAME * preprocess.FRAME:
        raise ConfigError(f"a page reads 28x28 drawings, so the model needs {preprocess.FRAME ** 2} inputs, "
                          f"not {net.sizes[0]}")


def to_html(net: Network, encoding: str = DEFAULT_ENCODING) -> str:
    """The whole page for ``net``: weights, canvas, preprocessing and forward pass, one HTML string."""
    check(net)
    g = ACTIVATIONS[net.activation]
    config = {"sizes": net.sizes, "activation": net.activation, "layers": _layers(net, encoding),
              "pre": {"canvas": preprocess.CANVAS_SIZE, "brush": preprocess.BRUSH_WIDTH, "box": preprocess.BOX,
                      "frame": preprocess.FRAME, "centre": preprocess.CENTRE,
                      "ink_threshold": preprocess.INK_THRESHOLD}}
    name = net.meta.get("name") or "model"
    inside = "<dl>" + "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(v)}</dd>"
                              for t, v in _facts(net, encoding)) + "</dl>"
    fields = {"TITLE": html.escape(f"Draw a digit · {name} ({net.architecture})"),
              "CANVAS": str(preprocess.CANVAS_SIZE), "FRAME": str(preprocess.FRAME), "BOX": str(preprocess.BOX),
              "INSIDE": inside,
              "ACTIVATION": g.js, "CONFIG": _json_for_script(config)}
    # one pass, so a model name that reads "{{CONFIG}}" stays text
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: fields[m.group(1)], TEMPLATE.read_text(encoding="utf-8"))


def file_name(net: Network) -> str:
    """A download's file name: nnscratch_<architecture>.html."""
    return f"nnscratch_{net.architecture}.html"
