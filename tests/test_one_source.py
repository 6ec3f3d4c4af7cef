"""One source for every fact: each test fails if a second copy of a table, a default or a constant comes back."""

import ast
import inspect
from pathlib import Path

import numpy as np

from nnscratch import Network, Recipe, fit, worker
from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from nnscratch.data import kinds


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


# ---- literals that live in one constant ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("nnscratch", "app", "bench", "deploy", "scripts", "tests")


def _python_files(*dirs):
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.py"))
    yield ROOT / "streamlit_app.py"


def _literal_strings(path):
    """(line, value) of every string constant in the file (docstrings and f-string parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _spelled(text, *, where, allowed, exact=False):
    """Files (relative) outside ``allowed`` with a string constant equal to (exact) or containing ``text``."""
    found = []
    for path in _python_files(*where):
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed or rel == "tests/test_one_source.py":
            continue
        for line, value in _literal_strings(path):
            if (value == text) if exact else (text in value):
                found.append(f"{rel}:{line}")
    return found


def test_the_shipped_model_path_is_spelled_once():
    # Docs and the browser tests (owned elsewhere) may still name the file; code reads the constant.
    assert SHIPPED_MODEL_PATH.is_file()
    assert _spelled("mnist_mlp.npz", where=("nnscratch", "app", "tests"),
                    allowed={"nnscratch/checkpoint.py", "tests/browser/test_browser_draw.py"}) == []


def test_data_kinds_are_the_kinds_module():
    assert kinds.DATA_KINDS == (kinds.SAMPLE, kinds.MNIST, kinds.UPLOAD, kinds.PATH)
    assert set(kinds.BY_NAME) <= set(kinds.DATA_KINDS)
    # the app's data choice offers the kinds a person can pick, in their order
    from app import session
    assert list(session.DATA_CHOICES) == [kinds.SAMPLE, kinds.MNIST, kinds.UPLOAD]
    for kind in (kinds.UPLOAD, kinds.PATH):  # "sample" and "mnist" are also load_mnist's names in docs
        assert _spelled(kind, where=("nnscratch", "app"), exact=True,
                        allowed={"nnscratch/data/kinds.py"}) == [], kind


def test_the_parse_memory_bound_is_one_number_from_the_limits():
    from nnscratch.data import budget, limits
    assert limits.MAX_PARSE_MEMORY == ((limits.MAX_UPLOAD_MB << 20) + limits.MAX_BYTES
                                       + 3 * limits.MAX_DIGITS * 785 + limits.BLOCK_BYTES)
    assert "MAX_PARSE_MEMORY" in budget.__doc__ and " GB" not in budget.__doc__
    from app import uploads
    assert uploads.MAX_UPLOAD_MB == limits.MAX_UPLOAD_MB


# ---- run statuses: nnscratch/status.py --------------------------------------------------------------------

def test_statuses_are_spelled_only_in_their_table():
    statuses = (worker.QUEUED, worker.RUNNING, worker.PAUSED, worker.COMPLETED, worker.STOPPED, worker.DIVERGED)
    assert set(worker.FINAL_STATES) == {worker.COMPLETED, worker.STOPPED, worker.DIVERGED, worker.ERROR}
    from nnscratch.store.records import STATUSES
    assert set(STATUSES) == set(worker.FINAL_STATES) - {worker.ERROR}
    # "error" is left out: it is also an everyday word (a save message's kind).
    allowed = {"nnscratch/status.py"}
    for status in statuses:
        assert _spelled(status, where=("nnscratch", "app"), exact=True, allowed=allowed) == [], status


# ---- one thinning, no circle, no dead code -------------------------------------------------------------

def _imports(path):
    """Module names a file imports at its top level (relative ones resolved inside nnscratch)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_checkpoint_sits_below_network():
    assert "nnscratch.checkpoint" in _imports(ROOT / "nnscratch" / "network.py")
    assert not any(n.startswith("nnscratch.network") for n in _imports(ROOT / "nnscratch" / "checkpoint.py"))
    # and not through a late import inside a function either
    assert "network" not in {n.module for n in ast.walk(ast.parse((ROOT / "nnscratch/checkpoint.py").read_text()))
                             if isinstance(n, ast.ImportFrom)}


def test_one_history_thinning():
    from nnscratch import metrics
    from nnscratch.store import records
    assert not hasattr(metrics, "downsample_history")
    rows = [{"step": i + 1, "loss": 1.0, "val_acc": 0.5 if i % 97 == 0 else None} for i in range(3000)]
    kept = metrics.thin(rows, 300)
    assert records.downsample_history(rows, 300)["step"] == [rows[i]["step"] for i in kept]


