"""How it works: the equations, the shapes, the live numbers for one digit, and the code that computes them."""

import inspect

import numpy as np
import pandas as pd
import streamlit as st

import app_state
from nnscratch import network as nnet
from nnscratch import viz

s = app_state.ss()
st.title("How it works")
app_state.model_picker()

ACT_TEX = {
    "relu": r"\mathrm{ReLU}(z) = \max(z, 0)",
    "leaky_relu": r"\mathrm{LeakyReLU}(z) = \max(z, 0.01 z)",
    "sigmoid": r"\sigma(z) = 1 / (1 + e^{-z})",
    "tanh": r"\tanh(z)",
}
ACT_BACK_TEX = {
    "relu": r"g'(Z) = [Z > 0]",
    "leaky_relu": r"g'(Z) = [Z > 0] + 0.01\,[Z \le 0]",
    "sigmoid": r"g'(Z) = A (1 - A)",
    "tanh": r"g'(Z) = 1 - A^2",
}


def code_lines(obj, *needles) -> str:
    """The lines of obj's source that contain any of ``needles`` (stripped), for showing beside a number."""
    try:
        lines = inspect.getsource(obj).splitlines()
    except (OSError, TypeError):
        return ""
    return "\n".join(l.strip() for l in lines if any(n in l for n in needles))


def show_code(where, text):
    if text:
        where.code(text, language="python", wrap_lines=True)


