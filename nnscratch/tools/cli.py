"""Command line: ``python -m nnscratch train | evaluate | predict | bench | download | webpage | class | finetune``.

Every user error ends as one line on stderr and a non-zero exit, never a traceback. With
``--json`` the last line of stdout is one JSON object.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError, NNScratchError
from . import class_cli, finetune_cli
from .versions import VersionAction

DATA_HELP = "sample (built-in, offline; default), mnist (full, cached/downloaded) or a path to a file or folder"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(2, f"nnscratch: {message} (see {self.prog} --help)\n")


def _batch_size(text):
    """'full' is full batch (None); anything else goes to the recipe as text, which checks it like the form."""
    return None if text.lower() in ("full", "none") else text


def build_parser():
    from ..recipe import CHOICES, PRESETS
    from ..webpage import DEFAULT_ENCODING, ENCODINGS

    p = _Parser(prog="python -m nnscratch", description="A neural network from scratch in NumPy.")
    p.add_argument("--version", action=VersionAction)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a network and save it")
    t.add_argument("--preset", choices=list(PRESETS), default="quick", help="starting recipe (default quick)")
    t.add_argument("--hidden", type=int, nargs="*", metavar="N", help="hidden layer sizes, e.g. --hidden 128 64; "
                   "--hidden with no sizes = logistic regression")
    t.add_argument("--activation", choices=CHOICES["activation"])
    t.add_argument("--init", choices=CHOICES["init"])
    t.add_argument("--optimizer", choices=CHOICES["optimizer"])
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--schedule", choices=CHOICES["schedule"], help="learning-rate schedule")
    t.add_argument("--batch-size", type=_batch_size, default=argparse.SUPPRESS, help="N or 'full'")
    length = t.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int)
    length.add_argument("--steps", type=int)
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random shifts/rotations/scaling of training digits")
    t.add_argument("--seed", type=int, help="seeds the initial weights and the shuffling (default the preset's)")
    t.add_argument("--val-fraction", type=float, default=0.1,
                   help="part of the training set held out for validation (0 = none; default 0.1)")
    t.add_argument("--data", default="sample", help=DATA_HELP)
    t.add_argument("--add-pendigits", metavar="FILE",
                   help="also learn from real pen-written digits (UCI pendigits-orig file), rendered like "
                        "canvas drawings; only the training writers, so held-out accuracy stays honest")
    t.add_argument("--out", default="model.npz", help="where to save the model (default model.npz)")
    t.add_argument("--name", help="a name stored in the model's metadata")
    t.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="accuracy, per-class accuracy and confusion matrix on a test set")
    e.add_argument("model")
    e.add_argument("--data", default="sample", help=DATA_HELP)
    e.add_argument("--json", action="store_true")

    r = sub.add_parser("predict", help="read digits from image files")
    r.add_argument("model")
    r.add_argument("images", nargs="+", metavar="IMAGE")
    r.add_argument("--json", action="store_true")

    b = sub.add_parser("bench", help="throughput: nnscratch vs PyTorch vs the notebook, side by side")
    b.add_argument("--data", default=None, help="mnist (default when cached) or sample; speed is what counts")
    b.add_argument("--classic-steps", type=int, default=50,
                   help="full-batch iterations for the classic-vs-notebook ratio (default 50)")
    b.add_argument("--repeats", type=int, default=3, help="best of N timings (default 3)")
    b.add_argument("--json", action="store_true")

    d = sub.add_parser("download", help="fetch full MNIST into the cache (or copy it from a folder)")
    d.add_argument("--from", dest="from_dir", metavar="DIR", help="copy and verify the four IDX files from DIR")
    w = sub.add_parser("webpage", help="one self-contained HTML file that reads digits drawn in it, offline")
    w.add_argument("model")
    w.add_argument("--out", default=None, help="where to write the page (default nnscratch_<architecture>.html)")
    w.add_argument("--weights", choices=ENCODINGS, default=DEFAULT_ENCODING,
                   help=f"how the page stores the weights (default {DEFAULT_ENCODING}: see docs/take-home.md)")
    class_cli.add_parser(sub)
    finetune_cli.add_parser(sub)
    return p


# ---- helpers ---------------------------------------------------------------------------------

def _progress_bar(desc, total=None, unit="it", quiet=False):
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=quiet, dynamic_ncols=True,
                mininterval=0.2, unit_scale=(unit == "B"))


class _DownloadBars:
    """A ``progress(done, total, name)`` callback that shows one byte bar per file, closed when done."""

    def __init__(self, quiet=False):
        self.quiet, self.bars = quiet, {}

    def __call__(self, done, total, name):
        bar = self.bars.get(name)
        if bar is None:
            bar = self.bars[name] = _progress_bar(name, total, "B", self.quiet)
        bar.update(done - bar.n)
        if total and done >= total:
            bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()


def _load_data(source, quiet=False):
    from ..data import load_mnist
    with _DownloadBars(quiet) as progress:
        return load_mnist(source, progress=progress)


def _emit(result, as_json, lines):
    if as_json:
        print(json.dumps(result))
    else:
        print("\n".join(lines))


# ---- commands --------------------------------------------------------------------------------

def recipe_from_args(args):
    """The preset named by --preset with every option given on the command line applied, checked
    like the app's form (the same Recipe)."""
    from ..recipe import preset_recipe

    changes = {key: getattr(args, key) for key in ("activation", "init", "optimizer", "lr", "schedule",
                                                     "weight_decay", "augment", "epochs", "steps", "seed")
               if getattr(args, key) is not None}
    if args.hidden is not None:
        changes["hidden"] = tuple(args.hidden)
    if hasattr(args, "batch_size"):
        changes["batch_size"] = args.batch_size
    return preset_recipe(args.preset).replace(**changes)


