"""Step x10 on the Step inside page: what a person waits, and what the engine alone takes, in one run.

    python bench/bench_step.py                # 8 presses at 1366x768, the default network (784-128-10)
    python bench/bench_step.py --repeats 12 --json test-artifacts/bench-step.json

The app is started as the README starts it (``streamlit run streamlit_app.py`` on a free 127.0.0.1 port) and
driven by headless Chromium (Debian's /usr/bin/chromium or $CHROMIUM_PATH): open Step inside, press Step x10,
and time from the click until the page shows the new step (its caption "Step N ·", the script run ended,
every image in the main area loaded). A fresh session steps a fresh network of the quick recipe, 784-128-10,
SGD, lr 0.1, batch 16, on the built-in sample: the page's defaults.

Beside it, the engine alone: ``Stepper.step_many(10)`` with the same settings, in this process, the same
number of times. The page's time minus the engine's is what showing the step costs (pictures, transfer,
the browser's drawing); the server's CPU seconds and the time the tab's main thread was busy, per press, say
which side it is spent on. The first press on a fresh server is printed on its own: it also pays for what the
server and the browser do once (the colour map, the chart library). Target (issue #24): within 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

TARGET_S = 1.0
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DRAWN_JS = """n => { const a = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  return a && a.getAttribute('data-test-script-state') === 'notRunning'
    && main.innerText.includes('Step ' + n + ' ·')
    && [...main.querySelectorAll('[data-testid="stMetricValue"]')].some(e => e.innerText.trim() === String(n))
    && [...main.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0); }"""


def engine_times(repeats: int) -> list[float]:
    """Seconds of ``Stepper.step_many(10)`` on the page's defaults, ``repeats`` times in a row, with one BLAS
    thread as the app steps (app/stepping.py pins it: ``threads.pin_blas``; here only for the measurement)."""
    from threadpoolctl import threadpool_limits

    import nnscratch
    from nnscratch import worker
    from nnscratch.data.splits import prepare_arrays
    from nnscratch.recipe import PRESETS
    from nnscratch.stepper import Stepper

    data = prepare_arrays(nnscratch.load_mnist("sample"))
    stepper = Stepper(PRESETS["quick"].recipe.network(), data.X_train, data.y_train, optimizer="sgd", lr=0.1,
                      batch_size=16)
    assert stepper.net.architecture == "784-128-10", stepper.net.architecture
    out = []
    with threadpool_limits(limits=worker.BLAS_THREADS_PER_RUN, user_api="blas"):
        for _ in range(repeats):
            t0 = time.perf_counter()
            stepper.step_many(10)
            out.append(time.perf_counter() - t0)
    return out


def page_times(url: str, repeats: int, server_pid: int | None = None):
    """Seconds from clicking Step x10 to the new step on screen, ``repeats`` presses in one session; the
    server's CPU seconds for each press (when its pid is known) and the seconds the tab's main thread was busy
    (Chromium's TaskDuration): two figures a busy machine inflates less than the wall time."""
    import streamlit_client as sc
    from playwright.sync_api import sync_playwright

    out, cpu, tab = [], [], []
    with sync_playwright() as pw:
        chromium, why = sc.browser_fixtures.find_chromium(pw)
        if chromium is None:
            sys.exit(why)
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.set_default_timeout(90_000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")

            def tab_cpu():  # seconds the tab's renderer main thread has been busy (scripts, layout, painting)
                return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                            if m["name"] == "TaskDuration")
            page.goto(f"{url}/step")
            page.locator('[data-testid="stMain"] h1', has_text="Step inside").wait_for()
            button = page.get_by_role("button", name="Step x10")
            page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                                   ".getAttribute('data-test-script-state') === 'notRunning'")
            assert re.search(r"784-128-10", page.locator('[data-testid="stMain"]').inner_text())
            for k in range(1, repeats + 1):
                c0 = sc.cpu_seconds(server_pid) if server_pid else 0.0
                b0 = tab_cpu()
                t0 = time.perf_counter()
                button.click()
                page.get_by_text(f"Step {10 * k} ·").first.wait_for()
                t1 = time.perf_counter()
                page.wait_for_function(DRAWN_JS, arg=10 * k, polling="raf")
                out.append(time.perf_counter() - t0)
                tab.append(tab_cpu() - b0)
                if server_pid:
                    cpu.append(sc.cpu_seconds(server_pid) - c0)
                print(f"press {k}: caption {t1 - t0:.3f} s, all drawn {out[-1]:.3f} s, tab busy {tab[-1]:.3f} s"
                      + (f", server CPU {cpu[-1]:.3f} s" if cpu else ""), file=sys.stderr)
        finally:
            browser.close()
    return out, cpu, tab


def summary(seconds: list[float]) -> dict:
    xs = np.asarray(seconds, float)
    return {"n": len(xs), "p50_s": round(float(np.median(xs)), 3), "max_s": round(float(xs.max()), 3)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=8, help="presses of Step x10 (and engine runs); default 8")
    ap.add_argument("--url", help="an app already running at this address, instead of starting one")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not 1 <= args.repeats <= 100:
        ap.error("--repeats must be from 1 to 100")
    import streamlit_client as sc

    proc = None
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp:
        try:
            if args.url:
                url = args.url.rstrip("/")
            else:
                proc, url = sc.start_server("streamlit_app.py", Path(tmp) / "timings.jsonl", Path(tmp) / "server.log")
            page, cpu, tab = page_times(url, args.repeats, proc.pid if proc is not None else None)
        finally:
            if proc is not None:
                sc.stop_server(proc)
    engine = engine_times(args.repeats)
    later = page[1:] or page
    result = {"page_first_s": round(page[0], 3), "page": summary(later), "engine": summary(engine),
              "target_s": TARGET_S, "page_s": [round(x, 3) for x in page], "engine_s": [round(x, 4) for x in engine],
              "load_average_1min": round(os.getloadavg()[0], 2),
              "server_cpu": summary(cpu[1:] or cpu) if cpu else None, "tab_busy": summary(tab[1:] or tab)}
    print(f"Step x10 on 784-128-10 (SGD, batch 16, built-in sample), {args.repeats} presses; "
          f"load average {result['load_average_1min']} on {os.cpu_count()} cores")
    print(f"  page, first press on a fresh server (click -> new step on screen): {page[0]:.3f} s")
    print(f"  page, the presses after it: p50 {result['page']['p50_s']:.3f} s, max {result['page']['max_s']:.3f} s")
    if cpu:
        print(f"  the server's CPU for one press, after the first: p50 {result['server_cpu']['p50_s']:.3f} s, "
              f"max {result['server_cpu']['max_s']:.3f} s")
    print(f"  the tab's main thread busy for one press, after the first: p50 {result['tab_busy']['p50_s']:.3f} s, "
          f"max {result['tab_busy']['max_s']:.3f} s")
    print(f"  engine only (Stepper.step_many(10)): p50 {result['engine']['p50_s']:.4f} s, "
          f"max {result['engine']['max_s']:.4f} s")
    print(f"  target, within {TARGET_S:g} s: p50 {'met' if result['page']['p50_s'] <= TARGET_S else 'NOT met'}, "
          f"max {'met' if result['page']['max_s'] <= TARGET_S else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
