"""The pretrained model shipped in models/: it is in the repository, and it does what the README says.

The file is committed, so its absence is a failure, never a skip. Its accuracies need the development
data (../shared): without it those tests skip; in CI (which has it) a skip fails the run.
"""

import numpy as np

from nnscratch.checkpoint import SHIPPED_MODEL_PATH
from datafiles import PEN_FILE, SHARED_MNIST, needs_shared
from nnscratch import Network, load_mnist
from nnscratch.drawing import pendigits

MNIST_FLOOR = 0.99     # the README's figure is 99.09 %
PEN_FLOOR = 0.95       # the Draw page's promise on writers the model never saw


def shipped() -> Network:
    assert SHIPPED_MODEL_PATH.is_file(), f"{SHIPPED_MODEL_PATH} is missing: the app would fall back to a starter model"
    return Network.load(SHIPPED_MODEL_PATH)


def test_the_shipped_model_is_in_the_repository_and_reads_digits():
    net = shipped()
    assert net.sizes[0] == 784 and net.sizes[-1] == 10, net.architecture
    assert net.meta["data"]["kind"] == "mnist" and net.meta["test_accuracy"] >= MNIST_FLOOR


@needs_shared(SHARED_MNIST)
def test_shipped_model_mnist_test_accuracy():
    """Measured on the 10,000 MNIST test digits; equal to the figure stored in the file's metadata."""
    net = shipped()
    X, y = load_mnist(SHARED_MNIST).test_xy()
    assert len(y) == 10_000
    acc = float(np.mean(net.predict(X) == y))
    assert acc >= MNIST_FLOOR, f"the shipped model reads {acc:.2%} of the MNIST test set"
    assert round(acc, 4) == round(net.meta["test_accuracy"], 4), (acc, net.meta["test_accuracy"])


@needs_shared(PEN_FILE)
def test_shipped_model_reads_heldout_pen_digits():
    """Real pen digits by the held-out writers, rendered as the canvas draws them."""
    X, y = pendigits.heldout_data(PEN_FILE)
    accuracy = float((shipped().predict(X) == y).mean())
    assert accuracy >= PEN_FLOOR, f"the shipped model reads {accuracy:.1%} of held-out pen digits"
