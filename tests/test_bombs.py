"""Decompression bombs of every format are refused cheaply: gzip, zip, PNG, CSV, .npz (and model files).

Hypothesis builds valid bombs (``bombfiles``: gzip/zip checksums and PNG CRCs right, so only what the
file *claims* can get it refused) that claim up to several gigabytes from a few MB, and feeds them to the
entry points the app and the CLI use. Each must raise the project's one-line ``DataFormatError``
(``ModelFileError`` for models) with the process's address space capped at its current size +
``HEADROOM`` (``test_hostile.memory_cap``: a parser that inflates what a file claims hits MemoryError
and fails the test instead of the machine) and within ``CPU_SECONDS`` of this thread's CPU time (not
wall time: the machine is shared). The old parsers (inflate up to 1 GB, then check) fail these.
The parse budget (``nnscratch.data.budget``) is tested at the end: slots, queue order, cancelling.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pandas  # noqa: F401 - imported here, not first inside the memory cap
import PIL.PngImagePlugin  # noqa: F401 - same
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples, wait_for  # hypothesis counts scaled by the profile (tests/conftest.py)

import nnscratch
from nnscratch.data import budget, csv_format, image_format
from nnscratch.data.limits import MAX_CSV_LINES, MAX_DIGITS, MAX_LINE_BYTES, MAX_ZIP_MEMBERS
from nnscratch.drawing.preprocess import load_image
from nnscratch.errors import DataFormatError, ModelFileError

import bombfiles as B
from datafiles import csv_bytes, idx_bytes, npz_bytes, png_bytes, sample_digits, zip_bytes
from test_hostile import memory_cap

HEADROOM = 384 << 20  # < the 1 GB the old gunzip reserved; > the 78 MB an IDX header may honestly claim
CPU_SECONDS = 3.0
BOMBS = dict(deadline=None, max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

X, Y = sample_digits(20)
LABELS_GZ = B.gzip_bomb(idx_bytes(Y), 0)  # a valid partner file (20 labels)
GIGS = st.integers(1, 6000)  # MB of zeros after a header: up to ~6 GB claimed, ~6 MB on the wire


def refused(fn, *args, error=DataFormatError, may_accept=False) -> str:
    """Call ``fn(*args)`` under the memory cap; it must raise ``error`` with a one-line message, in time
    (``may_accept``: or return, still within the caps: for claims a parser must simply never read)."""
    t0 = time.thread_time()
    msg = ""
    try:
        with memory_cap(HEADROOM):
            fn(*args)
    except error as e:
        msg = str(e)
        assert msg and "\n" not in msg.strip(), f"multi-line or empty message: {msg!r}"
    except MemoryError:
        pytest.fail(f"{fn.__qualname__} needed more than {HEADROOM >> 20} MB for a bomb", pytrace=False)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{fn.__qualname__} leaked {type(e).__name__}: {e}", pytrace=False)
    else:
        assert may_accept, f"{fn.__qualname__} accepted a bomb"
    cpu = time.thread_time() - t0
    assert cpu < CPU_SECONDS, f"{fn.__qualname__} took {cpu:.1f} s of CPU to refuse a bomb"
    return msg


def test_the_bomb_writers_make_valid_files():
    B.check_crc_helpers()


# ------------------------------------------------------------------------------------ gzip
@settings(**BOMBS)
@given(st.sampled_from(["images", "labels"]), st.integers(1, 2**32 - 1) | st.integers(1, MAX_DIGITS), GIGS,
       st.sampled_from(["pair", "lone", "zip"]))
def test_gzip_idx_bombs(kind, count, mb, how):
    """An IDX header, then gigabytes of zeros: inflated at most to what the header says (+1 byte)."""
    bomb = B.gzip_bomb(B.idx_head(kind, count), mb)
    if how == "lone":
        refused(nnscratch.parse_upload, bomb, f"train-{kind}-idx3-ubyte.gz")
    elif how == "pair":
        refused(nnscratch.parse_uploads, [(bomb, "train-images-idx3-ubyte.gz"), (LABELS_GZ, "train-labels-idx1-ubyte.gz")])
    else:
        refused(nnscratch.parse_upload, zip_bytes({"mnist/train-images-idx3-ubyte.gz": bomb,
                                                   "mnist/train-labels-idx1-ubyte.gz": LABELS_GZ}), "mnist.zip")


@settings(**BOMBS)
@given(st.sampled_from([b"\0", b"\n", b"0,", b"\r\n", b"0," * 784 + b"0\n", b"1" * 99 + b"\n"]), GIGS,
       st.booleans())
def test_gzip_text_bombs(pattern, mb, header):
    """A CSV start, then gigabytes of zeros, blank lines, cells or rows: refused in the first MBs."""
    head = B.csv_head() if header else csv_bytes(X[:1], Y[:1], header=False)
    refused(nnscratch.parse_upload, B.gzip_bomb(head, mb, pattern), "train.csv.gz")


# ------------------------------------------------------------------------------------ zip
MEMBER_NAMES = ["train.csv", "mnist/x_train.npy", "digits/3/a.png", "train-images-idx3-ubyte", "mnist.npz"]


@settings(**BOMBS)
@given(st.sampled_from(MEMBER_NAMES), GIGS.filter(lambda mb: mb < 4096))
def test_zip_member_ratio_bombs(name, mb):
    """A member that honestly declares gigabytes from a few MB: refused from the directory."""
    refused(nnscratch.parse_upload, B.zip_of([B.deflated_member(name, b"", mb)]), "bomb.zip")


@settings(**BOMBS)
@given(st.sampled_from(MEMBER_NAMES), GIGS, st.integers(1, 100_000))
def test_zip_members_that_lie_about_their_size(name, mb, declared):
    """A member declaring a small size whose stream inflates to gigabytes: never inflated past it."""
    _, method, data, crc, _ = B.deflated_member(name, b"", mb)
    refused(nnscratch.parse_upload, B.zip_of([(name, method, data, crc, declared)]), "bomb.zip")


@settings(**dict(BOMBS, max_examples=examples(8)))
@given(st.integers(MAX_ZIP_MEMBERS + 1, 3 * MAX_ZIP_MEMBERS), st.sampled_from(["bomb.zip", "model"]))
def test_zip_directory_bombs(entries, entry):
    """Hundreds of thousands of directory entries: counted before zipfile builds an object for each."""
    bomb = B.zip_of([B.stored_member("d/0/a.png", b"")], repeat_directory=entries)
    if entry == "model":
        refused(nnscratch.Network.load, bomb, error=ModelFileError)
    else:
        refused(nnscratch.parse_upload, bomb, "bomb.zip")


@pytest.mark.parametrize("depth", [3, 4, 8])
def test_zips_nested_too_deep(depth):
    data = csv_bytes(X, Y)
    for i in range(depth):
        data = zip_bytes({f"level{i}/train.csv" if i == 0 else f"level{i}/inner.zip": data})
    refused(nnscratch.parse_upload, data, "nested.zip")


def test_zip_with_an_exotic_compression_method():
    refused(nnscratch.parse_upload, B.zip_of([("train.csv", 12, b"BZh91AY&SY" + bytes(40), 0, 10**9)]), "bz.zip")


# ------------------------------------------------------------------------------------ PNG
PIXELS = st.tuples(st.integers(1, 2**31 - 1), st.integers(1, 2**31 - 1)).filter(lambda wh: wh[0] * wh[1] > 1 << 24)


@settings(**BOMBS)
@given(PIXELS, st.integers(1, 64), st.sampled_from(["picture", "folder"]))
def test_png_bombs(size, mb, entry):
    """A PNG claiming up to 2^62 pixels with a few MB of zeros: refused from its header, never allocated."""
    png = B.png_bomb(*size, mb=mb)
    if entry == "picture":
        refused(load_image, png)
    else:
        refused(nnscratch.parse_upload, zip_bytes({"digits/3/a.png": png, "digits/7/b.png": png_bytes(X[1])}), "d.zip")


@settings(**dict(BOMBS, max_examples=examples(10)))
@given(st.integers(1025, 4096), st.integers(1025, 4096))
def test_png_in_a_dataset_larger_than_a_digit_needs(w, h):
    refused(nnscratch.parse_upload, zip_bytes({"digits/3/a.png": B.png_bomb(w, h), "digits/7/b.png": png_bytes(X[1])}),
            "d.zip")


def test_all_images_of_a_folder_share_one_pixel_budget(monkeypatch):
    monkeypatch.setattr(image_format, "MAX_FOLDER_PIXELS", 300 * 300 * 4)
    files = {f"digits/{i % 10}/{i}.png": png_bytes(X[i], size=300) for i in range(6)}
    msg = refused(nnscratch.parse_upload, zip_bytes(files), "big.zip")
    assert "M pixels in all" in msg
    monkeypatch.setattr(image_format, "MAX_FOLDER_PIXELS", 300 * 300 * 6)
    assert len(nnscratch.parse_upload(zip_bytes(files), "big.zip")) == 6


# ------------------------------------------------------------------------------------ CSV (uncompressed)
@settings(**dict(BOMBS, max_examples=examples(15)))
@given(st.integers(MAX_CSV_LINES + 1, 10 * MAX_CSV_LINES), st.sampled_from([b"\n", b"\r\n", b"1\n"]))
def test_csv_with_too_many_lines(lines, line):
    """Line count is checked before any parsing."""
    msg = refused(nnscratch.parse_upload, B.csv_head() + line * lines, "train.csv")
    assert "lines" in msg


@settings(**dict(BOMBS, max_examples=examples(15)))
@given(st.integers(MAX_LINE_BYTES + 1, 40 * MAX_LINE_BYTES), st.integers(0, 3), st.booleans())
def test_csv_with_a_line_too_long(length, row, header):
    """One line of millions of cells would make pandas allocate per cell: refused before parsing."""
    rows = [b"0," * 784 + b"0"] * 4
    rows.insert(row, (b"0," * length)[:length])
    msg = refused(nnscratch.parse_upload, (B.csv_head() if header else b"") + b"\n".join(rows) + b"\n", "train.csv")
    assert "longer than" in msg or "columns" in msg


# ------------------------------------------------------------------------------------ .npz and models
@settings(**BOMBS)
@given(st.sampled_from(["x_train", "y_train", "junk"]), st.integers(MAX_DIGITS + 1, 2**40),
       st.sampled_from(["<u1", "<f4", "<f8", "<i8"]), st.integers(0, 64), st.booleans())
def test_npz_bombs(key, rows, dtype, mb, deflated):
    """.npy headers claiming huge shapes, with a few MB of zeros (deflated) or a few bytes (stored).
    An array the dataset does not use ("junk") is never read: the file may then be accepted."""
    shape = (rows,) if key == "y_train" else (rows, 784)
    head = B.npy_head(shape, dtype)
    member = B.deflated_member(f"{key}.npy", head, mb) if deflated else B.stored_member(f"{key}.npy", head + bytes(mb))
    others = [B.stored_member(f"{k}.npy", v) for k, v in
              (("x_train", B.npy_head((2, 784)) + bytes(1568)), ("y_train", B.npy_head((2,)) + bytes(2)))
              if k != key]
    refused(nnscratch.parse_upload, B.zip_of([member] + others), "mnist.npz", may_accept=key == "junk")


@settings(**BOMBS)
@given(st.sampled_from(["W1", "b1", "meta"]), st.integers(1, 2**40), st.integers(0, 64))
def test_model_file_bombs(key, rows, mb):
    members = {k: v for k, v in ((f"W1.npy", B.npy_head((784, 10), "<f4") + bytes(31360)),
                                 ("b1.npy", B.npy_head((10,), "<f4") + bytes(40)))}
    members[f"{key}.npy"] = None
    zipped = [B.stored_member(k, v) for k, v in members.items() if v is not None]
    zipped.append(B.deflated_member(f"{key}.npy", B.npy_head((rows, 784), "<f8"), mb))
    refused(nnscratch.Network.load, B.zip_of(zipped), error=ModelFileError)


def test_float64_mnist_sized_npz_is_refused_but_float32_converts_in_chunks():
    """The array cap from the headers: 70,000 float64 images (439 MB) are refused before reading."""
    head = B.npy_head((70_000, 28, 28), "<f8")
    bomb = B.zip_of([B.stored_member("x_train.npy", head), B.stored_member("y_train.npy", B.npy_head((70_000,)))])
    msg = refused(nnscratch.parse_upload, bomb, "mnist.npz")
    assert "claims" in msg or "uint8" in msg
    pixels = np.random.default_rng(0).integers(0, 256, (10_000, 784), dtype=np.uint8)
    pixels[:, 0] = 255
    ds = nnscratch.parse_upload(npz_bytes(x_train=pixels.astype(np.float32) / 255, y_train=np.arange(10_000) % 10),
                                "f32.npz")  # 10,000 images in [0, 1]: 31 MB, converted 4,096 at a time
    assert len(ds) == 10_000 and ds.x_train.dtype == np.uint8
    assert np.array_equal(np.sort(np.concatenate([ds.x_train, ds.x_test]).reshape(-1, 784), axis=0),
                          np.sort(pixels, axis=0))


# ------------------------------------------------------------------------------------ the parse budget
def test_parse_budget_runs_at_most_its_slots_and_serves_in_order():
    slots = budget.SlotLimiter(2)
    gates, running, peak, started = [threading.Event() for _ in range(5)], [], [0], []
    lock = threading.Lock()

    def work(i):
        with lock:
            running.append(i)
            started.append(i)
            peak[0] = max(peak[0], len(running))
        gates[i].wait(10)
        with lock:
            running.remove(i)
        return i

    jobs = []
    for i in range(5):
        jobs.append(budget.ParseJob(work, i, budget=slots))
        # arrival order = queue order: each is in line before the next comes
        wait_for(lambda: jobs[-1].position is not None, 5, f"job {i} in line")
    wait_for(lambda: slots.running >= 2, 5, "two jobs parsing")
    assert [j.state for j in jobs] == ["parsing", "parsing", "waiting", "waiting", "waiting"]
    assert [j.position for j in jobs[2:]] == [1, 2, 3]
    jobs[3].cancel()
    assert jobs[3].wait(5) and jobs[3].state == "cancelled"
    with pytest.raises(budget.ParseCancelled):
        jobs[3].outcome()
    assert jobs[4].position == 2
    gates[0].set()  # one slot frees: the head of the queue (2) gets it, 4 moves up
    assert jobs[0].wait(10)
    wait_for(lambda: jobs[2].state == "parsing", 5, "the head of the queue to get the free slot")
    assert jobs[2].state == "parsing" and jobs[4].position == 1
    for g in gates:
        g.set()
    assert all(j.wait(10) for j in jobs)
    assert peak[0] == 2 and sorted(started[:2]) == [0, 1] and started[2:] == [2, 4]
    assert [j.outcome() for j in (jobs[0], jobs[2], jobs[4])] == [0, 2, 4]


def test_parse_slot_gives_up_after_its_timeout():
    slots = budget.SlotLimiter(1)
    with budget.parse_slot(budget=slots):
        with pytest.raises(budget.ParseBusy):
            with budget.parse_slot(timeout=0.2, budget=slots):
                pass
    with budget.parse_slot(timeout=0, budget=slots):
        assert slots.running == 1


def test_max_parsing_from_the_environment(monkeypatch):
    monkeypatch.setenv(budget.ENV, "5")
    assert budget.max_parsing() == 5
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(budget.ENV, bad)
        assert budget.max_parsing() == budget.DEFAULT_MAX_PARSING


class _CancelAtBlock(budget.ParseJob):
    """Cancels itself at its ``at``-th progress report (deterministic: no race with the parser)."""

    at, reports = 3, 0

    def _report(self, done, total):
        self.reports += 1
        if self.reports == self.at:
            self.cancel()
        super()._report(done, total)


def test_a_big_csv_parse_reports_progress_and_stops_when_cancelled(monkeypatch):
    monkeypatch.setattr(csv_format, "BLOCK_BYTES", 64 << 10)
    data = csv_bytes(np.repeat(X, 10, axis=0), np.repeat(Y, 10))  # 200 rows, ~6 blocks of 64 KB
    job = _CancelAtBlock(nnscratch.parse_upload, data, "big.csv", budget=budget.SlotLimiter(1))
    assert job.wait(30)
    assert job.state == "cancelled" and job.reports == 3 and 0 < job.fraction < 1
    with pytest.raises(budget.ParseCancelled):
        job.outcome()
    full = budget.ParseJob(nnscratch.parse_upload, data, "big.csv", budget=budget.SlotLimiter(1))
    assert full.wait(30) and full.state == "done" and len(full.outcome()) == 200


def test_a_finished_job_holds_neither_the_upload_nor_its_frames():
    job = budget.ParseJob(nnscratch.parse_upload, b"\x1f\x8b garbage", "x.gz", budget=budget.SlotLimiter(1))
    assert job.wait(10) and job.state == "failed"
    assert job._args is None and job._fn is None
    err = job._error
    while err is not None:
        assert err.__traceback__ is None
        err = err.__cause__ or err.__context__
    with pytest.raises(DataFormatError):
        job.outcome()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread CPU priority is a Linux feature")
def test_a_parse_runs_behind_the_servers_own_threads():
    """A parse thread lowers its CPU priority (nice), so 30 uploads at once leave the CPU to the
    threads that answer drawings; the thread that starts the job keeps its own priority."""
    def nice_here():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    mine = nice_here()
    job = budget.ParseJob(nice_here, budget=budget.SlotLimiter(1))
    assert job.wait(10) and job.state == "done"
    assert job.outcome() == min(19, mine + budget.PARSE_NICE) > mine
    assert nice_here() == mine
