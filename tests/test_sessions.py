"""A room of sessions on one server: training slots, session ends, odd form values, odd drawings, odd uploads.

Three levels, cheapest first:
- in-process, with the real ``nnscratch.worker`` (fake or tiny real fits): the slot cap and its queue, a
  session's release hook, form values at their edges, a stopped/diverged run keeping what it learnt;
- ``streamlit.testing.v1.AppTest`` on the real app: a model of another architecture uploaded while a run goes;
- one real ``streamlit run streamlit_app.py`` (127.0.0.1, NNSCRATCH_MAX_TRAINING=1) driven at Streamlit's
  websocket-protocol level by bench/streamlit_client.py's ``ProtocolSession`` (what a browser sends, without a
  browser): two runs on one slot both move, closing a tab stops its worker and leaves no thread
  behind (the server's thread count is read from /proc); and the Draw page fed odd canvases.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import nnscratch
from app import session
from nnscratch.drawing import preprocess
from nnscratch import threads
from nnscratch import worker as W
from nnscratch.data import kinds
from nnscratch.data.splits import TrainingArrays, prepare_arrays
from nnscratch.limiter import SlotLimiter
from nnscratch.recipe import Recipe

ROOT = Path(__file__).resolve().parents[1]


from helpers import app_test, start_training, wait_for  # noqa: E402 - the suite's one wait_for (tests/helpers)


def tiny_arrays(n=600):
    ds = nnscratch.load_mnist("sample")
    a = prepare_arrays(ds)
    return TrainingArrays(a.X_train[:n], a.y_train[:n], a.X_val[:100], a.y_val[:100], a.X_test[:200],
                            a.y_test[:200], "sample subset")


def blocking_fit(gate: threading.Event):
    """A fit that makes one history row, then waits for ``gate`` or a stop (like a long run)."""
    def fit(net, X, y, *, callback=None, stop_event=None, pause_event=None, **kw):
        callback(dict(step=1, epoch=0.1, samples=1, loss=1.0, train_acc=0.5, val_acc=None, lr=1e-3, elapsed=0.0,
                      samples_per_s=1.0))
        while not gate.is_set() and not stop_event.is_set():
            time.sleep(0.01)
        return type("H", (), {"status": "stopped" if stop_event.is_set() else "completed"})()
    return fit


# ==================================================================================== slots (in-process)
def test_slot_cap_queue_positions_and_first_come_first_served():
    lim = SlotLimiter(2)
    gates = [threading.Event() for _ in range(5)]
    a = tiny_arrays(100)
    ws = [W.TrainingWorker(nnscratch.Network([784, 4, 10]), a, Recipe(hidden=(4,), epochs=1), limiter=lim,
                           fit_fn=blocking_fit(g)).start() for g in gates]
    try:
        wait_for(lambda: lim.running == 2 and lim.waiting == 3, what="2 running, 3 queued")
        assert [w.status for w in ws[:2]] == ["running"] * 2
        assert [w.queue_position() for w in ws] == [0, 0, 1, 2, 3]
        assert ws[3].snapshot()["queue_position"] == 2
        ws[3].stop()  # a queued person gives up: leaves the queue at once, the others move up
        wait_for(lambda: ws[3].done, what="queued stop")
        assert ws[3].status == "stopped" and ws[4].queue_position() == 2
        gates[0].set()  # the first run finishes: the first in the queue gets the slot
        wait_for(lambda: ws[2].status == "running", what="queue head to start")
        assert ws[4].queue_position() == 1 and lim.running == 2
    finally:
        for w in ws:
            w.stop()
        for w in ws:
            assert w.join(5)
    assert lim.running == 0 and lim.waiting == 0
    assert not [t for t in W.live_threads() if any(t.name.endswith(f"-{w.id}") for w in ws)]


def test_session_release_stops_running_and_queued_workers_after_the_grace_and_frees_slots(monkeypatch):
    sys.path.insert(0, str(ROOT))
    from app import runs as app_runs

    grace = 0.3
    monkeypatch.setattr(app_runs, "_reconnect_grace", lambda: grace)

    lim = SlotLimiter(1)
    a = tiny_arrays(100)
    runs = app_runs._SessionRuns()
    gate = threading.Event()  # never set: these runs only end by being stopped
    for _ in range(2):
        runs.add(W.TrainingWorker(nnscratch.Network([784, 4, 10]), a, Recipe(hidden=(4,)), limiter=lim,
                                  fit_fn=blocking_fit(gate)).start())
    ws = list(runs.workers)
    wait_for(lambda: lim.running == 1 and lim.waiting == 1, what="one running, one queued")
    before = threading.active_count()
    t0 = time.monotonic()
    runs.release()  # what Streamlit calls when the session's browser goes away
    assert [w.status for w in ws] == ["running", "queued"], "the browser may still come back"
    for w in ws:
        assert w.join(grace + 2.0), "a released worker must end within a step of the grace"
    assert grace <= time.monotonic() - t0 < grace + 2.0
    assert [w.status for w in ws] == ["stopped", "stopped"]
    assert ws[0].n_rows() == 1, "the stopped run keeps its history"
    assert lim.running == 0 and lim.waiting == 0
    # both worker threads are gone, and the timers that stopped them
    wait_for(lambda: threading.active_count() == before - 2, timeout=2.0, what="both worker threads to end")


# ==================================================================================== form values at their edges
EDGE = [  # (form values, expected: "ok" / "note" / text that the refusal must contain)
    (dict(lr=0.0), "learning rate"),
    (dict(lr=100.0), "learning rate"),
    (dict(lr=float("nan")), "learning rate"),
    (dict(batch_size=10**6), "note"),
    (dict(hidden="1"), "ok"),
    (dict(hidden=""), "ok"),  # zero hidden layers: logistic regression
    (dict(epochs=0), "epochs"),
    (dict(epochs=10**9), "epochs"),
    (dict(seed=-1), "seed"),
    (dict(seed=2**32), "seed"),
    (dict(seed=2**32 - 1), "ok"),
    (dict(hidden="0"), "hidden"),
    (dict(hidden="128 x"), "hidden"),
    (dict(weight_decay=-1.0), "weight_decay"),
]


@pytest.mark.parametrize("change,expect", EDGE, ids=[f"{k}={v!r}" for (d, _) in EDGE for k, v in d.items()])
def test_form_edge_values_work_or_are_refused_with_a_reason(change, expect):
    a = tiny_arrays(300)
    values = dict(hidden="8", activation="relu", init="he", optimizer="adam", lr=1e-3, schedule="constant",
                  batch_size=64, full_batch=False, epochs=1, weight_decay=0.0, seed=0, augment=False)
    values.update(change)
    cfg, errors, notes = Recipe.from_values(values, n_train=a.n_train)
    if expect in ("ok", "note"):
        assert cfg is not None and not errors, errors
        assert bool(notes) == (expect == "note"), notes
        # "works" means it really trains: one short run in the worker, finite loss, a usable model
        w = W.TrainingWorker(nnscratch.Network(cfg.sizes, seed=0), a, cfg, limiter=SlotLimiter(1)).start()
        assert w.join(60) and w.status == "completed", w.error
        assert np.isfinite(w.last_row()["loss"]) and w.test_accuracy is not None
        assert nnscratch.Network.load(w.net.to_bytes()).architecture == cfg.architecture
    else:
        assert cfg is None and errors
        msg = " ".join(errors)
        assert expect in msg and "\n" not in msg, msg
        assert any(ch.isdigit() for ch in msg) or "nan" in msg, f"the reason names the value or the range: {msg}"


# ==================================================================================== nothing lost
# A run that always blows up, on any machine: plain SGD at lr 10 on pixels scaled up 10x. Its first step
# is finite (one history row), its second loss is ~1e4 or more (seeds 0-2: 3.8e3-9.9e4), far past
# nnscratch.train.DIVERGED_LOSS (1e3); unscaled it took 3 steps.
DIVERGING = Recipe(hidden=(16,), epochs=5, batch_size=32, optimizer="sgd", lr=10.0, schedule="constant",
                   activation="relu")
DIVERGING_SCALE = np.float32(10)


def diverging_arrays(a: TrainingArrays) -> TrainingArrays:
    return TrainingArrays(a.X_train * DIVERGING_SCALE, a.y_train, a.X_val * DIVERGING_SCALE, a.y_val,
                          a.X_test * DIVERGING_SCALE, a.y_test, "sample subset, pixels x10")


def test_stopped_and_diverged_runs_keep_history_and_last_good_weights():
    a = tiny_arrays(600)
    # stopped mid-run
    cfg = Recipe(hidden=(16,), epochs=200, batch_size=32, lr=1e-3, schedule="constant")
    net = nnscratch.Network(cfg.sizes, seed=0)
    w0 = net.params["W1"].copy()
    w = W.TrainingWorker(net, a, cfg, limiter=SlotLimiter(1)).start()
    wait_for(lambda: w.n_rows() >= 5, timeout=60, what="a few steps")
    w.stop()
    assert w.join(5) and w.status == "stopped"
    assert 5 <= w.n_rows() < w.total_steps
    assert not np.array_equal(w.net.params["W1"], w0) and all(np.isfinite(p).all() for p in w.net.params.values())
    back = nnscratch.Network.load(w.net.to_bytes())
    assert back.meta["status"] == "stopped" and back.meta["steps"] == w.last_row()["step"]
    # diverged: DIVERGING_LR on digits whose pixels are scaled up DIVERGING_SCALE times blows up on any machine
    w = W.TrainingWorker(nnscratch.Network(DIVERGING.sizes, seed=0), diverging_arrays(a), DIVERGING,
                         limiter=SlotLimiter(1)).start()
    assert w.join(60)
    assert w.status == "diverged", f"{w.status}: {w.error}"
    assert w.error and "diverged" in w.error and "\n" not in w.error
    assert w.n_rows() >= 1, "the history up to the divergence is kept"
    assert all(np.isfinite(p).all() for p in w.net.params.values()), "last good (finite) weights"
    assert nnscratch.Network.load(w.net.to_bytes()).meta["status"] == "diverged"


# ==================================================================================== AppTest: upload mid-run
def test_a_model_of_another_architecture_uploaded_while_a_run_goes():
    at = app_test("app/pages/train.py")
    at.text_input(key="f_hidden").set_value("32")
    at.number_input(key="f_epochs").set_value(100)
    at.checkbox(key="f_full_batch").uncheck()
    start_training(at, pace=None)  # the watch-it-learn pace keeps it going while the model is uploaded
    w = at.session_state["worker"]
    assert w is not None and not w.done
    try:
        other = nnscratch.Network([784, 16, 16, 10], seed=3)
        other.meta["name"] = "someone else's"
        at.file_uploader(key="model_upload").set_value(("other.npz", other.to_bytes(), "application/octet-stream"))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert not [e.value for e in at.error], [e.value for e in at.error]
        assert at.session_state["model"].architecture == "784-16-16-10"
        assert not w.done, "the run goes on"
        assert w.net.architecture == "784-32-10"
        # a file that does not read 28x28 digits is refused with a message, the model stays
        bad = nnscratch.Network([100, 8, 10]).to_bytes()
        at.file_uploader(key="model_upload").set_value(("wrong.npz", bad, "application/octet-stream"))
        at.run()
        assert not at.exception and any("784" in e.value or "28" in e.value for e in at.error)
        assert at.session_state["model"].architecture == "784-16-16-10"
    finally:
        w.stop()
        assert w.join(10)
    at.run()  # the stopped run must not silently replace the model loaded while it ran
    assert not at.exception
    assert at.session_state["model"].architecture == "784-16-16-10"
    assert w.n_rows() > 0 and w.status == "stopped"


# ==================================================================================== a live server
def _bench():
    sys.path.insert(0, str(ROOT / "bench"))
    import streamlit_client

    return streamlit_client


async def _settled_threads(pid: int, want: int, timeout: float = 10.0) -> int:
    """The server's count of the app's threads once it equals ``want`` (or the last count after
    ``timeout`` s): on a busy machine a stopped run's thread may take a moment to end, a new one to start."""
    deadline = time.monotonic() + timeout
    n = _threads(pid)
    while n != want and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        n = _threads(pid)
    return n


