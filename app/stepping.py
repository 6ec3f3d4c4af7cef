"""The Step inside page's stepping: which network to step and how, the buttons, and what a press does.

The page steps a copy of a network (nnscratch.stepper): the person's own model changes only when they press
"Keep these weights". The session holds ``step_held``: dict(setup, stepper, label, last (the last StepResult
or None), losses (one row a step), note). What a step looks like is ``app/step_view.py``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnscratch import threads, worker
from nnscratch.errors import ConfigError
from nnscratch.optim import OPTIMIZERS
from nnscratch.recipe import PRESETS, Recipe
from nnscratch.stepper import Stepper

from . import runs, session, ui

BATCHES = [1, 4, 8, 16, 32, 64]
RULES = {"sgd": "W ← W − lr × dW", "momentum": "v ← 0.9 v + dW;  W ← W − lr × v",
         "adam": "W ← W − lr × m̂ / (√v̂ + ε)  (Adam's running means of dW and dW²)"}


def form_recipe() -> Recipe:
    """The Train form's network (layers, activation, init, seed), or the quick preset's before a visit."""
    s = session.state()
    keys = dict(hidden="f_hidden", activation="f_activation", init="f_init", seed="f_seed")
    if all(k in s for k in keys.values()):
        recipe, _errors, _ = Recipe.from_values({f: s[k] for f, k in keys.items()})
        if recipe is not None:
            return recipe
    return PRESETS["quick"].recipe


def sources() -> dict:
    """key -> (label, token, network maker): what can be stepped now. Labels stay short: the select shows
    them whole on a phone and a projector."""
    out = {}
    w = runs.running()
    if w is not None and w.status == worker.PAUSED:
        def paused():
            net = w.net.copy()
            net.params = w.live_params()  # paused: the weights hold still between two steps
            return net
        out["run"] = (f"Your paused run ({w.net.architecture}, step {w.snapshot()['step']})", f"run-{w.id}", paused)
    recipe = form_recipe()
    out["fresh"] = (f"A fresh {recipe.architecture} (untrained)",
                    f"fresh-{recipe.architecture}-{recipe.activation}-{recipe.init}-{recipe.seed}", recipe.network)
    net, kind, token = session.active_model()
    who = "Your model" if kind == "yours" else "The pretrained model"
    out["model"] = (f"{who} ({net.architecture})", token, lambda: net)
    return out


def setup() -> dict:
    """The controls (network, optimizer, learning rate, batch size) and the stepper for them: the held dict."""
    s = session.state()
    options = sources()
    if s.get("step_source") not in options:
        s["step_source"] = "run" if "run" in options else "fresh"
    # the network on a row of its own: its options read whole at every size (no ellipsis)
    src = st.selectbox("Network to step", list(options), format_func=lambda k: options[k][0], key="step_source",
                       help="A copy is stepped: your model changes only if you press *Keep these weights*. "
                            "A fresh network is made from the Train form's recipe, untrained.")
    c2, c3, c4 = st.columns(3)
    opt = c2.selectbox("Optimizer", list(OPTIMIZERS), key="step_opt",
                       help="SGD shows the rule plainly: the update is exactly −lr × the gradient.")
    lr = c3.number_input("Learning rate", min_value=1e-5, max_value=10.0, value=0.1, format="%g", key="step_lr",
                         help="Change it between steps, or step back and try the same batch again with another. "
                              "SGD: about 0.1; Adam: about 0.001.")
    bs = c4.selectbox("Batch size", BATCHES, index=BATCHES.index(16), key="step_bs")
    arrays = session.get_arrays_with_progress(s["data_source"])
    label, token, make = options[src]
    setup = (src, token, opt, s["data_source"], id(arrays))
    held = s.get("step_held")
    if held is None or held["setup"] != setup:
        held = s["step_held"] = dict(setup=setup, stepper=Stepper(make(), arrays.X_train, arrays.y_train,
                                                                  optimizer=opt, lr=float(lr), batch_size=int(bs)),
                                     last=None, losses=[], note="")
    held["stepper"].lr, held["stepper"].batch_size = float(lr), min(int(bs), len(arrays.y_train))
    held["label"] = label
    return held


def drawing(always: bool = False):
    """(x, label) to put into the batch: the last drawing with the label given below it, when "Put my drawing in
    every batch" is on (or ``always``, for "Step on my drawing"); None otherwise."""
    s = session.state()
    if (always or s.get("step_with_drawing")) and s.get("last_drawing") is not None \
            and s.get("step_label") is not None:
        return np.asarray(s["last_drawing"], np.float32).reshape(-1), int(s["step_label"])
    return None


