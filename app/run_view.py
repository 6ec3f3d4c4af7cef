"""The shown training run: its live numbers, its buttons, how it ended and its save to the class board (the Train
page), and the sidebar's line about it on the other pages."""

import math
import time

import pandas as pd
import streamlit as st

from nnscratch import metrics, worker

from . import charts, runs, session, takehome, ui

STOP_WAIT_S = 1.0  # Stop and Pause wait this long for the run to end or hold (within one step); then the panel catches up


def controls(w, snap):
    """Pause or Resume, Stop, Finish fast: the buttons of a run that goes on."""
    b1, b2, b3, _ = st.columns([1, 1, 1.6, 1.4])
    if snap["status"] == worker.PAUSED:
        if b1.button("Resume", icon=":material/play_arrow:", key="btn_resume", width="stretch"):
            w.resume()
            st.rerun(scope="fragment")
    elif b1.button("Pause", icon=":material/pause:", key="btn_pause", width="stretch"):
        w.pause()
        if snap["status"] == worker.RUNNING:  # a queued run has computed nothing to wait for
            w.wait_paused(STOP_WAIT_S)  # "paused" is then shown at the step the run stays at
        st.rerun(scope="fragment")
    if b2.button("Stop", icon=":material/stop:", key="btn_stop", width="stretch"):
        pressed = time.monotonic()
        w.stop()
        ended = w.join(STOP_WAIT_S)  # it stops within one step: usually done by now; if not, the live panel catches up
        session.state()["stop_seconds"] = (w.id, time.monotonic() - pressed if ended else None)  # shown with the stopped run
        st.rerun()
    if w.pace is not None and b3.button("Finish fast", icon=":material/fast_forward:", key="btn_fast",
                                        width="stretch", help="Drop the watch-it-learn pace for the rest of this run"):
        w.set_pace(None)
        st.rerun(scope="fragment")


def final(w, snap):
    """How the run ended, its save to the class board, its downloads, and adopting its model."""
    status = snap["status"]
    if status == worker.COMPLETED:
        paced = f" ({snap['compute']:.1f} s of it computing)" if snap["waited"] > 0.5 else ""
        st.success(f"Finished {snap['step']} steps in {ui.format_duration(snap['elapsed'])}{paced}: test accuracy "
                   f"**{ui.fmt_pct(snap['test_acc'], 2)}**, validation "
                   f"{ui.fmt_pct(snap['val_acc'], 2)}.", icon=":material/check_circle:")
    elif status == worker.STOPPED:
        st.info(f"Stopped at step {snap['step']} / {snap['total_steps']}"
                + (f": test accuracy {ui.fmt_pct(snap['test_acc'], 2)}." if snap["test_acc"] is not None
                   else " before it started."), icon=":material/stop:")
        run_id, took = session.state().get("stop_seconds") or (None, None)
        if run_id == w.id:  # how long the run took to end after Stop (the browser tests read it)
            st.container(key="train-stop-seconds").caption(
                f"The run ended {took:.2f} s after Stop." if took is not None else
                f"The run had not ended {STOP_WAIT_S:g} s after Stop.")
    elif status == worker.DIVERGED:
        st.error(f"{snap['error']}. The last good weights are kept below; lower the learning rate (or use "
                 f"Adam) and start again.", icon=":material/error:")
    else:
        st.error(snap["error"] or "the run failed", icon=":material/warning:")
    save_line(run_save(w))
    if w.n_rows() == 0:
        return
    d1, d2, d3 = st.columns([1, 1, 2])
    d1.download_button("Model file (.npz)", data=w.net.to_bytes,
                       file_name=f"nnscratch_{w.net.architecture}.npz", mime="application/octet-stream",
                       icon=":material/download:", key=f"dl_run_{w.id}", on_click="ignore", width="stretch",
                       help="Download this run's model, to upload here later or load with nnscratch")
    d2.download_button("History (.csv)", data=lambda: pd.DataFrame(w.rows()).to_csv(index=False),
                       file_name=f"nnscratch_history_{w.id}.csv", mime="text/csv", icon=":material/table_view:",
                       key=f"dl_hist_{w.id}", on_click="ignore", width="stretch",
                       help="Download every step's loss, accuracy and learning rate")
    takehome.download_page_button(d3, w.net, key=f"dl_page_{w.id}")
    if session.state()["model"] is not w.net and w.status in (worker.COMPLETED, worker.STOPPED, worker.DIVERGED):
        if st.button("Use this run's model as my model", key=f"adopt_{w.id}"):
            session.set_model(w.net, f"trained here ({w.status})")
            st.rerun()


