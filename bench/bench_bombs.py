"""Bombs against the real app: 30 sessions upload hostile files at once while 30 others draw.

    OPENBLAS_NUM_THREADS=1 python bench/bench_bombs.py            # 30 uploaders, 30 drawers
    python bench/bench_bombs.py --uploaders 8 --drawers 8 --phase 15   # quicker

What it does (one ``streamlit run streamlit_app.py``, headless, 127.0.0.1, a free port)
- ``--drawers`` protocol sessions on the Draw page (``streamlit_client.ProtocolSession``: Streamlit's own
  websocket protocol, real pen digits) draw continuously, in phases of the same run: **A** drawing
  only, then **B** drawing while ``--uploaders`` other sessions, all at the same moment, upload a hostile
  file on the Train page ("A file you upload"), in ``--bursts`` bursts spread over the phase. In each
  phase every drawer starts at a random moment within one digit gap (a room does not put 30 pens down
  in the same millisecond), and the first burst starts once everyone is drawing. Besides the phase's
  p95, the strokes sent within ``--window`` s of a burst's start get their own p95, beside phase A's
  strokes sent at the same moments of its phase: the window that matters.
- An upload is what the browser does: an HTTP PUT of the file (multipart, with the XSRF cookie and
  header) to ``/_stcore/upload_file/<session>/<file id>``, then a rerun whose ``file_uploader`` widget
  value names the file. The uploader then reruns every 0.5 s (as the page's own refresh would) until an
  error box shows, and records it; a "wait" message on the way is counted, not an error.
- The files (``tests/bombfiles.py``: valid gzip/zip/PNG, only their claims are hostile), in turn:
  the issue's own attack (a 4 MB gzip: an IDX images header for 60,000 digits, then 4 GB of zeros,
  with a valid labels file), a gzip CSV header + 4 GB of zeros, a zip member claiming 4 GB, a PNG
  claiming 10^10 pixels in a zip of digit folders, an .npz whose x_train claims 10^12 rows, a CSV of
  150,000 blank lines, a zip listing 250,000 members.
- Server memory: the kernel's peak RSS of the server (``VmHWM``, reset per phase through
  ``/proc/<pid>/clear_refs``), so no spike between two samples is missed.

Two control phases set B's cost apart: **C** repeats B's bursts with a 5-byte bad file each (the cost
of 30 people uploading at the same moment whatever they upload: HTTP, a Train page rerun each), and
**D** has the same 30 sessions only click at the same moment (a rerun of their Train page each, as
any button does): what any 30 requests at once cost the room on one server.

Prints, for each phase: peak server RSS, drawing latencies (protocol send -> Prediction, p50/p95) and
lost strokes or error boxes; for phase B every uploader's message and its time. Targets (issue #16):
peak RSS < 1.5 GB, every uploader gets a one-line error, drawers keep their p95 with 0 errors.
Bounded: at most 60 sessions of each kind, phases of at most 300 s, the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

import streamlit_client as L  # noqa: E402  (server start/stop, protocol sessions, digits, drawing, percentiles)
import bombfiles as B  # noqa: E402
from datafiles import idx_bytes, png_bytes, sample_digits, zip_bytes  # noqa: E402

UPLOAD_CHOICE = "A file you upload"  # the Train page's data choice that shows the file uploader
UPLOADER_LABEL = "MNIST-style data"
XSRF_COOKIE = "_streamlit_xsrf"
MAX_SESSIONS, MAX_PHASE = 60, 300
TARGET_RSS_MB = 1536


# ==================================================================================== the files
def bombs() -> list[tuple[str, list[tuple[str, bytes]]]]:
    """(kind, [(file name, bytes), ...]) for each kind of hostile upload, in turn."""
    x, y = sample_digits(20)
    labels = B.gzip_bomb(idx_bytes(y), 0)
    return [
        ("idx-gz: 60,000-image header + 4 GB of zeros (the issue's file) + valid labels",
         [("train-images-idx3-ubyte.gz", B.gzip_bomb(B.idx_head("images", 60_000), 4000)),
          ("train-labels-idx1-ubyte.gz", labels)]),
        ("csv-gz: CSV header + 4 GB of zeros", [("train.csv.gz", B.gzip_bomb(B.csv_head(), 4000))]),
        ("zip: one member claiming 4 GB", [("mnist.zip", B.zip_of([B.deflated_member("train.csv", b"", 4000)]))]),
        ("png: 100,000 x 100,000 pixels in a zip of digit folders",
         [("digits.zip", zip_bytes({"d/3/a.png": B.png_bomb(100_000, 100_000, mb=64), "d/7/b.png": png_bytes(x[1])}))]),
        ("npz: x_train claims 10^12 rows",
         [("mnist.npz", B.zip_of([B.deflated_member("x_train.npy", B.npy_head((10**12, 784)), 64),
                                  B.stored_member("y_train.npy", B.npy_head((2,)) + bytes(2))]))]),
        ("csv: 150,000 blank lines", [("train.csv", B.csv_head() + b"\n" * 150_000)]),
        ("zip: 250,000 directory entries",
         [("many.zip", B.zip_of([B.stored_member("d/0/a.png", b"")], repeat_directory=250_000))]),
    ]


# ==================================================================================== an uploader
class Uploader:
    """A protocol session on the Train page that uploads files through the real file_uploader."""

    def __init__(self, url: str, name: str):
        self.url, self.name = url, name
        self.s = L.ProtocolSession(url, "train", name)
        self.token = _xsrf_token()

    async def open(self):
        await self.s.open(require_canvas=False)
        self.radio = self.s.widgets["Training data"][1]
        await self.s.rerun([(self.radio, "string_value", UPLOAD_CHOICE)])
        ids = [v[1] for k, v in self.s.widgets.items() if k.startswith(UPLOADER_LABEL)]
        if not ids:
            raise RuntimeError(f"{self.name}: no file uploader after choosing {UPLOAD_CHOICE!r}")
        self.uploader = ids[0]

    def _put(self, file_id: str, name: str, data: bytes) -> int:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(f"{self.url}/_stcore/upload_file/{self.s.session_id}/{file_id}", data=body,
                                     method="PUT", headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                            "X-Xsrftoken": self.token,
                                                            "Cookie": f"{XSRF_COOKIE}={self.token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status

    def _state_msg(self, files) -> bytes:
        m = self.s._context()
        m.rerun_script.page_script_hash = self.s.page_hash
        r = m.rerun_script.widget_states.widgets.add()
        r.id, r.string_value = self.radio, UPLOAD_CHOICE
        w = m.rerun_script.widget_states.widgets.add()
        w.id = self.uploader
        w.file_uploader_state_value.SetInParent()
        for file_id, name, size in files:
            info = w.file_uploader_state_value.uploaded_file_info.add()
            info.file_id, info.name, info.size = file_id, name, size
            info.file_urls.file_id = file_id
            info.file_urls.upload_url = f"/_stcore/upload_file/{self.s.session_id}/{file_id}"
            info.file_urls.delete_url = info.file_urls.upload_url
        if self.s.fragments.get(self.uploader):  # as the browser does for a widget inside an st.fragment
            m.rerun_script.fragment_id = self.s.fragments[self.uploader]
        return m.SerializeToString()

    async def upload(self, files, timeout: float = 180.0) -> dict:
        """PUT every file, then rerun with them until an error box shows; returns what was seen."""
        t0 = time.perf_counter()
        sent = []
        for name, data in files:
            fid = uuid.uuid4().hex
            await asyncio.to_thread(self._put, fid, name, data)
            sent.append((fid, name, len(data)))
        msg, waits = self._state_msg(sent), 0
        while time.perf_counter() - t0 < timeout:
            self.s.errors = []
            await self.s.ws.send(msg)
            await self.s._until_finished()
            if self.s.errors:
                return dict(error=self.s.errors[0].removeprefix("error box: "), errors=len(self.s.errors),
                            seconds=time.perf_counter() - t0, waits=waits)
            text = " ".join(self.s.texts).lower()
            if not any(w in text for w in ("wait", "queue", "reading", "in line")):
                return dict(error=None, seconds=time.perf_counter() - t0, waits=waits, texts=self.s.texts[-3:])
            waits += 1
            await asyncio.sleep(0.5)
        return dict(error=None, seconds=time.perf_counter() - t0, waits=waits, texts=["(timed out)"])


def _xsrf_token() -> str:
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    return generate_xsrf_token_string()


# ==================================================================================== memory
class PeakRSS:
    """The server's peak resident memory over a phase: the kernel's high-water mark, reset at the start."""

    def __init__(self, pid: int):
        self.pid = pid

    def reset(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS
            return True
        except OSError:
            return False

    def peak_mb(self) -> float:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


# ==================================================================================== phases
async def draw_phase(drawers, digits, seconds: float, args, rng, uploads=None):
    """Everyone draws for ``seconds``; if given, ``uploads()`` (every uploader at once) runs
    ``args.bursts`` times, the first once drawing is under way. Returns (records, phase start,
    [(each burst's results, (its start, end) in seconds from the phase start)])."""
    records: list = []
    start = time.perf_counter()
    until = start + seconds

    async def drawer(s, r):
        # people do not all put the pen down in the same millisecond: each starts within one digit gap
        await asyncio.sleep(r.uniform(0, args.digit_gap[1]))
        await L.drive(s, "protocol", digits, until, r, args, records)

    async def bursts():
        warm = args.digit_gap[1] + args.stroke_gap[1]  # every drawer is drawing by then
        out = []
        for k in range(args.bursts):
            await asyncio.sleep(max(0.0, start + warm + k * (seconds - warm) / args.bursts - time.perf_counter()))
            t0 = time.perf_counter()
            seen = await uploads()
            out.append((seen, (t0 - start, time.perf_counter() - start)))
        return out

    task = asyncio.ensure_future(bursts()) if uploads is not None else None
    await asyncio.gather(*(drawer(s, random.Random(rng.random())) for s in drawers))
    return records, start, (await task if task is not None else [])


def during(records, start, windows):
    """Latencies of the strokes sent within ``windows`` ((from, to) seconds from ``start``), and their p95."""
    e = [r["e2e"] for r in records if r.get("ok") and any(w0 <= r["at"] - start <= w1 for w0, w1 in windows)]
    return dict(n=len(e), p95=L.pct(e, 95), seconds=sum(w1 - w0 for w0, w1 in windows))


def show_phase(name, records, rss_peak, rss_now):
    sm = L.summarize(records, [])
    e2e = sm.get("protocol_e2e") or {}
    errors = sum(1 for r in records if not r.get("ok"))
    p50 = f"{1000 * e2e['p50']:.0f} ms" if e2e else "-"
    p95 = f"{1000 * e2e['p95']:.0f} ms" if e2e else "-"
    print(f"{name}: peak server RSS {rss_peak:.0f} MB (now {rss_now:.0f} MB); drawings answered {sm['answered']}/"
          f"{sm['strokes']}, p50 {p50}, p95 {p95}, lost or errors {errors}")
    if sm["lost_examples"]:
        print(f"  lost: {sm['lost_examples']}")
    return dict(peak_rss_mb=rss_peak, strokes=sm["strokes"], answered=sm["answered"], errors=errors,
                p50=e2e.get("p50"), p95=e2e.get("p95"))


def show_windows(name, phase, base, bursts, window):
    """p95 of the strokes sent within ``window`` s of each burst's start, beside phase A's at the same
    moments (a fixed window, so that phases whose bursts end sooner are compared over as many strokes)."""
    windows = [(t0, t0 + window) for _, (t0, _) in bursts]
    now, then = during(*phase[:2], windows), during(*base[:2], windows)
    ms = lambda d: "-" if d["p95"] is None else f"{1000 * d['p95']:.0f} ms"  # noqa: E731
    longest = max(t1 - t0 for _, (t0, t1) in bursts)
    print(f"   {name}: within {window:g} s of each burst's start ({len(windows)} bursts; the longest lasted "
          f"{longest:.1f} s): p95 {ms(now)} over {now['n']} strokes; drawing only, the same moments of phase A: "
          f"{ms(then)} over {then['n']}")
    return dict(during=now, same_moments_in_A=then, longest_burst_s=longest)


async def run(args):
    out_dir = ROOT / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    digits = L.load_digits(120)
    kinds = bombs()
    proc, url = L.start_server("streamlit_app.py", out_dir / "bench_bombs_timings.jsonl", out_dir / "bench_bombs_server.log")
    peak = PeakRSS(proc.pid)
    drawers, uploaders = [], []
    results = {"config": {k: v for k, v in vars(args).items() if k != "json"}}
    try:
        print(f"server up at {url}; RSS {L.rss_mb(proc.pid):.0f} MB")
        for i in range(0, args.drawers, 5):
            group = [L.ProtocolSession(url, "draw", f"draw{j}") for j in range(i, min(i + 5, args.drawers))]
            await asyncio.gather(*(s.open() for s in group))
            drawers += group
        for i in range(0, args.uploaders, 5):
            group = [Uploader(url, f"up{j}") for j in range(i, min(i + 5, args.uploaders))]
            await asyncio.gather(*(u.open() for u in group))
            uploaders += group
        print(f"{len(drawers)} drawers and {len(uploaders)} uploaders open; server RSS {L.rss_mb(proc.pid):.0f} MB")
        rng = random.Random(1)
        exact = peak.reset()
        base = await draw_phase(drawers, digits, args.phase, args, rng)
        results["A"] = show_phase("A  drawing only     ", base[0], peak.peak_mb(), L.rss_mb(proc.pid))

        def all_upload(files_of):
            return lambda: asyncio.gather(*(u.upload(files_of(i)) for i, u in enumerate(uploaders)))

        peak.reset()
        records, start, bursts = await draw_phase(drawers, digits, args.phase, args, rng,
                                                  all_upload(lambda i: kinds[i % len(kinds)][1]))
        results["B"] = show_phase("B  drawing + bombs  ", records, peak.peak_mb(), L.rss_mb(proc.pid))
        results["B"]["windows"] = show_windows("B", (records, start), base, bursts, args.window)
        every = [r for seen, _ in bursts for r in seen]
        print(f"   every upload answered within {max(r['seconds'] for r in every):.1f} s of its start (PUT to message)"
              f"{'' if exact else '; peak RSS not resettable here: VmHWM since start'}")
        ok = sum(r["error"] is not None and "\n" not in r["error"].strip() and r.get("errors") == 1 for r in every)
        for i, (u, r) in enumerate(zip(uploaders, bursts[0][0])):  # the first burst's messages
            kind = kinds[i % len(kinds)][0].split(":")[0]
            shown = r["error"] if r["error"] is not None else f"NO ERROR: {r.get('texts')}"
            print(f"   {u.name:>5} {kind:<7} {r['seconds']:5.1f} s  waits {r['waits']:>2}  {shown[:150]}")
        results["uploads"] = [dict(kind=kinds[i % len(kinds)][0], **r) for i, r in enumerate(bursts[0][0])]
        # control: the same bursts of a 5-byte bad file: what 30 people uploading at once costs anyway
        peak.reset()
        records, start, tiny = await draw_phase(drawers, digits, args.phase, args, rng,
                                                all_upload(lambda i: [(f"hello{i}.csv", b"hello")]))
        results["C"] = show_phase("C  drawing + 5-byte files", records, peak.peak_mb(), L.rss_mb(proc.pid))
        results["C"]["windows"] = show_windows("C", (records, start), base, tiny, args.window)
        told = [r for seen, _ in tiny for r in seen]
        print(f"   uploaders told: {sum(r['error'] is not None for r in told)}/{len(told)}, "
              f"slowest {max(r['seconds'] for r in told):.1f} s")
        # control: the same 30 sessions only click at once (a Train page rerun each), no upload at all
        peak.reset()
        records, start, clicks = await draw_phase(
            drawers, digits, args.phase, args, rng,
            lambda: asyncio.gather(*(u.s.rerun([(u.radio, "string_value", UPLOAD_CHOICE)]) for u in uploaders)))
        results["D"] = show_phase("D  drawing + clicks ", records, peak.peak_mb(), L.rss_mb(proc.pid))
        results["D"]["windows"] = show_windows("D", (records, start), base, clicks, args.window)
        a, b, c, d = results["A"], results["B"], results["C"], results["D"]
        ratio = lambda x, y: (x or 0) / (y or 1)  # noqa: E731
        wb, wd = b["windows"], d["windows"]
        print(f"verdict: peak RSS {b['peak_rss_mb']:.0f} MB (target < {TARGET_RSS_MB}); uploads with a one-line error "
              f"{ok}/{len(every)}; drawing p95 {1000 * (b['p95'] or 0):.0f} ms with bombs vs "
              f"{1000 * (a['p95'] or 0):.0f} ms drawing only ({ratio(b['p95'], a['p95']):.2f}x) and "
              f"{1000 * (c['p95'] or 0):.0f} ms with 5-byte files ({ratio(b['p95'], c['p95']):.2f}x); "
              f"drawing errors {b['errors']}; within {args.window:g} s of a burst's start "
              f"{ratio(wb['during']['p95'], wb['same_moments_in_A']['p95']):.2f}x phase A's p95 at the same moments "
              f"with bombs, {ratio(wd['during']['p95'], wd['same_moments_in_A']['p95']):.2f}x with clicks "
              f"(bombs {ratio(wb['during']['p95'], wd['during']['p95']):.2f}x clicks)")
        results["verdict"] = dict(rss_ok=b["peak_rss_mb"] < TARGET_RSS_MB, uploads_ok=ok, uploads=len(every),
                                  p95_vs_drawing_only=ratio(b["p95"], a["p95"]), p95_vs_tiny=ratio(b["p95"], c["p95"]),
                                  drawing_errors=b["errors"],
                                  p95_during_bombs_vs_A=ratio(wb["during"]["p95"], wb["same_moments_in_A"]["p95"]),
                                  p95_during_clicks_vs_A=ratio(wd["during"]["p95"], wd["same_moments_in_A"]["p95"]),
                                  p95_during_bombs_vs_clicks=ratio(wb["during"]["p95"], wd["during"]["p95"]))
    finally:
        for s in drawers + [u.s for u in uploaders]:
            try:
                await s.close()
            except Exception:  # noqa: BLE001
                pass
        L.stop_server(proc)
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--uploaders", type=int, default=30)
    p.add_argument("--drawers", type=int, default=30)
    p.add_argument("--phase", type=float, default=40.0, help="seconds of each phase (B lasts at least this)")
    p.add_argument("--bursts", type=int, default=3, help="times the uploaders all upload (or click) at once, in B, C, D")
    p.add_argument("--window", type=float, default=2.0, help="seconds after a burst's start whose strokes get their own p95")
    p.add_argument("--stroke-gap", type=float, nargs=2, default=(0.4, 1.0))
    p.add_argument("--digit-gap", type=float, nargs=2, default=(2.0, 4.0))
    p.add_argument("--json", default=str(ROOT / "test-artifacts" / "bench_bombs.json"))
    args = p.parse_args(argv)
    if not (1 <= args.uploaders <= MAX_SESSIONS and 1 <= args.drawers <= MAX_SESSIONS and 0 < args.phase <= MAX_PHASE
            and 1 <= args.bursts <= 10 and 0 < args.window <= args.phase / args.bursts):
        p.error(f"1-{MAX_SESSIONS} sessions of each kind, phases of at most {MAX_PHASE} s, 1-10 bursts, "
                f"a window shorter than the gap between bursts")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
