"""The room presses Start: N sessions start a run on the Train page at the same moment, and watch it the way a
browser does, while one more person draws on the Draw page.

    python bench/bench_room.py              # 30 sessions, the default recipe (quick, "Watch it learn")
    python bench/bench_room.py --heavy      # 30 sessions, the best preset on the sample, as fast as it goes
    python bench/bench_room.py --cluster 2  # the same room through deploy/cluster: HAProxy and 2 replicas
    python bench/bench_room.py --neighbours 2  # the same room on a busy machine: 2 other programs computing

The server is started as the README starts it (``streamlit run streamlit_app.py``, on a free 127.0.0.1 port),
with no BLAS or nnscratch setting in its environment: a teacher's laptop sets none. The one variable it gets,
``NNSCRATCH_TIMINGS``, only makes the app append its own timings to a file.

Each session is a protocol client (``streamlit_client.ProtocolSession``: Streamlit's websocket protocol, as the
browser speaks it). After Start it reruns each ``st.fragment(run_every=...)`` the page asks for, at that
interval, as the browser's timers do (a fixed rate from when the page set the timer; a little gentler: a tick
is not sent while the last one is unanswered). It reads the run's status line on every answer.

Printed: the wait until a run shows "running" and until its first points (p50, p95, max), the makespan
(Start to the last run finished), the bound (the runs' solo compute seconds summed / cores; solo = one run
of the same recipe alone, as fast as it goes, the mean of one before and one after the room), the server's CPU seconds for the room and
per run (the server and every process under it: the runs compute in child processes; and the server's own
process alone, the pages' share), its memory before
the Start presses and at its peak (PSS, sampled every 5 s: reading it costs the server's processes time), the live view's CPU per tick (measured in the app, ``time.thread_time`` around the tick), the
drawer's p95 (stroke sent -> prediction received) and errors. Results also go to --json.

Bounded: at most 60 sessions, the room is given up after --timeout seconds, and the server is stopped at the
end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import streamlit_client as B  # noqa: E402  (server, protocol sessions, pen digits)

MAX_SESSIONS = 60
STATUS = re.compile(r"· (queued|running|paused|completed|stopped|diverged|error) · step (\d+) / (\d+)")
FINAL = ("completed", "stopped", "diverged", "error")
# What a teacher's laptop does not set: the room is measured without any of it.
UNSET = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NNSCRATCH_MAX_TRAINING")
HEAVY = [("Recipe", "string_value", "best")]  # the preset's on_change fills the form
NEIGHBOUR_DUTY = 0.5  # --neighbours: each one busy this share of the time


class Watcher:
    """One person: opens Train, presses Start, then watches until the run ends."""

    def __init__(self, url: str, i: int, slowest: float = 0.0, session=B.ProtocolSession):
        self.s = session(url, "train", f"watcher{i}")
        self.slowest = slowest  # tick no more often than this (0: as the page asks): a control, not a browser
        self.started = self.running = self.first_point = self.finished = None
        self.status, self.step = "", 0
        self.ticks, self.tick_seconds, self.errors = 0, [], []
        self.sent: list = []  # when each tick was sent
        self.final_text = ""
        self.start_messages = 0  # messages in the answer to Start

    def read(self, now: float) -> None:
        text = " ".join(self.s.texts)
        m = STATUS.search(text)
        if m:
            self.status, self.step = m.group(1), int(m.group(2))
            if self.status != "queued" and self.running is None:
                self.running = now
            if self.step > 0 and self.first_point is None:
                self.first_point = now
            if self.status in FINAL and self.finished is None:
                self.finished = now
        for t in self.s.texts:
            if t.startswith(("Finished", "Stopped")):
                self.final_text = t
        self.errors.extend(self.s.errors)
        self.s.errors.clear()

    async def open(self, preset_widgets=()):
        await self.s.open(require_canvas=False)
        if preset_widgets:
            await self.s.rerun([(self.s.widgets[label][1], field, value) for label, field, value in preset_widgets])

    async def start(self, pace: str) -> None:
        """Press Start with the Pace whose label begins with ``pace``, sent as the browser sends it (the whole
        label: a label the radio does not know would not reach the run)."""
        w = self.s.widgets
        pace_id = w["Pace"][1]
        pace = next(o for o in self.s.options["Pace"] if o.startswith(pace))
        self.started = time.perf_counter()
        before = self.s.received
        await self.s.rerun([(pace_id, "string_value", pace), (w["Start training"][1], "trigger_value", True)])
        self.start_messages = self.s.received - before
        self.read(time.perf_counter())

    async def watch(self, deadline: float) -> None:
        """Rerun the page's ticking fragments at their intervals until the run has ended (and the page's
        last full rerun came), or the deadline."""
        due, timers = {}, {}
        while time.perf_counter() < deadline:
            if self.finished is not None and (self.final_text or not self.s.auto_reruns):
                return  # the run has ended and its page says how
            if not self.s.auto_reruns:
                await asyncio.sleep(0.2)
                continue
            now = time.perf_counter()
            for fid, every in list(self.s.auto_reruns.items()):
                if timers.get(fid) != every:  # a new timer, or a new period: the browser starts it afresh
                    timers[fid], due[fid] = every, now + max(every, self.slowest)
            fid = min((f for f in due if f in self.s.auto_reruns), key=due.get)
            await asyncio.sleep(max(0.0, due[fid] - time.perf_counter()))
            t0 = time.perf_counter()
            self.sent.append(t0)
            try:
                await self.s.rerun(fragment=fid)
            except Exception as e:  # noqa: BLE001 - a lost answer is a result
                self.errors.append(f"tick: {type(e).__name__}: {e}"[:200])
                return
            t1 = time.perf_counter()
            self.ticks += 1
            self.tick_seconds.append(t1 - t0)
            # a fixed rate from when the timer was set, as the browser's setInterval (a tick whose time came
            # while the last one was still unanswered goes at once; one that is a whole period late is dropped)
            every = max(self.s.auto_reruns.get(fid, 1.0), self.slowest)
            due[fid] += every
            if due[fid] < t1 - every:
                due[fid] += every * ((t1 - due[fid]) // every)
            for f in list(due):
                if f not in self.s.auto_reruns:
                    due.pop(f)
                    timers.pop(f, None)
            self.read(t1)


def compute_seconds(text: str) -> float | None:
    """The run's computing seconds from its final message ("Finished N steps in 7.4 s" or "... in 20 s
    (0.9 s of it computing)")."""
    m = re.search(r"\(([\d.]+) s of it computing\)", text) or re.search(r"steps in ([\d.]+) s", text)
    if m:
        return float(m.group(1))
    m = re.search(r"steps in (\d+) min (\d+) s", text)
    return 60 * float(m.group(1)) + float(m.group(2)) if m else None


