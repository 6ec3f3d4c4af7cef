"""One source for every fact: each test fails if a second copy of a table, a default or a constant comes back."""

import inspect

import numpy as np

from nnscratch import Network, Recipe, fit


def _digits(n=256, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


# ---- defaults: Recipe() is the run fit() makes with no options -------------------------------------

def test_fit_and_network_defaults_are_recipes():
    fit_defaults = {k: p.default for k, p in inspect.signature(fit).parameters.items()
                    if p.default is not inspect.Parameter.empty}
    net_defaults = {k: p.default for k, p in inspect.signature(Network).parameters.items()
                    if p.default is not inspect.Parameter.empty}
    recipe = Recipe()
    for key, value in recipe.fit_kwargs().items():
        if key != "epochs":  # fit's epochs=None means Recipe.epochs (None and steps=None: Recipe.epochs)
            assert fit_defaults[key] == value, key
    for key in ("activation", "init", "seed"):
        assert net_defaults[key] == getattr(recipe, key), key


def test_recipe_and_fit_make_the_same_run():
    X, y = _digits()
    recipe = Recipe()
    from_recipe = recipe.network()
    h1 = fit(from_recipe, X, y, **recipe.fit_kwargs())
    plain = Network(recipe.sizes)
    h2 = fit(plain, X, y)
    assert len(h1) == len(h2) == recipe.total_steps(len(y))
    assert h1.column("loss") == h2.column("loss")
    for k in from_recipe.params:
        assert np.array_equal(from_recipe.params[k], plain.params[k]), k
