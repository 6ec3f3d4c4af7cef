"""What one step did, on the Step inside page: the loss before and after, the batch, the gradient of every
layer as a picture, the update that was applied and the units whose weights changed most.

Every number is the StepResult's (nnscratch.stepper), the engine's own forward_backward and optimizer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nnscratch import metrics, plots

from . import charts, session, ui

PAGE = 64  # gradient pictures per page, as on the Weights page


def _px(laptop: int, projector: int) -> int:
    """An image's width: bigger in presenter mode, so a tile reads from the back of the room."""
    return projector if ui.presenting() else laptop


def _zoom(width: int) -> int:
    """Pixels per weight for a 28x28 picture shown ``width`` px wide: crisp squares, never blurred up."""
    return -(-width // 28)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def show(r, net, losses: list) -> None:
    """StepResult ``r`` of the stepped ``net`` (its params are after the step); ``losses``: one dict a step
    (step, before, after), for the loss chart."""
    s = session.state()
    m = st.columns(4)
    m[0].metric("Step", r.step)
    m[1].metric("Loss before", f"{r.loss_before:.4f}")
    m[2].metric("Loss after", f"{r.loss_after:.4f}", f"{r.loss_after - r.loss_before:+.4f}", delta_color="inverse")
    right = (int((r.pred_before == r.y).sum()), int((r.pred_after == r.y).sum()))
    m[3].metric(f"Right of the {len(r.y)}", f"{right[0]} → {right[1]}")  # short: a metric's value never wraps
    with st.container(key="step-exact"):
        st.caption(f"Exact: loss before {r.loss_before:.6f}, after {r.loss_after:.6f} on this batch (mean "
                   f"cross-entropy: the engine's forward_backward, then the same batch through the new weights).")
    if r.index[0] == -1:
        t = int(r.y[0])
        st.success(f"Your drawing, labelled {t}: the network gave it {100 * r.probs_before[0, t]:.1f} % for {t} "
                   f"before this step and gives {100 * r.probs_after[0, t]:.1f} % after "
                   f"(it reads it as {int(r.pred_before[0])} → {int(r.pred_after[0])}).", icon=":material/draw:")

    st.subheader("The batch")
    st.caption("Each digit: its label, what the network said before the step → after it.")
    with st.container(key="step-batch"):
        st.image([plots.upscale(x.reshape(28, 28), 2) for x in r.X],
                 caption=[("drawing" if i < 0 else f"#{i}") + f" · {t}: {b}→{a}" for i, t, b, a
                          in zip(r.index, r.y, r.pred_before, r.pred_after)], width=_px(64, 104),
                 alt=[("Your drawing" if i < 0 else f"Batch digit #{i}") + f": a {t}, read as {b} before the step, "
                      f"{a} after" for i, t, b, a in zip(r.index, r.y, r.pred_before, r.pred_after)])
    losses = pd.DataFrame(losses)
    if len(losses) > 1:
        df = pd.DataFrame({"step": losses["step"], "loss": losses["before"],
                           "loss_smooth": metrics.smoothed(losses["before"].to_numpy(), 0.8)})
        st.markdown("**The loss on each step's batch**, before the step (grey), and smoothed (pink)")
        spec = charts.loss_chart_spec(height=220)
        spec.pop("title")  # said above: a Vega title is cut at the top of the chart's box here
        spec["layer"][0]["encoding"]["x"]["axis"].update(format="d", tickMinStep=1)  # whole steps
        st.vega_lite_chart(df, charts.scaled(spec, ui.scale()), width="stretch")

    st.subheader("The gradient, layer by layer")
    g1 = r.grads["W1"]
    H = g1.shape[1]
    vg = plots.symmetric_scale(g1)
    top1, _ = r.top_units[1]
    start = 0
    if H > PAGE:
        pages = (H + PAGE - 1) // PAGE
        if s.get("step_page", 0) >= pages:
            s["step_page"] = 0
        start = PAGE * st.select_slider("Units", options=list(range(pages)), key="step_page",
                                        format_func=lambda p: f"{p * PAGE}–{min(H, (p + 1) * PAGE) - 1}")
    last = net.n_layers == 1
    st.image(plots.weight_grid_image(g1, start=start, count=PAGE, vmax=vg, selected=int(top1[0])), width="stretch",
             alt=f"The gradient of the first layer's weights, one 28 by 28 tile per unit from {start}; "
                 f"unit {int(top1[0])} changed most")
    st.caption(f"dL/dW1: one 28×28 picture per {'class' if last else 'hidden unit'}, all on one symmetric scale "
               f"±{vg:.3g} (the 99.5th percentile of |dW1|, as the Weights page scales W1). Red: more ink there "
               f"raised the loss, so the step lowers that weight; blue: the step raises it. Framed: the unit that "
               f"changed most.")
    for l in range(2, net.n_layers + 1):
        g = r.grads[f"W{l}"]
        to_classes = l == net.n_layers
        st.markdown(f"**dL/dW{l}**: {'hidden unit → class' if to_classes else f'layer {l - 1} → layer {l}'}")
        hm = plots.heatmap_image(g.T, cell=32 if g.shape[1] <= 16 else 4, max_width=900, font_px=24)
        st.image(hm, width="stretch" if hm.shape[1] > 700 else "content",
                 alt=f"Heatmap of the gradient of W{l}, {g.shape[1]} rows by {g.shape[0]} columns")
        st.caption(f"Rows: {'the 10 classes' if to_classes else f'the {g.shape[1]} units of layer {l}'}; columns: "
                   f"the {g.shape[0]} units feeding them. Scale ±{np.abs(g).max():.3g}.")

    st.subheader("The update that was applied")
    u1 = r.update["W1"]
    p, j = np.unravel_index(int(np.argmax(np.abs(u1))), u1.shape)
    after = float(net.params["W1"][p, j])
    before = after - float(u1[p, j])
    grad = float(g1[p, j])
    with st.container(key="step-worked"):
        rule = (f"= {_fmt(before)} − {r.lr:g} × {_fmt(grad)} " if r.optimizer == "sgd" else "")
        st.markdown(f"The weight that moved most: pixel ({p // 28}, {p % 28}) of unit {j}. "
                    f"W before **{_fmt(before)}**, gradient **{_fmt(grad)}**, learning rate **{r.lr:g}**, "
                    f"W after {rule}= **{_fmt(after)}** (update {_fmt(float(u1[p, j]))}).")
    rows = []
    for k in net.params:
        upd, g = r.update[k], r.grads[k]
        rows.append({"parameter": k, "shape": "×".join(map(str, upd.shape)), "|gradient|": f"{np.linalg.norm(g):.3g}",
                     "|update|": f"{np.linalg.norm(upd):.3g}",
                     "|update| / |W|": f"{np.linalg.norm(upd) / max(np.linalg.norm(net.params[k]), 1e-12):.2e}"})
    st.html(charts.table_html(pd.DataFrame(rows)))

    st.subheader("The units whose weights changed most")
    units, sizes = r.top_units[1]
    vu = plots.symmetric_scale(u1, 100.0)
    vw = plots.symmetric_scale(net.params["W1"])
    votes = [f" → {int(net.params['W2'][u].argmax())}" if not last else "" for u in units]
    w = _px(96, 200)
    with st.container(key="step-top"):
        st.image([plots.unit_image(u1[:, u], vu, zoom=_zoom(w)) for u in units],
                 caption=[f"unit {u}{v} · {n:.2g}" for u, n, v in zip(units, sizes, votes)], width=w,
                 alt=[f"The update of unit {u}'s weights as a 28 by 28 picture" for u in units])
    st.caption(f"Each picture is one unit's update ΔW1[:, unit] (scale ±{vu:.3g}); under it: the unit, the digit "
               f"it votes for most (→) and the length of its update |Δ|.")
    u = int(units[0])
    w_after = net.params["W1"][:, u]
    w = _px(112, 260)
    st.image([plots.unit_image(w_after - u1[:, u], vw, zoom=_zoom(w)), plots.unit_image(u1[:, u], vu, zoom=_zoom(w)),
              plots.unit_image(w_after, vw, zoom=_zoom(w))],
             caption=[f"unit {u} before", "+ its update", "= after"], width=w,
             alt=[f"Unit {u}'s weights before the step", f"Unit {u}'s update", f"Unit {u}'s weights after the step"])
    st.caption(f"Before and after on the weights' own scale ±{vw:.3g}; the update on its own, ±{vu:.3g}, "
               f"{vw / vu:.0f}× finer: one step moves a weight only a little.")