async def solo(url: str, preset_widgets, timeout: float, session=B.ProtocolSession) -> float:
    """One run of the recipe alone, as fast as it goes: its computing seconds."""
    w = Watcher(url, -1, session=session)
    await w.open(preset_widgets)
    await w.start("As fast as it goes")
    await w.watch(time.perf_counter() + timeout)
    await w.s.close()
    c = compute_seconds(w.final_text)
    if w.status != "completed" or c is None:
        raise RuntimeError(f"the solo run did not complete: {w.status!r} {w.final_text!r} {w.errors}")
    return c


def read_ticks(path: Path, since: float) -> list:
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if d.get("what") == "watch_tick_cpu" and d.get("t", 0) >= since:
                out.append(float(d["seconds"]))
    return out


class Server:
    """The app as the README starts it (one ``streamlit run``), or ``deploy/cluster up`` with ``replicas``
    replicas behind HAProxy (its own PostgreSQL; each replica gets cores / replicas training slots, the
    cluster's default). ``cpu()``: the CPU seconds of every process serving the room."""

    def __init__(self, replicas: int, timings: Path, out_dir: Path):
        self.run_dir = None
        if not replicas:
            self.proc, self.url = B.start_server("streamlit_app.py", timings, out_dir / "bench_room_server.log")
            self.session = B.ProtocolSession
            return
        import bench_cluster
        import cluster_client
        from deploy._procs import free_port, with_children
        self.run_dir = Path(tempfile.mkdtemp(prefix="nnscratch-bench-room-"))
        os.chmod(self.run_dir, 0o755)  # the postgres user must reach its data dir
        port = free_port()
        state = bench_cluster.cluster_up(self.run_dir, port, dict(os.environ, NNSCRATCH_TIMINGS=str(timings)),
                                         replicas=replicas)
        self.url, self.session = f"http://127.0.0.1:{port}", cluster_client.ProxySession
        roots = [state["proxy"]["pid"], *(r["pid"] for r in state["replicas"])]
        self.cpu = lambda: sum(B.cpu_seconds(pid) for pid in roots) + bench_cluster.cpu_of(
            with_children(state["db"]["pid"]))
        self.memory = lambda: sum(B.memory_mb(pid) for pid in roots[1:])
        self.own_cpu = lambda: float("nan")

    def cpu(self) -> float:
        """The server's CPU seconds and its training processes' (replaced by the cluster's sum above)."""
        return B.cpu_seconds(self.proc.pid)

    def own_cpu(self) -> float:
        """The page server's own CPU seconds (page runs, ticks, sending), without its training processes."""
        return B.own_cpu_seconds(self.proc.pid)

    def memory(self) -> float:
        """MB of the app server and its training processes (the cluster's: its app servers')."""
        return B.memory_mb(self.proc.pid)

    def stop(self) -> None:
        if not self.run_dir:
            B.stop_server(self.proc)
            return
        subprocess.run([sys.executable, str(ROOT / "deploy" / "cluster"), "down", "--run-dir", str(self.run_dir)],
                       capture_output=True, timeout=120)
        shutil.rmtree(self.run_dir, ignore_errors=True)


