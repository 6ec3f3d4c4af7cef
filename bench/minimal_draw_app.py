"""The smallest honest canvas-to-prediction app: the baseline bench/bench_load.py compares the real app with.

Canvas (same size, brush and widget as the Draw page, with the same kind of Clear button) ->
``nnscratch.drawing.preprocess.to_mnist`` -> one forward pass of the same model the real app shows first
(models/mnist_mlp.npz, or the same starter model the app trains when that file is missing) ->
``st.metric("Prediction")``. No sidebar, no navigation, no charts. Like the real app it appends the
server-side time per drawing (script start -> prediction written) to $NNSCRATCH_TIMINGS.

    streamlit run bench/minimal_draw_app.py
"""

import json
import os
import sys
import time
from pathlib import Path

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_drawable_canvas import st_canvas  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nnscratch  # noqa: E402
from nnscratch.drawing import preprocess  # noqa: E402


@st.cache_resource(show_spinner=False)
def model():
    path = ROOT / "models" / "mnist_mlp.npz"
    if path.is_file():
        return nnscratch.Network.load(path)
    # The same starter the real app trains (app.resources._starter_model) when the shipped file is missing.
    from nnscratch.data.splits import prepare_arrays

    arrays = prepare_arrays(nnscratch.load_mnist("sample"))
    recipe = nnscratch.Recipe(hidden=(64,), batch_size=64, epochs=3)
    net = recipe.network()
    nnscratch.fit(net, arrays.X_train, arrays.y_train, **recipe.fit_kwargs())
    return net


def record_timing(seconds: float) -> None:
    path = os.environ.get("NNSCRATCH_TIMINGS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"what": "draw", "seconds": seconds, "t": time.time()}) + "\n")


st.session_state.setdefault("canvas_key", 0)
canvas = st_canvas(stroke_width=preprocess.BRUSH_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
                   height=preprocess.CANVAS_SIZE, width=preprocess.CANVAS_SIZE, drawing_mode="freedraw",
                   update_streamlit=True, return_image_data=True, key=f"canvas-{st.session_state['canvas_key']}")
if st.button("Clear"):
    st.session_state["canvas_key"] += 1
    st.rerun()
img = preprocess.to_mnist(np.asarray(canvas.image_data)) if canvas.image_data is not None else None
if img is None:
    st.info("Draw a digit.")
else:
    probs = model().predict_proba(img.reshape(1, 784))[0]
    st.metric("Prediction", int(np.argmax(probs)))
    record_timing(time.perf_counter() - T0)