def _names(path):
    """Every function, class, attribute and variable name a file defines or uses."""
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield n.name
        elif isinstance(n, ast.Attribute):
            yield n.attr
        elif isinstance(n, ast.Name):
            yield n.id


def test_dead_code_stays_gone():
    dead = {"n_params", "delete_drawing_admin", "retry_now"}
    found = [f"{p.relative_to(ROOT)}: {name}" for p in _python_files(*SOURCE_DIRS)
             if p.name != "test_one_source.py" for name in set(_names(p)) & dead]
    assert found == []
    from nnscratch.store import records
    assert "val_loss" not in records.CURVE_KEYS  # no training row has it


def test_deploy_is_a_package_nobody_reaches_through_sys_path():
    from deploy import _haproxy, _postgres, _procs  # noqa: F401
    offenders = []
    for path in _python_files(*SOURCE_DIRS):
        if path.name == "test_one_source.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "sys.path" in line and "deploy" in line:
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert "sys.path" not in (ROOT / "deploy" / "cluster").read_text()
    assert offenders == []


# ---- tables, not if-chains ----------------------------------------------------------------------------

def _tables():
    from nnscratch.network import ACTIVATIONS, INITS
    from nnscratch.optim import OPTIMIZERS, SCHEDULES
    return {"activation": ACTIVATIONS, "init": INITS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES}


def test_every_table_is_a_dict_of_callables_and_the_choices_are_its_keys():
    from nnscratch.recipe import CHOICES
    for kind, table in _tables().items():
        assert isinstance(table, dict) and all(callable(getattr(v, "forward", v)) for v in table.values()), kind
        assert CHOICES[kind] == tuple(table), kind


def test_no_if_chain_over_a_tables_names():
    """``init == "xavier"`` (or a schedule's or an activation's name) is the if-chain coming back: the
    behaviour belongs in the table's entry. (An optimizer's name may pick what a page explains.)"""
    tables = _tables()
    found = []
    for path in _python_files("nnscratch", "app"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            names = {o.value for o in operands if isinstance(o, ast.Constant) and isinstance(o.value, str)}
            others = " ".join(ast.unparse(o) for o in operands if not isinstance(o, ast.Constant))
            for kind in ("init", "schedule", "activation"):
                if kind in others and names & set(tables[kind]):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert found == []


def test_the_cli_offers_the_tables_and_the_presets():
    from nnscratch.recipe import CHOICES, PRESETS
    from nnscratch.tools.cli import build_parser
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    offered = {a.dest: a.choices for a in sub.choices["train"]._actions if a.choices}
    assert list(offered.pop("preset")) == list(PRESETS)
    assert {k: tuple(v) for k, v in offered.items()} == CHOICES


# ---- one check, one message ------------------------------------------------------------------------------

def test_a_bad_learning_rate_reads_the_same_everywhere():
    from nnscratch import ConfigError, fine_tune
    X, y = _digits(8)
    messages = []
    for call in (lambda: fit(Network([784, 4, 10]), X, y, lr=-1),
                 lambda: fine_tune(Network([784, 4, 10]), X, y, lr=-1, replay=None)):
        try:
            call()
        except ConfigError as e:
            messages.append(str(e))
    _, errors, _ = Recipe.from_values({"lr": -1})
    assert len(messages) == 2 and messages == errors * 2, (messages, errors)


def test_seed_is_checked_by_one_function():
    from nnscratch import ConfigError, checks
    _, errors, _ = Recipe.from_values({"seed": -1})
    for call in (lambda: Network([784, 10], seed=-1), lambda: fit(Network([784, 10]), *_digits(8), seed=-1)):
        try:
            call()
        except ConfigError as e:
            assert [str(e)] == errors
        else:
            raise AssertionError("seed -1 was accepted")
    assert checks.MAX_SEED == 2**32 - 1


# ---- one colour map for weights and gradients: plots.WEIGHT_CMAP --------------------------------------

def test_weights_and_gradients_are_painted_with_one_colour_map():
    """Only nnscratch/plots.py names a colour map or passes one (``cmap=``): every picture of weights or
    gradients reads plots.WEIGHT_CMAP through plots.colorize, the map docs/accessibility.md checks.
    (nnscratch/colour_vision.py passes candidate maps to measure them; it paints no picture.)"""
    from matplotlib import colormaps
    found = []
    for path in _python_files("nnscratch", "app"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("nnscratch/plots.py", "nnscratch/colour_vision.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("cmap", "colormap"):
                found.append(f"{rel}:{node.value.lineno} {node.arg}=")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in colormaps:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
    assert found == []