async def room(args):
    out_dir = ROOT / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    timings = out_dir / "bench_room_timings.jsonl"
    timings.unlink(missing_ok=True)
    for k in UNSET:
        os.environ.pop(k, None)
    preset_widgets = HEAVY if args.heavy else ()
    pace = "As fast as it goes" if args.heavy else "Watch it learn"
    server = Server(args.cluster, timings, out_dir)
    url, session = server.url, server.session
    neighbours = []
    try:
        solo_before = await solo(url, preset_widgets, args.timeout, session)
        print(f"solo run (as fast as it goes): {solo_before:.2f} s of computing")
        watchers = [Watcher(url, i, args.tick_at_most, session) for i in range(args.sessions)]
        for k in range(0, len(watchers), 5):  # open the pages a few at a time: opening is not what is measured
            await asyncio.gather(*(w.open(preset_widgets) for w in watchers[k:k + 5]))
        if args.cluster:
            print("sessions per replica: " + ", ".join(
                f"{r} {sum(w.s.replica == r for w in watchers)}" for r in sorted({w.s.replica for w in watchers})))
        # the drawer is another person's browser: its own process, so its answers are not read late behind
        # the 30 watchers' in this one
        drawer = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--draw-at", url, *(["--via-proxy"] if args.cluster else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if (await drawer.stdout.readline()).strip() != b"ready":
            raise RuntimeError("the drawer could not open the Draw page")

        neighbours = [subprocess.Popen([sys.executable, __file__, "--be-neighbour", str(args.timeout)])
                      for _ in range(args.neighbours)]
        cpu0, own0, wall0, client0 = server.cpu(), server.own_cpu(), time.time(), time.process_time()
        received0 = sum(w.s.received for w in watchers)
        t0 = time.perf_counter()
        deadline = t0 + args.timeout
        draw_until = [deadline]
        drawer.stdin.write(b"go\n")
        memory = [server.memory()]
        sampling = asyncio.ensure_future(_sample(server.memory, draw_until, memory))
        await asyncio.gather(*(w.start(pace) for w in watchers))
        await asyncio.gather(*(w.watch(deadline) for w in watchers))
        for w in watchers:
            if w.finished is None:
                print(f"{w.s.name} did not finish: {w.status} step {w.step}, ticking {w.s.auto_reruns}, "
                      f"errors {w.errors[:2]}")
        cpu_room, cpu_clients = server.cpu() - cpu0, time.process_time() - client0
        cpu_pages = server.own_cpu() - own0
        received = sum(w.s.received for w in watchers) - received0
        draw_until[0] = 0
        drawer.stdin.write(b"stop\n")
        strokes = json.loads(await drawer.stdout.read())
        await drawer.wait()
        await sampling
        _stop(neighbours)
        await asyncio.gather(*(w.s.close() for w in watchers))  # each may wait out its close
        ticks_cpu = read_ticks(timings, wall0)
        # the solo run again: this machine's speed drifts by a fifth or more over minutes, so the bound
        # takes the mean of a solo run before and after the room
        solo_after = await solo(url, preset_widgets, args.timeout, session)
        print(f"solo run after the room: {solo_after:.2f} s of computing")
        solo_s = (solo_before + solo_after) / 2
    finally:
        _stop(neighbours)
        server.stop()

    n = len(watchers)
    ran = [w.running - w.started for w in watchers if w.running is not None]
    first = [w.first_point - w.started for w in watchers if w.first_point is not None]
    done = [w.finished - t0 for w in watchers if w.finished is not None]
    completed = sum(w.status == "completed" for w in watchers)
    not_completed = [f"watcher {i}: {w.status or 'no status'} at step {w.step}, {w.ticks} ticks, page: {w.final_text!r}"
                     for i, w in enumerate(watchers) if w.status != "completed"]
    errors = [e for w in watchers for e in w.errors] + [r.get("error") for r in strokes if not r.get("ok")]
    draw_e2e = [r["e2e"] for r in strokes if r.get("ok")]
    # the strokes sent while the room's Start presses were still being answered, and the rest
    burst_end = max((w.running for w in watchers if w.running is not None), default=t0)
    in_burst = [r["e2e"] for r in strokes if r.get("ok") and r["at"] < burst_end]
    # the run ends: from the first run's end on, the pages adopt their models and show the results
    ends_from = min((w.finished for w in watchers if w.finished is not None), default=float("inf"))
    after = [r["e2e"] for r in strokes if r.get("ok") and burst_end <= r["at"] < ends_from]
    at_ends = [r["e2e"] for r in strokes if r.get("ok") and r["at"] >= max(ends_from, burst_end)]
    cores = os.cpu_count() or 1
    bound = n * solo_s / cores
    res = dict(
        case=("heavy (best preset, sample, as fast as it goes)" if args.heavy else "default (quick, Watch it learn)")
        + (f", deploy/cluster with {args.cluster} replicas" if args.cluster else "")
        + (f", {args.neighbours} busy neighbour(s) on the machine" if args.neighbours else ""),
        sessions=n, cores=cores, solo_compute_s=solo_s, solo_before_after_s=(solo_before, solo_after), started_at=wall0, completed=completed, not_completed=not_completed,
        wait_running=dict(p50=B.pct(ran, 50), p95=B.pct(ran, 95), max=max(ran, default=None), n=len(ran)),
        wait_first_point=dict(p50=B.pct(first, 50), p95=B.pct(first, 95), max=max(first, default=None),
                              n=len(first)),
        makespan_s=max(done) if len(done) == n else None, bound_s=bound,
        makespan_over_bound=(max(done) / bound) if len(done) == n and bound > 0 else None,
        server_cpu_s=cpu_room, server_cpu_per_run_s=cpu_room / n,
        page_server_cpu_s=None if math.isnan(cpu_pages) else cpu_pages, clients_cpu_s=cpu_clients,
        memory_mb=dict(before=memory[0], peak=max(memory)),
        ticks=sum(w.ticks for w in watchers), messages_to_watchers=received,
        start_messages=B.pct([w.start_messages for w in watchers], 50),
        ticks_together=_bunching([t for w in watchers for t in w.sent]),
        tick_cpu_ms=dict(p50=_ms(B.pct(ticks_cpu, 50)), p95=_ms(B.pct(ticks_cpu, 95)), n=len(ticks_cpu)),
        tick_wall_ms=dict(p50=_ms(B.pct([t for w in watchers for t in w.tick_seconds], 50)),
                          p95=_ms(B.pct([t for w in watchers for t in w.tick_seconds], 95))),
        drawer=dict(strokes=len(strokes), answered=len(draw_e2e), p50_ms=_ms(B.pct(draw_e2e, 50)),
                    p95_ms=_ms(B.pct(draw_e2e, 95)), start_burst_s=burst_end - t0,
                    each=[(round(r["at"] - t0, 2), round(_ms(r["e2e"]))) for r in strokes if r.get("ok")],
                    in_burst=dict(n=len(in_burst), max_ms=_ms(max(in_burst, default=None))),
                    after_burst=dict(n=len(after), p50_ms=_ms(B.pct(after, 50)), p95_ms=_ms(B.pct(after, 95))),
                    at_ends=dict(n=len(at_ends), from_s=ends_from - t0 if at_ends else None,
                                 p50_ms=_ms(B.pct(at_ends, 50)), p95_ms=_ms(B.pct(at_ends, 95)))),
        errors=len(errors), error_examples=errors[:3],
    )
    return res