def _threads(pid: int) -> int:
    """How many of the server's threads are the app's: named ``nnscratch-...`` in the OS
    (nnscratch/threads.py). Streamlit's own pools grow as they please on a busy machine, so the
    process's whole thread count would blame the app for them."""
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended while we looked
            names.append((task / "comm").read_text().strip())
    return sum(n.startswith(threads.PREFIX) for n in names)


RECONNECT_TTL = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("websockets")
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs Linux's /proc to count the server's threads")
    B = _bench()
    d = tmp_path_factory.mktemp("server")
    old = os.environ.get("NNSCRATCH_MAX_TRAINING")
    os.environ["NNSCRATCH_MAX_TRAINING"] = "1"
    try:
        # a browser that went away is waited for RECONNECT_TTL s (the app's config says 60)
        proc, url = B.start_server("streamlit_app.py", d / "timings.jsonl", d / "server.log",
                                   extra_args=["--server.disconnectedSessionTTL", str(RECONNECT_TTL)])
    finally:
        if old is None:
            os.environ.pop("NNSCRATCH_MAX_TRAINING", None)
        else:
            os.environ["NNSCRATCH_MAX_TRAINING"] = old
    yield B, proc, url
    B.stop_server(proc)


async def _open_train(B, url, name):
    s = B.ProtocolSession(url, "train", name)
    await s.open(require_canvas=False)
    return s


