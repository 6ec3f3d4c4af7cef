"""Step inside: hold the network still, push it one mini-batch at a time, and light up every unit for a drawing.

The page steps a copy of a network (nnscratch.stepper): the person's own model changes only when they
press "Keep these weights". The numbers shown are the stepper's, which are the engine's own
forward_backward and optimizer (tests/test_stepper.py). A step reruns the page (the drawing section
reads the stepped network); a stroke on the canvas reruns only the drawing section (a fragment).
"""

import numpy as np
import pandas as pd
import streamlit as st

from app import charts, resources, runs, session, ui
from nnscratch import metrics, plots, worker
from nnscratch.drawing import preprocess
from nnscratch.errors import ConfigError
from nnscratch.inside import contributions, lit, pixel_evidence, unit_evidence
from nnscratch.optim import OPTIMIZERS
from nnscratch.recipe import PRESETS, Recipe
from nnscratch.stepper import Stepper

s = session.state()
PAGE = 64  # gradient pictures per page, as on the Weights page
BATCHES = [1, 4, 8, 16, 32, 64]
RULES = {"sgd": "W ← W − lr × dW", "momentum": "v ← 0.9 v + dW;  W ← W − lr × v",
         "adam": "W ← W − lr × m̂ / (√v̂ + ε)  (Adam's running means of dW and dW²)"}

st.title("Step inside the network")
st.markdown("Hold the network still and push it **one mini-batch at a time**: see the batch, the loss before "
            "and after, the gradient of every weight as a picture, and the update it caused. Below, draw a "
            "digit and watch **every unit light up** for it.")
with st.expander("Try this in a workshop", icon=":material/school:"):
    st.markdown("Choose **the pretrained model** (or yours) above. Draw a 7 the way some people do, with a long "
                "flag or a slanted stem, until the network reads it as something else: 1 is a common answer. "
                "Say it is a 7 under the canvas and press **Step on my drawing**: the drawing goes, labelled, "
                "into one batch, and you see its probability for 7 before and after that one step. Press it again "
                "and again and watch the probability climb; **Step back** undoes a step, so you can try a bigger "
                "learning rate on the very same batch. Then look at the gradient pictures: the units that changed "
                "most are the ones that saw your 7.")


# ---- which network, and how to step it ------------------------------------------------------------
def _form_recipe() -> Recipe:
    """The Train form's network (layers, activation, init, seed), or the quick preset's before a visit."""
    keys = dict(hidden="f_hidden", activation="f_activation", init="f_init", seed="f_seed")
    if all(k in s for k in keys.values()):
        recipe, errors, _ = Recipe.from_values({f: s[k] for f, k in keys.items()})
        if recipe is not None:
            return recipe
    return PRESETS["quick"].recipe


def _sources() -> dict:
    """key -> (label, token, network maker): what can be stepped now."""
    out = {}
    w = runs.running()
    if w is not None and w.status == worker.PAUSED:
        def paused():
            net = w.net.copy()
            net.params = w.live_params()  # paused: the weights hold still between two steps
            return net
        out["run"] = (f"Your paused run ({w.net.architecture}, step {w.snapshot()['step']})", f"run-{w.id}", paused)
    recipe = _form_recipe()
    out["fresh"] = (f"A fresh {recipe.architecture} network (the Train form's recipe, untrained)",
                    f"fresh-{recipe.architecture}-{recipe.activation}-{recipe.init}-{recipe.seed}", recipe.network)
    net, kind, token = session.active_model()
    who = "Your model" if kind == "yours" else "The pretrained model"
    out["model"] = (f"{who} ({net.architecture}), as the other pages use it", token, lambda: net)
    return out


