"""Files people upload: datasets and model files, checked before anything is kept.

Every upload goes through the same validating parsers as the CLI (nothing is unpickled), under our
own size limit on top of server.maxUploadSize (which a config change could lift), and through the
server's parse budget (``nnscratch.data.budget``): a few parses at once, the rest wait their turn,
so a room uploading at once, or one prankster with twenty tabs, cannot run the server out of memory.
"""

from __future__ import annotations

import nnscratch
from nnscratch.data import budget, limits
from nnscratch.data.splits import TrainingArrays, prepare_arrays
from nnscratch.errors import DataFormatError, ModelFileError

MAX_UPLOAD_MB = limits.MAX_UPLOAD_MB  # a name of its own so tests can lower it for this module alone


def check_size(*files) -> None:
    """Refuse uploads that are together larger than MAX_UPLOAD_MB (raises DataFormatError)."""
    total = sum(f.size for f in files)
    if total > MAX_UPLOAD_MB * 1024 * 1024:
        raise DataFormatError(f"{files[0].name}: {total / 2**20:.0f} MB is more than the {MAX_UPLOAD_MB} MB "
                              f"this app accepts; upload a smaller file")


def start_reading(files) -> budget.ParseJob:
    """Start parsing uploaded data file(s) in the background, in line for a parse slot; several files are
    read together (the four IDX files). The job's outcome is this session's TrainingArrays or the parse's
    one-line DataFormatError. Raises DataFormatError at once for no file or too large a total."""
    files = [f for f in (files if isinstance(files, (list, tuple)) else [files]) if f is not None]
    if not files:
        raise DataFormatError("no file uploaded: choose a data file first")
    check_size(*files)
    return budget.ParseJob(_read, [(f.getvalue(), f.name) for f in files])


def _read(named_bytes) -> TrainingArrays:
    return prepare_arrays(nnscratch.parse_uploads(named_bytes))


def read_model(file) -> nnscratch.Network:
    """An uploaded model file -> a Network that reads 28x28 digits into 10 classes (raises ModelFileError)."""
    check_size(file)
    with budget.parse_slot(timeout=30):
        net = nnscratch.Network.load(file)  # file-like with .name: messages name the file
    if net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise ModelFileError(f"{file.name}: a {net.architecture} network does not read 28x28 digits into 10 classes")
    net.meta.setdefault("name", file.name)
    return net
