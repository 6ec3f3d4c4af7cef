"""Several bombs uploaded at once to a live server: memory stays bounded, each uploader gets its one-line
error, and another session keeps drawing without an error.

One real ``streamlit run streamlit_app.py`` (127.0.0.1), driven at the protocol level by
``bench/bench_bombs.py``'s ``Uploader`` (an HTTP PUT to ``/_stcore/upload_file/...`` and the file_uploader's
widget value, as the browser sends them) and ``bench/streamlit_client.py``'s ``ProtocolSession`` (the Draw page).
Every kind of bomb of the bench goes up at the same moment, twice over. The server's peak RSS is the
kernel's high-water mark (``VmHWM``, reset just before). Before the fix, the gzip bombs alone made the
server inflate 1 GB each before refusing them; ``EXTRA_MB`` is far below that.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTRA_MB = 600  # the server's peak RSS may rise this much above its level with all sessions open


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    pytest.importorskip("websockets")
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_bombs

    d = tmp_path_factory.mktemp("server")
    proc, url = bench_bombs.L.start_server("streamlit_app.py", d / "timings.jsonl", d / "server.log")
    yield bench_bombs, proc, url
    bench_bombs.L.stop_server(proc)


def test_bombs_at_once_cost_little_and_every_uploader_is_told(live):
    bb, proc, url = live
    L = bb.L
    if not bb.PeakRSS(proc.pid).reset():  # sampling RSS every few ms would miss a short peak
        pytest.skip("the kernel's peak RSS (VmHWM) cannot be reset here (/proc/<pid>/clear_refs): "
                    "the memory bound this test claims cannot be measured")
    kinds = bb.bombs() * 2

    async def scenario():
        drawer = L.ProtocolSession(url, "draw", "drawer")
        await drawer.open()
        ups = [bb.Uploader(url, f"up{i}") for i in range(len(kinds))]
        await asyncio.gather(*(u.open() for u in ups))
        peak = bb.PeakRSS(proc.pid)
        assert peak.reset(), "the server's peak RSS could be reset before, not now"
        base = L.rss_mb(proc.pid)
        digits = L.load_digits(4)
        strokes: list = []

        async def draw():
            rng = random.Random(0)
            for label, pts, urls in digits * 2:
                for k in range(len(pts)):
                    t_pred, _, value = await drawer.stroke(pts[:k + 1], urls[k])
                    strokes.append((t_pred is not None, value, list(drawer.errors)))
                    await asyncio.sleep(rng.uniform(0.1, 0.3))

        seen, _ = await asyncio.gather(asyncio.gather(*(u.upload(files) for u, (_, files) in zip(ups, kinds))), draw())
        rss_peak = peak.peak_mb()
        for s in [drawer] + [u.s for u in ups]:
            await s.close()
        return base, rss_peak, seen, strokes

    base, rss_peak, seen, strokes = asyncio.run(scenario())
    print(f"server RSS {base:.0f} MB with all sessions open, peak {rss_peak:.0f} MB during {len(kinds)} bombs")
    for (kind, files), r in zip(kinds, seen):
        assert r["error"] is not None, f"{kind}: no error shown, saw {r.get('texts')}"
        assert r["errors"] == 1 and "\n" not in r["error"].strip(), f"{kind}: {r}"
        assert any(name in r["error"] for name, _ in files), f"{kind}: the message names no file: {r['error']}"
        assert "Something went wrong" not in r["error"], f"{kind}: an unexpected error: {r['error']}"
    assert rss_peak - base < EXTRA_MB, f"peak RSS {rss_peak:.0f} MB, {rss_peak - base:.0f} MB above {base:.0f} MB"
    assert strokes and all(ok for ok, _, _ in strokes), "a drawing got no prediction while bombs were parsed"
    assert not any(errs for _, _, errs in strokes), f"the drawer saw errors: {strokes[-1][2]}"
