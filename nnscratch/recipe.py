"""A training recipe: the network's shape and how to train it. One type for the CLI, the app's form,
the presets, shared links and the metadata saved with a model.

The choices (activations, inits, optimizers, schedules) are read from the engine's own tables, so a
new activation in ``network.ACTIVATIONS`` reaches the form, the CLI and the checks by itself.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, fields, replace
from typing import NamedTuple

from . import checks
from .errors import ConfigError
from .network import ACTIVATIONS, INITS, Network
from .optim import OPTIMIZERS, SCHEDULES

__all__ = ["Recipe", "Preset", "PRESETS", "CHOICES", "parse_hidden", "preset_recipe", "steps_per_epoch"]

# The names the form, the CLI's --help and the checks offer: the keys of the engine's tables.
CHOICES = {"activation": tuple(ACTIVATIONS), "init": tuple(INITS), "optimizer": tuple(OPTIMIZERS),
           "schedule": tuple(SCHEDULES)}

# Limits for a shared server: bigger is too slow to train next to a room, and too big to draw.
MAX_HIDDEN_UNITS = 4096
MAX_HIDDEN_LAYERS = 4
MAX_EPOCHS = 1000  # the classic preset is 500 full-batch epochs
MAX_LR = 10.0
MAX_STEPS = 10**7
MAX_BATCH = 10**7
# Network's own defaults, so Recipe().network() is Network(Recipe().sizes).
_NET = {name: p.default for name, p in inspect.signature(Network).parameters.items()}


def steps_per_epoch(n_train, batch_size):
    """Optimizer steps in one pass over n_train rows (the last, smaller batch counts as a step)."""
    if not batch_size or batch_size >= n_train:
        return 1
    return math.ceil(n_train / batch_size)


@dataclass(frozen=True)
class Recipe:
    """Everything one training run needs besides the data. ``batch_size`` None is full batch;
    ``steps``, when set, replaces ``epochs`` (the CLI's --steps). These defaults are also ``fit()``'s."""

    hidden: tuple = (128,)
    activation: str = _NET["activation"]
    init: str = _NET["init"]
    optimizer: str = "adam"
    lr: float = 2e-3
    schedule: str = "cosine"
    batch_size: int | None = 64
    epochs: int = 4
    steps: int | None = None
    weight_decay: float = 0.0
    seed: int = _NET["seed"]
    augment: bool = False
    preset: str | None = None

    @property
    def sizes(self) -> list:
        return [784, *self.hidden, 10]

    @property
    def architecture(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    def network(self) -> Network:
        return Network(self.sizes, activation=self.activation, init=self.init, seed=self.seed)

    def total_steps(self, n_train: int) -> int:
        return self.steps or self.epochs * steps_per_epoch(n_train, self.batch_size)

    def fit_kwargs(self) -> dict:
        """Keyword arguments for ``nnscratch.fit`` (without the data, callback and events)."""
        length = {"steps": self.steps} if self.steps else {"epochs": self.epochs}
        return dict(batch_size=self.batch_size, optimizer=self.optimizer, lr=self.lr, schedule=self.schedule,
                    weight_decay=self.weight_decay, augment=self.augment, seed=self.seed, **length)

    # ---- the recipe as plain values: model metadata, the form, links -------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Recipe":
        """The inverse of :meth:`to_dict`; raises ConfigError listing every bad value."""
        recipe, errors, _ = cls.from_values({**d, "full_batch": d.get("batch_size") is None})
        if errors:
            raise ConfigError("; ".join(errors))
        return recipe

    def to_values(self) -> dict:
        """The fields as the Train form and a shared link hold them (hidden as text, full batch as a flag)."""
        d = self.to_dict()
        d["hidden"] = " ".join(str(h) for h in self.hidden)
        d["full_batch"] = self.batch_size is None
        d["batch_size"] = self.batch_size or 128
        d.pop("steps")
        return d

    @classmethod
    def from_values(cls, values: dict, n_train: int | None = None):
        """Validate form or link values. Returns (Recipe or None, errors, notes), one line per problem.

        Values may be strings (a link's query parameters). ``notes`` are harmless adjustments the
        person should know about (a batch larger than the data becomes full batch).
        """
        errors, notes = [], []
        v = {k: val for k, val in values.items() if val is not None}
        default = cls()

        def check(key, fn):
            """fn(the value given for ``key``, else Recipe()'s), or None with fn's one-line message in errors."""
            try:
                return fn(v.get(key, getattr(default, key)))
            except ConfigError as e:
                errors.append(str(e))
                return None

        hidden = check("hidden", parse_hidden)
        names = {key: check(key, lambda x, key=key, allowed=allowed: checks.choice(key, x, allowed))
                 for key, allowed in CHOICES.items()}
        lr = check("lr", lambda x: checks.learning_rate(x, MAX_LR))
        epochs = check("epochs", lambda x: checks.whole("epochs", x, 1, MAX_EPOCHS))
        steps = check("steps", lambda x: checks.whole("steps", x, 1, MAX_STEPS)) if v.get("steps") else None
        wd = check("weight_decay", lambda x: checks.real("weight_decay", x, 0.0, 1.0))
        seed = check("seed", checks.seed)
        batch = None
        if not _flag(v.get("full_batch", False)):
            batch = check("batch_size", lambda x: checks.whole("batch_size", x, 1, MAX_BATCH))
            if batch is not None and n_train is not None and batch >= n_train:
                notes.append(f"batch size {batch} is at least the {n_train:,} training digits, so every "
                             f"step uses the full batch")
                batch = None
        preset = v.get("preset") or None
        if preset is not None and preset not in PRESETS:
            preset = None
        if errors:
            return None, errors, notes
        return cls(hidden=hidden, **names, lr=lr, batch_size=batch, epochs=epochs, steps=steps, weight_decay=wd,
                   seed=seed, augment=_flag(v.get("augment", False)), preset=preset), [], notes

    def replace(self, **changes) -> "Recipe":
        """A copy with some fields changed, checked like the form (raises ConfigError)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown recipe fields: {', '.join(sorted(unknown))}")
        return Recipe.from_dict(replace(self, **changes).to_dict())


def _flag(x) -> bool:
    return x is True or (isinstance(x, str) and x.strip().lower() in ("1", "true", "yes", "on"))


def parse_hidden(text) -> tuple:
    """'128 64' or '128, 64' -> (128, 64); '' or 'none' -> () (no hidden layer: logistic regression).

    Raises ConfigError naming the bad entry.
    """
    if isinstance(text, (list, tuple)):
        parts = [str(p) for p in text]
    else:
        s = str(text or "").replace(",", " ").replace("-", " ").strip()
        parts = [] if s.lower() in ("", "none") else s.split()
    sizes = []
    for p in parts:
        try:
            n = int(p)
        except ValueError:
            raise ConfigError(f"hidden layers: {p[:20]!r} is not a whole number; write sizes like '128' or "
                              f"'256 128' (empty = no hidden layer)") from None
        if not 1 <= n <= MAX_HIDDEN_UNITS:
            raise ConfigError(f"hidden layers: {n} units is out of range; use 1 to {MAX_HIDDEN_UNITS} "
                              f"units per layer")
        sizes.append(n)
    if len(sizes) > MAX_HIDDEN_LAYERS:
        raise ConfigError(f"hidden layers: {len(sizes)} layers is too many here; use at most "
                          f"{MAX_HIDDEN_LAYERS}")
    return tuple(sizes)


class Preset(NamedTuple):
    description: str
    recipe: Recipe


PRESETS = {
    "classic": Preset("The notebooks exactly: 784-10-10, ReLU, U[-0.5, 0.5) init, full-batch gradient "
                      "descent, lr 0.1, 500 iterations (about 85 %).",
                      Recipe(hidden=(10,), init="classic", optimizer="sgd", lr=0.1, schedule="constant",
                             batch_size=None, epochs=500, preset="classic")),
    "quick": Preset("Good accuracy in seconds, for live demos: 784-128-10, Adam, mini-batches.",
                    Recipe(hidden=(128,), optimizer="adam", lr=2e-3, schedule="cosine", batch_size=64, epochs=4,
                           preset="quick")),
    "best": Preset("The most accurate MLP we train in about 2 minutes on 2 cores: 784-800-10 with random "
                   "shifts and rotations, Adam and a cosine schedule.",
                   Recipe(hidden=(800,), optimizer="adam", lr=1e-3, schedule="cosine", batch_size=128, epochs=25,
                          augment=True, preset="best")),
}


def preset_recipe(name: str) -> Recipe:
    """The recipe of a preset; raises ConfigError for unknown names."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[name].recipe