ready = False  # the settings below went through: there is a stepper for them
with ui.show_errors("setting up the steps"):
    sources = _sources()
    if s.get("step_source") not in sources:
        s["step_source"] = "run" if "run" in sources else "fresh"
    c1, c2, c3, c4 = st.columns([2.4, 1, 1, 1])
    src = c1.selectbox("Network to step (a copy: yours changes only if you keep it)", list(sources),
                       format_func=lambda k: sources[k][0], key="step_source")
    opt = c2.selectbox("Optimizer", list(OPTIMIZERS), key="step_opt",
                       help="SGD shows the rule plainly: the update is exactly −lr × the gradient.")
    lr = c3.number_input("Learning rate", min_value=1e-5, max_value=10.0, value=0.1, format="%g", key="step_lr",
                         help="Change it between steps, or step back and try the same batch again with another. "
                              "SGD: about 0.1; Adam: about 0.001.")
    bs = c4.selectbox("Batch size", BATCHES, index=BATCHES.index(16), key="step_bs")
    arrays = session.get_arrays_with_progress(s["data_source"])
    label, token, make = sources[src]
    setup = (src, token, opt, s["data_source"], id(arrays))
    held = s.get("step_held")
    if held is None or held["setup"] != setup:
        held = s["step_held"] = dict(setup=setup, stepper=Stepper(make(), arrays.X_train, arrays.y_train,
                                                                  optimizer=opt, lr=float(lr), batch_size=int(bs)),
                                     last=None, losses=[], note="")
    held["stepper"].lr, held["stepper"].batch_size = float(lr), min(int(bs), len(arrays.y_train))
    ready = True


def _drawing(always: bool = False):
    """(x, label) to put into the batch: the last drawing with the label given below it, when "Put my drawing in
    every batch" is on (or ``always``, for "Step on my drawing"); None otherwise."""
    if (always or s.get("step_with_drawing")) and s.get("last_drawing") is not None \
            and s.get("step_label") is not None:
        return np.asarray(s["last_drawing"], np.float32).reshape(-1), int(s["step_label"])
    return None


def _press(action: str, with_drawing: bool = False) -> None:
    """Button callback: it runs before the page's rerun, so the page shows the new state at once."""
    held = s["step_held"]
    stepper = held["stepper"]
    try:
        if action == "back":
            went = stepper.back()
            held["last"] = None
            held["note"] = (f"Stepped back to step {stepper.steps}: the weights, the optimizer's state and the "
                            f"batch sampler are as they were before the last press." if went
                            else "Nothing left to undo.")
            held["losses"] = [r for r in held["losses"] if r["step"] <= stepper.steps]
            return
        drawing = _drawing(with_drawing)
        results = stepper.step_many(10, drawing) if action == "x10" else [stepper.step(drawing)]
    except ConfigError as e:
        held["note"] = str(e)
        return
    held["last"], held["note"] = results[-1], ""
    for r in results:
        mine = r.index[0] == -1
        held["losses"].append(dict(step=r.step, before=r.loss_before, after=r.loss_after,
                                   drawing=float(r.probs_after[0, r.y[0]]) if mine else None))


