"""The app's training worker and slot limiter, with a fake fit (fast, deterministic) and one real run."""

import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

import nnscratch
from nnscratch.errors import ConfigError, DataFormatError, TrainingDiverged
from nnscratch import turns
from nnscratch import worker as W
from nnscratch.data.splits import TrainingArrays, prepare_arrays
from nnscratch.limiter import SlotLimiter
from nnscratch.recipe import Recipe


# ---------------------------------------------------------------------------------------------- fakes
class FakeNet:
    def __init__(self):
        self.params = {"W1": np.zeros((784, 3), np.float32), "b1": np.zeros(3, np.float32)}
        self.meta = {}

    def predict(self, X):
        return np.zeros(len(X), np.int64)


def fake_fit(steps=50, step_time=0.002, diverge_at=None, raise_err=None):
    """A fit with the engine's contract: rows via callback, stop within a step, wait while paused."""

    def fit(net, X, y, *, epochs, callback=None, stop_event=None, pause_event=None, **kw):
        t0 = time.perf_counter()
        status = "completed"
        for step in range(1, steps + 1):
            while pause_event is not None and pause_event.is_set():
                if stop_event is not None and stop_event.is_set():
                    break
                time.sleep(0.001)
            if stop_event is not None and stop_event.is_set():
                status = "stopped"
                break
            if raise_err is not None:
                raise raise_err
            if diverge_at == step:
                raise TrainingDiverged(step, kw.get("lr"))
            time.sleep(step_time)
            net.params["W1"] += 1
            if callback:
                callback(dict(step=step, epoch=step / steps * epochs, samples=step * 10, loss=1.0 / step,
                              train_acc=0.5, val_acc=0.6 if step % 10 == 0 else None, lr=kw.get("lr"),
                              elapsed=time.perf_counter() - t0, samples_per_s=1000.0))
        return types.SimpleNamespace(status=status, rows=[], total_steps=steps)

    return fit


def arrays(n=100, n_test=20):
    X = np.random.default_rng(0).random((n, 784), dtype=np.float32)
    y = np.arange(n) % 10
    return TrainingArrays(X, y, X[:10], y[:10], X[:n_test], y[:n_test] * 0, "fake data")


def make(limiter=None, **fit_opts):
    cfg = Recipe(epochs=2, batch_size=10)
    return W.TrainingWorker(FakeNet(), arrays(), cfg, limiter=limiter or SlotLimiter(2),
                            fit_fn=fake_fit(**fit_opts))


from helpers import wait_for  # noqa: E402 - the suite's one wait_for (tests/helpers)


# ---------------------------------------------------------------------------------------------- config
def test_prepare_arrays_splits_and_freezes():
    class DS:
        source = "fake"

        def train_xy(self):
            return np.random.default_rng(1).random((200, 784), dtype=np.float32), np.arange(200) % 10

        def test_xy(self):
            return np.zeros((30, 784), np.float32), np.zeros(30, np.int64)

    a = prepare_arrays(DS(), val_fraction=0.1)
    assert (a.n_train, len(a.y_val), len(a.y_test), a.source) == (180, 20, 30, "fake")
    for arr in (a.X_train, a.y_train, a.X_val, a.y_val, a.X_test, a.y_test):
        assert not arr.flags.writeable
    # train and validation are disjoint rows of the original set
    rows = {r.tobytes() for r in a.X_train}
    assert not any(r.tobytes() in rows for r in a.X_val)


# ---------------------------------------------------------------------------------------------- worker
def test_worker_completes_and_records_everything():
    w = make(steps=30).start()
    assert w.join(5)
    s = w.snapshot()
    assert s["status"] == "completed" and s["step"] == 30 and s["progress"] == 1.0
    assert w.n_rows() == 30 and w.rows(25)[0]["step"] == 26
    assert s["val_acc"] == 0.6 and w.test_accuracy == 1.0  # fake net predicts 0, test labels are 0
    assert w.net.meta["status"] == "completed" and w.net.meta["data"] == {"kind": "path", "label": "fake data"}
    assert w.total_steps == 2 * 10  # 100 digits / batch 10 * 2 epochs
    assert not W.live_threads()


