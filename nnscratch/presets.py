"""Named training recipes: one line in the CLI, one click in the app.

Each preset is the network's shape plus the keyword arguments of :func:`nnscratch.fit`.
"""

PRESETS = {
    "classic": {
        "description": "The notebooks exactly: 784-10-10, ReLU, U[-0.5, 0.5) init, "
                       "full-batch gradient descent, lr 0.1, 500 iterations (about 85 %).",
        "hidden": [10], "activation": "relu", "init": "classic",
        "fit": {"optimizer": "sgd", "lr": 0.1, "schedule": "constant", "batch_size": None,
                "steps": 500, "weight_decay": 0.0, "augment": False},
    },
    "quick": {
        "description": "Good accuracy in seconds, for live demos: 784-128-10, Adam, mini-batches.",
        "hidden": [128], "activation": "relu", "init": "he",
        "fit": {"optimizer": "adam", "lr": 2e-3, "schedule": "cosine", "batch_size": 64,
                "epochs": 4, "weight_decay": 0.0, "augment": False},
    },
    "best": {
        "description": "The most accurate MLP we train in about 2 minutes on 2 cores: "
                       "784-800-10 with random shifts and rotations, Adam and a cosine schedule.",
        "hidden": [800], "activation": "relu", "init": "he",
        "fit": {"optimizer": "adam", "lr": 1e-3, "schedule": "cosine", "batch_size": 128,
                "epochs": 25, "weight_decay": 0.0, "augment": True},
    },
}


def preset_config(name):
    """(sizes, network kwargs, fit kwargs) for a preset; raises ConfigError for unknown names."""
    from .errors import ConfigError
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    p = PRESETS[name]
    sizes = [784, *p["hidden"], 10]
    return sizes, {"activation": p["activation"], "init": p["init"]}, dict(p["fit"])