def press(action: str, with_drawing: bool = False) -> None:
    """Button callback ("one", "x10", "back"): it runs before the page's rerun, so the page shows the new state
    at once."""
    held = session.state()["step_held"]
    stepper = held["stepper"]
    # one BLAS thread, as a training run computes (nnscratch.worker): on a busy machine OpenBLAS's own threads
    # spin and wait on each other, and ten small steps took up to 2.6 s instead of 0.01 s (bench/bench_step.py)
    threads.pin_blas(worker.BLAS_THREADS_PER_RUN)
    try:
        if action == "back":
            went = stepper.back()
            held["last"] = None
            held["note"] = (f"Stepped back to step {stepper.steps}: the weights, the optimizer's state and the "
                            f"batch sampler are as they were before the last press." if went
                            else "Nothing left to undo.")
            held["losses"] = [r for r in held["losses"] if r["step"] <= stepper.steps]
            return
        mine = drawing(with_drawing)
        results = stepper.step_many(10, mine) if action == "x10" else [stepper.step(mine)]
    except ConfigError as e:
        held["note"] = str(e)
        return
    held["last"], held["note"] = results[-1], ""
    for r in results:
        held["losses"].append(dict(step=r.step, before=r.loss_before, after=r.loss_after,
                                   drawing=float(r.probs_after[0, r.y[0]]) if r.index[0] == -1 else None))


def _start_over() -> None:
    session.state().pop("step_held", None)


def controls(held: dict) -> None:
    """Step, Step x10, Step back, Start over, Keep these weights; the drawing toggle; what is being stepped."""
    s = session.state()
    stepper = held["stepper"]
    net = stepper.net
    with st.container(horizontal=True, key="step-buttons"):
        st.button("Step", type="primary", icon=":material/footprint:", key="step_one", on_click=press, args=("one",))
        st.button("Step x10", icon=":material/fast_forward:", key="step_ten", on_click=press, args=("x10",))
        st.button("Step back", icon=":material/undo:", key="step_back", on_click=press, args=("back",),
                  disabled=not stepper.can_go_back)
        st.button("Start over", icon=":material/restart_alt:", key="step_reset", on_click=_start_over)
        keep = st.button("Keep these weights", icon=":material/save:", key="step_keep", disabled=stepper.steps == 0,
                         help="Make the stepped network your model, the one every page uses.")
    if keep:
        kept = stepper.keep()
        kept.meta["name"] = f"{net.meta.get('name') or net.architecture}, stepped {stepper.steps} times"
        kept.meta.pop("test_accuracy", None)  # no longer measured
        session.set_model(kept, f"stepped {stepper.steps} times on the Step inside page")
        ui.flash("The stepped network is now your model.")
        st.rerun()

    with st.container(key="step-drawing"):
        st.toggle("Put my drawing in every batch", key="step_with_drawing",
                  help="Your last drawing takes the batch's first place, with the label you give it under the "
                       "canvas below.")
        if s.get("step_with_drawing"):
            mine = drawing()
            st.caption(f"Your drawing, labelled {mine[1]}, goes into every batch." if mine is not None else
                       "No labelled drawing yet: draw one below and say which digit it is.")

    opt = stepper.optimizer
    st.caption(f"{held['label']}. Step {stepper.steps} · {opt} · lr {stepper.lr:g} · batch {stepper.batch_size} of "
               f"the {len(stepper.y):,} training digits ({session.data_label(s['data_source'])}). Rule: "
               f"{RULES.get(opt, opt)}. Step back undoes the last press (all ten of a Step x10).")
    if held["note"]:
        st.info(held["note"], icon=":material/undo:")
    if held["last"] is None and not held["note"]:
        st.info("Press **Step**: one batch goes forward, the gradient comes back, the weights move once.",
                icon=":material/footprint:")
