"""Step inside: hold the network still, push it one mini-batch at a time, and light up every unit for a drawing.

Straight-line layout: the stepping controls and the stepper (app/stepping.py), what the last step did
(app/step_view.py), then every unit lit for a drawing and head to head (app/lit.py, a fragment). The numbers
are the engine's own (tests/test_stepper.py, tests/test_inside.py). A step reruns the page: the drawing
section reads the stepped network.
"""

import streamlit as st

from app import lit, step_view, stepping, ui

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


held = None  # the settings below went through: there is a stepper for them
with ui.show_errors("setting up the steps"):
    held = stepping.setup()

if held is not None:
    with ui.show_errors("stepping"):
        stepping.controls(held)
        if held["last"] is not None:
            step_view.show(held["last"], held["stepper"].net, held["losses"])

st.header("Every unit lit for your drawing")
st.markdown("Draw a digit: the network you are stepping above reads it. Each square of the hidden layer is one "
            "unit, as deep red as it is active for this drawing.")
lit.section()