async def _start(s, epochs=300):
    kinds = s.widgets
    submit = kinds["Start training"][1]
    ep = next(v[1] for k, v in kinds.items() if k.startswith("Epochs"))
    await s.rerun([(ep, "int_value", epochs), (submit, "trigger_value", True)])


async def _status(s) -> str:
    await s.rerun()
    return " ".join(x for x in s.texts if not x.lstrip().startswith("<style>"))  # the page's CSS says nothing


async def _wait_text(s, needle, timeout=60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = await _status(s)
        if needle in text:
            return text
        await asyncio.sleep(0.3)  # polling interval: each poll is a full page run
    raise AssertionError(f"{s.name}: never showed {needle!r}; last: {text[:400]}")


def test_closing_a_session_stops_its_worker_frees_its_slot_and_leaves_no_thread(server):
    B, proc, url = server

    async def scenario():
        a = await _open_train(B, url, "A")
        b = await _open_train(B, url, "B")
        await _status(a), await _status(b)
        base = _threads(proc.pid)
        await _start(a)
        await _wait_text(a, "· running ·")
        assert await _settled_threads(proc.pid, base + 1) == base + 1, "one training thread"
        await _start(b)  # the cap is 1: the two runs take turns on it, and both show "running"
        await _wait_text(b, "· running ·")
        assert await _settled_threads(proc.pid, base + 2) == base + 2, "two training threads"
        t0 = time.monotonic()
        await a.close()  # the tab is closed: A's worker stops, B goes on alone
        assert await _settled_threads(proc.pid, base + 1) == base + 1, "A's thread ended, B's goes on"
        freed = time.monotonic() - t0
        await _wait_text(b, "· running ·")
        errors = a.errors + b.errors
        await b.close()
        return base, await _settled_threads(proc.pid, base), freed, errors

    base, after, freed, errors = asyncio.run(scenario())
    print(f"the app's threads in the server: {base} idle, {base + 1} with one run, {after} after both sessions closed; "
          f"A's run ended {freed:.1f} s after the tab closed")
    assert after <= base, f"{after - base} thread(s) left after both sessions closed"
    assert freed < 20, f"A's run took {freed:.1f} s to end"
    assert not errors, errors


def test_a_dropped_connection_keeps_the_run_until_the_session_expires(server):
    """Bad Wi-Fi: the browser's connection drops and comes back (Streamlit reconnects it to the same
    session) within server.disconnectedSessionTTL: the run goes on, past that TTL. When it drops for
    good, the run stops once the TTL has passed and leaves no thread behind."""
    B, proc, url = server

    async def scenario():
        tab = await _open_train(B, url, "flaky Wi-Fi")
        await _status(tab)
        sid = tab.session_id
        base = _threads(proc.pid)
        await _start(tab, epochs=500)
        await _wait_text(tab, "· running ·")
        await tab.close()  # the connection drops
        await asyncio.sleep(RECONNECT_TTL / 3)
        back = B.ProtocolSession(url, "train", "flaky Wi-Fi, back")
        await back.open(require_canvas=False, resume=sid)
        resumed = back.session_id in ("", sid)  # a new id in new_session would mean a fresh session
        await asyncio.sleep(RECONNECT_TTL + 2)  # well past the moment the run would have been stopped
        text_after_ttl = await _status(back)
        t0 = time.monotonic()
        await back.close()  # gone for good
        after = await _settled_threads(proc.pid, base, timeout=RECONNECT_TTL + 15)
        return resumed, text_after_ttl, base, after, time.monotonic() - t0, back.errors

    resumed, text, base, after, gone_after, errors = asyncio.run(scenario())
    print(f"run still going {RECONNECT_TTL + 2 + RECONNECT_TTL / 3:.0f} s after the drop; stopped and threads back "
          f"to {after} (idle {base}) {gone_after:.1f} s after the final drop (TTL {RECONNECT_TTL} s)")
    assert resumed, "the reconnect did not resume the same session"
    assert "· running ·" in text, f"the run did not survive a reconnect: {text[:300]}"
    assert after <= base, f"{after - base} thread(s) left after the session expired"
    assert gone_after >= RECONNECT_TTL - 0.5, f"stopped {gone_after:.1f} s after the drop, before the TTL"
    assert not errors, errors


async def _press(s, label):
    await s.rerun([(s.widgets[label][1], "trigger_value", True)])


def test_two_tabs_of_one_person_press_start_together_and_twice(server):
    """One person, two tabs (two Streamlit sessions), Start pressed in both at the same moment with one
    slot: both run (they take turns on the slot); Stop in the first stops only that one; each tab keeps its
    own run. Start pressed twice in a row in one tab makes one run, not two. Nothing is left behind when
    both tabs close."""
    B, proc, url = server
    RUNNING = "· running ·"

    async def scenario():
        tabs = [await _open_train(B, url, "tab 1"), await _open_train(B, url, "tab 2")]
        for t in tabs:
            await _status(t)
        base = _threads(proc.pid)
        await asyncio.gather(*(_start(t) for t in tabs))  # both Start presses in flight together
        await asyncio.gather(*(_wait_text(t, RUNNING) for t in tabs))
        first, second = tabs
        threads_both = await _settled_threads(proc.pid, base + 2)  # two runs sharing the slot

        await _press(first, "Stop")
        first_text = await _wait_text(first, "· stopped ·")
        assert RUNNING not in first_text, first_text
        await _wait_text(second, RUNNING)

        # Start twice in a row in the first tab, the second press sent before the first is answered
        ep = next(v[1] for k, v in first.widgets.items() if k.startswith("Epochs"))
        submit = first.widgets["Start training"][1]
        for _ in range(2):
            m = first._context()
            m.rerun_script.page_script_hash = first.page_hash
            for wid, field, value in ((ep, "int_value", 300), (submit, "trigger_value", True)):
                w = m.rerun_script.widget_states.widgets.add()
                w.id = wid
                setattr(w, field, value)
            await first.ws.send(m.SerializeToString())
        await first._until_finished()
        await _wait_text(first, RUNNING)
        threads_double = await _settled_threads(proc.pid, base + 2)
        errors = first.errors + second.errors
        for t in tabs:
            await t.close()
        return base, threads_both, threads_double, await _settled_threads(proc.pid, base), errors

    base, both, double, after, errors = asyncio.run(scenario())
    print(f"the app's threads in the server: {base} idle, {both} with two tabs' runs, {double} after a double Start, {after} at the end")
    assert both == base + 2, f"two tabs' runs made {both - base} threads, expected 2"
    assert double == base + 2, f"a double Start made {double - base - 1} runs in that tab, expected 1"
    assert after <= base, f"{after - base} thread(s) left after both tabs closed"
    assert not errors, errors


def test_start_is_one_run_of_the_run_alone(server):
    """Thirty people press Start together: each press is one run of the run's fragment alone, not the recipe's
    fields as well, nor a second start that a callback redirects (each start is a turn of the server's event
    loop, and each message of every answer one more). Start itself is drawn with the run, the toast after it."""
    B, proc, url = server

    async def scenario():
        s = await _open_train(B, url, "one-start")
        await _press(s, "Start training")
        answer, texts = s.answer, " ".join(s.texts)
        await _press(s, "Stop")
        await s.close()
        return answer, texts

    answer, texts = asyncio.run(scenario())
    assert answer.count("new_session") == 1, answer
    # a server's first run loads the data first, behind a progress bar it then empties
    drawn = [k for k in answer if k.startswith("element:") and k not in ("element:progress", "element:empty")]
    assert drawn[:3] == ["element:button", "element:heading", "element:toast"], drawn
    assert not {"element:number_input", "element:text_input", "element:selectbox"} & set(drawn), drawn
    assert "running" in texts or "completed" in texts, texts


@pytest.fixture
def hung_mirror():
    """An MNIST mirror on 127.0.0.1 that answers no request until the test ends (then 404): a download
    that takes as long as the test wants. Yields (url, an Event set once the first request came)."""
    import http.server

    asked, release = threading.Event(), threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.set()
            release.wait(60)
            self.send_error(404)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/", asked
    release.set()
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("how", ["Start on the Train page", "opening the Step inside page"])
def test_a_first_download_of_full_mnist_holds_no_page_turn(how, hung_mirror, tmp_path, monkeypatch):
    """Page runs take turns, one at a time (app/page_turns.py). Someone whose page waits for full MNIST's
    first download waits without a turn: another person's page opens meanwhile."""
    B = _bench()
    mirror, asked = hung_mirror
    monkeypatch.setenv("NNSCRATCH_DATA", str(tmp_path / "cache"))  # nothing cached: Start must download
    monkeypatch.setenv("NNSCRATCH_MNIST_MIRROR", mirror)
    proc, url = B.start_server("streamlit_app.py", tmp_path / "timings.jsonl", tmp_path / "server.log")

    async def scenario():
        s = await _open_train(B, url, "downloader")
        await s.rerun([(s.widgets["Training data"][1], "string_value", session.DATA_CHOICES[kinds.MNIST])])
        pressing = asyncio.ensure_future(_press(s, "Start training") if how.startswith("Start") else s.goto("step"))
        assert await asyncio.to_thread(asked.wait, 30), f"{how} on full MNIST never asked the mirror"
        other = B.ProtocolSession(url, "draw", "another-person")
        await asyncio.wait_for(other.open(), 20)  # a whole-page run: it needs a turn
        assert not pressing.done(), "the download ended before the other page opened: nothing was tested"
        pressing.cancel()
        await other.close()

    try:
        asyncio.run(scenario())
    finally:
        B.stop_server(proc)


def _canvas(fill=None) -> np.ndarray:
    size = preprocess.CANVAS_SIZE
    img = np.zeros((size, size, 4), np.uint8)
    img[..., 3] = 255
    if fill is not None:
        fill(img)
    return img


def _ink(img, ys, xs):
    img[ys, xs, :3] = 255


CANVASES = {
    "empty": _canvas(),
    "single dot": _canvas(lambda im: _ink(im, slice(139, 142), slice(139, 142))),
    "every edge": _canvas(lambda im: [_ink(im, slice(0, 12), slice(None)), _ink(im, slice(-12, None), slice(None)),
                                      _ink(im, slice(None), slice(0, 12)), _ink(im, slice(None), slice(-12, None))]),
    "filled": _canvas(lambda im: _ink(im, slice(None), slice(None))),
    "one in the corner": _canvas(lambda im: _ink(im, slice(0, 60), slice(0, 8))),
}


# One flat colour is no digit: the empty canvas, and a canvas filled edge to edge (its border decides that
# white is the background, so nothing is left as ink). Everything else gives a 28x28 digit.
NO_DIGIT = {"empty", "filled"}
DIGITS = set("0123456789")  # what the Prediction metric may show: exactly one digit


@pytest.mark.parametrize("name", list(CANVASES))
def test_odd_canvases_through_the_preprocessing(name):
    img = preprocess.to_mnist(CANVASES[name])
    if name in NO_DIGIT:
        assert img is None, f"{name}: one flat colour must read as no drawing (the page asks for one)"
        return
    assert img is not None, f"{name}: ink on the canvas was read as no drawing"
    assert img.shape == (28, 28) and img.dtype == np.float32 and np.isfinite(img).all()
    assert 0 <= img.min() and img.max() <= 1 and img.max() > 0
    probs = nnscratch.Network([784, 8, 10], seed=0).predict_proba(img.reshape(1, 784))
    assert np.isfinite(probs).all() and abs(probs.sum() - 1) < 1e-5


def test_odd_canvases_and_ten_quick_strokes_on_the_draw_page(server):
    B, proc, url = server

    async def scenario():
        s = B.ProtocolSession(url, "draw", "drawer")
        await s.open()
        seen = {}
        for name, img in CANVASES.items():
            _, _, value = await s.stroke([[(140, 140)]], B._png_url(img))
            seen[name] = (value, " ".join(s.texts), list(s.errors))
        digits = B.load_digits(10)
        burst = await s.burst(digits, n=10)
        # after the burst the page still answers a normal drawing
        _, _, last = await s.stroke(digits[0][1], digits[0][2][-1])
        await s.close()
        return seen, burst, last

    seen, burst, last = asyncio.run(scenario())
    for name, (value, text, errors) in seen.items():
        assert not errors, (name, errors)
        if name in NO_DIGIT:
            assert value is None and "Draw a digit" in text, (name, value, text[:300])
        else:
            assert value in DIGITS, (name, value)
    assert burst["answered"] and not burst["errors"], burst
    assert last in DIGITS, last
