"""Draw: a digit on the canvas, the 28x28 image the network sees, and what it reads."""

import time

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import app_state
from nnscratch import preprocess, viz

s = app_state.ss()
st.title("Draw a digit")
app_state.model_picker()

# Fixed-width boxes in a wrapping row, not st.columns: relative columns squeeze the canvas below its
# CANVAS_SIZE on a 1366 px laptop or projector, and strokes on the hidden part would be lost.
row = st.container(horizontal=True, gap="large", key="draw-row")
left = row.container(width=preprocess.CANVAS_SIZE + 16, key="draw-canvas")
right = row.container(width="stretch", key="draw-result")
with left:
    st.html('<div style="height: 2.2rem"></div>')  # room for the canvas toolbar that floats above it
    canvas = st_canvas(
        stroke_width=preprocess.BRUSH_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
        height=preprocess.CANVAS_SIZE, width=preprocess.CANVAS_SIZE, drawing_mode="freedraw",
        update_streamlit=True, return_image_data=True, key=f"canvas-{s['canvas_key']}",
    )
    st.caption("Draw one digit, large, in the middle.")
    if st.button("Clear", icon=":material/ink_eraser:", key="clear_canvas"):
        s["canvas_key"] += 1  # a fresh canvas widget is an empty one
        s["last_drawing"] = None
        st.rerun()

img28 = None
with app_state.guard("reading the drawing"):
    data = getattr(canvas, "image_data", None) if canvas is not None else None
    if data is not None:
        img28 = preprocess.to_mnist(np.asarray(data))

with right:
    top = st.container(horizontal=True, gap="large")
    with top.container(width=200, key="draw-seen"):
        st.markdown("**What the network sees**")
        st.image(np.zeros((28 * 7, 28 * 7), np.uint8) if img28 is None else app_state.big_digit(img28, 7),
                 width=196)
        st.caption("28×28 pixels, made the way MNIST was: cropped, scaled to 20 px, centred by mass.")
    answer = top.container(width="stretch")
    if img28 is None:
        answer.info("Draw a digit on the black square: the prediction appears when you lift the mouse.",
                    icon=":material/draw:")
    else:
        s["last_drawing"] = img28
        with app_state.guard("predicting"):
            net, kind, _ = app_state.active_model()
            probs = net.predict_proba(img28.reshape(1, 784))[0]
            digit = int(np.argmax(probs))
            with answer.container(key="draw-prediction"):
                st.metric("Prediction", digit)
            answer.metric("Confidence", f"{100 * probs[digit]:.1f} %")
            app_state.record_timing("draw", time.perf_counter() - app_state.run_started())
            df = pd.DataFrame({"digit": [str(i) for i in range(10)], "probability": probs,
                               "top": [i == digit for i in range(10)]})
            st.vega_lite_chart(df, viz.bar_chart_spec("digit", "probability", highlight="top", y_domain=(0, 1),
                                                      y_format="%", text_format=".0%", y_title=None,
                                                      height=240), width="stretch", key="draw-probs")
            if probs[digit] < 0.6:
                st.caption("Not sure? Draw bigger and centred, with one continuous stroke where you can.")
