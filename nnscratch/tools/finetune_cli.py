"""``python -m nnscratch finetune MODEL --data DRAWINGS --out NEW.npz``: teach a model some handwriting.

DRAWINGS is anything ``load_mnist`` reads (a folder of PNGs in ``<label>/`` subfolders, a Kaggle CSV,
a zip...). All its digits are pooled and split as the app splits a person's drawings
(``finetune.holdout_split``: of every digit, a quarter of those beyond 3 is kept aside); the model
learns from the rest, and the kept ones measure it before and after, next to a test set of MNIST
digits that shows what was kept (``--check``). ``--all`` learns from every drawing.
"""

from __future__ import annotations

import argparse
import json
import shlex
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..finetune import DEFAULTS

CHECK_HELP = "MNIST digits to check nothing was forgotten: sample (built-in test part; default), mnist or a path"


def add_parser(sub):
    f = sub.add_parser("finetune", help="teach a model your handwriting from a few labelled drawings")
    f.add_argument("model", help="the model to start from (.npz)")
    f.add_argument("--data", required=True, metavar="DRAWINGS",
                   help="labelled drawings: a folder of <label>/ images, a Kaggle CSV, a zip...")
    f.add_argument("--out", required=True, metavar="NEW.npz", help="where to save the new model")
    f.add_argument("--all", action="store_true", help="learn from every drawing (no held-out measure)")
    f.add_argument("--replay", default="sample",
                   help="MNIST digits mixed in so it does not forget: sample (default), mnist, a path or none")
    f.add_argument("--replay-fraction", type=float, default=DEFAULTS["replay_fraction"],
                   help=f"share of each batch that is replayed (default {DEFAULTS['replay_fraction']})")
    f.add_argument("--steps", type=int, default=DEFAULTS["steps"], help=f"updates (default {DEFAULTS['steps']})")
    f.add_argument("--lr", type=float, default=DEFAULTS["lr"], help=f"Adam learning rate (default {DEFAULTS['lr']})")
    f.add_argument("--augment", action=argparse.BooleanOptionalAction, default=DEFAULTS["augment"],
                   help="random shifts/rotations/scaling of every digit (default on)")
    f.add_argument("--check", default="sample", help=CHECK_HELP)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--name", help="a name stored in the new model's metadata")
    f.add_argument("--json", action="store_true", help="print one JSON object as the last line")


def _all_digits(ds):
    """Train and test digits of a labelled Dataset together -> (X, y)."""
    parts = [ds.train_xy()] + ([ds.test_xy()] if len(ds.y_test) else [])
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def run(args):
    from ..data import load_mnist
    from ..finetune import fine_tune, holdout_split
    from ..network import Network

    out_dir = Path(args.out).resolve().parent
    if not out_dir.is_dir():
        raise ConfigError(f"--out {args.out}: folder {out_dir} does not exist; create it or choose another path")
    net = Network.load(args.model)
    ds = load_mnist(args.data)
    if not ds.labelled:
        raise ConfigError(f"{ds.source} has no labels; give drawings in <label>/ folders or a CSV with a label column")
    X, y = _all_digits(ds)
    learn, kept = (np.arange(len(y)), []) if args.all else holdout_split(y)
    held = (X[kept], y[kept]) if len(kept) else None
    X, y = X[learn], y[learn]
    replay = None if args.replay == "none" else "sample" if args.replay == "sample" \
        else load_mnist(args.replay).train_xy()
    check = load_mnist(args.check)
    X_c, y_c = check.test_xy()
    if y_c is None or not len(y_c):
        raise ConfigError(f"--check {args.check}: {check.source} has no labelled test digits")

    start = time.perf_counter()
    new = fine_tune(net, X, y, replay=replay, steps=args.steps, lr=args.lr, augment=args.augment,
                    replay_fraction=args.replay_fraction, seed=args.seed)
    seconds = time.perf_counter() - start
    result = {
        "n_train": int(len(y)), "n_heldout": 0 if held is None else int(len(held[1])),
        "heldout_before": None if held is None else net.accuracy(*held),
        "heldout_after": None if held is None else new.accuracy(*held),
        "check": check.source, "check_before": net.accuracy(X_c, y_c), "check_after": new.accuracy(X_c, y_c),
        "seconds": seconds, "steps": new.meta["fine_tune"]["steps"], "data": ds.source, "out": str(args.out),
    }
    new.meta.update({  # checkpoint.ModelMeta
        "name": args.name or f"{net.meta.get('name') or net.architecture} + {Path(args.data).name}",
        "origin": "fine-tuned with the CLI",
        "test_accuracy": result["check_after"] if check.kind == (net.meta.get("data") or {}).get("kind") else None,
        "val_accuracy": None,
        "command": "python -m nnscratch " + shlex.join(args.argv),
    })
    new.meta["fine_tune"].update(data=ds.source, **{k: result[k] for k in (
        "n_heldout", "heldout_before", "heldout_after", "check", "check_before", "check_after")})
    new.save(args.out)
    if args.json:
        print(json.dumps(result))
        return
    held_line = (f"held-out drawings ({result['n_heldout']}): {_pct(result['heldout_before'])} -> "
                 f"{_pct(result['heldout_after'])}" if held is not None else
                 "held-out drawings: none (--all, or too few: with 4 or more of a digit, a quarter of those "
                 "beyond 3 is kept aside)")
    print("\n".join([
        f"fine-tuned {args.model} on {len(y):,} drawings of {ds.source} in {seconds:.1f} s ({result['steps']} steps)",
        held_line,
        f"MNIST check, test part of {check.source} ({len(y_c):,} digits): {_pct(result['check_before'])} -> "
        f"{_pct(result['check_after'])}",
        f"saved to {args.out}"]))


def _pct(x):
    return f"{100 * x:.2f} %"
