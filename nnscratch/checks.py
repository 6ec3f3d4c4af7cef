"""The checks of a setting's value, one function and one message per kind of value.

The engine (``Network``, ``fit``, ``fine_tune``) and the recipe (the form, links and the CLI) call these
at their boundary, so a bad learning rate reads the same wherever it was typed. Values may be text (a
link's query parameters); every check returns the value as the engine wants it or raises ConfigError.
"""

import math
import numbers

import numpy as np

from .errors import ConfigError

__all__ = ["choice", "whole", "real", "learning_rate", "seed", "MAX_SEED"]

MAX_SEED = 2**32 - 1  # numpy's default_rng takes any int, but links and the form keep to 32 bits


def choice(what, name, table):
    """``name`` if it is a key of ``table`` (one of the engine's tables), else ConfigError listing the keys."""
    if not isinstance(name, str) or name not in table:
        raise ConfigError(f"unknown {what} {name!r}: choose one of {', '.join(table)}")
    return name


def _as_real(value):
    """A finite float from a number or its text; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    try:
        x = float(value) if isinstance(value, (str, numbers.Real)) else None
    except (ValueError, OverflowError):
        return None
    return x if x is not None and math.isfinite(x) else None


def whole(what, value, lo=1, hi=None):
    """An int from lo to hi (None: no upper bound); '64', 64.0 and np.int64(64) are 64, 64.5 is refused."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        x = int(value)
    else:
        x = _as_real(value)
        if x is None or x != int(x):
            raise ConfigError(f"{what}: {value!r} is not a whole number")
        x = int(x)
    if x < lo or (hi is not None and x > hi):
        raise ConfigError(f"{what}: {value!r} is out of range; use {lo} to {hi}" if hi is not None
                          else f"{what}: {value!r} is out of range; use a whole number of at least {lo}")
    return x


def real(what, value, lo, hi=None):
    """A finite float from lo to hi (None: no upper bound)."""
    x = _as_real(value)
    if x is None:
        raise ConfigError(f"{what}: {value!r} is not a number")
    if x < lo or (hi is not None and x > hi):
        raise ConfigError(f"{what}: {value!r} is out of range; use {lo:g} to {hi:g}" if hi is not None
                          else f"{what}: {value!r} is out of range; use a number of at least {lo:g}")
    return x


def learning_rate(value, hi=math.inf):
    """A positive finite float of at most hi (the app's form caps it; the engine does not)."""
    x = _as_real(value)
    if x is None or not x > 0:
        raise ConfigError(f"learning rate: {value!r} cannot train anything; use a positive number such as "
                          f"0.001 (Adam) or 0.1 (SGD)")
    if x > hi:
        raise ConfigError(f"learning rate: {x:g} is far too large and will diverge; use at most {hi:g} "
                          f"(typical: 0.001 for Adam, 0.1 for SGD)")
    return x


def seed(value):
    return whole("seed", value, 0, MAX_SEED)
