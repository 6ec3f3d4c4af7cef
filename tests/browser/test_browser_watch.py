"""A run you can watch: Start with the defaults (quick recipe, built-in sample, "Watch it learn") lasts
10-30 s, the step counter on the Train page moves at least twice a second, and the Weights page shows the
first-layer pictures changing during the run. "As fast as it goes" is one click away and is much quicker."""

from __future__ import annotations

import re
import time

from .appdriver import record
from .test_browser_weights import GRID_IMG


def watch_run(app, timeout: float = 120.0) -> dict:
    """Poll the run header every 0.1 s from Start to the end: duration, step changes per second."""
    seen = []  # (t, step, status)
    t_start = t_end = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            p = app.progress()
        except Exception:  # noqa: BLE001 - the fragment replaced the element mid-read
            p = None
        now = time.monotonic()
        if p is not None:
            if t_start is None and p["status"] == "running":
                t_start = now
            seen.append((now, p["step"], p["status"]))
            if p["status"] == "completed" and t_start is not None:  # not the panel of the run before
                t_end = now
                break
        app.page.wait_for_timeout(100)  # polling interval
    assert t_end is not None, f"the run did not complete within {timeout:.0f} s; last seen {seen[-1:]}"
    running = [(t, step) for t, step, status in seen if status == "running"]
    changes = sum(1 for (_, a), (_, b) in zip(running, running[1:]) if b != a)
    span = running[-1][0] - running[0][0] if len(running) > 1 else 0.0
    gaps = [t1 - t0 for (t0, a), (t1, b) in zip(running, running[1:]) if b != a]
    return dict(duration_s=round(t_end - t_start, 1), step_changes=changes,
                changes_per_s=round(changes / span, 2) if span else 0.0,
                longest_still_s=round(max(gaps), 2) if gaps else None, total_steps=seen[-1][1])


def test_default_start_gives_a_run_you_can_watch_and_fast_is_one_click_away(app):
    app.open("Train")
    assert app.page.get_by_role("radio", name="Watch it learn", exact=False).is_checked(), \
        "the default pace should be 'Watch it learn'"
    app.page.get_by_role("button", name="Start training").click()  # nothing changed: the defaults
    app.started_run = True
    watched = watch_run(app)
    record("watch_default_run", watched)
    assert 10 <= watched["duration_s"] <= 30, f"the default run should last 10-30 s: {watched}"
    assert watched["changes_per_s"] >= 2, f"the step counter should move at least twice a second: {watched}"

    app.page.get_by_text("As fast as it goes").click()  # a person clicks the label
    app.page.wait_for_function("() => [...document.querySelectorAll('[role=radio]')].some("
                               "e => e.checked && e.getAttribute('aria-label') !== null"
                               " ? e.getAttribute('aria-label').includes('As fast') : false) ||"
                               " [...document.querySelectorAll('label')].some(l => l.innerText.includes('As fast') &&"
                               " l.querySelector('input:checked'))")
    # As fast as it goes, the run may be over before the header ever shows "running" (a fraction of a
    # second): its own final message says how long it took
    done = '[data-testid="stMain"] [data-testid="stAlertContentSuccess"]'
    before = app.page.locator(done, has_text="Finished").first.inner_text()
    app.page.get_by_role("button", name="Start training").click()
    app.page.wait_for_function(
        "([sel, b]) => [...document.querySelectorAll(sel)].some(e => e.innerText.includes('Finished') && "
        "e.innerText !== b)", arg=[done, before], timeout=120_000)
    text = next(t for t in app.page.locator(done, has_text="Finished").all_inner_texts() if t != before)
    fast_s = float(re.search(r"steps in ([\d.]+) s", text)[1])
    record("watch_fast_run_s", fast_s)
    assert fast_s < watched["duration_s"] / 2, (text, watched)
    assert not app.exceptions()


def test_weights_page_shows_the_pictures_forming_during_the_default_run(app):
    app.open("Train")
    app.page.get_by_role("button", name="Start training").click()
    app.started_run = True
    app.wait_progress(lambda p: p["status"] == "running", timeout=60, what="the run to start")
    app.goto("Weights")
    srcs, steps = set(), set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        live = app.page.locator('[data-testid="stMain"] [data-testid="stAlertContentInfo"]', has_text="Live from")
        if live.count() == 0 and srcs:
            break  # the run is over (the page shows the finished model)
        if live.count():
            try:
                srcs.add(app.page.locator(GRID_IMG).first.get_attribute("src", timeout=2_000))
                steps.add(live.first.inner_text(timeout=2_000).split("step")[1].split("/")[0].strip())
            except Exception:  # noqa: BLE001 - replaced mid-read
                pass
        app.page.wait_for_timeout(250)  # polling interval
    record("watch_weights_live", dict(distinct_grid_pictures=len(srcs), distinct_steps=len(steps)))
    assert len(srcs) >= 5, f"the weight pictures changed only {len(srcs)} times during the run"
    assert not app.exceptions()
