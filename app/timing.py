"""Server-side timings for the load benchmark (bench/bench_load.py); nothing is written unless
$NNSCRATCH_TIMINGS names a file."""

from __future__ import annotations

import json
import os
import time

import streamlit as st


def mark_run_start() -> None:
    """Called first thing in streamlit_app.py: when this whole-app run began."""
    st.session_state["_run_t0"] = time.perf_counter()


def run_began() -> float:
    """When this whole-app run began (the current fragment's rerun, if only a fragment reruns, began later)."""
    return st.session_state.get("_run_t0", 0.0)


def run_started(fragment_start: float) -> float:
    """When this run began: the whole app's run (taken once), or, for a rerun of a fragment alone,
    ``fragment_start``."""
    return st.session_state.pop("_run_t0", fragment_start)


def record(name: str, seconds: float) -> None:
    """Append one timing to $NNSCRATCH_TIMINGS (JSON lines)."""
    path = os.environ.get("NNSCRATCH_TIMINGS")
    if not path:
        return
    try:
        with open(path, "a") as f:
            f.write(json.dumps({"what": name, "seconds": seconds, "t": time.time()}) + "\n")
    except OSError:
        pass