def be_neighbour(seconds: float) -> None:
    """Another program on the same machine (a shared server, the presenter's own laptop): busy half of every
    100 ms with memory-heavy numpy work, for at most ``seconds``."""
    import numpy as np
    a, b = np.ones(4_000_000), np.empty(4_000_000)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        busy = time.perf_counter() + NEIGHBOUR_DUTY * 0.1
        while time.perf_counter() < busy:
            np.multiply(a, 2.0, out=b)
        time.sleep((1 - NEIGHBOUR_DUTY) * 0.1)


def _stop(procs) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(10)
    procs.clear()


def _bunching(sent: list, window: float = 0.1) -> dict:
    """How bunched the ticks were: the most sent within any ``window`` seconds (from each send on), against the
    mean per window. Every rerun starts a thread, which holds the server's event loop up for a moment."""
    sent = sorted(sent)
    if len(sent) < 2:
        return dict(peak=len(sent), mean=None)
    j, peak = 0, 0
    for i, t in enumerate(sent):
        while sent[j] < t - window:
            j += 1
        peak = max(peak, i - j + 1)
    return dict(peak=peak, mean=len(sent) * window / (sent[-1] - sent[0]))


def _ms(x):
    return None if x is None else 1000 * x


async def _sample(measure, until, out, every: float = 5.0):
    """``measure()`` every ``every`` seconds until ``until[0]`` (the room's end), appended to ``out``."""
    while time.perf_counter() < until[0]:
        out.append(await asyncio.to_thread(measure))
        await asyncio.sleep(every)


