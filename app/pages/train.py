"""Train: choose data and a recipe, start a background run and watch it learn live."""

import time

import streamlit as st

from app import board, charts, run_view, runs, session, takehome, timing, ui, uploads
from app.page_turns import page_turn
from nnscratch import worker
from nnscratch.data import kinds
from nnscratch.errors import NNScratchError
from nnscratch.recipe import CHOICES, PRESETS, Recipe

s = session.state()
# The form's widgets, keyed by the Recipe.to_values() field each one holds.
FIELDS = dict(hidden="f_hidden", activation="f_activation", init="f_init", optimizer="f_optimizer", lr="f_lr",
              schedule="f_schedule", batch_size="f_batch", full_batch="f_full_batch", epochs="f_epochs",
              weight_decay="f_wd", seed="f_seed", augment="f_augment")
PRESET_NAMES = list(PRESETS)
# How often the live views tick while a few runs go on: the numbers 2.5 times a second (0.4 s, not 0.5: with
# the time a redraw takes, 0.5 s gave 1.98 updates a second, under the "moves at least twice a second" a
# watching person needs), the curves once a second.
NUMBERS_EVERY, CURVES_EVERY = 0.4, 1.0
REPACE_IF_LEFT = 10.0  # seconds: a run closer than this to its end keeps its ticks' pace when the room empties
START_SHOWS_WITHIN = 1.0  # seconds a Start press waits for the run's first points before it shows the run
# How fast a run goes: stretched so a room can watch it, or the machine's full speed.
PACES = {"watch": f"Watch it learn (about {worker.WATCH_SECONDS:.0f} s)", "fast": "As fast as it goes"}


def fill_form(recipe: Recipe) -> None:
    for key, value in recipe.to_values().items():
        if key in FIELDS:
            s[FIELDS[key]] = value


def apply_preset():
    if s["f_preset"] in PRESETS:
        fill_form(PRESETS[s["f_preset"]].recipe)


if "f_hidden" not in s:  # first visit: start from the quick recipe
    s["f_preset"] = "quick"
    apply_preset()
board.apply_recipe_link(fill_form)  # a shared recipe link (?hidden=...&lr=...) fills the form
s.setdefault("f_pace", "watch")

def collect_upload() -> bool:
    """Take the finished upload job's outcome into the session; True if it read the data."""
    job = s.get("upload_job")
    if job is None or not job.finished:
        return False
    s["upload_job"] = None
    try:
        s["upload_arrays"] = job.outcome()
        return True
    except NNScratchError as e:
        s["upload_error"] = str(e)
        return False


def upload_box():
    """The uploader and where its file is: waiting for a parse slot, being read (with Cancel), read or
    refused. A fragment: an upload reruns only this box, so a room uploading at once (or a prankster's
    twenty tabs) costs the server little; the whole page reruns once the data is read (the form and
    the sidebar use it), or to start ticking while a file waits its turn."""
    ups = st.file_uploader("MNIST-style data: Kaggle/Colab CSV, Keras .npz, the four IDX files (.gz) or "
                           "a zip of <label>/ image folders", key="data_upload", accept_multiple_files=True)
    up_id = tuple(u.file_id for u in ups or [])
    if up_id and s.get("upload_id") != up_id:
        s["upload_id"] = up_id  # a new file; a bad one is reported once, not on every rerun
        s["upload_arrays"], s["upload_error"] = None, None
        s["upload_name"] = " + ".join(u.name for u in ups)
        with ui.show_errors("reading the upload"):
            s["upload_job"] = uploads.start_reading(ups)
            s["upload_job"].wait(2.0)  # most files are read (or refused) by now
            if collect_upload() or s["upload_job"] is not None:
                st.rerun()  # read: the whole page uses it; still waiting: the box must tick
    job = s.get("upload_job")
    if collect_upload():
        st.rerun()
    elif job is not None:
        ahead = (job.position or 1) - 1
        if job.state == "waiting":
            st.info(f"Waiting for a free moment to read your file: {ahead} upload(s) ahead of yours. "
                    f"It starts by itself.", icon=":material/hourglass_top:")
        else:
            st.info(f"Reading {s['upload_name']}…", icon=":material/hourglass_top:")
            st.progress(job.fraction, text=f"{job.fraction:.0%}")
        st.button("Cancel", key="upload_cancel", on_click=job.cancel, icon=":material/close:")
    elif s.get("upload_error"):
        st.error(s["upload_error"], icon=":material/warning:")
    elif s.get("upload_arrays") is not None:
        a = s["upload_arrays"]
        st.success(f"{s['upload_name']}: {a.n_train:,} training, {len(a.y_val):,} validation and "
                   f"{len(a.y_test):,} test digits.")


st.title("Train a network")
board.recipe_link_messages()