def test_worker_stop_is_quick_and_keeps_history_and_weights():
    w = make(steps=100000, step_time=0.001).start()
    wait_for(lambda: w.n_rows() > 5)
    w.stop()
    t = time.perf_counter()
    assert w.join(2)
    assert time.perf_counter() - t < 0.5
    assert w.status == "stopped" and w.n_rows() > 5
    assert w.net.params["W1"][0, 0] == w.n_rows()  # the weights of the last finished step are kept


def test_a_run_reads_as_ended_only_once_it_is_done():
    """Between its fit's end and done, a run still tidies up (its child, its slot). Shown as "stopped" in that
    moment, a person's next Start was refused with "a run is already going" (runs.start_worker asks done)."""
    entered, gate = threading.Event(), threading.Event()

    class SlowToRelease(SlotLimiter):
        def release(self, ticket):
            entered.set()
            gate.wait(5)  # the run's thread is held here, inside its tidying up
            super().release(ticket)

    w = make(limiter=SlowToRelease(1), steps=100000, step_time=0.001).start()
    wait_for(lambda: w.n_rows() > 2)
    w.stop()
    assert entered.wait(5)
    assert (w.status, w.done) == ("running", False), "ended in the status before done"
    gate.set()
    assert w.join(5) and (w.status, w.done) == ("stopped", True)


def test_worker_pause_resume_and_stop_while_paused():
    w = make(steps=100000, step_time=0.001).start()
    wait_for(lambda: w.n_rows() > 2)
    w.pause()
    assert w.status == "paused"  # at once, for the button; the run holds within a step
    assert w.wait_paused(2)
    n = w.n_rows()
    time.sleep(0.1)
    assert w.n_rows() == n
    w.resume()
    wait_for(lambda: w.n_rows() > n + 3)
    w.pause()
    w.stop()
    assert w.join(2) and w.status == "stopped"


def test_worker_divergence_and_errors_become_one_line_messages():
    w = make(steps=50, diverge_at=7).start()
    w.join(5)
    assert w.status == "diverged" and "step 7" in w.error and "\n" not in w.error
    assert w.n_rows() == 6
    w = make(raise_err=DataFormatError("bad.csv: line 3 has 5 columns, expected 785")).start()
    w.join(5)
    assert w.status == "error" and w.error.startswith("bad.csv")
    w = make(raise_err=RuntimeError("boom\nsecond line")).start()
    w.join(5)
    assert w.status == "error" and w.error == "unexpected RuntimeError: boom second line"


def test_workers_queue_on_a_full_limiter_and_start_when_a_slot_frees(monkeypatch):
    monkeypatch.setattr(turns, "SLICE_SECONDS", 1e9)  # the queue alone (time slices: test_worker_share.py)
    lim = SlotLimiter(1)
    first = make(limiter=lim, steps=100000, step_time=0.001).start()
    wait_for(lambda: first.status == "running")
    second = make(limiter=lim, steps=5).start()
    wait_for(lambda: second.queue_position() == 1)
    assert second.snapshot()["status"] == "queued" and second.snapshot()["queue_position"] == 1
    third = make(limiter=lim, steps=5).start()
    wait_for(lambda: third.queue_position() == 2)
    third.stop()  # leaving the queue frees the place
    assert third.join(2) and third.status == "stopped" and third.n_rows() == 0
    first.stop()
    assert second.join(5) and second.status == "completed"
    assert first.join(2)
    assert lim.running == 0 and lim.waiting == 0
    assert not W.live_threads()


