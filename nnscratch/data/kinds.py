"""Where a dataset came from: ``checkpoint.DataId["kind"]``, as a model's metadata, the class store and the
Train page's data choice record it. Every other place names these constants, never the strings."""

SAMPLE = "sample"  # the built-in 5,000 digits (offline)
MNIST = "mnist"  # full MNIST, cached or downloaded
UPLOAD = "upload"  # a file someone uploaded to the app
PATH = "path"  # a file or folder named on the command line

DATA_KINDS = (SAMPLE, MNIST, UPLOAD, PATH)
BY_NAME = (SAMPLE, MNIST)  # the kinds ``load_mnist`` loads by name: the same digits on every server