async def drawer_process(url: str, via_proxy: bool) -> None:
    """The drawer, in its own process: opens the Draw page, says "ready", draws from "go" to "stop" (lines on
    stdin), then prints its strokes as JSON."""
    import cluster_client
    s = (cluster_client.ProxySession if via_proxy else B.ProtocolSession)(url, "draw", "drawer")
    await s.open()
    digits = B.load_digits(60)
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    until, out = [float("inf")], []
    drawing = asyncio.ensure_future(_draw(s, digits, until, out))
    await asyncio.to_thread(sys.stdin.readline)
    until[0] = 0
    await drawing
    await s.close()
    print(json.dumps(out), flush=True)


async def _draw(s, digits, until, out):
    rng = random.Random(1)
    while time.perf_counter() < until[0]:
        label, strokes, urls = digits[rng.randrange(len(digits))]
        for k in range(len(strokes)):
            if time.perf_counter() >= until[0]:
                return
            try:
                sent = time.perf_counter()
                t_pred, t_end, value = await s.stroke(strokes[:k + 1], urls[k])
                out.append(dict(ok=t_pred is not None, e2e=t_pred, at=sent))
            except Exception as e:  # noqa: BLE001
                out.append(dict(ok=False, error=f"{type(e).__name__}: {e}"[:200]))
                return
            await asyncio.sleep(rng.uniform(0.4, 1.0))
        await asyncio.sleep(rng.uniform(1.0, 2.0))


