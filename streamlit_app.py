"""nnscratch: watch a from-scratch NumPy network learn MNIST, look at its weights, draw a digit.

Run:  streamlit run streamlit_app.py
This file is the frame around every page: page config, navigation and the sidebar.

The pages live in app/pages/, deliberately NOT pages/: Streamlit treats a pages/ folder as the old
automatic multipage mode until some session has run st.navigation, so a fresh server whose first
visitor opens a deep link (e.g. /draw) would skip this file (no sidebar, no session set-up).
"""

import time

import streamlit as st

st.session_state["_run_t0"] = time.perf_counter()  # for the server-side timing of a drawing
st.set_page_config(page_title="nnscratch: a neural network from scratch", layout="wide",
                   initial_sidebar_state="expanded")

import app_state  # noqa: E402  (after set_page_config: it may create cached resources)

PAGES = [
    st.Page("app/pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app/pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("app/pages/weights.py", title="Weights", icon=":material/grid_view:", url_path="weights"),
    st.Page("app/pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page("app/pages/evaluate.py", title="Evaluate", icon=":material/analytics:", url_path="evaluate"),
    st.Page("app/pages/how_it_works.py", title="How it works", icon=":material/function:", url_path="how-it-works"),
]

page = st.navigation(PAGES)
app_state.ss()
app_state.reclaim_runs()
app_state.style()
if app_state.sync_worker():
    st.toast("Training finished: your model is now the current model.", icon=":material/check_circle:")
app_state.show_flash()
try:
    page.run()
finally:
    app_state.sidebar()  # after the page, so what a person came for is computed and sent first
