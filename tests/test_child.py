"""Training runs compute in child processes (nnscratch/child.py): the server's own CPU and interpreter lock
stay with its pages, the weights are shared live, and a child never outlives its run or its server."""

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnscratch import child, threads
from nnscratch import worker as W
from nnscratch.data.splits import TrainingArrays
from nnscratch.limiter import SlotLimiter
from nnscratch.recipe import Recipe

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not child.AVAILABLE, reason="no os.fork here: runs compute in their thread")


def arrays(n=2000):
    rng = np.random.default_rng(0)
    X = rng.random((n, 784), dtype=np.float32)
    y = np.arange(n) % 10
    return TrainingArrays(X, y, X[:100], y[:100], X[:100], y[:100], "random pixels")


def worker(recipe, a=None, pace=None):
    w = W.TrainingWorker(recipe.network(), a if a is not None else arrays(), recipe, limiter=SlotLimiter(1))
    w.set_pace(pace)
    return w


def children_of(pid):
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError):
            pass
    return out


def wait_until(cond, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_a_run_computes_in_a_child_process_and_the_network_is_trained_in_place():
    recipe = Recipe(hidden=(512,), optimizer="adam", lr=1e-3, batch_size=64, epochs=15)
    w = worker(recipe)
    before = w.net.params["W1"].copy()
    cpu0 = time.process_time()  # this process, every thread
    w.start()
    assert w.join(120) and w.status == W.COMPLETED, w.error
    ours = time.process_time() - cpu0
    computed = w.snapshot()["compute"]
    assert computed > 0.5, computed  # enough work to tell where it ran
    assert ours < 0.3 * computed, (ours, computed)
    assert not np.array_equal(before, w.net.params["W1"]), "the weights trained in the child are ours"
    assert all(type(v) is np.ndarray and v.flags.owndata for v in w.net.params.values()), "own memory after"
    assert w.test_accuracy is not None and w.n_rows() == w.total_steps


def test_the_weights_are_seen_live_while_it_runs_and_pace_and_pause_reach_the_child():
    recipe = Recipe(hidden=(32,), batch_size=64, epochs=2)  # 64 steps
    w = worker(recipe, pace=4.0).start()
    try:
        assert wait_until(lambda: w.n_rows() >= 5)
        first = w.live_params()["W1"]
        assert wait_until(lambda: not np.array_equal(first, w.live_params()["W1"]))
        w.pause()
        assert wait_until(lambda: w.status == W.PAUSED)
        time.sleep(0.3)  # a paused child makes no step: the count stays put
        n = w.n_rows()
        time.sleep(0.5)
        assert w.n_rows() == n and n < w.total_steps
        w.resume()
        w.set_pace(None)  # "Finish fast"
        assert w.join(30) and w.status == W.COMPLETED
    finally:
        w.stop()


def test_a_paused_run_as_fast_as_it_goes_holds_at_the_step_it_shows():
    """The child sends its rows in batches (child.ROWS_EVERY): once wait_paused says the run holds, the rows
    it computed before it saw the pause are in, and no more come."""
    w = worker(Recipe(hidden=(32,), batch_size=64, epochs=300)).start()  # thousands of steps of a millisecond
    try:
        assert wait_until(lambda: w.n_rows() >= 50)
        w.pause()
        assert w.wait_paused(10), "the run did not hold for the pause"
        n = w.n_rows()
        time.sleep(0.3)  # several of the child's batches
        assert w.n_rows() == n < w.total_steps, f"held at {n} rows, then {w.n_rows()}"
        w.resume()
        assert wait_until(lambda: w.n_rows() > n)
    finally:
        w.stop()
    assert w.join(10) and w.wait_paused(0), "an ended run holds"


def test_a_child_that_dies_ends_its_run_with_one_line_and_the_last_weights():
    w = worker(Recipe(hidden=(32,), batch_size=64, epochs=4), pace=60.0).start()
    try:
        assert wait_until(lambda: w.n_rows() >= 1)
        kids = children_of(child._SERVER.proc.pid)
        assert kids
        for pid in kids:
            os.kill(pid, signal.SIGKILL)
        assert w.join(10)
        assert w.status == W.ERROR
        assert w.error == "the training process ended unexpectedly; start the run again"
        assert all(np.isfinite(v).all() and v.flags.owndata for v in w.net.params.values())
    finally:
        w.stop()


def test_stop_ends_a_child_within_a_step_and_leaves_no_process():
    w = worker(Recipe(hidden=(32,), batch_size=64, epochs=4), pace=60.0).start()
    assert wait_until(lambda: w.n_rows() >= 1)
    server = child._SERVER.proc.pid
    t = time.perf_counter()
    w.stop()
    assert w.join(5) and w.status == W.STOPPED
    assert time.perf_counter() - t < 2.0
    assert wait_until(lambda: not children_of(server)), children_of(server)


def test_when_the_app_dies_its_fork_server_and_training_processes_end(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'tests')!r})
        from test_child import arrays, worker
        from nnscratch import child
        from nnscratch.recipe import Recipe
        if __name__ == "__main__":
            w = worker(Recipe(hidden=(32,), batch_size=64, epochs=4), pace=600.0).start()
            while w.n_rows() == 0:
                time.sleep(0.01)
            print(child._SERVER.proc.pid, flush=True)
            time.sleep(600)
    """))
    app = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        server = int(app.stdout.readline())
        kids = children_of(server)
        assert kids
        app.kill()  # no clean shutdown: the sockets close, and that is all they get
        app.wait(10)
        assert wait_until(lambda: not any(Path(f"/proc/{p}").exists() and _alive(p) for p in [server, *kids]))
    finally:
        app.kill()


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_dataset_is_written_once_for_every_run_on_it_and_removed_with_it():
    a = arrays(300)
    path, _ = child._data_map(a)
    assert child._data_map(a)[0] == path and os.path.exists(path)
    del a
    gc.collect()
    assert not os.path.exists(path)


def test_without_fork_a_run_computes_in_its_thread(monkeypatch):
    monkeypatch.setattr(child, "AVAILABLE", False)
    here = []  # (thread, its CPU seconds in fit): filled only if fit runs in this process

    def fit_here(*args, **kw):
        cpu0 = time.thread_time()
        try:
            return real_fit(*args, **kw)
        finally:
            here.append((threading.current_thread(), time.thread_time() - cpu0))

    real_fit = W.fit
    monkeypatch.setattr(W, "fit", fit_here)
    w = worker(Recipe(hidden=(512,), optimizer="adam", lr=1e-3, batch_size=64, epochs=15))
    w.start()
    assert w.join(120) and w.status == W.COMPLETED, w.error
    # CPU, not wall time: on a busy machine the run waits for a core, and only its CPU says where it computed
    [(thread, cpu)] = here
    assert thread is not threading.main_thread() and thread.name.startswith(threads.PREFIX), thread.name
    assert cpu > 0.2, f"the run computed {cpu:.2f} CPU-s in its thread"


def test_a_run_whose_process_cannot_start_ends_with_one_line_and_leaves_no_file(monkeypatch):
    def no_fork_server():
        raise OSError("no more processes")

    monkeypatch.setattr(child, "_fork_server", no_fork_server)
    before = {f for f in os.listdir(child._map_dir()) if f.startswith("nnscratch-")}
    w = worker(Recipe(hidden=(8,), epochs=1)).start()
    assert w.join(10) and w.status == W.ERROR and "no more processes" in w.error, w.error
    assert all(type(v) is np.ndarray and v.flags.owndata for v in w.net.params.values())
    after = {f for f in os.listdir(child._map_dir()) if f.startswith("nnscratch-")}
    assert after <= before, after - before


def test_maps_left_by_an_app_that_died_are_removed_when_the_next_starts_training(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    d = child._map_dir()
    dead = Path(d) / f"nnscratch-{gone.pid}-test.map"
    mine = Path(d) / f"nnscratch-{os.getpid()}-test.map"
    other = Path(d) / "nnscratch-notapid.map"
    for f in (dead, mine, other):
        f.write_bytes(b"x")
    try:
        child._sweep()
        assert not dead.exists() and mine.exists() and other.exists()
    finally:
        for f in (dead, mine, other):
            f.unlink(missing_ok=True)


@pytest.mark.parametrize("slice_s, b_starts_before_a_ends", [(1e9, False), (0.05, True)])
def test_the_servers_turn_lengths_reach_the_child(monkeypatch, slice_s, b_starts_before_a_ends):
    """The slice set in the server (a bench, a test) is the one the computing process keeps: with a slice
    longer than the run, a second run on the one slot starts only when the first has ended."""
    from nnscratch import turns

    monkeypatch.setattr(turns, "SLICE_SECONDS", slice_s)
    lim, recipe = SlotLimiter(1), Recipe(hidden=(64,), epochs=30, batch_size=20)
    a, b = (W.TrainingWorker(recipe.network(), arrays(), recipe, limiter=lim) for _ in range(2))
    a.start()
    wait_until(lambda: a.n_rows() > 0)
    b.start()
    assert a.join(120) and b.join(120) and a.status == b.status == W.COMPLETED
    assert (b._time.started < a._time.finished) == b_starts_before_a_ends