def report(r: dict, heavy: bool) -> None:
    def f(x, unit="s", nd=2):
        return "–" if x is None else f"{x:.{nd}f} {unit}"
    print(f"\n== {r['case']}: {r['sessions']} sessions on {r['cores']} cores")
    wr, wf = r["wait_running"], r["wait_first_point"]
    print(f"wait to 'running'     p50 {f(wr['p50'])}  p95 {f(wr['p95'])}  max {f(wr['max'])}  ({wr['n']} of {r['sessions']})")
    print(f"wait to first points  p50 {f(wf['p50'])}  p95 {f(wf['p95'])}  max {f(wf['max'])}  "
          f"(target max {'5' if heavy else '3'} s)")
    print(f"makespan              {f(r['makespan_s'])}  (bound {f(r['bound_s'])} = {r['sessions']} x "
          f"{r['solo_compute_s']:.2f} s solo / {r['cores']} cores; ratio {f(r['makespan_over_bound'], 'x')}; "
          f"target {'1.3x the bound' if heavy else 'every run within 30 s'})")
    print(f"completed             {r['completed']} of {r['sessions']}")
    for line in r["not_completed"]:
        print(f"  not completed: {line}")
    print(f"server CPU            {f(r['server_cpu_s'], 'CPU-s', 1)} for the room, "
          f"{f(r['server_cpu_per_run_s'], 'CPU-s')} per run" + ("" if heavy else " (target room <= 60 CPU-s)"))
    if r.get("page_server_cpu_s") is not None:
        print(f"  of which the pages  {f(r['page_server_cpu_s'], 'CPU-s', 1)} in the server's own process (page runs, "
              f"ticks, sending); the rest in its training processes")
    print(f"server memory         {r['memory_mb']['before']:.0f} MB before the Start presses, peak "
          f"{r['memory_mb']['peak']:.0f} MB (PSS of the server and its training processes)")
    print(f"this bench's clients  {f(r['clients_cpu_s'], 'CPU-s', 1)} (the {r['sessions']} people's tabs, here in one process on "
          f"the server's cores; on the day they are phones)")
    tc, tw = r["tick_cpu_ms"], r["tick_wall_ms"]
    print(f"watch ticks           {r['ticks']}: CPU per tick p50 {f(tc['p50'], 'ms', 1)} p95 {f(tc['p95'], 'ms', 1)}; "
          f"round trip p50 {f(tw['p50'], 'ms', 0)} p95 {f(tw['p95'], 'ms', 0)}")
    tt = r["ticks_together"]
    if tt["mean"]:
        print(f"ticks together        at most {tt['peak']} sent within 0.1 s (mean {tt['mean']:.1f})")
    print(f"messages              {r['messages_to_watchers']} sent to the watchers, "
          f"{r['messages_to_watchers'] / r['sessions']:.0f} per person (each one a turn of the server's event loop); "
          f"Start's answer {r['start_messages']:.0f}")
    d = r["drawer"]
    print(f"drawer                {d['answered']} of {d['strokes']} strokes answered, p50 {f(d['p50_ms'], 'ms', 0)} "
          f"p95 {f(d['p95_ms'], 'ms', 0)} (target p95 < 150 ms)")
    ib, ab, ae = d["in_burst"], d["after_burst"], d["at_ends"]
    print(f"  during the Start presses (first {d['start_burst_s']:.1f} s): {ib['n']} strokes, slowest "
          f"{f(ib['max_ms'], 'ms', 0)}; while the runs go on: {ab['n']} strokes, p50 {f(ab['p50_ms'], 'ms', 0)} "
          f"p95 {f(ab['p95_ms'], 'ms', 0)}")
    if ae["n"]:
        print(f"  as the runs end (from {ae['from_s']:.1f} s on): {ae['n']} strokes, p50 {f(ae['p50_ms'], 'ms', 0)} "
              f"p95 {f(ae['p95_ms'], 'ms', 0)}")
    print(f"errors                {r['errors']} {r['error_examples'] or ''}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--heavy", action="store_true", help="the best preset on the sample, as fast as it goes")
    ap.add_argument("--timeout", type=float, default=600.0, help="give the room up after this many seconds")
    ap.add_argument("--tick-at-most", type=float, default=0.0, metavar="SECONDS",
                    help="a control: watchers rerun the live views at most this often (default: as the page asks)")
    ap.add_argument("--cluster", type=int, default=0, metavar="REPLICAS",
                    help="serve the room with deploy/cluster and this many replicas (default: one server)")
    ap.add_argument("--neighbours", type=int, default=0, metavar="N",
                    help="N other programs computing on the machine during the room, each busy half the time "
                         "(default: none)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--draw-at", metavar="URL", help=argparse.SUPPRESS)  # the drawer's own process
    ap.add_argument("--via-proxy", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--be-neighbour", type=float, metavar="SECONDS", help=argparse.SUPPRESS)  # a neighbour's process
    args = ap.parse_args(argv)
    if args.be_neighbour:
        return be_neighbour(args.be_neighbour)
    if not 0 <= args.neighbours <= 4:
        ap.error("--neighbours must be 0 to 4")
    if args.draw_at:
        return asyncio.run(drawer_process(args.draw_at, args.via_proxy))
    if not 1 <= args.sessions <= MAX_SESSIONS:
        ap.error(f"--sessions must be 1 to {MAX_SESSIONS}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # `timeout` or a kill: the finally stops the server
    r = asyncio.run(room(args))
    report(r, args.heavy)
    path = args.json or ROOT / "test-artifacts" / (f"bench_room{'_heavy' if args.heavy else ''}"
                                                    f"{f'_cluster{args.cluster}' if args.cluster else ''}.json")
    path.write_text(json.dumps(r, indent=2))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