def cmd_train(args):
    from ..data import kinds
    from ..data.splits import prepare_arrays
    from ..train import fit

    recipe = recipe_from_args(args)
    out_dir = Path(args.out).resolve().parent
    if not out_dir.is_dir():
        raise ConfigError(f"--out {args.out}: folder {out_dir} does not exist; create it or choose another path")
    if not 0 <= args.val_fraction < 1:
        raise ConfigError(f"--val-fraction must be from 0 to below 1, not {args.val_fraction}")

    ds = _load_data(args.data, args.quiet)
    if ds.y_train is None:
        raise ConfigError(f"{ds.source} has no labels: it can be used with predict, not to train")
    arrays = prepare_arrays(ds, val_fraction=args.val_fraction, max_val=10**9, seed=0,
                            kind=args.data if args.data in kinds.BY_NAME else kinds.PATH)
    X_train, y_train = arrays.X_train, arrays.y_train
    if args.add_pendigits:
        from ..drawing.pendigits import training_data
        X_pen, y_pen = training_data(args.add_pendigits)
        X_train, y_train = np.concatenate([X_train, X_pen]), np.concatenate([y_train, y_pen])
    net = recipe.network()
    total_steps = recipe.total_steps(len(y_train))
    bars = []  # made at the first step, so a refused setting prints no empty bar

    def callback(row):
        if not bars:
            bars.append(_progress_bar(f"training {net.architecture}", total_steps, "step", args.quiet))
        bar = bars[0]
        bar.update(1)
        if row["step"] % 25 == 0 or row["val_acc"] is not None:
            bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['train_acc']:.3f}", refresh=False)

    has_val = len(arrays.y_val) > 0
    start = time.perf_counter()
    try:
        history = fit(net, X_train, y_train, callback=callback,
                      X_val=arrays.X_val if has_val else None, y_val=arrays.y_val if has_val else None,
                      **recipe.fit_kwargs())
    finally:
        for bar in bars:
            bar.close()
    seconds = time.perf_counter() - start
    test_acc = net.accuracy(arrays.X_test, arrays.y_test) if arrays.y_test is not None and len(arrays.y_test) else None
    val_acc = history.val_acc
    data = arrays.data_id
    if args.add_pendigits:
        data["extra"] = "pendigits training writers"
    net.meta.update({  # checkpoint.ModelMeta
        "name": args.name or f"{args.preset} {net.architecture}",
        "recipe": recipe.to_dict(), "data": data, "status": history.status,
        "n_train": int(len(y_train)), "steps": len(history),
        "val_accuracy": val_acc, "test_accuracy": test_acc, "train_seconds": round(seconds, 2),
        "command": "python -m nnscratch " + shlex.join(args.argv),
    })
    net.save(args.out)
    result = {"val_accuracy": val_acc, "test_accuracy": test_acc, "seconds": seconds,
              "samples_per_second": history.last["samples_per_s"], "steps": len(history),
              "architecture": net.architecture, "data": ds.source, "out": str(args.out)}
    _emit(result, args.json, [
        f"trained {net.architecture} on {ds.source} in {seconds:.1f} s "
        f"({history.last['samples_per_s']:,.0f} samples/s)",
        f"validation accuracy: {_pct(val_acc)}   test accuracy: {_pct(test_acc)}",
        f"saved to {args.out}"])


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.2f} %"


