"""Every unit lit for a drawing, and head to head, on the Step inside page.

Draw a digit: the network being stepped reads it (nnscratch.inside: the engine's own forward pass, taken
apart): the input, the hidden layer as squares as bright as each unit is active, the outputs; one unit's
weights times the drawing, summing to its pre-activation; the units that voted for the answer and the
runner-up. Then two models on the same drawing. A stroke reruns only this section (a fragment); "Step on my
drawing" steps the network and reruns the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nnscratch import plots
from nnscratch.drawing import preprocess
from nnscratch.inside import contributions, lit, pixel_evidence, unit_evidence

from . import charts, resources, session, stepping, ui


def _canvas():
    """st_canvas, registered without the component's toolbar as on the Draw page (on a touch screen a tap in
    its invisible top-right corner erased the drawing: app/canvas.py); None when it cannot load."""
    try:
        from streamlit_drawable_canvas import st_canvas

        from . import canvas as draw_canvas

        if hasattr(draw_canvas, "_ensure_no_toolbar"):
            draw_canvas._ensure_no_toolbar()
        return st_canvas
    except Exception:  # noqa: BLE001 - an untested Streamlit may break the component's import: say so below
        return None


def section() -> None:
    """The whole section: the canvas and everything read off it."""
    st_canvas = _canvas()
    if st_canvas is None:
        st.error("The drawing canvas could not load: reinstall the tested versions "
                 "(`python -m pip install -r requirements.txt`).", icon=":material/warning:")
        return
    with ui.show_errors("lighting up the units"):
        lit_units(st_canvas)


def _grid(values, cols):
    """Values (H,) laid out in rows of ``cols`` (the last one padded with NaN, shown white)."""
    rows = -(-len(values) // cols)
    M = np.full(rows * cols, np.nan)
    M[:len(values)] = values
    return M.reshape(rows, cols)


def _clear_lit():
    s = session.state()
    s["lit_canvas"] = s.get("lit_canvas", 0) + 1
    s["last_drawing"] = s["lit_init"] = None


@st.fragment
def lit_units(st_canvas):
    """The canvas (``st_canvas``), the lit layers for its drawing, Step on my drawing, then head to head."""
    s = session.state()
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
            st.image(plots.upscale(img, 6), width=int(168 * ui.scale()),
                     alt=f"Your drawing as the network sees it, 28 by 28, read as {v['digit']}")
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
        stepping.press("one", with_drawing=True)
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
    grid_box.image(hm, width="content", caption=f"Framed: unit {unit}",  # its own width, at most the screen's
                   alt=f"The {H} hidden units as squares, as red as each is active; {int((a1 > 0).sum())} are active")
    vw = plots.symmetric_scale(net.params["W1"])
    vp = plots.symmetric_scale(ev["product"], 100.0)
    w, z = (308, 11) if ui.presenting() else (140, 5)  # a tile that reads from the back of the room
    with st.container(key="lit-unit"):
        st.image([plots.unit_image(ev["weights"], vw, zoom=z), plots.upscale(img, z),
                  plots.unit_image(ev["product"], vp, zoom=z)],
                 caption=[f"its weights W1[:, {unit}]", "the drawing x", "weights × drawing: its evidence"], width=w,
                 alt=[f"Unit {unit}'s weights", "Your drawing", f"Where in your drawing unit {unit} finds evidence"])
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
    s = session.state()
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
    w, z = (308, 11) if ui.presenting() else (140, 5)
    for i, d in enumerate(dict.fromkeys(answers)):  # A's answer, then B's if it differs
        ev = [pixel_evidence(net, img, d) for net in nets]
        v = max(plots.symmetric_scale(e, 100.0) for e in ev)
        diff = ev[0] - ev[1]
        with st.container(key=f"h2h-maps-{i}"):
            st.image([plots.unit_image(ev[0], v, zoom=z), plots.unit_image(ev[1], v, zoom=z),
                      plots.unit_image(diff, plots.symmetric_scale(diff, 100.0), zoom=z)],
                     caption=[f"A: evidence for {d} (sum {ev[0].sum():+.2f})",
                              f"B: evidence for {d} (sum {ev[1].sum():+.2f})", f"A − B for {d}: red where A sees more"],
                     width=w, alt=[f"Where model A finds evidence for {d}", f"Where model B finds evidence for {d}",
                                   f"Where model A sees more evidence for {d} than model B"])
    if picks[0] == picks[1]:
        st.caption("Both sides are the same model: choose another for B.")
