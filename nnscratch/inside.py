"""The numbers behind "every unit lit for your drawing".

Everything is read off ``Network.activations`` (the engine's own forward pass), then taken apart:
a first-layer unit's pre-activation is the sum of the map ``w * x`` (its weights times the drawing,
pixel by pixel) plus its bias; an output's score is the sum of the last hidden layer's contributions
``a_j * W[j, k]`` plus its bias. Pure NumPy: no Streamlit here.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .network import ACTIVATIONS, Network

__all__ = ["lit", "unit_evidence", "contributions", "pixel_evidence"]


def _row(net: Network, x) -> np.ndarray:
    x = np.asarray(x, dtype=net.dtype).reshape(-1)
    if x.shape != (net.sizes[0],):
        raise ConfigError(f"the drawing must have {net.sizes[0]} pixels, got {x.size}")
    return x


def lit(net: Network, x) -> dict:
    """Every layer's values for one drawing x (784,) or (28, 28), as 1-D arrays.

    Keys as in ``Network.activations``: A0 (784,), Z1, A1 (sizes[1],), ..., ZL (10,) the scores and
    AL (10,) the probabilities; plus "digit" (the answer) and "runner_up" (the second most probable).
    """
    acts = net.activations(_row(net, x)[None, :])
    out = {k: v[0] for k, v in acts.items()}
    order = np.argsort(-out[f"A{net.n_layers}"], kind="stable")
    out["digit"], out["runner_up"] = int(order[0]), int(order[1])
    return out


def unit_evidence(net: Network, x, unit: int) -> dict:
    """Where in the drawing first-layer ``unit`` finds evidence.

    weights (784,): W1[:, unit]; product (784,): weights * x, pixel by pixel; bias: b1[unit];
    pre_activation: product.sum() + bias (= Z1[unit] of the forward pass); activation: g(pre_activation).
    """
    if net.n_layers < 2:
        raise ConfigError(f"{net.architecture} has no hidden layer: its first layer is the output")
    H = net.sizes[1]
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < H:
        raise ConfigError(f"hidden unit must be a number from 0 to {H - 1}, not {unit!r}")
    x = _row(net, x)
    w = net.params["W1"][:, unit]
    product = w.astype(np.float64) * x
    bias = float(net.params["b1"][unit])
    z = float(product.sum()) + bias
    a = float(lit(net, x)["A1"][unit])
    return dict(weights=w, product=product, bias=bias, pre_activation=z, activation=a)


def contributions(net: Network, x, digit: int, top: int = 5) -> dict:
    """How the last hidden layer's units add up to ``digit``'s score.

    Unit j contributes a_j * W_L[j, digit]; all of them plus the bias b_L[digit] make the score
    Z_L[digit]. Returns units, activations, weights, values (the ``top`` largest contributions, largest
    first), total (the sum over every unit), bias and score (Z_L[digit] of the forward pass).
    """
    if net.n_layers < 2:
        raise ConfigError(f"{net.architecture} has no hidden layer to contribute")
    L = net.n_layers
    vals = lit(net, x)
    a = vals[f"A{L - 1}"].astype(np.float64)
    w = net.params[f"W{L}"][:, digit].astype(np.float64)
    c = a * w
    units = np.argsort(-c, kind="stable")[:top]
    return dict(units=units, activations=a[units], weights=w[units], values=c[units], total=float(c.sum()),
                bias=float(net.params[f"b{L}"][digit]), score=float(vals[f"Z{L}"][digit]))


def pixel_evidence(net: Network, x, digit: int) -> np.ndarray:
    """Where in the drawing the network finds evidence for ``digit``: x * dZ_L[digit]/dx, (784,) float64.

    The gradient comes back through the engine's own activation slopes (``ACTIVATIONS[...].backward``):
    dA_(L-1) = W_L[:, digit], then dZ_l = dA_l * g'(Z_l) and dA_(l-1) = dZ_l W_l^T. For a ReLU network the
    map is exact: it sums to the score Z_L[digit] minus what the biases add (two models can then be compared
    pixel by pixel, where their hidden units cannot); for sigmoid or tanh it is the first-order picture.
    """
    x = _row(net, x)
    L = net.n_layers
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < net.sizes[-1]:
        raise ConfigError(f"digit must be a number from 0 to {net.sizes[-1] - 1}, not {digit!r}")
    acts = net.activations(x[None, :])
    slope = ACTIVATIONS[net.activation].backward
    g = net.params[f"W{L}"][:, digit][None, :].astype(np.float64)  # dZ_L[digit] / dA_(L-1), (1, sizes[L-1])
    for l in range(L - 1, 0, -1):
        g = slope(g, acts[f"Z{l}"].astype(np.float64), acts[f"A{l}"].astype(np.float64))  # dZ_l (in place)
        g = g @ net.params[f"W{l}"].T.astype(np.float64)  # dA_(l-1)
    return g[0] * x

