"""Draw: a digit on the canvas, the 28x28 image the network sees, and what it reads."""

import time

import numpy as np
import streamlit as st
from app import charts, session, timing, ui
from nnscratch.drawing import preprocess
from nnscratch.tools import versions

try:
    from streamlit_drawable_canvas import st_canvas
except Exception:  # noqa: BLE001 - an untested Streamlit may break the component's import: say so, no traceback
    differ = versions.mismatches(names=versions.UI_PACKAGES)
    st.error("The drawing canvas could not load. " + (versions.warning_text(differ) if differ else
             "Reinstall the tested versions: `python -m pip install -r requirements.txt`"), icon=":material/warning:")
    st.stop()

s = session.state()
st.title("Draw a digit")
ui.model_picker()


def _clear_canvas():
    s["canvas_key"] += 1  # a fresh canvas widget is an empty one
    s["last_drawing"] = None


# A stroke reruns only this fragment, not the whole app (navigation, sidebar, title): a drawing then costs
# the server about what a bare canvas-to-prediction script costs, which is what lets a room draw at once.
@st.fragment
def draw_and_read():
    t0 = timing.run_started(time.perf_counter())  # for the load benchmark's server time per drawing
    # Fixed-width boxes in a wrapping row, not st.columns: relative columns squeeze the canvas below its
    # CANVAS_SIZE on a 1366 px laptop or projector, and strokes on the hidden part would be lost.
    row = st.container(horizontal=True, gap="large", key="draw-row")
    left = row.container(width=preprocess.CANVAS_SIZE + 16, key="draw-canvas")
    right = row.container(width="stretch", key="draw-result")
    with left:
        canvas = st_canvas(
            stroke_width=preprocess.BRUSH_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
            height=preprocess.CANVAS_SIZE, width=preprocess.CANVAS_SIZE, drawing_mode="freedraw",
            update_streamlit=True, return_image_data=True, key=f"canvas-{s['canvas_key']}",
        )
    img28 = None
    with ui.show_errors("reading the drawing"):
        data = getattr(canvas, "image_data", None) if canvas is not None else None
        if data is not None:
            img28 = preprocess.to_mnist(np.asarray(data))

    # Boxes laid out first, filled in order of urgency: the prediction is computed and sent before
    # everything else, so on a busy server or bad Wi-Fi the answer is what arrives first.
    top = right.container(horizontal=True, gap="large")
    seen = top.container(width=200, key="draw-seen")
    answer = top.container(width="stretch")
    if img28 is None:
        answer.info("Draw a digit on the black square: the prediction appears when you lift the mouse.",
                    icon=":material/draw:")
    else:
        s["last_drawing"] = img28
        with answer, ui.show_errors("predicting"):
            net, kind, _ = session.active_model()
            probs = net.predict_proba(img28.reshape(1, 784))[0]
            digit = int(np.argmax(probs))
            with st.container(key="draw-prediction"):
                st.metric("Prediction", digit)
            st.metric("Confidence", f"{100 * probs[digit]:.1f} %")
            timing.record("draw", time.perf_counter() - t0)
            right.html(charts.probability_bars_html(probs))
            if probs[digit] < 0.6:
                right.caption("Not sure? Draw bigger and centred, with one continuous stroke where you can.")
    seen.markdown("**What the network sees**")
    # 28x28 sent as it is and enlarged by the browser, pixel for pixel (CSS image-rendering)
    seen.image(np.zeros((28, 28), np.uint8) if img28 is None else img28, width=196,
               caption="28×28 pixels, made the way MNIST was: cropped, scaled to 20 px, centred by mass.")
    left.caption("Draw one digit, large, in the middle.")
    left.button("Clear", icon=":material/ink_eraser:", key="clear_canvas", on_click=_clear_canvas)


draw_and_read()
