"""Real pen trajectories (UCI pendigits, UNIPEN-style text) replayed the way the Draw page's canvas draws.

``to_mnist(render(sample.strokes))`` is exactly the path a person's drawing takes in the app, so accuracy
on these 7,494 digits by 30 writers is an honest estimate of how well the Draw page reads people.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataFormatError
from .preprocess import BRUSH_WIDTH, CANVAS_SIZE, to_mnist

TABLET_SIZE = 500      # tablet coordinates lie inside about 500 x 500, y pointing up
DIGIT_HEIGHT = 0.65    # a person draws a digit about 2/3 of the canvas tall ...
MARGIN = 0.08          # ... and keeps it at least this far (fraction of the canvas) from the edges
SUPERSAMPLE = 4        # draw at 4x and box-downsample: 17 grey levels on edges, like the canvas's AA
# The writer-disjoint held-out part that measures how well drawings read. A model that learns from
# pen digits (training_data) must only see the other writers, or the measure means nothing.
HELDOUT_FRACTION = 0.2
HELDOUT_SEED = 0
# How many times the training writers' digits are repeated next to MNIST's 60,000 (each repeat gets its
# own random distortion when training augments): x3 reads held-out writers best (measured, README).
TRAIN_COPIES = 3


@dataclass
class PenDigit:
    """One written digit: label 0-9, writer id, strokes as (k, 2) float arrays of screen (x, y), y down."""

    label: int
    writer: int
    strokes: list


def load(path) -> list[PenDigit]:
    """Parse a UNIPEN-style pendigits file (``.SEGMENT``/``.COMMENT``/``.PEN_DOWN``/``.PEN_UP``).

    Returns the samples in file order. y is flipped (TABLET_SIZE - y) so strokes are in screen
    coordinates. Raises DataFormatError naming the file and line on anything malformed.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError as err:
        raise DataFormatError(f"cannot read pen digits file {path} ({err.strerror}); check the path") from None
    samples: list[PenDigit] = []
    cur = None
    stroke = None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        try:
            if line.startswith(".SEGMENT"):
                label = int(line.rsplit('"', 2)[-2])
                cur = PenDigit(label=label, writer=-1, strokes=[])
                samples.append(cur)
            elif line.startswith(".COMMENT") and cur is not None:
                cur.writer = int(line.split()[2])
            elif line.startswith(".PEN_DOWN"):
                if cur is None:
                    raise ValueError("pen down before any .SEGMENT")
                stroke = []
            elif line.startswith(".PEN_UP"):
                if stroke:
                    pts = np.array(stroke, dtype=np.float32)
                    pts[:, 1] = TABLET_SIZE - pts[:, 1]
                    cur.strokes.append(pts)
                stroke = None
            elif line.startswith("."):
                continue  # .INCLUDE, .LEXICON, .HIERARCHY, .DT: nothing we need
            elif stroke is not None:
                x, y = line.split()
                stroke.append((float(x), float(y)))
            else:
                raise ValueError("coordinates outside .PEN_DOWN/.PEN_UP")
        except (ValueError, IndexError) as err:
            raise DataFormatError(
                f"{path} line {no}: cannot parse {line[:40]!r} ({err}); is it a UNIPEN pendigits file?"
            ) from None
    samples = [s for s in samples if s.strokes]
    if not samples:
        raise DataFormatError(f"{path} holds no pen digits; give the pendigits-orig training file")
    return samples


def render(strokes, *, size: int = CANVAS_SIZE, brush: float = BRUSH_WIDTH,
           height: float = DIGIT_HEIGHT, margin: float = MARGIN) -> np.ndarray:
    """Strokes -> (size, size, 4) uint8 RGBA, like the canvas's ``image_data``: white ink, black background.

    The digit is scaled so it is ``height`` of the canvas tall (a wide digit is shrunk to fit within the
    margin), centred, and drawn by :func:`paint`.
    """
    pts = np.concatenate([np.asarray(s, np.float64).reshape(-1, 2) for s in strokes])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    room = size * (1 - 2 * margin) - brush          # the ink's centre line must leave room for the brush
    scale = min(size * height / span[1], room / span[0], room / span[1])
    offset = size / 2 - (lo + hi) / 2 * scale
    return paint([np.asarray(s, np.float64).reshape(-1, 2) * scale + offset for s in strokes], size=size, brush=brush)


