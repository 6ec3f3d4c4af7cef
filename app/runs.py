"""A session's training runs, from Start to the model they leave behind.

A session-scoped resource (``_SessionRuns``) has an ``on_release`` hook that Streamlit calls when the
browser disconnects (tab closed, page reloaded, Wi-Fi lost): the session's runs then stop, freeing
their training slots, unless the browser is back within server.disconnectedSessionTTL (Streamlit
keeps the session that long), in which case they go on.
"""

from __future__ import annotations

import zlib

import streamlit as st

from nnscratch import worker
from nnscratch.data.splits import TrainingArrays
from nnscratch.errors import ConfigError
from nnscratch.recipe import Recipe

from . import board
from .session import set_model, state


class _SessionRuns:
    """The training workers a session started, told when the session's browser goes away."""

    def __init__(self):
        self.workers: list = []

    def add(self, w) -> None:
        self.workers = [x for x in self.workers if not x.done and x is not w] + [w]

    def release(self) -> None:
        # Called when the browser disconnects. Streamlit keeps the session (and its session_state) for
        # server.disconnectedSessionTTL in case it comes back: the runs keep going that long, then stop.
        grace = _reconnect_grace()
        for w in self.workers:
            w.stop_after(grace)
        self.workers = []


def _reconnect_grace() -> float:
    try:
        return max(0.0, float(st.get_option("server.disconnectedSessionTTL")))
    except Exception:  # noqa: BLE001 - an unreadable option must not keep a run alive forever
        return 0.0


@st.cache_resource(scope="session", on_release=lambda runs: runs.release(), show_spinner=False)
def session_runs() -> _SessionRuns:
    return _SessionRuns()


def reclaim(began: float) -> None:
    """After a reconnect: the session's run is registered again, and its scheduled stop cancelled, by a
    run of the page that ``began`` (``time.perf_counter()``) after the browser went away. A run already
    under way then (Streamlit clears the session's resources while it winds down) must not cancel it:
    nobody would be left to stop the run."""
    w = running()
    if w is None:
        return
    w.cancel_stop(set_before=began)
    if w not in session_runs().workers:
        session_runs().add(w)


# Up to this many runs going on in the server, the live views tick at their own pace; beyond it they slow
# down in proportion, so that watching stays a small share of the cores however many watch (docs/serving.md).
FULL_RATE_RUNS = 8
# For the Train page's live numbers a run computing as fast as it goes counts this many times: in a room of such
# runs every tick comes out of the room's training (paced runs leave the cores idle most of the time), and the
# numbers, ticking 2.5 times as often as the curves, are most of the watching (bench/bench_room.py --heavy).
UNPACED_WEIGHT = 2


# In a full room each person's views tick a little slower than the next one's, by up to this fraction: timers
# started together would otherwise stay in step, and every tick's rerun holds the server's event loop up a
# moment, so thirty at once delay a stroke on the Draw page (bench/bench_room.py prints the ticks together).
TICK_SPREAD = 0.3


def tick_every(seconds: float, weigh_unpaced: bool = False) -> float:
    """How often a live view that would tick every ``seconds`` does, with the runs going on in this server.
    ``weigh_unpaced``: count a run computing as fast as it goes ``UNPACED_WEIGHT`` times (the live numbers, once
    their run has shown its first points: someone who just pressed Start is waiting for those)."""
    weight = UNPACED_WEIGHT if weigh_unpaced else 1
    load = sum(1 if w.pace is not None else weight for w in worker.running_workers()) / FULL_RATE_RUNS
    if load <= 1:
        return seconds
    return seconds * load * (1 + TICK_SPREAD * _spread())


# Each person's paced run lasts a little longer than the next one's, by up to this fraction: a room's runs, started
# together, would otherwise end together, and each end is a page run (bench/bench_room.py: a drawing made as the
# room's runs ended waited for thirty of them).
PACE_SPREAD = 0.2


def paced(seconds: float) -> float:
    """How long this session's run paced to about ``seconds`` lasts."""
    return seconds * (1 + PACE_SPREAD * _spread())


def _spread() -> float:
    """Where this session sits in the room's spread, in [0, 1): the same for one person every time."""
    return zlib.crc32(_session_id().encode()) / 2**32


def running():
    """The session's worker if it has one that is not finished."""
    w = state()["worker"]
    return w if w is not None and not w.done else None


def start(recipe: Recipe, arrays: TrainingArrays, data_label: str, pace: float | None = None):
    """Create the network, start the session's run and remember it (raises NNScratchError).
    ``pace``: stretch the run to about that many seconds so a room can watch it (None: full speed)."""
    net = recipe.network()
    name = f"{recipe.preset or 'custom'} {recipe.architecture}"
    net.meta["name"] = name
    w = worker.TrainingWorker(net, arrays, recipe, owner=_session_id(), name=name, data_label=data_label)
    w.set_pace(pace)
    return start_worker(w)


def start_worker(w):
    """Start a worker as the session's run (a training run, or teaching it handwriting: app/teach.py)."""
    s = state()
    if running() is not None:
        raise ConfigError("a training run is already going in this session: stop it first")
    session_runs().add(w)
    s["worker"] = w
    s["run_model_token"] = s["model_token"]  # a model loaded while it runs is not replaced at the end
    s["board_save"] = board.save_when_done(w, board.me())  # to the class board when it ends, however it ends
    w.start()
    return w


def adopt_finished() -> bool:
    """Make a finished run's model the session's model (once). True when it just happened.

    A completed or stopped run becomes the session's model unless the person loaded another model
    while it ran; a diverged run is offered on the Train page, never adopted silently.
    """
    s = state()
    w = s["worker"]
    if w is None or not w.done or s.get("adopted_run") == w.id:
        return False
    s["adopted_run"] = w.id  # looked at once, adopted or not
    if w.status in (worker.COMPLETED, worker.STOPPED) and w.n_rows() > 0 and \
            s["model_token"] == s.get("run_model_token", s["model_token"]):
        set_model(w.net, f"trained here on {w.data_label}")
        return True
    return False


def _session_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.session_id if ctx else ""
    except Exception:  # noqa: BLE001 - only used as a label
        return ""