def test_many_stopped_workers_leave_no_threads():
    lim = SlotLimiter(2)
    ws = [make(limiter=lim, steps=100000, step_time=0.001).start() for _ in range(6)]
    wait_for(lambda: lim.running == 2 and lim.waiting == 4)
    for w in ws:
        w.stop()
    assert all(w.join(3) for w in ws)
    assert not W.live_threads() and lim.running == 0


def test_a_stop_set_for_later_is_cancelled_only_by_a_page_run_that_began_after_it():
    """A browser that went away: its run stops in a grace period, unless the browser comes back. A page
    run already under way when it went away must not cancel that stop; one that began after may."""
    lim = SlotLimiter(2)
    left = make(limiter=lim, steps=100000, step_time=0.001).start()
    back = make(limiter=lim, steps=100000, step_time=0.001).start()
    wait_for(lambda: left.status == back.status == "running")
    began_before = time.perf_counter()
    left.stop_after(0.2)
    back.stop_after(0.2)
    began_after = time.perf_counter()
    assert not left.cancel_stop(set_before=began_before)
    assert back.cancel_stop(set_before=began_after)
    assert not back.cancel_stop(set_before=began_after), "nothing left to cancel"
    assert left.join(5) and left.status == "stopped"
    assert not back.join(0.6) and back.status == "running", "a cancelled stop stopped the run"
    back.stop()
    assert back.join(2)
    assert not W.live_threads()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc to read thread names")
def test_the_library_names_its_threads_in_the_os():
    """``top -H``, ``ps -L`` and the session tests tell the app's threads from the web server's by name."""
    def os_name(t: threading.Thread) -> str:
        """The thread's OS name once it has named itself (it starts with its creator's)."""
        comm = lambda: (Path("/proc/self/task") / str(t.native_id) / "comm").read_text().strip()  # noqa: E731
        wait_for(lambda: t.native_id is not None and comm().startswith("nnscratch-"))
        return comm()

    w = make(steps=100000, step_time=0.001).start()
    wait_for(lambda: w.status == "running")
    assert os_name(w._thread) == "nnscratch-train"  # the OS keeps 15 bytes of "nnscratch-train-<id>"
    w.stop_after(30)
    timer = w._stop_timer
    assert os_name(timer) == "nnscratch-stop-"
    w.stop()
    assert w.join(2)
    timer.join(2)
    assert not timer.is_alive(), "a run that ended keeps no timer to stop it"
    assert not w.cancel_stop(), "nothing left to cancel"


def test_real_fit_runs_in_the_worker():
    rng = np.random.default_rng(0)
    X = rng.random((300, 784), dtype=np.float32)
    y = np.arange(300) % 10
    a = TrainingArrays(X[:240], y[:240], X[240:270], y[240:270], X[270:], y[270:], "random")
    cfg = Recipe(hidden=(16,), epochs=2, batch_size=32, lr=1e-3)
    w = W.TrainingWorker(nnscratch.Network(cfg.sizes, seed=0), a, cfg, limiter=SlotLimiter(1)).start()
    assert w.join(30), "real training did not finish"
    assert w.status == "completed", w.error
    assert w.n_rows() >= 1 and w.test_accuracy is not None
    assert w.snapshot()["step"] == w.total_steps


def test_when_done_runs_once_for_every_ending_in_the_runs_thread_or_at_once_if_already_ended():
    seen = []
    w = make(steps=20)
    w.when_done(lambda w: seen.append((w.status, threading.current_thread().name)))
    w.start()
    assert w.join(5)
    assert seen == [("completed", f"nnscratch-train-{w.id}")]
    w.when_done(lambda w: seen.append(("late", threading.current_thread().name)))
    assert seen[-1] == ("late", threading.current_thread().name)  # already ended: called at once
    stopped = make(steps=10_000, step_time=0.01)
    stopped.when_done(lambda w: seen.append(w.status))
    stopped.start()
    wait_for(lambda: stopped.n_rows() > 0)
    stopped.stop()
    assert stopped.join(5) and seen[-1] == "stopped"