# ------------------------------------------------------------------------------------------- data

st.subheader("1 · Data")
dcol1, dcol2 = st.columns([2, 3])


def _data_changed():
    s["data_source"] = s["data_source_widget"]


s["data_source_widget"] = s["data_source"]
dcol1.radio("Training data", list(session.DATA_CHOICES), format_func=session.DATA_CHOICES.get,
            key="data_source_widget", on_change=_data_changed)
with dcol2:
    if s["data_source"] == kinds.UPLOAD:
        st.fragment(run_every=0.5 if s.get("upload_job") is not None else None)(upload_box)()
    elif s["data_source"] == kinds.MNIST:
        st.caption("Loaded once for everyone on this server. The first load may download about 11 MB "
                   "(or reads the local cache); offline, use the built-in sample.")
    else:
        st.caption("500 digits of each class from MNIST, shipped inside the package: trains in seconds, "
                   "no download.")

# ------------------------------------------------------------------------------------------- form and run
# Fragments: a change of recipe reruns the recipe and the run below it, and Start only the run (Start lives in the
# run's fragment, so no callback has to redirect the rerun), not the page around them (the data, the model file, the
# sidebar): thirty people pressing Start together cost the server thirty small runs.
@st.fragment
def form_and_run():
    with page_turn():
        st.subheader("2 · Network and training")
        pc1, pc2 = st.columns([1, 3])
        pc1.selectbox("Recipe", PRESET_NAMES + ["custom"], key="f_preset", on_change=apply_preset,
                      help="Fills in the form below; change anything after.")
        if s["f_preset"] in PRESETS:
            pc2.info(PRESETS[s["f_preset"]].description, icon=":material/list_alt:")

        with st.container(border=True):
            fields = ui.folded("Layers, optimizer, learning rate, epochs…", icon=":material/tune:")
            c1, c2, c3 = fields.columns(3)
            c1.text_input("Hidden layers (units, space-separated; empty = none)", key="f_hidden")
            c1.selectbox("Activation", CHOICES["activation"], key="f_activation")
            c1.selectbox("Weight init", CHOICES["init"], key="f_init")
            c2.selectbox("Optimizer", CHOICES["optimizer"], key="f_optimizer")
            c2.number_input("Learning rate", key="f_lr", min_value=0.0, format="%g", step=0.0005)
            c2.selectbox("Learning-rate schedule", CHOICES["schedule"], key="f_schedule")
            c2.number_input("Weight decay", key="f_wd", min_value=0.0, format="%g", step=0.0001)
            c3.number_input("Batch size", key="f_batch", min_value=1, step=32)
            c3.checkbox("Full batch (every digit in every step)", key="f_full_batch")
            c3.number_input("Epochs (passes over the data)", key="f_epochs", min_value=0, step=1)
            c3.number_input("Seed", key="f_seed", step=1)
            c3.checkbox("Augment the digits", key="f_augment", help="Each batch shifted, rotated, scaled and sheared a little at random.")
            st.radio("Pace", list(PACES), format_func=PACES.get, key="f_pace", horizontal=True,
                     help="Watch it learn: a run that would be over in a second is stretched to about "
                          f"{worker.WATCH_SECONDS:.0f} s (waits between steps, not counted in samples/s), so the curves "
                          "and the Weights page can be followed. Slower runs are never slowed down.")
    run_section()


def start_pressed():
    s["start_pressed"] = True


def start_run():
    """Start a run with the recipe's values, or say why not. (the run, notes for the person), or None."""
    with ui.show_errors("starting the run"):
        if runs.running() is not None:
            st.warning("A run is already going in this session: stop it before starting another.", icon=":material/hourglass_top:")
            return None
        source = s["data_source"]
        arrays = session.get_arrays_with_progress(source)
        values = {k: s[v] for k, v in FIELDS.items()}
        values["preset"] = s["f_preset"]
        recipe, errors, notes = Recipe.from_values(values, n_train=arrays.n_train)
        if errors:
            st.error("Please fix: " + "; ".join(errors), icon=":material/front_hand:")
            return None
        w = runs.start(recipe, arrays, s["upload_name"] if source == kinds.UPLOAD else arrays.source,
                       pace=runs.paced(worker.WATCH_SECONDS) if s["f_pace"] == "watch" else None)
        return w, notes
    return None