def paint(strokes, *, size: int = CANVAS_SIZE, brush: float = BRUSH_WIDTH) -> np.ndarray:
    """Strokes in canvas pixels (each (k, 2) x, y) -> (size, size, 4) uint8 RGBA, white ink on black, drawn
    the way the canvas's free-drawing brush draws: ``brush`` px wide, round caps and joins, straight segments
    between successive points, anti-aliased by drawing at SUPERSAMPLE x and box-averaging down. Also what the
    Draw page's keyboard pen draws (app/keypen)."""
    from PIL import Image, ImageDraw

    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    ss = SUPERSAMPLE
    # Draw only the canvas pixels the ink can touch (whole pixels, so the box-averaging is the same as
    # for the full canvas): most of the canvas is never touched.
    pad = brush / 2 + 2
    x0, y0 = (int(max(0, np.floor(v))) for v in lo - pad)
    x1, y1 = (int(min(size, np.ceil(v))) for v in hi + pad)
    img = Image.new("L", ((x1 - x0) * ss, (y1 - y0) * ss), 0)
    draw = ImageDraw.Draw(img)
    r = brush * ss / 2
    corner = np.array([x0, y0], np.float64)
    for s in strokes:
        xy = [tuple(q) for q in (s - corner) * ss]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=max(1, round(brush * ss)))
        for x, y in xy:  # round caps and joins
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    alpha = np.zeros((size, size), np.uint8)
    alpha[y0:y1, x0:x1] = np.asarray(img.reduce(ss))    # box-average each ss x ss block
    # RGBA = (a, a, a, 255): the canvas has an opaque black background (st_canvas background_color).
    # Packed as little-endian uint32 words: one write per pixel instead of one per channel.
    rgba = alpha.astype("<u4") * 0x010101 | 0xFF000000
    return rgba.view(np.uint8).reshape(size, size, 4)


def split_by_writer(samples, test_fraction: float = 0.2, seed: int = 0):
    """Writer-disjoint split -> (train, test) lists: every writer's digits land on one side only."""
    writers = sorted({s.writer for s in samples})
    rng = np.random.default_rng(seed)
    n_test = max(1, round(len(writers) * test_fraction))
    test_w = set(rng.permutation(writers)[:n_test].tolist())
    train = [s for s in samples if s.writer not in test_w]
    test = [s for s in samples if s.writer in test_w]
    return train, test


def heldout_split(samples):
    """The project's fixed writer-disjoint split -> (train, heldout): 24 writers / 6 writers."""
    return split_by_writer(samples, HELDOUT_FRACTION, HELDOUT_SEED)


def to_dataset(samples, **render_kw):
    """Samples -> (X float32 (n, 784) in [0, 1], y int64 (n,)), each rendered and preprocessed like a drawing."""
    X = np.zeros((len(samples), 784), np.float32)
    for i, s in enumerate(samples):
        img = to_mnist(render(s.strokes, **render_kw))
        if img is not None:
            X[i] = img.ravel()
    y = np.array([s.label for s in samples], dtype=np.int64)
    return X, y


def training_data(path, *, copies: int = TRAIN_COPIES):
    """The training writers' pen digits, rendered like drawings, to add to MNIST when training.

    -> (X float32 (n * copies, 784), y int64). Never includes the held-out writers of
    ``heldout_split``, so held-out accuracy stays an honest measure.
    """
    train, _ = heldout_split(load(path))
    X, y = to_dataset(train)
    return np.tile(X, (copies, 1)), np.tile(y, copies)


def heldout_data(path):
    """The held-out writers' pen digits rendered like drawings -> (X float32 (n, 784), y int64)."""
    _, test = heldout_split(load(path))
    return to_dataset(test)
