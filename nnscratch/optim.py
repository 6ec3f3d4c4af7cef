"""Optimizers (update rules) and learning-rate schedules.

An optimizer updates ``params`` in place from ``grads`` (both dicts of arrays keyed alike).
In-place updates matter: they keep a training step free of new allocations.
"""

import math

import numpy as np

from . import checks

__all__ = ["SGD", "Momentum", "Adam", "make_optimizer", "lr_at", "OPTIMIZERS", "SCHEDULES"]


class SGD:
    """p <- p - lr * (g + weight_decay * p)   (weight decay on weights only, not biases)."""

    def __init__(self, weight_decay=0.0):
        self.weight_decay = weight_decay

    def _decayed(self, name, p, g):
        if self.weight_decay and name.startswith("W"):
            return g + self.weight_decay * p
        return g

    def step(self, params, grads, lr):
        for name, p in params.items():
            g = self._decayed(name, p, grads[name])
            p -= lr * g


class Momentum(SGD):
    """Heavy-ball momentum: v <- mu * v + g;  p <- p - lr * v."""

    def __init__(self, weight_decay=0.0, mu=0.9):
        super().__init__(weight_decay)
        self.mu = mu
        self.v = {}

    def step(self, params, grads, lr):
        for name, p in params.items():
            g = self._decayed(name, p, grads[name])
            v = self.v.get(name)
            if v is None:
                v = self.v[name] = np.zeros_like(p)
            v *= self.mu
            v += g
            p -= lr * v


class Adam(SGD):
    """Adam (Kingma & Ba, 2015), with bias-corrected first and second moment estimates."""

    def __init__(self, weight_decay=0.0, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads, lr):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # fold both bias corrections into one step size
        step_size = lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for name, p in params.items():
            g = self._decayed(name, p, grads[name])
            if name not in self.m:
                self.m[name] = np.zeros_like(p)
                self.v[name] = np.zeros_like(p)
            m, v = self.m[name], self.v[name]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= step_size * m / (np.sqrt(v) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


# Each schedule maps (lr, frac) -> the rate at frac = step / total_steps in [0, 1).
def _constant(lr, frac):
    """lr throughout."""
    return lr


def _step(lr, frac):
    """lr, then lr/10 from half way, lr/100 from three quarters."""
    return lr * (0.1 ** ((frac >= 0.5) + (frac >= 0.75)))


def _cosine(lr, frac):
    """lr * (1 + cos(pi * frac)) / 2: from lr down to nearly 0."""
    return lr * 0.5 * (1 + math.cos(math.pi * frac))


SCHEDULES = {"constant": _constant, "step": _step, "cosine": _cosine}


def make_optimizer(name, weight_decay=0.0):
    return OPTIMIZERS[checks.choice("optimizer", name, OPTIMIZERS)](weight_decay=weight_decay)


def lr_at(schedule, lr, step, total_steps):
    """Learning rate for 0-based ``step`` of ``total_steps`` under ``SCHEDULES[schedule]`` (checked by fit)."""
    return SCHEDULES[schedule](lr, step / max(total_steps, 1))
