"""Several app servers (replicas) behind HAProxy: tell a person who was moved to this one.

``deploy/cluster`` names each replica (``NNSCRATCH_SERVER_NAME=r1``, also HAProxy's affinity cookie
value, see ``deploy/haproxy.cfg.tmpl``). A Streamlit session lives in one replica's memory, so when
that replica dies or restarts, the person's next connection lands on another one with a fresh
session: their model, a run in progress and their uploads are gone; runs already saved to the class
board are not. HAProxy tells the new replica where the tab was before, two ways:

- header ``X-Nnscratch-Affinity``: the replica named by the request's affinity cookie (a websocket
  reconnecting by itself after its replica died still carries the old cookie);
- cookie ``NNSCRATCH_MOVED`` (two minutes): set on a response served by another replica than the
  cookie named (a reload: the page load already got the new cookie, only this remembers the move).

Without ``NNSCRATCH_SERVER_NAME`` (one plain ``streamlit run``) this does nothing.

A replica stopping on SIGTERM (``deploy/cluster restart-replica``, systemd, a container stop) ends
the runs still going and waits for the class board to save them ("stopped", like a Stop press),
so a rolling restart loses no run that had started (:func:`save_runs_at_exit`).
"""

from __future__ import annotations

import atexit
import logging
import os
import time

import streamlit as st

log = logging.getLogger("nnscratch.app")
EXIT_TIMEOUT = 12.0  # s; deploy/cluster and the systemd unit SIGKILL after 20 s

ENV = "NNSCRATCH_SERVER_NAME"
HEADER, COOKIE = "X-Nnscratch-Affinity", "NNSCRATCH_MOVED"
MESSAGE = ("You were moved to another app server (the one you were on stopped or restarted): your unsaved "
           "session state is gone (your current model, a run in progress, uploaded files). Runs that "
           "finished are saved on the class board.")


def moved_from(me: str, header: str, cookie: str) -> str:
    """The replica a fresh session came from, or "" if it did not move (pure, for tests)."""
    for prev in (header, cookie):
        prev = (prev or "").strip()
        if prev and prev != me:
            return prev
    return ""


def check_moved() -> None:
    """Once per session: remember whether it arrived from another replica; while remembered,
    show the message at the top of the page (with a button to dismiss it)."""
    me = os.environ.get(ENV, "").strip()
    s = st.session_state
    if not me:
        return
    if "_moved_from" not in s:
        try:
            headers, cookies = st.context.headers, st.context.cookies
            s["_moved_from"] = moved_from(me, headers.get(HEADER, ""), cookies.get(COOKIE, ""))
        except Exception:  # noqa: BLE001 - no request context (e.g. a script test): nothing to say
            s["_moved_from"] = ""
    if s["_moved_from"]:
        box = st.container()
        box.warning(MESSAGE, icon=":material/swap_horiz:")
        if box.button("Got it", key="_moved_ack"):
            s["_moved_from"] = ""
            st.rerun()


def save_runs_at_exit(timeout: float = EXIT_TIMEOUT) -> int:
    """End every run of this process and wait (at most ``timeout`` s) for their saves; the count.

    Runs at interpreter exit (after Streamlit's SIGTERM shutdown), while the daemon threads that
    train still run. A run's save to the board is its ``when_done`` hook, run in the run's own
    thread, so joining the run waits for its save. Runs of sessions whose browser has gone (kept for a
    reconnect) belong to no live session, so the worker module's own list of started runs is asked."""
    from nnscratch.worker import running_workers

    live = running_workers()
    for w in live:
        w.stop()
    deadline = time.monotonic() + timeout
    for w in live:
        w.join(max(0.0, deadline - time.monotonic()))
    if live:
        log.warning("stopping: ended %d training run(s) and saved them to the class board", len(live))
    return len(live)


atexit.register(save_runs_at_exit)
