"""Weights: the first layer as one 28x28 picture per hidden unit, live while a run trains."""

import math

import pandas as pd
import streamlit as st

from app import charts, runs, session, ui
from nnscratch import plots

s = session.state()
PAGE = 64

st.title("What the hidden units look for")
st.markdown("Each picture is one hidden unit's 784 input weights laid out as the 28×28 image. "
            "**Red** pixels raise the unit's value when they are inked, **blue** ones lower it; light "
            "grey means the pixel hardly matters. All pictures share one colour scale, centred on zero.")

w = runs.running()
if w is None:
    ui.model_picker()


@st.fragment(run_every=runs.tick_every(1.0) if w is not None else None)  # slower in a full room
def weights_view():
    if w is not None:
        params = w.live_params()
        snap = w.snapshot()
        st.info(f"Live from your training run ({snap['status']}, step {snap['step']} / {snap['total_steps']}): "
                f"the pictures change as it learns.", icon=":material/radio_button_checked:")
        arch = w.net.architecture
    else:
        net, kind, _ = session.active_model()
        params, arch = net.params, net.architecture
    W1 = params["W1"]
    H = W1.shape[1]
    only_layer = "W2" not in params
    what = "class" if only_layer else "unit"
    vmax = plots.symmetric_scale(W1)

    c1, c2 = st.columns([3, 1])
    start = 0
    if H > PAGE:
        pages = math.ceil(H / PAGE)
        if s.get("w_page", 0) >= pages:
            s["w_page"] = 0
        page = c1.select_slider("Units", options=list(range(pages)), key="w_page",
                                format_func=lambda p: f"{p * PAGE}–{min(H, (p + 1) * PAGE) - 1}")
        start = page * PAGE
    if not 0 <= s.get("w_unit", 0) < H:  # the model changed under the widget
        s["w_unit"] = 0
    sel = c2.number_input(f"Look closer at {what}", min_value=0, max_value=H - 1, step=1, key="w_unit")
    if only_layer:
        st.caption(f"{arch}: no hidden layer, so each picture is the template of one digit class.")
    else:
        st.caption(f"{arch}: {H} hidden units; colour scale ±{vmax:.3g} (99.5th percentile of |W1|).")
    with st.container(key="weights-grid"):
        shown = f"{start}–{min(H, start + PAGE) - 1}"
        st.image(plots.weight_grid_image(W1, start=start, count=PAGE, vmax=vmax, selected=int(sel)), width="stretch",
                 alt=f"The input weights of {what}s {shown}, each as a 28×28 picture; {what} {int(sel)} framed")

    left, right = st.columns([1, 1.3], gap="large")
    u = int(sel)
    with left:
        st.subheader(f"{what.capitalize()} {u}")
        a, b = st.columns([1, 1.2])
        a.image(plots.unit_image(W1[:, u], vmax, zoom=8), width=int(224 * ui.scale()),
                alt=f"The 784 input weights of {what} {u} as a 28×28 picture")
        a.metric("Bias", f"{float(params['b1'][u]):+.3f}")
        centres, counts = plots.histogram(W1[:, u])
        half = (centres[1] - centres[0]) / 2 if len(centres) > 1 else 0.5
        hist = pd.DataFrame({"lo": centres - half, "hi": centres + half, "count": counts})
        b.vega_lite_chart(hist, charts.scaled(charts.histogram_spec("its 784 weights"), ui.scale()), width="stretch")
    with right:
        if not only_layer:
            W2 = params["W2"]
            to_classes = W2.shape[1] == 10
            st.subheader("Second layer: hidden unit → " + ("class" if to_classes else "next layer"))
            hm = plots.heatmap_image(W2.T, cell=32 if W2.shape[1] <= 16 else 4, max_width=900, font_px=24)
            st.image(hm, width="stretch" if hm.shape[1] > 700 else "content",
                     alt=f"Heatmap of the second layer's weights: {W2.shape[1]} rows by {H} columns")
            st.caption(f"Rows: {'the 10 classes' if to_classes else f'the {W2.shape[1]} units of layer 2'}; "
                       f"columns: the {H} hidden units, left to right. Red = votes for, blue = against.")
            if to_classes:
                top = int(W2[u].argmax())
                st.markdown(f"Unit {u} votes most strongly for **{top}** (weight {W2[u, top]:+.2f}).")


with ui.show_errors("drawing the weights"):
    weights_view()