def source_of(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return "# source not available"


with app_state.guard("explaining"):
    net, kind, _ = app_state.active_model()
    L = net.n_layers
    st.markdown(f"The current model is `{net.architecture}`: an input row of 784 pixels, "
                f"{L - 1} hidden layer{'s' if L != 2 else ''}, and 10 outputs. One digit is a row "
                f"$x$ of shape (1, 784); a batch of $n$ digits is the matrix $A_0$ of shape ($n$, 784).")

    st.header("Forward: from pixels to probabilities")
    f1, f2 = st.columns([1, 1], gap="large")
    with f1:
        for l in range(1, L + 1):
            st.latex(rf"Z_{l} = A_{l - 1} W_{l} + b_{l}")
            if l < L:
                st.latex(rf"A_{l} = g(Z_{l}), \qquad g = {ACT_TEX[net.activation]}")
        st.latex(rf"A_{L} = \mathrm{{softmax}}(Z_{L}), \qquad \mathrm{{softmax}}(z)_k = "
                 r"\frac{e^{z_k - \max z}}{\sum_j e^{z_j - \max z}}")
        st.latex(r"\text{loss} = -\frac{1}{n}\sum_{i} \log A_{" + str(L) + r"}[i, y_i]")
    with f2:
        st.markdown("**The shapes** (one row per digit, one column per unit)")
        rows = [("A0 = X", f"(n, {net.sizes[0]})", "the pixels, 0 = black, 1 = white")]
        for l in range(1, L + 1):
            rows.append((f"W{l}", f"({net.sizes[l - 1]}, {net.sizes[l]})",
                         "one column per unit" + (": its picture on the Weights page" if l == 1 else "")))
            rows.append((f"b{l}", f"({net.sizes[l]},)", "one bias per unit"))
            rows.append((f"Z{l}, A{l}", f"(n, {net.sizes[l]})",
                         "scores → probabilities" if l == L else "weighted sums → activations"))
        st.dataframe(pd.DataFrame(rows, columns=["array", "shape", "meaning"]), hide_index=True, width="stretch")

    st.header("Backward: the slope of the loss for every weight")
    b1, b2 = st.columns([1, 1], gap="large")
    with b1:
        st.latex(rf"dZ_{L} = \frac{{1}}{{n}}\,(A_{L} - Y) \qquad (Y\text{{: one-hot labels}})")
        for l in range(L, 0, -1):
            st.latex(rf"dW_{l} = A_{l - 1}^\top dZ_{l}, \qquad db_{l} = \textstyle\sum_i dZ_{l}[i, :]")
            if l > 1:
                st.latex(rf"dZ_{l - 1} = (dZ_{l} W_{l}^\top) \odot g'(Z_{l - 1}), \qquad "
                         + ACT_BACK_TEX[net.activation])
        st.latex(r"W \leftarrow W - \eta\, dW, \qquad b \leftarrow b - \eta\, db")
        st.caption("The last line is plain gradient descent with learning rate η; momentum and Adam "
                   "reshape each step from the same gradients.")
    with b2:
        st.markdown("Every gradient has the shape of what it updates: $dW_l$ like $W_l$, $db_l$ like "
                    "$b_l$ (**one number per unit**: the classic notebook summed them into one scalar, "
                    "a bug). The $1/n$ makes the step size independent of the batch size.")
        st.markdown("These formulas are checked against finite differences in the tests, for every "
                    "activation and for two hidden layers.")

    st.header("Live numbers for one digit")
    choices = {"drawing": "your last drawing (Draw page)", "test": "a test digit"}
    pick = st.radio("Digit", list(choices), format_func=choices.get, horizontal=True, key="hw_pick")
    img = s.get("last_drawing") if pick == "drawing" else None
    if pick == "test" or img is None:
        if pick == "drawing":
            st.caption("No drawing yet: showing a test digit instead.")
        arrays = app_state.get_arrays("sample")
        i = int(st.columns(4)[0].number_input("Test index", 0, len(arrays.y_test) - 1, key="hw_index", step=1))
        img = arrays.X_test[i].reshape(28, 28)
    acts = net.activations(np.asarray(img, np.float32).reshape(1, 784))

    cols = st.columns([0.8, 1.4, 1.4, 1.2], gap="medium")
    cols[0].markdown("**A0: the input**")
    cols[0].image(viz.upscale(img, 6), width=168)

    def bars(values, title, top=None, fmt=".2f", highlight=None, x_title="unit"):
        v = np.asarray(values).reshape(-1)
        idx = np.arange(len(v))
        if top is not None and len(v) > top:  # many units: show the strongest ones
            idx = np.sort(np.argsort(-np.abs(v))[:top])
            title += f" ({top} strongest of {len(v)})"
        df = pd.DataFrame({"unit": [str(i) for i in idx], "value": v[idx], "hl": [i == highlight for i in idx]})
        return df, viz.bar_chart_spec("unit", "value", title=title, highlight="hl",
                                      y_format="%" if fmt.endswith("%") else None,
                                      text_format=None, height=230, label_size=13, x_title=x_title)

    fwd_code = code_lines(nnet.Network.activations, "A @ self.params", "+ self.params[f\"b")
    act_code = code_lines(nnet.Network.activations, "A = act(")
    soft_code = code_lines(nnet.softmax, "np.exp", "E /=")
    with cols[0]:
        st.caption("Code beside each chart: the line of `nnscratch/network.py` that computes it.")
    with cols[1]:
        st.vega_lite_chart(*bars(acts["Z1"], "Z1 = A0·W1 + b1", top=12), width="stretch")
        show_code(st, fwd_code)
    with cols[2]:
        if L > 1:
            st.vega_lite_chart(*bars(acts["A1"], "A1 = g(Z1)", top=12), width="stretch")
            show_code(st, act_code)
        st.vega_lite_chart(*bars(acts[f"Z{L}"], f"Z{L}: 10 scores", highlight=int(np.argmax(acts[f"A{L}"])),
                                 x_title="digit"),
                           width="stretch")
        show_code(st, fwd_code.replace("{l}", "{L}") if L > 1 else "")
    with cols[3]:
        p = acts[f"A{L}"].reshape(-1)
        st.vega_lite_chart(*bars(p, f"A{L} = softmax(Z{L})", fmt=".1%", highlight=int(np.argmax(p)), x_title="digit"), width="stretch")
        show_code(st, soft_code)
        st.markdown(f"Prediction: **{int(np.argmax(p))}** ({100 * p.max():.1f} %)")

    st.header("The code that computes it")
    st.caption("Straight from the `nnscratch` package this app runs (nnscratch/network.py), read at run time.")
    fwd, back = nnet.ACTIVATIONS[net.activation]
    backprop = getattr(nnet.Network, "_backprop", None)
    tabs = st.tabs(["Forward pass", "Softmax", "Loss and gradients", f"{net.activation} and its slope"])
    with tabs[0]:
        st.markdown("`Network.activations(X)`: the numbers above, layer by layer")
        st.code(source_of(nnet.Network.activations), language="python")
    with tabs[1]:
        st.code(source_of(nnet.softmax), language="python")
    with tabs[2]:
        st.code(source_of(nnet.Network.forward_backward)
                + ("\n" + source_of(backprop) if backprop is not None else ""), language="python")
    with tabs[3]:
        st.code(source_of(fwd) + "\n" + source_of(back), language="python")
