"""The project's own error types.

Every error a user can cause is one of these, and its message is one line that says
what was wrong and what to do. The CLI and the app show ``str(err)``, never a traceback.
"""


class NNScratchError(Exception):
    """Base class: the message is a complete one-line explanation for a user."""


class ConfigError(NNScratchError, ValueError):
    """A hyperparameter or option has a value that cannot work (names the value)."""


class DataFormatError(NNScratchError, ValueError):
    """A data file is not in a format we read, or is corrupt (names the file and where)."""


class DataUnavailableError(NNScratchError):
    """The data cannot be had here (e.g. offline with no cache); says what to do instead."""


class ModelFileError(NNScratchError, ValueError):
    """A model file is missing, truncated, foreign or inconsistent."""


class TrainingDiverged(NNScratchError, RuntimeError):
    """The loss blew up (NaN, infinite or absurdly large); the network is rolled back to finite weights."""

    def __init__(self, step, lr=None, loss=float("nan")):
        self.step = step
        self.lr = lr
        self.loss = loss
        hint = f"try a smaller learning rate (e.g. {lr / 10:g})" if lr else "try a smaller learning rate"
        super().__init__(f"training diverged at step {step} (loss {loss:.3g}); {hint}")


class StoreError(NNScratchError):
    """The class store cannot do what was asked: database unreachable, newer than this code, or a
    run that is not there or not yours. The message names the database (password hidden)."""
