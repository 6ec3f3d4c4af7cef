"""nnscratch: a neural network from scratch in NumPy, made to be watched while it learns.

    import nnscratch
    data = nnscratch.load_mnist("sample")
    X, y = data.train_xy()
    net = nnscratch.Network([784, 128, 10])
    history = nnscratch.fit(net, X, y, epochs=3, optimizer="adam", lr=1e-3)
    net.predict(data.test_xy()[0])
"""

__version__ = "0.1.0"

from .errors import (ConfigError, DataFormatError, DataUnavailableError, ModelFileError,  # noqa: E402
                     NNScratchError, TrainingDiverged)
from .network import Network  # noqa: E402
from .presets import PRESETS, preset_config  # noqa: E402
from .train import History, fit  # noqa: E402
from .data import Dataset, download_mnist, load_mnist, parse_upload, parse_uploads  # noqa: E402
