"""nnscratch.recipe: the one recipe type of the CLI, the form, presets, links and model metadata."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from helpers import examples  # hypothesis counts scaled by the profile (tests/conftest.py)

from nnscratch import fit
from nnscratch.errors import ConfigError
from nnscratch.network import ACTIVATIONS, INITS
from nnscratch.optim import OPTIMIZERS, SCHEDULES
from nnscratch.recipe import CHOICES, PRESETS, Recipe, parse_hidden, preset_recipe
from nnscratch.train import steps_per_epoch


def test_parse_hidden_forms():
    assert parse_hidden("128 64") == (128, 64)
    assert parse_hidden("256, 128") == (256, 128)
    assert parse_hidden("") == ()
    assert parse_hidden([10]) == (10,)
    with pytest.raises(ConfigError, match="'abc'"):
        parse_hidden("abc")
    with pytest.raises(ConfigError, match="0 units"):
        parse_hidden("0")


def test_form_values_accepts_defaults_and_edges():
    cfg, errors, notes = Recipe.from_values({"hidden": "", "lr": 0.1, "epochs": 1, "batch_size": 32, "seed": 0})
    assert errors == [] and cfg.sizes == [784, 10] and cfg.architecture == "784-10"
    cfg, errors, notes = Recipe.from_values({"hidden": "1", "batch_size": 5000}, n_train=4000)
    assert cfg.batch_size is None and "full batch" in notes[0]
    cfg, _, _ = Recipe.from_values({"full_batch": True})
    assert cfg.batch_size is None


@pytest.mark.parametrize("field,value,needle", [
    ("lr", 0, "learning rate"), ("lr", 100, "too large"), ("lr", "x", "learning rate"),
    ("epochs", 0, "epochs"), ("seed", -1, "seed"), ("seed", 2**40, "seed"), ("batch_size", 0, "batch_size"),
    ("hidden", "12 x", "'x'"), ("activation", "softplus", "activation"), ("weight_decay", -0.1, "weight_decay"),
])
def test_form_values_refuses_bad_values_with_a_reason(field, value, needle):
    cfg, errors, _ = Recipe.from_values({field: value})
    assert cfg is None and len(errors) == 1 and needle in errors[0]


def test_steps_per_epoch_is_the_one_fit_uses():
    assert steps_per_epoch(1000, 128) == 8
    assert steps_per_epoch(1000, None) == 1
    assert steps_per_epoch(100, 500) == 1
    X, y = np.random.default_rng(0).random((1000, 784), dtype=np.float32), np.arange(1000) % 10
    recipe = Recipe(hidden=(4,), batch_size=128, epochs=2)
    history = fit(recipe.network(), X, y, **recipe.fit_kwargs())
    assert len(history) == recipe.total_steps(1000) == 16 and history.steps_per_epoch == 8


def test_choices_come_from_the_engines_tables():
    assert CHOICES == {"activation": tuple(ACTIVATIONS), "init": tuple(INITS), "optimizer": tuple(OPTIMIZERS),
                       "schedule": tuple(SCHEDULES)}


def test_presets_are_valid_recipes_that_train():
    X, y = np.random.default_rng(0).random((200, 784), dtype=np.float32), np.arange(200) % 10
    for name, preset in PRESETS.items():
        assert Recipe.from_dict(preset.recipe.to_dict()) == preset.recipe and preset.recipe.preset == name
        short = preset.recipe.replace(steps=2)
        assert fit(short.network(), X, y, **short.fit_kwargs()).status == "completed"
    assert preset_recipe("classic").sizes == [784, 10, 10]
    with pytest.raises(ConfigError, match="unknown preset"):
        preset_recipe("fastest")


recipes = st.builds(
    Recipe, hidden=st.lists(st.integers(1, 4096), max_size=4).map(tuple),
    activation=st.sampled_from(CHOICES["activation"]), init=st.sampled_from(CHOICES["init"]),
    optimizer=st.sampled_from(CHOICES["optimizer"]), lr=st.floats(1e-6, 10), schedule=st.sampled_from(CHOICES["schedule"]),
    batch_size=st.one_of(st.none(), st.integers(1, 10**6)), epochs=st.integers(1, 1000),
    weight_decay=st.floats(0, 1), seed=st.integers(0, 2**32 - 1), augment=st.booleans(),
    preset=st.sampled_from([None, *PRESETS]))


@settings(max_examples=examples(200), deadline=None)
@given(recipes)
def test_a_recipe_survives_metadata_the_form_and_a_link(recipe):
    assert Recipe.from_dict(recipe.to_dict()) == recipe
    assert Recipe.from_values(recipe.to_values()) == (recipe, [], [])
    as_link = {k: str(v) for k, v in recipe.to_values().items()}  # query parameters are text
    back, errors, _ = Recipe.from_values(as_link)
    assert errors == [] and back == recipe


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(st.sampled_from(["hidden", "lr", "epochs", "batch_size", "seed", "activation",
                                        "weight_decay", "full_batch", "preset"]),
                       st.one_of(st.text(max_size=50), st.integers(), st.floats(allow_nan=True)), max_size=9))
def test_any_values_give_a_recipe_or_one_line_reasons_never_an_exception(values):
    recipe, errors, notes = Recipe.from_values(values)
    assert (recipe is None) == bool(errors)
    assert all("\n" not in e and len(e) < 300 for e in errors)
