"""Train page in a real browser: a live run (curves move while it trains), Pause/Resume, completion, Stop.

The quick preset on the built-in sample may finish in a few seconds on an idle machine, too fast to
watch and pause reliably; the live test therefore raises epochs through the form, as a person could.
"""

from __future__ import annotations

import re
import time

from .appdriver import png_hash, record

LIVE_EPOCHS = 150       # quick preset, as fast as it goes: long enough (several seconds) to see the curves change
                        # four times (they redraw once a second) and to pause it
HOLD_SECONDS = 3.0      # how long a paused run is watched for not moving
# Stop -> the worker's end, measured by the app itself (the Stop handler times w.stop() to the thread's
# end and shows it): the worker stops within one step (a few ms for the quick preset) and then measures
# its test accuracy; a fixed budget, whatever the machine's load does to the page's reruns.
STOP_BUDGET_S = 1.0
STOP_WATCH_S = 2.0      # how long a stopped run is watched for not taking more steps
STOP_SECONDS_RE = re.compile(r"ended (\d+\.\d+) s after Stop")


def test_quick_run_is_live_pauses_resumes_and_completes(app):
    app.open("Train")
    app.start_training(epochs=LIVE_EPOCHS)
    first = app.wait_progress(lambda p: p["status"] == "running" and p["step"] > 0, timeout=120,
                              what="the first training step")

    # live: the charts change at least three times while the run is still running
    charts = app.page.locator(".st-key-train-charts")
    changes, last_hash, last_step = [], None, None
    deadline = time.monotonic() + 180
    while len(changes) < 4 and time.monotonic() < deadline:
        try:
            shot = charts.first.screenshot(timeout=10_000, animations="disabled")
        except Exception:  # noqa: BLE001 - the fragment swapped the element mid-shot
            continue
        p = app.progress()
        assert p is not None and p["status"] == "running", \
            f"the run left 'running' ({p}) after only {len(changes)} chart updates: too fast to watch live?"
        h = png_hash(shot)
        if h != last_hash and p["step"] != last_step:  # a new picture for a new step, not a re-paint
            changes.append(p["step"])
            last_hash, last_step = h, p["step"]
    record("chart_updates_seen_at_steps", changes)
    assert len(changes) >= 4, f"the charts changed only {len(changes) - 1} times while running (steps {changes})"
    assert changes == sorted(changes) and changes[-1] > first["step"]

    # Pause holds the step count still
    t0 = time.monotonic()
    app.button("Pause").click()
    paused = app.wait_progress(lambda p: p["status"] == "paused", timeout=30, what="the run to pause")
    record("pause_click_to_paused_s", round(time.monotonic() - t0, 2))
    # "paused" shows once the run holds (Pause waits for it: TrainingWorker.wait_paused), with every step it
    # computed before its process saw the pause: from then on the count must not move
    seen, start = [], time.monotonic()
    while time.monotonic() - start < HOLD_SECONDS:
        p = app.wait_progress(lambda p: True, timeout=30)
        assert p["status"] == "paused", f"paused at {paused}, then saw {p}"
        seen.append((round(time.monotonic() - start, 2), p["step"]))
        app.page.wait_for_timeout(200)  # observation interval while checking that nothing moves
    assert {s for _, s in seen} == {paused["step"]}, f"paused at step {paused['step']}, then saw {seen}"

    # Resume goes on
    app.button("Resume").click()
    app.wait_progress(lambda p: p["step"] > paused["step"], timeout=60, what="the run to go on after Resume")

    # it completes, and shows a plausible test accuracy
    done = app.wait_progress(lambda p: p["status"] == "completed", timeout=600, what="the run to complete")
    assert done["step"] == done["total"]
    ok = app.page.locator('[data-testid="stMain"] [data-testid="stAlertContentSuccess"]', has_text="accuracy")
    ok.first.wait_for(timeout=60_000)
    m = re.search(r"test accuracy\D*?(\d+(?:\.\d+)?)\s*%", ok.first.inner_text())
    assert m, f"no test accuracy in {ok.first.inner_text()!r}"
    assert 80.0 <= float(m[1]) <= 100.0, f"implausible test accuracy {m[1]} % for the quick preset"
    app.page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebarUserContent\"]').innerText.includes('784-128-10')",
        timeout=60_000)  # the trained model became the session's current model
    assert not app.exceptions()


def _fresh_progress(app) -> dict:
    """The run header from a new script run (away to Home and back): read from the worker now, not from a
    panel that stopped refreshing when the run ended."""
    app.goto("Home")
    app.goto("Train")
    return app.wait_progress(lambda p: True, timeout=60, what="the run header")


def test_stop_ends_a_run_within_seconds(app):
    app.open("Train")
    app.start_training(epochs=200)
    a = app.wait_progress(lambda p: p["status"] == "running" and p["step"] > 0, timeout=120, what="training steps")
    t_a = time.monotonic()
    b = app.wait_progress(lambda p: p["step"] > a["step"], timeout=60, what="more training steps")
    rate = (b["step"] - a["step"]) / max(time.monotonic() - t_a, 1e-3)  # steps/s, from the live header
    assert rate * STOP_WATCH_S >= 2, f"the run is too slow ({rate:.1f} steps/s) for the watch below to see it go on"

    t0 = time.monotonic()
    app.button("Stop").click()
    stopped = app.wait_progress(lambda p: p["status"] == "stopped", timeout=60, what="the run to stop")
    record("stop_click_to_stopped_shown_s", round(time.monotonic() - t0, 2))
    assert stopped["step"] < stopped["total"]
    caption = app.page.locator(".st-key-train-stop-seconds")
    caption.wait_for(timeout=30_000)
    m = STOP_SECONDS_RE.search(caption.inner_text())
    assert m, f"the page does not say how fast the run ended: {caption.inner_text()!r}"
    took = float(m[1])
    record("stop_to_worker_end_s", took)
    assert took <= STOP_BUDGET_S, f"the worker took {took:.2f} s to end after Stop (budget {STOP_BUDGET_S} s)"

    # no step after the stop: watched for STOP_WATCH_S, then read again from the worker
    watched_from = time.monotonic()
    app.page.locator('[data-testid="stMain"]', has_text=re.compile(r"Stopped at step")).wait_for()
    app.page.wait_for_timeout(max(0.0, STOP_WATCH_S - (time.monotonic() - watched_from)) * 1000)
    again = _fresh_progress(app)
    assert again["status"] == "stopped" and again["step"] == stopped["step"], \
        f"stopped at step {stopped['step']}, {STOP_WATCH_S:.0f} s later the worker is at {again} ({rate:.0f} steps/s before)"
    assert not app.exceptions()
