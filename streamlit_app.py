"""nnscratch: watch a from-scratch NumPy network learn MNIST, look at its weights, draw a digit.

Run:  streamlit run streamlit_app.py
This file only routes: page config, navigation, the top bar's button, the sidebar, and turns for whole-page
runs (app/page_turns.py). The pages are in app/pages/.

The pages live in app/pages/, deliberately NOT a top-level pages/: Streamlit treats a pages/ folder
beside this file as the old automatic multipage mode until some session has run st.navigation, so a
fresh server whose first visitor opens a deep link (e.g. /draw) would skip this file (no sidebar, no
session set-up).
"""

import streamlit as st

from app import timing

timing.mark_run_start()  # for the server-side timing of a drawing

from app import join, ui  # noqa: E402
from app.page_turns import page_turn  # noqa: E402

present = ui.init_presenter()  # ?present=1 or the sidebar toggle
# "auto": expanded on wide screens, collapsed on phones (where it would cover the whole page). The
# projector shows the page, not the sidebar: in presenter mode pages are switched from a bar on top.
# One call per run: a second, different sidebar state in the same run re-opens it on a page switch.
st.set_page_config(page_title="nnscratch: a neural network from scratch", layout="wide",
                   initial_sidebar_state="collapsed" if present else "auto")

PAGES = [
    st.Page("app/pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app/pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("app/pages/weights.py", title="Weights", icon=":material/grid_view:", url_path="weights"),
    st.Page("app/pages/draw.py", title="Draw", icon=":material/draw:", url_path="draw"),
    st.Page("app/pages/my_drawings.py", title="My drawings", icon=":material/photo_library:", url_path="my-drawings"),
    st.Page("app/pages/evaluate.py", title="Evaluate", icon=":material/analytics:", url_path="evaluate"),
    st.Page("app/pages/step.py", title="Step inside", icon=":material/footprint:", url_path="step"),
    st.Page("app/pages/how_it_works.py", title="How it works", icon=":material/function:", url_path="how-it-works"),
    st.Page("app/pages/class_board.py", title="Class", icon=":material/leaderboard:", url_path="class"),
]

page = st.navigation(PAGES, position="top" if present else "sidebar")
with page_turn():  # whole-page runs take turns; a stroke or a tick (a fragment's rerun) never waits
    ui.before_page(timing.run_began())  # the session's bookkeeping: a reconnect, a finished run, messages
    join.top_bar()  # in the header: Join (presenter mode), or Your name (phones, whose sidebar is closed)
    try:
        page.run()
    finally:
        ui.sidebar(page)  # after the page, so what a person came for is computed and sent first