def _start_over() -> None:
    s.pop("step_held", None)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def stepping():
    """Not a fragment: a step changes the network the drawing section below reads, so the page reruns."""
    held = s["step_held"]
    stepper = held["stepper"]
    net = stepper.net
    with st.container(horizontal=True, key="step-buttons"):
        st.button("Step", type="primary", icon=":material/footprint:", key="step_one", on_click=_press, args=("one",))
        st.button("Step x10", icon=":material/fast_forward:", key="step_ten", on_click=_press, args=("x10",))
        st.button("Step back", icon=":material/undo:", key="step_back", on_click=_press, args=("back",),
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
            mine = _drawing()
            st.caption(f"Your drawing, labelled {mine[1]}, goes into every batch." if mine is not None else
                       "No labelled drawing yet: draw one below and say which digit it is.")

    st.caption(f"{label}. Step {stepper.steps} · {opt} · lr {stepper.lr:g} · batch {stepper.batch_size} of the "
               f"{len(stepper.y):,} training digits ({session.data_label(s['data_source'])}). Rule: "
               f"{RULES.get(opt, opt)}. Step back undoes the last press (all ten of a Step x10).")
    if held["note"]:
        st.info(held["note"], icon=":material/undo:")
    r = held["last"]
    if r is None:
        if not held["note"]:
            st.info("Press **Step**: one batch goes forward, the gradient comes back, the weights move once.",
                    icon=":material/footprint:")
        return
    with ui.show_errors("showing the step"):
        show_step(r, net)


def show_step(r, net):
    m = st.columns(4)
    m[0].metric("Step", r.step)
    m[1].metric("Loss before", f"{r.loss_before:.4f}")
    m[2].metric("Loss after", f"{r.loss_after:.4f}", f"{r.loss_after - r.loss_before:+.4f}", delta_color="inverse")
    right = (int((r.pred_before == r.y).sum()), int((r.pred_after == r.y).sum()))
    m[3].metric("Batch right", f"{right[0]} → {right[1]} of {len(r.y)}")
    with st.container(key="step-exact"):
        st.caption(f"Exact: loss before {r.loss_before:.6f}, after {r.loss_after:.6f} on this batch (mean "
                   f"cross-entropy: the engine's forward_backward, then the same batch through the new weights).")
    if r.index[0] == -1:
        t = int(r.y[0])
        st.success(f"Your drawing, labelled {t}: the network gave it {100 * r.probs_before[0, t]:.1f} % for {t} "
                   f"before this step and gives {100 * r.probs_after[0, t]:.1f} % after "
                   f"(it reads it as {int(r.pred_before[0])} → {int(r.pred_after[0])}).", icon=":material/draw:")

    st.subheader("The batch")
    st.caption("Each digit: its label, what the network said before the step → after it.")
    with st.container(key="step-batch"):
        st.image([plots.upscale(x.reshape(28, 28), 2) for x in r.X],
                 caption=[("drawing" if i < 0 else f"#{i}") + f" · {t}: {b}→{a}" for i, t, b, a
                          in zip(r.index, r.y, r.pred_before, r.pred_after)], width=int(64 * ui.scale()))
    losses = pd.DataFrame(s["step_held"]["losses"])
    if len(losses) > 1:
        df = pd.DataFrame({"step": losses["step"], "loss": losses["before"],
                           "loss_smooth": metrics.smoothed(losses["before"].to_numpy(), 0.8)})
        st.markdown("**The loss on each step's batch**, before the step (grey), and smoothed (pink)")
        spec = charts.loss_chart_spec(height=220)
        spec.pop("title")  # said above: a Vega title is cut at the top of the chart's box here
        spec["layer"][0]["encoding"]["x"]["axis"].update(format="d", tickMinStep=1)  # whole steps
        st.vega_lite_chart(df, charts.scaled(spec, ui.scale()), width="stretch")

    st.subheader("The gradient, layer by layer")
    g1 = r.grads["W1"]
    H = g1.shape[1]
    vg = plots.symmetric_scale(g1)
    top1, _ = r.top_units[1]
    start = 0
    if H > PAGE:
        pages = (H + PAGE - 1) // PAGE
        if s.get("step_page", 0) >= pages:
            s["step_page"] = 0
        start = PAGE * st.select_slider("Units", options=list(range(pages)), key="step_page",
                                        format_func=lambda p: f"{p * PAGE}–{min(H, (p + 1) * PAGE) - 1}")
    last = net.n_layers == 1
    st.image(plots.weight_grid_image(g1, start=start, count=PAGE, vmax=vg, selected=int(top1[0])), width="stretch")
    st.caption(f"dL/dW1: one 28×28 picture per {'class' if last else 'hidden unit'}, all on one symmetric scale "
               f"±{vg:.3g} (the 99.5th percentile of |dW1|, as the Weights page scales W1). Red: more ink there "
               f"raised the loss, so the step lowers that weight; blue: the step raises it. Framed: the unit that "
               f"changed most.")
    for l in range(2, net.n_layers + 1):
        g = r.grads[f"W{l}"]
        to_classes = l == net.n_layers
        st.markdown(f"**dL/dW{l}**: {'hidden unit → class' if to_classes else f'layer {l - 1} → layer {l}'}")
        hm = plots.heatmap_image(g.T, cell=32 if g.shape[1] <= 16 else 4, max_width=900, font_px=24)
        st.image(hm, width="stretch" if hm.shape[1] > 700 else "content")
        st.caption(f"Rows: {'the 10 classes' if to_classes else f'the {g.shape[1]} units of layer {l}'}; columns: "
                   f"the {g.shape[0]} units feeding them. Scale ±{np.abs(g).max():.3g}.")

    st.subheader("The update that was applied")
    u1 = r.update["W1"]
    p, j = np.unravel_index(int(np.argmax(np.abs(u1))), u1.shape)
    after = float(net.params["W1"][p, j])
    before = after - float(u1[p, j])
    grad = float(g1[p, j])
    with st.container(key="step-worked"):
        rule = (f"= {_fmt(before)} − {r.lr:g} × {_fmt(grad)} " if r.optimizer == "sgd" else "")
        st.markdown(f"The weight that moved most: pixel ({p // 28}, {p % 28}) of unit {j}. "
                    f"W before **{_fmt(before)}**, gradient **{_fmt(grad)}**, learning rate **{r.lr:g}**, "
                    f"W after {rule}= **{_fmt(after)}** (update {_fmt(float(u1[p, j]))}).")
    rows = []
    for k in net.params:
        upd, g = r.update[k], r.grads[k]
        rows.append({"parameter": k, "shape": "×".join(map(str, upd.shape)), "|gradient|": f"{np.linalg.norm(g):.3g}",
                     "|update|": f"{np.linalg.norm(upd):.3g}",
                     "|update| / |W|": f"{np.linalg.norm(upd) / max(np.linalg.norm(net.params[k]), 1e-12):.2e}"})
    st.html(charts.table_html(pd.DataFrame(rows)))

    st.subheader("The units whose weights changed most")
    units, sizes = r.top_units[1]
    vu = plots.symmetric_scale(u1, 100.0)
    vw = plots.symmetric_scale(net.params["W1"])
    votes = [f" → {int(net.params['W2'][u].argmax())}" if not last else "" for u in units]
    with st.container(key="step-top"):
        st.image([plots.unit_image(u1[:, u], vu, zoom=3) for u in units],
                 caption=[f"unit {u}{v} · {n:.2g}" for u, n, v in zip(units, sizes, votes)],
                 width=int(96 * ui.scale()))
    st.caption(f"Each picture is one unit's update ΔW1[:, unit] (scale ±{vu:.3g}); under it: the unit, the digit "
               f"it votes for most (→) and the length of its update |Δ|.")
    u = int(units[0])
    w_after = net.params["W1"][:, u]
    st.image([plots.unit_image(w_after - u1[:, u], vw, zoom=4), plots.unit_image(u1[:, u], vu, zoom=4),
              plots.unit_image(w_after, vw, zoom=4)],
             caption=[f"unit {u} before", "+ its update", "= after"], width=int(112 * ui.scale()))
    st.caption(f"Before and after on the weights' own scale ±{vw:.3g}; the update on its own, ±{vu:.3g}, "
               f"{vw / vu:.0f}× finer: one step moves a weight only a little.")


with ui.show_errors("stepping"):
    if ready:
        stepping()


# ---- every unit lit for your drawing ----------------------------------------------------------------
st.header("Every unit lit for your drawing")
st.markdown("Draw a digit: the network you are stepping above reads it. Each square of the hidden layer is one "
            "unit, as deep red as it is active for this drawing.")
try:
    from streamlit_drawable_canvas import st_canvas

    from app import canvas as draw_canvas

    # The Draw page's fix, for this canvas too: the component's own toolbar floats invisibly over the canvas,
    # and on a touch screen a tap in its top-right corner erased the drawing (app/canvas.py).
    if hasattr(draw_canvas, "_ensure_no_toolbar"):
        draw_canvas._ensure_no_toolbar()
except Exception:  # noqa: BLE001 - an untested Streamlit may break the component's import: say so, no traceback
    st_canvas = None
    st.error("The drawing canvas could not load: reinstall the tested versions "
             "(`python -m pip install -r requirements.txt`).", icon=":material/warning:")


def _grid(values, cols):
    """Values (H,) laid out in rows of ``cols`` (the last one padded with NaN, shown white)."""
    rows = -(-len(values) // cols)
    M = np.full(rows * cols, np.nan)
    M[:len(values)] = values
    return M.reshape(rows, cols)


def _clear_lit():
    s["lit_canvas"] = s.get("lit_canvas", 0) + 1
    s["last_drawing"] = s["lit_init"] = None


@st.fragment
def lit_units():
    net = s["step_held"]["stepper"].net if "step_held" in s else session.active_model()[0]
    row = st.container(horizontal=True, gap="large", key="lit-row")
    # in presenter mode the canvas is shown bigger, as on the Draw page: same bitmap and brush, CSS zoom
    left = row.container(width=round((preprocess.CANVAS_SIZE + 16) * ui.canvas_zoom()), key="lit-canvas")
    right = row.container(width="stretch", key="lit-read")
    if ui.presenting():
        st.html(f"<style>@media (min-width: 900px) {{ .st-key-lit-canvasbox {{ zoom: {ui.canvas_zoom()}; }} }}</style>")
    with left.container(key="lit-canvasbox"):
        canvas = st_canvas(stroke_width=preprocess.BRUSH_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
                           height=preprocess.CANVAS_SIZE, width=preprocess.CANVAS_SIZE, drawing_mode="freedraw",
                           update_streamlit=True, return_image_data=True, key=f"lit-canvas-{s.get('lit_canvas', 0)}",
                           initial_drawing=s.get("lit_init"))
        # the strokes, to put back after a whole-page rerun (which mounts the canvas afresh)
        s["lit_strokes"] = getattr(canvas, "json_data", None) if canvas is not None else None
    with left:
        st.button("Clear", icon=":material/ink_eraser:", key="lit_clear", on_click=_clear_lit)
    data = getattr(canvas, "image_data", None) if canvas is not None else None
    img = preprocess.to_mnist(np.asarray(data)) if data is not None else None
    if img is not None:
        s["last_drawing"] = img
    elif s.get("last_drawing") is not None:
        img = np.asarray(s["last_drawing"], np.float32)
        left.caption("Showing your last drawing (Draw page, or before a step). Draw here to replace it.")
    if img is None:
        right.info("Draw a digit on the black square.", icon=":material/draw:")
        return
    if net.n_layers < 2:
        right.warning(f"{net.architecture} has no hidden layer: nothing lights up between the pixels and the answer.")
        head_to_head(net, img)
        return
    v = lit(net, img)
    H = net.sizes[1]
    cols = 16 if H <= 256 else 40
    cell = round((28 if H <= 256 else 14) * ui.scale())  # bigger squares on a projector
    a1 = v["A1"]
    with right.container(horizontal=True, gap="medium"):
        with st.container(width=int(180 * ui.scale())):
            st.markdown("**Input** 28×28")
            st.image(plots.upscale(img, 6), width=int(168 * ui.scale()))
        with st.container(width="stretch", key="lit-out"):
            st.markdown(f"**Output**: reads **{v['digit']}**, then {v['runner_up']}")
            st.html(charts.probability_bars_html(v[f"A{net.n_layers}"], height=int(100 * ui.scale())))
    with right.container(key="lit-teach", horizontal=True, vertical_alignment="bottom"):
        st.selectbox("It is a …", list(range(10)), index=None, key="step_label", placeholder="the right digit",
                     width=200, help="Say which digit you meant, then step on it: watch its probability move.")
        step_on = st.button("Step on my drawing", icon=":material/footprint:", key="lit_step",
                            disabled=s.get("step_label") is None or "step_held" not in s)
        r = s["step_held"]["last"] if "step_held" in s else None
        if r is not None and r.index[0] == -1:  # the effect shown where it was pressed, too
            t = int(r.y[0])
            st.caption(f"Step {r.step}: {100 * r.probs_before[0, t]:.1f} % → {100 * r.probs_after[0, t]:.1f} % "
                       f"for {t}.")
    if step_on:  # the network changes: the whole page shows the step
        _press("one", with_drawing=True)
        s["lit_init"] = s.get("lit_strokes")
        st.rerun(scope="app")
    st.markdown(f"**Hidden layer**: {H} units, left to right and top to bottom ({cols} a row), as deep red as "
                f"they are active. {int((a1 > 0).sum())} of {H} are active; the strongest reaches "
                f"{float(a1.max()):.3g}.")
    grid_box = st.empty()
    order = np.argsort(-a1, kind="stable")
    unit = st.selectbox("Look at one hidden unit (most active first)", [int(u) for u in order], key="lit_unit",
                        format_func=lambda u: f"unit {u} · activation {a1[u]:.3g}")
    ev = unit_evidence(net, img, int(unit))
    M = _grid(a1, cols)
    hm = plots.heatmap_image(M, vmax=max(float(np.abs(a1).max()), 1e-6), cell=cell, font_px=cell,
                             row_names=[""] * M.shape[0], col_names=[""] * cols)
    r, c = divmod(int(unit), cols)  # frame the chosen unit (the heatmap's body starts font_px * 1.8 from the left)
    x0, y0 = int(cell * 1.8) + c * cell, r * cell
    hm = hm.copy()
    hm[y0:y0 + cell, x0:x0 + 3] = hm[y0:y0 + cell, x0 + cell - 3:x0 + cell] = 0
    hm[y0:y0 + 3, x0:x0 + cell] = hm[y0 + cell - 3:y0 + cell, x0:x0 + cell] = 0
    grid_box.image(hm, width="content", caption=f"Framed: unit {unit}")  # its own width, at most the screen's
    vw = plots.symmetric_scale(net.params["W1"])
    vp = plots.symmetric_scale(ev["product"], 100.0)
    with st.container(key="lit-unit"):
        st.image([plots.unit_image(ev["weights"], vw, zoom=5), plots.upscale(img, 5),
                  plots.unit_image(ev["product"], vp, zoom=5)],
                 caption=[f"its weights W1[:, {unit}]", "the drawing x", "weights × drawing: its evidence"],
                 width=int(140 * ui.scale()))
        st.markdown(f"Pre-activation of unit {unit} = sum of the evidence map + bias = "
                    f"{float(ev['product'].sum()):.4f} + ({ev['bias']:.4f}) = **{ev['pre_activation']:.4f}**; "
                    f"after {net.activation}: **{ev['activation']:.4f}**.")

    st.markdown("**Who voted**: the hidden units that pushed the answer and the runner-up up most "
                "(activation × weight to that digit).")
    c = st.columns(2)
    for col, digit, what in ((c[0], v["digit"], "the answer"), (c[1], v["runner_up"], "the runner-up")):
        k = contributions(net, img, digit, top=5)
        df = pd.DataFrame({"unit": k["units"], "activation": [f"{x:.3g}" for x in k["activations"]],
                           f"weight to {digit}": [f"{x:+.3g}" for x in k["weights"]],
                           "contribution": [f"{x:+.3g}" for x in k["values"]]})
        with col:
            st.markdown(f"**{digit}**, {what}: score {k['score']:.3f} = all {net.sizes[-2]} contributions "
                        f"{k['total']:.3f} + bias {k['bias']:.3f}")
            st.html(charts.table_html(df))

    head_to_head(net, img)


def head_to_head(stepped, img):
    """Two models, one drawing: both answers, and where in the drawing their evidence differs."""
    st.header("Head to head")
    models = {"stepped": ("The network you are stepping", stepped)}
    if s["model"] is not None:
        models["yours"] = (f"Yours ({s['model'].architecture})", s["model"])
    shipped = resources.shipped_model()
    models["shipped"] = (f"The pretrained model ({shipped.architecture})", shipped)
    c = st.columns(2, gap="large")
    picks = [c[0].selectbox("Model A", list(models), key="h2h_a", format_func=lambda k: models[k][0]),
             c[1].selectbox("Model B", list(models), index=len(models) - 1, key="h2h_b",
                            format_func=lambda k: models[k][0])]
    st.caption("A run from the class board: press *Load this model* on the Class page; it is then *Yours* here.")
    nets = [models[k][1] for k in picks]
    answers = []
    for col, name, net in zip(c, "AB", nets):
        probs = net.predict_proba(img.reshape(1, 784))[0]
        digit = int(np.argmax(probs))
        answers.append(digit)
        with col.container(key=f"h2h-{name}"):
            st.metric(f"Model {name} reads", digit, f"{100 * probs[digit]:.1f} % sure", delta_color="off",
                      delta_arrow="off")
            st.html(charts.probability_bars_html(probs, height=int(90 * ui.scale())))
    st.markdown("**Where in the drawing each finds evidence** for each answer: every pixel's ink times how much it "
                "raises that digit's score (red: for, blue: against). The hidden units of two networks do not match "
                "one to one, so the two are compared here, pixel by pixel.")
    for i, d in enumerate(dict.fromkeys(answers)):  # A's answer, then B's if it differs
        ev = [pixel_evidence(net, img, d) for net in nets]
        v = max(plots.symmetric_scale(e, 100.0) for e in ev)
        diff = ev[0] - ev[1]
        with st.container(key=f"h2h-maps-{i}"):
            st.image([plots.unit_image(ev[0], v, zoom=5), plots.unit_image(ev[1], v, zoom=5),
                      plots.unit_image(diff, plots.symmetric_scale(diff, 100.0), zoom=5)],
                     caption=[f"A: evidence for {d} (sum {ev[0].sum():+.2f})",
                              f"B: evidence for {d} (sum {ev[1].sum():+.2f})", f"A − B for {d}: red where A sees more"],
                     width=int(140 * ui.scale()))
    if picks[0] == picks[1]:
        st.caption("Both sides are the same model: choose another for B.")


if st_canvas is not None:
    with ui.show_errors("lighting up the units"):
        lit_units()