@st.fragment
def run_section():
    """Start, and the run it starts (after Start's callback): its live numbers, buttons and curves."""
    started, notes = None, []
    if s.pop("start_pressed", False):
        with page_turn():  # a Start press is a page run too: thirty of them take turns
            started, notes = start_run() or (None, [])
        if started is not None:
            # show the run with its first points, not "queued" until the next tick (1.5 s in a full room); the
            # wait holds no turn, so the room's other page runs go on meanwhile
            started.first_row(START_SHOWS_WITHIN)
    # Drawn after the wait, not before: thirty presses' answers then start with four messages each, not nine,
    # and a drawing answered meanwhile is sent after fewer of them (the server sends every session's messages in
    # turn; bench/bench_room.py's stroke during the Start presses).
    st.button("Start training", type="primary", icon=":material/play_arrow:", on_click=start_pressed,
              key="start_training")
    st.subheader("3 · Training run")
    if started is not None:
        st.toast("Training started. " + " ".join(notes), icon=":material/play_arrow:")
    w = s["worker"]
    with page_turn():
        if w is None:
            st.caption("No run yet: choose a recipe and press **Start training**.")
        else:
            live = not w.done
            st.radio("x axis", ["steps", "epochs"], horizontal=True, key="chart_x")

            # Two live views, each rerun on its own: the numbers, and the curves, which cost the most to send; the
            # buttons between them do not tick.
            # In a full room both slow down (runs.tick_every); a page run sets the pace, and a view whose pace is
            # far from the room's asks for one.
            numbers_every = runs.tick_every(NUMBERS_EVERY, weigh_unpaced=w.n_rows() > 0)
            curves_every = runs.tick_every(CURVES_EVERY)

            @st.fragment(run_every=numbers_every if live else None)
            def live_numbers():
                cpu0 = time.thread_time()
                runs.reclaim(time.perf_counter())  # ticks while the run is live, also after the browser reconnected
                snap = w.snapshot()
                run_view.progress(w, snap, run_view.smoothed_loss(w))
                save = run_view.run_save(w)
                if live and w.done and not (save is not None and save.busy):
                    st.rerun()  # ended, and the save has answered: one page run adopts the model, shows it all
                # the room grew, or the first points came: a page run picks the slower pace; it emptied: the faster
                # one, unless this run ends soon anyway (a room's runs end together, and thirty page runs at once hold
                # the server up)
                pace = runs.tick_every(NUMBERS_EVERY, weigh_unpaced=w.n_rows() > 0) / numbers_every
                if live and (pace > 3 / 2 or (pace < 2 / 3 and (snap["eta"] or 0) > REPACE_IF_LEFT)):
                    st.rerun()
                timing.record("watch_tick_cpu", time.thread_time() - cpu0)  # bench/bench_room.py reads it

            @st.fragment  # not ticking: the buttons rerun it when pressed, a page run when the run has ended
            def run_controls():
                snap = w.snapshot()
                if not w.done:
                    run_view.controls(w, snap)
                else:
                    run_view.final(w, snap)

            @st.fragment(run_every=curves_every if live else None)
            def live_curves():
                cpu0 = time.thread_time()
                df = run_view.history(w)
                with st.container(horizontal=True, key="train-charts"):  # side by side, wrapping on a phone
                    if len(df):
                        xt = "step" if s.get("chart_x", "steps") == "steps" else "epoch"
                        k = ui.scale()
                        st.vega_lite_chart(df, charts.scaled(charts.loss_chart_spec(xt), k), width="stretch",
                                           key="train-loss-chart")
                        st.vega_lite_chart(df, charts.scaled(charts.accuracy_chart_spec(xt), k), width="stretch",
                                           key="train-acc-chart")
                    else:
                        st.caption("The curves appear with the first step.")
                timing.record("watch_tick_cpu", time.thread_time() - cpu0)

            with ui.show_errors("showing the run"):
                live_numbers()
                run_controls()
                live_curves()


form_and_run()

# ------------------------------------------------------------------------------------------- model files
st.subheader("4 · Your model file")
mc1, mc2 = ui.folded("Download or upload a model file", icon=":material/save:").columns(2)
with mc1:
    if s["model"] is not None:
        m = session.model_summary(s["model"])
        st.markdown(f"Your model: **{m['name']}** `{m['architecture']}`, test accuracy {ui.fmt_pct(m['accuracy'])}")
        st.download_button("Download my model (.npz)", data=s["model"].to_bytes,
                           file_name=f"nnscratch_{m['architecture']}.npz", mime="application/octet-stream",
                           icon=":material/download:", on_click="ignore", key="dl_model")
        takehome.download_page_button(st, s["model"], key="dl_page_model")
    else:
        st.caption("You have no model of your own yet: train one, or upload a file saved earlier.")
with mc2:
    mf = st.file_uploader("Upload a model saved by nnscratch (.npz)", type=["npz"], key="model_upload")
    if mf is not None and s.get("model_upload_id") != mf.file_id:
        s["model_upload_id"] = mf.file_id
        with ui.show_errors("loading the model"):
            net = uploads.read_model(mf)
            session.set_model(net, f"uploaded ({mf.name})")
            ui.flash(f"Loaded {mf.name}: {net.architecture}. It is now your current model.")
            st.rerun()