def cmd_evaluate(args):
    from ..metrics import confusion_matrix, per_class_accuracy
    from ..network import Network

    net = Network.load(args.model)
    ds = _load_data(args.data)
    if ds.y_test is None or not len(ds.y_test):
        raise ConfigError(f"{ds.source} has no labelled test set to evaluate on")
    X, y = ds.test_xy()
    pred = net.predict(X)
    acc = float((pred == y).mean())
    per_class = per_class_accuracy(y, pred)
    cm = confusion_matrix(y, pred)
    result = {"accuracy": acc, "n": int(len(y)), "per_class": [round(float(a), 6) for a in per_class],
              "confusion": cm.tolist(), "model": args.model, "data": ds.source}
    lines = [f"{args.model} ({net.architecture}) on {ds.source}: {_pct(acc)} of {len(y):,} test digits",
             "per class: " + "  ".join(f"{d}: {100 * a:.1f}" for d, a in enumerate(per_class)),
             "confusion (rows true, columns predicted):"]
    lines += ["  " + " ".join(f"{v:5d}" for v in row) for row in cm]
    _emit(result, args.json, lines)


def cmd_predict(args):
    from ..network import Network
    from ..drawing.preprocess import load_image

    net = Network.load(args.model)
    results, lines = [], []
    for path in args.images:
        img = load_image(path)  # raises DataFormatError naming the file
        probs = net.predict_proba(img.reshape(1, 784))[0]
        digit = int(probs.argmax())
        results.append({"image": path, "digit": digit, "confidence": float(probs[digit]),
                        "probabilities": [round(float(p), 6) for p in probs]})
        lines.append(f"{path}: {digit} ({100 * probs[digit]:.1f} %)")
    _emit({"predictions": results}, args.json, lines)


def cmd_bench(args):
    from .bench import run_benchmarks
    result = run_benchmarks(data=args.data, classic_steps=args.classic_steps, repeats=args.repeats,
                            log=lambda s: print(s, file=sys.stderr) if args.json else print(s))
    if args.json:
        print(json.dumps(result))


def cmd_download(args):
    from ..data import download_mnist
    with _DownloadBars() as progress:
        folder = download_mnist(from_dir=args.from_dir, progress=progress)
    print(f"MNIST is ready in {folder}")


def cmd_webpage(args):
    from ..network import Network
    from ..webpage import file_name, to_html

    net = Network.load(args.model)
    out = Path(args.out or file_name(net))
    if not out.parent.resolve().is_dir():
        raise ConfigError(f"--out {out}: folder {out.parent} does not exist; create it or choose another path")
    page = to_html(net, args.weights)
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out} ({len(page.encode()) / 1024:.0f} KB): open it in a browser, no network needed")


COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "bench": cmd_bench,
            "download": cmd_download, "webpage": cmd_webpage, "class": class_cli.run, "finetune": finetune_cli.run}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # recorded in a trained model's metadata
    try:
        COMMANDS[args.command](args)
    except NNScratchError as e:
        print(f"nnscratch: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nnscratch: interrupted", file=sys.stderr)
        return 130
    except (OSError, MemoryError) as e:  # e.g. --out in a folder that does not exist
        print(f"nnscratch: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 1
    return 0
