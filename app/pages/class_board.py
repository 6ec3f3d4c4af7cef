"""Class: the room's runs. A leaderboard per data source (with a "my runs" filter), up to 5 runs'
curves side by side, a run's model loaded or its recipe tried or shared by link, a presenter view
for the projector, and the instructor's actions behind NNSCRATCH_INSTRUCTOR_KEY.

Everything people typed is shown as text (table cells, escaped Markdown, escaped HTML), never run.
The page itself is the last block, top to bottom; everything above it is a part it calls.
"""

import html
import time

import pandas as pd
import streamlit as st

from app import board, charts, class_drawings, session, takehome, timing, ui
from app.page_turns import without_turn
from nnscratch.errors import StoreError
from nnscratch.store import check_instructor_key, instructor_key_set

_t_run = timing.run_started(time.perf_counter())  # this script run's start (streamlit_app.py's mark)
_cpu_run = time.thread_time()  # CPU of this page's thread: a measure a busy machine does not inflate
s = session.state()
me = board.me()
store = board.store()
MAX_COMPARE = 5
PRESENTER_EVERY = 5  # s between two presenter refreshes
PRESENTER_CSS = """<style>
.st-key-presenter table { font-size: 2.1rem; border-collapse: collapse; width: 100%; }
.st-key-presenter td, .st-key-presenter th { padding: 0.25rem 1rem; border-bottom: 1px solid #ddd; text-align: left; }
.st-key-presenter .big { font-size: 2.6rem; font-weight: 600; }
.st-key-presenter td:nth-child(3) { white-space: nowrap; }
</style>"""


def offline(err) -> None:
    st.warning("The class board is offline. Training and drawing go on; runs that end meanwhile are kept "
               "and saved when it is back.", icon=":material/cloud_off:")
    st.caption(board.md(err))


def recipe_text(r) -> str:
    d = r.recipe
    hidden = "-".join(str(h) for h in d.get("hidden", [])) or "none"
    batch = d.get("batch_size") or "full"
    return (f"hidden {hidden} · {d.get('activation')} · {d.get('optimizer')} lr {d.get('lr')} · "
            f"batch {batch} · {d.get('epochs')} epochs" + (" · augmented" if d.get("augment") else ""))


def who(r) -> str:
    return r.nickname + (" (you)" if r.mine else "")


def table(runs) -> pd.DataFrame:
    return pd.DataFrame({
        "#": [r.id for r in runs],
        "Nickname": [who(r) for r in runs],
        "Test acc.": [ui.fmt_pct(r.test_acc, 2) for r in runs],
        "Val. acc.": [ui.fmt_pct(r.val_acc, 2) for r in runs],
        "Recipe": [recipe_text(r) for r in runs],
        "Status": [r.status for r in runs],
        "Duration": [ui.format_duration(r.duration_s) for r in runs],
        "When (UTC)": [time.strftime("%H:%M:%S", time.gmtime(r.created_at)) for r in runs],
    })


