"""Draw: a digit on the canvas, the 28x28 image the network sees, and what it reads."""

import time

import numpy as np
import streamlit as st

from app import canvas as drawing_canvas
from app import charts, keypen, live, session, teach, timing, ui
from nnscratch.drawing import preprocess
from nnscratch.tools import versions

try:
    import streamlit_drawable_canvas  # noqa: F401 - app/canvas.py draws it; here: does it load at all
except Exception:  # noqa: BLE001 - an untested Streamlit may break the component's import: say so, no traceback
    differ = versions.mismatches(names=versions.UI_PACKAGES)
    st.error("The drawing canvas could not load. " + (versions.warning_text(differ) if differ else
             "Reinstall the tested versions: `python -m pip install -r requirements.txt`"), icon=":material/warning:")
    st.stop()

s = session.state()
st.title("Draw a digit")
with st.container(key="draw-model"):  # on phones it moves below the drawing (CSS order)
    ui.model_picker()


def _clear_canvas():
    drawing_canvas.clear(s)  # a fresh canvas widget is an empty one


def _undo_stroke():
    drawing_canvas.undo(s)  # the same canvas, loaded again without its last stroke


# A stroke reruns only this fragment, not the whole app (navigation, sidebar, title): a drawing then costs
# the server about what a bare canvas-to-prediction script costs, which is what lets a room draw at once.
@st.fragment
def draw_and_read():
    t0 = timing.run_started(time.perf_counter())  # for the load benchmark's server time per drawing
    # Fixed-width boxes in a wrapping row, not st.columns: relative columns squeeze the canvas below its
    # CANVAS_SIZE on a 1366 px laptop or projector, and strokes on the hidden part would be lost.
    # Every part has a key: on phones (ui._CSS) they are taken out of these boxes and put in one column,
    # canvas, answer, Clear, then the rest, so the answer is on screen and Clear under the thumb.
    row = st.container(horizontal=True, gap="large", key="draw-row")
    # (in presenter mode the canvas is shown bigger: same bitmap, CSS zoom)
    left = row.container(width=round((preprocess.CANVAS_SIZE + 16) * ui.canvas_zoom()), key="draw-canvas")
    right = row.container(width="stretch", key="draw-result")
    # Drawing without a mouse or a touch screen: a pen on a grid moved by the keys (app/keypen). The switch
    # comes before the drawing, so Tab reaches it first; switching gives a fresh canvas or pad.
    keys = keypen.switch(left.container(key="draw-pen"), on_change=_clear_canvas)
    with left.container(key="draw-canvasbox"):
        if keys:
            sent = keypen.pad(s["canvas_key"])
        else:
            # without the component's own toolbar, which covered the canvas's top on touch screens: the
            # page's Undo and Clear below instead (app/canvas.py)
            canvas = drawing_canvas.draw_canvas(
                s, stroke_width=preprocess.BRUSH_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
                height=preprocess.CANVAS_SIZE, width=preprocess.CANVAS_SIZE, drawing_mode="freedraw",
                update_streamlit=True, return_image_data=True,
            )
    actions = left.container(horizontal=True, key="draw-actions")  # Undo, Clear
    left.container(key="draw-hint").caption("Draw one digit, large, in the middle" + (", then press Enter." if keys else "."))
    img28 = data = None
    with ui.show_errors("reading the drawing"):
        if keys:  # the strokes drawn as the canvas draws them, then the same path as a canvas drawing
            data = keypen.render(keypen.strokes_of(sent))
        else:
            data = getattr(canvas, "image_data", None) if canvas is not None else None
        if data is not None:
            img28 = preprocess.to_mnist(np.asarray(data))

    # Boxes laid out first, filled in order of urgency: the prediction is computed and sent before
    # everything else, so on a busy server or bad Wi-Fi the answer is what arrives first.
    top = right.container(horizontal=True, gap="large", key="draw-top")
    seen = top.container(width=int(200 * ui.scale()), key="draw-seen")
    answer = top.container(width="stretch", key="draw-answer")
    bars = right.container(key="draw-bars")
    said = ""  # what the live region says: the answer, as shown
    if img28 is None:
        answer.info("Move the pen with the arrow keys, Space for ink, then press Enter: the prediction appears here."
                    if keys else
                    "Draw a digit on the black square: the prediction appears when you lift your pen or finger.",
                    icon=":material/draw:")
    else:
        s["last_drawing"] = img28
        with answer, ui.show_errors("predicting"):
            net, kind, _ = session.active_model()
            probs = net.predict_proba(img28.reshape(1, 784))[0]
            digit = int(np.argmax(probs))
            with st.container(key="draw-prediction"):
                st.metric("Prediction", digit)
            confidence = f"{100 * probs[digit]:.1f} %"
            st.metric("Confidence", confidence)
            said = f"It reads {digit}, {confidence}"
            timing.record("draw", time.perf_counter() - t0)
            bars.html(charts.probability_bars_html(probs))
            if probs[digit] < 0.6:
                bars.caption("Not sure? Draw bigger and centred, with one continuous stroke where you can.")
            with left:
                teach.label_buttons(img28, data, probs, net)  # "Right" / "Wrong? It's a …": stored when tapped
    if not keys:  # the pad undoes with Backspace
        actions.button("Undo", icon=":material/undo:", key="undo_stroke", on_click=_undo_stroke,
                       disabled=not s.get("canvas_objects"))
    actions.button("Clear", icon=":material/ink_eraser:", key="clear_canvas", on_click=_clear_canvas)
    seen.markdown("**What the network sees**")
    # 28x28 sent as it is and enlarged by the browser, pixel for pixel (CSS image-rendering)
    seen.image(np.zeros((28, 28), np.uint8) if img28 is None else img28, width=int(196 * ui.scale()),
               alt="Nothing drawn yet" if img28 is None else "Your drawing as the network reads it",
               caption="28×28 pixels, made the way MNIST was: cropped, scaled to 20 px, centred by mass.")
    with seen:  # for screen readers, there before the first answer (app/live.py)
        live.announce(said, key="draw-said")


draw_and_read()
