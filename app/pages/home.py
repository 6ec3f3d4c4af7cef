"""Home: what this is, what each page does, and the state of things."""

import streamlit as st

from app import join, resources, runs, session, ui
from nnscratch import worker
from nnscratch.data import kinds

s = session.state()
st.title("A neural network from scratch, learning to read digits")
join.home_panel()  # presenter mode: the QR code the room scans, big
st.markdown(
    "This app trains a small neural network, written from scratch in NumPy, to recognise "
    "handwritten digits from the MNIST dataset. You can watch it learn live, look at what each of its "
    "hidden units has learned to look for, and draw a digit for it to read. Nothing is hidden in a "
    "framework: every equation on the *How it works* page is a few lines of the `nnscratch` package."
)

c1, c2, c3 = st.columns(3)
with ui.show_errors("checking the model"):
    net, kind, _ = session.active_model()
    m = session.model_summary(net)
    c1.metric("Current model", m["architecture"], help=m["origin"])
    c2.metric("Test accuracy", ui.fmt_pct(m["accuracy"]))
w = s["worker"]
c3.metric("Training", worker.RUNNING if runs.running() else (w.status if w else "not started"))

st.subheader("The pages")
st.markdown(
    """
| Page | What you do there |
|---|---|
| **Train** | Pick a recipe (or set layers, learning rate, batch size…), press Start and watch the loss and accuracy curves live. Pause, resume, stop; download the model. |
| **Weights** | See the first layer's weights as one 28×28 picture per hidden unit: red pixels push the unit on, blue ones push it off. |
| **Draw** | Draw a digit with the mouse (or a finger); see the 28×28 image the network actually gets and its probabilities for 0–9. |
| **Evaluate** | Test accuracy, accuracy per digit, the confusion matrix and the mistakes it makes. |
| **How it works** | The forward and backward equations, the shapes of every array, and the live numbers for your digit beside the code that computes them. |
"""
)

st.subheader("The network in one paragraph")
st.markdown(
    "Each 28×28 image becomes a row of 784 numbers between 0 (black) and 1 (white). The first layer "
    "multiplies it by a weight matrix **W1** (784 × hidden units) and adds a bias: each hidden unit "
    "computes a weighted sum of all pixels, so its 784 weights form a picture of the pattern it "
    "responds to. A non-linearity (ReLU: keep positives, zero the rest) follows. The last layer turns "
    "the hidden units into 10 scores, and *softmax* turns the scores into probabilities. Training "
    "shows the network batches of labelled digits, measures how wrong it is (cross-entropy loss), and "
    "back-propagates: the chain rule gives the slope of the loss for every weight, and each weight takes "
    "a small step downhill. The classic notebook version, 784-10-10 trained by plain gradient descent, "
    "reaches about 85 %; a wider layer, mini-batches, Adam and small random shifts of the images get "
    "past 98 %."
)

st.subheader("State of things")
store = resources.data_store()
src = s["data_source"]
st.markdown(
    f"- Data for training: **{session.DATA_CHOICES.get(src, src)}**"
    f"{' (loaded)' if src == kinds.UPLOAD or store.loaded(src) else ' (loads when you train or evaluate)'}\n"
    f"- Pretrained model: **{session.model_summary(resources.shipped_model())['name']}**, "
    f"{session.model_summary(resources.shipped_model())['origin']}\n"
    f"- Your own model: **{'yes, ' + s['model'].architecture if s['model'] is not None else 'not yet'}**"
)
st.page_link("app/pages/draw.py", label="Start by drawing a digit", icon=":material/draw:")
st.page_link("app/pages/train.py", label="…or train your own network", icon=":material/model_training:")