def curves_frame(runs, curves) -> pd.DataFrame:
    parts = []
    for r in runs:
        h = curves.get(r.id) or {}
        if not h.get("epoch"):
            continue
        parts.append(pd.DataFrame({"run": f"#{r.id} {r.nickname}", "epoch": h["epoch"],
                                   "loss": h.get("loss"), "val_acc": h.get("val_acc", [None] * len(h["epoch"]))}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["run", "epoch", "loss", "val_acc"])


def curve_spec(field: str, title: str, height: int = 280, big: bool = False) -> dict:
    size = 20 if big else 13
    return {"height": height, "title": {"text": title, "fontSize": size + 2},
            "transform": [{"filter": f"isValid(datum.{field})"}],
            "mark": {"type": "line", "point": field == "val_acc", "strokeWidth": 3 if big else 2},
            "encoding": {"x": {"field": "epoch", "type": "quantitative", "axis": charts._axis(title="epoch", label_size=size)},
                         "y": {"field": field, "type": "quantitative", "scale": {"zero": False},
                               "axis": charts._axis(fmt=".1%" if field == "val_acc" else None, title=title,
                                                    label_size=size)},
                         "color": {"field": "run", "type": "nominal",
                                   "legend": {"orient": "bottom", "labelFontSize": size, "title": None,
                                              "labelLimit": 400}}}}


def show_curves(runs, curves, big=False) -> None:
    df = curves_frame(runs, curves)
    if df.empty:
        st.caption("No curves to show.")
        return
    c1, c2 = st.columns(2)
    c1.vega_lite_chart(df, curve_spec("val_acc", "validation accuracy", big=big), width="stretch")
    c2.vega_lite_chart(df, curve_spec("loss", "training loss", big=big), width="stretch")


# ------------------------------------------------------------------------------------------ presenter
@st.fragment(run_every=PRESENTER_EVERY)
def presenter(kind, label):
    t0, cpu0 = time.perf_counter(), time.thread_time()
    try:
        b = board.call(store.board, kind, label, top=10, latest_curves=5)
    except StoreError as e:
        offline(e)
        return
    with st.container(key="presenter"):
        stats = (f"{b.online.get('online', 0)} online · {b.online.get('training', 0)} training now · "
                 f"{b.counts['runs']} runs by {b.counts['people']} people")
        st.html(f"<div class='big'>{html.escape(stats)}</div>")
        top = pd.DataFrame({"#": range(1, len(b.leaderboard) + 1), "who": [r.nickname for r in b.leaderboard],
                            "test": [ui.fmt_pct(r.test_acc, 2) for r in b.leaderboard],
                            "recipe": [recipe_text(r) for r in b.leaderboard]})
        st.html(f"<p>{html.escape(b.data_label or '')}: best test accuracy</p>" + charts.table_html(top))
        st.markdown("#### Latest runs")
        show_curves(b.latest, {r.id: r.history for r in b.latest}, big=True)
        class_drawings.room(big=True)
    timing.record("class_presenter_refresh", time.perf_counter() - t0)
    timing.record("class_presenter_cpu", time.thread_time() - cpu0)


# ------------------------------------------------------------------------------------------ the board
def load_board():
    """The board of the data source picked last (the best one at first), or None: offline, said so."""
    try:
        return board.call(store.board, *(s.get("board_source") or (None, None)), owner=me.token)
    except StoreError as e:
        offline(e)
        return None


def show_counts(b) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Runs", f"{b.counts['runs']:,}")
    m2.metric("People", f"{b.counts['people']:,}")
    m3.metric("Online now", b.online.get("online", 0))
    m4.metric("Training now", b.online.get("training", 0))


def pick_runs(b) -> list:
    """The data source, the leaderboard (or only my runs) as a table, and the runs picked from it."""
    sources = [(k, lab) for k, lab, _ in b.sources]
    counts = {(k, lab): n for k, lab, n in b.sources}
    current = (b.data_kind, b.data_label)
    f1, f2 = st.columns([3, 1])
    picked = f1.selectbox("Data source (the same test set for every run on a board)", sources,
                          index=sources.index(current) if current in sources else 0,
                          format_func=lambda kl: f"{kl[1]} ({counts.get(kl, 0)} runs)")
    if picked != current:
        s["board_source"] = picked
        st.rerun()
    only_mine = f2.toggle("Only my runs", key="board_only_mine")

    runs = b.leaderboard
    if only_mine:
        runs = sorted((r for r in b.mine if (r.data_kind, r.data_label) == current),
                      key=lambda r: -(r.test_acc if r.test_acc is not None else -1))
    # An HTML table, not st.dataframe: it fits a phone (rows become cards) and hides nothing sideways.
    st.html(charts.table_html(table(runs)))
    by_id = {r.id: r for r in runs}
    picked_ids = st.multiselect(
        f"Pick runs to compare (up to {MAX_COMPARE}), load a model or try a recipe", list(by_id),
        format_func=lambda i: f"#{i} {who(by_id[i])} · {ui.fmt_pct(by_id[i].test_acc, 2)}",
        max_selections=MAX_COMPARE, key="board_pick", placeholder="Choose runs by number")
    return [by_id[i] for i in picked_ids]


def compare(chosen) -> None:
    with ui.show_errors("reading the curves"):
        st.subheader("Compare")
        show_curves(chosen, board.call(store.curves, [r.id for r in chosen]))
        for r in chosen:
            st.caption(board.md(f"#{r.id} {r.nickname}: {recipe_text(r)} · test {ui.fmt_pct(r.test_acc, 2)}"))


def run_actions(run) -> None:
    """Load the run's model, try its recipe, share it, delete it if it is mine."""
    st.subheader(f"Run {run.id}")
    st.caption(board.md(f"by {run.nickname} · {run.status} · {ui.format_duration(run.duration_s)} · "
                        f"on {run.server}" + (f" · {run.note}" if run.note else "")))
    a1, a2, a3 = st.columns(3)
    if a1.button("Load this model", icon=":material/download:", disabled=not run.has_model,
                 help=run.note or "Makes it your current model: Draw, Weights and Evaluate use it."):
        with ui.show_errors("loading the model"):
            board.load_model(run)
            ui.flash(f"Run {run.id}'s model is now your current model.")
            st.rerun()
    params = board.recipe_params(run.recipe, run.data_kind)
    if me.nickname != "anonymous":
        params["name"] = me.nickname
    a2.page_link("app/pages/train.py", label="Try this recipe", icon=":material/science:", query_params=params)
    if run.mine and a3.button("Delete my run", icon=":material/delete:"):
        with ui.show_errors("deleting the run"):
            board.call(store.delete_run, run.id, me.token)
            ui.flash(f"Run {run.id} deleted.")
            st.rerun()
    takehome.download_page_button(st, get_net=lambda: board.run_model(run), file_name=f"nnscratch_run{run.id}.html",
                                  key=f"dl_page_run_{run.id}", disabled=not run.has_model)
    st.caption("Share this recipe: the link opens Train with it filled in.")
    st.code(board.recipe_link(run.recipe, run.data_kind), language=None, wrap_lines=True)


def instructor(b, chosen) -> None:
    """Wipe the board, delete any run, export it: with the key, or on the command line."""
    with st.expander("Instructor"):
        if not instructor_key_set():
            st.caption("Instructor actions are command-line only on this server (no NNSCRATCH_INSTRUCTOR_KEY is set):")
            st.code("python -m nnscratch class export --out board.csv\npython -m nnscratch class delete RUN\n"
                    "python -m nnscratch class reset", language="bash")
            return
        if not s.get("board_instructor"):
            key = st.text_input("Instructor key", type="password", key="board_key")
            if st.button("Unlock") and key:
                if check_instructor_key(key):
                    s["board_instructor"] = True
                    st.rerun()
                with without_turn():  # the room's other page runs go on meanwhile
                    time.sleep(1.0)  # slows down guessing
                st.error("That is not the instructor key.")
            return

        def export():
            try:
                return store.export_csv()
            except StoreError as e:
                return f"error\n{e}\n"

        st.download_button("Export the board (CSV)", data=export, file_name="class_board.csv", mime="text/csv")
        if chosen and st.button(f"Delete the {len(chosen)} selected run(s)", icon=":material/delete:"):
            with ui.show_errors("deleting runs"):
                for r in chosen:
                    board.call(store.delete_run_admin, r.id)
                ui.flash(f"Deleted {len(chosen)} run(s).")
                st.rerun()
        sure = st.checkbox(f"Yes, delete all {b.counts['runs']} runs of the whole class")
        if st.button("Wipe the board", type="primary", disabled=not sure):
            with ui.show_errors("wiping the board"):
                n = board.call(store.reset)
                s.pop("board_source", None)
                ui.flash(f"The board is wiped ({n} runs deleted).")
                st.rerun()
        class_drawings.instructor()


# ------------------------------------------------------------------------------------------ the page
st.html(PRESENTER_CSS)
st.title("Class board")
present = st.toggle("Presenter view (big type, refreshes by itself)", key="board_present",
                    value=st.query_params.get("present") == "1")
if present:
    presenter(*(s.get("board_source") or (None, None)))
else:
    b = load_board()
    if b is not None:
        show_counts(b)
        if not b.sources:
            st.info("No runs yet. Train one on the Train page: when it ends it appears here for everyone.",
                    icon=":material/leaderboard:")
        else:
            chosen = pick_runs(b)
            if chosen:
                compare(chosen)
                run_actions(chosen[0])
            instructor(b, chosen)
    class_drawings.room()
    timing.record("class_page_run", time.perf_counter() - _t_run)  # the whole run up to the sidebar
    timing.record("class_page_cpu", time.thread_time() - _cpu_run)
