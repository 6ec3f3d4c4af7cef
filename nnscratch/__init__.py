"""nnscratch: a neural network from scratch in NumPy, made to be watched while it learns.

    import nnscratch
    data = nnscratch.load_mnist("sample")
    X, y = data.train_xy()
    net = nnscratch.Network([784, 128, 10])
    history = nnscratch.fit(net, X, y, epochs=3, optimizer="adam", lr=1e-3)
    net.predict(data.test_xy()[0])

Where things are: the forward and backward pass in ``network.py``, the training loop in
``train.py``, update rules in ``optim.py``, recipes and presets in ``recipe.py``, model files in
``checkpoint.py``, data in ``data/``, canvas preprocessing in ``drawing/``, the background worker
in ``worker.py`` (with its cap in ``limiter.py``), the CLI in ``tools/``.
"""

__version__ = "0.2.0"

from .errors import (ConfigError, DataFormatError, DataUnavailableError, ModelFileError,  # noqa: E402
                     NNScratchError, TrainingDiverged)
from .network import Network  # noqa: E402
from .train import History, fit  # noqa: E402
from .recipe import PRESETS, Recipe, preset_recipe  # noqa: E402
from .data import Dataset, download_mnist, load_mnist, parse_upload, parse_uploads  # noqa: E402
from .finetune import fine_tune  # noqa: E402