def progress(w, snap, loss):
    """The run's status line, progress bar and five numbers (the live numbers' whole content); ``loss``: the
    smoothed loss (:func:`smoothed_loss`)."""
    with st.container(key="train-progress"):
        status = snap["status"]
        if status == worker.QUEUED:
            lim = worker.get_limiter()
            st.warning(f"Waiting for a free training slot: you are number {snap['queue_position'] or '…'} "
                       f"in the queue ({lim.running} of {lim.capacity} slots busy on this server). It "
                       f"starts by itself; drawing and the other pages work meanwhile.", icon=":material/hourglass_top:")
        head = f"**{w.name}** · {w.arrays.n_train:,} digits · {status}"
        st.markdown(f"{head} · step {snap['step']} / {snap['total_steps']} · "
                    f"epoch {snap['epoch']:.2f} / {snap['total_epochs']}")
        sharing, cores = len(worker.running_workers()), worker.get_limiter().capacity
        if status == worker.RUNNING and sharing > cores and w.pace is None:
            st.caption(f"{sharing} runs take turns on this server's {cores} training slots, so yours computes "
                       f"about {cores / sharing:.0%} of the time; the ETA below counts that in.")
        eta = ui.format_duration(snap["eta"]) if snap["eta"] is not None else "–"
        st.progress(snap["progress"], text=f"{snap['progress']:.0%} · elapsed "
                    f"{ui.format_duration(snap['elapsed'])} · ETA {eta}")
        # one row that wraps, not five columns: a tick sends 14 messages, not 19 (every message is a turn of
        # the server's event loop; bench/bench_room.py prints how many the watchers got)
        row = st.container(horizontal=True, gap="medium", key="train-metrics")
        row.metric("Loss (smoothed)", "–" if loss is None else f"{loss:.3f}")
        row.metric("Train accuracy", ui.fmt_pct(snap["train_acc"]))
        row.metric("Validation accuracy", ui.fmt_pct(snap["val_acc"]))
        row.metric("Samples / s", "–" if not snap["samples_per_s"] or not math.isfinite(snap["samples_per_s"])
                    else f"{snap['samples_per_s']:,.0f}", help="Digits per second of computing (the waits of "
                    "'Watch it learn' are not counted)")
        row.metric("Learning rate", "–" if snap["lr"] is None else f"{snap['lr']:.2g}")


def history(w):
    """The run's chart table (the curves'), rebuilt only when it has new rows."""
    n = w.n_rows()
    s = session.state()
    cached = s.get("_history")
    if cached is None or cached[:2] != (w.id, n):
        cached = s["_history"] = (w.id, n, charts.history_table(w.rows()))
    return cached[2]


def smoothed_loss(w):
    """The run's smoothed loss, the last point of the curves' thick line, carried over the rows made since the
    last tick: the live numbers tick more often than the curves, and the whole table costs milliseconds."""
    s = session.state()
    run, n, loss = s.get("_smoothed_loss") or (None, 0, None)
    if run != w.id:
        n, loss = 0, None
    new = w.rows(n)
    if new:
        loss = float(metrics.smoothed([r["loss"] for r in new], start=loss)[-1])
        s["_smoothed_loss"] = (w.id, n + len(new), loss)
    return loss


def run_save(w):
    """The class-board save of run ``w``, or None (a run of another session, or from before the board)."""
    save = session.state().get("board_save")
    return save if save is not None and save.run_id == w.id else None


def save_line(save) -> None:
    """Where the run's save to the class board stands: saved, still saving, or why it failed."""
    saved = save.status() if save is not None else None
    if saved:
        {"ok": st.caption, "wait": st.warning, "error": st.error}[saved[0]](saved[1])


def sidebar_line():
    """The sidebar's line about the session's run (not on the Train page, which shows the run itself)."""
    w = session.state()["worker"]
    if w is None:
        return
    live = not w.done
    save = run_save(w)
    waiting = save is not None and save.waiting

    @st.fragment(run_every=runs.tick_every(1.0) if live else (3.0 if waiting else None))  # slower in a full room
    def status_line():
        runs.reclaim(time.perf_counter())  # ticks while a run is live, also after the browser reconnected
        snap = w.snapshot()
        if snap["status"] == worker.QUEUED:
            st.caption(f"Training: waiting for a free slot (number {snap['queue_position'] or '?'} in the queue)")
        elif not w.done:
            st.caption(f"Training {snap['status']}: step {snap['step']} / {snap['total_steps']}")
            st.progress(snap["progress"])
        elif live:  # it finished while this fragment was ticking: refresh the whole page once
            st.rerun()
        else:
            st.caption(f"Last run: {snap['status']}, step {snap['step']} / {snap['total_steps']}")
            save_line(save)
            if waiting and not save.waiting:  # saved at last: one page run stops this line's ticking
                st.rerun()

    st.markdown("#### Training")
    status_line()
