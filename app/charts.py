"""What the live views draw with: Vega-Lite specs and small HTML pieces, built without Altair.

Building charts with Altair runs a GIL-holding schema validation for every chart; the live
Train page redraws twice a second beside the training thread and the Draw page answers every
stroke, so they use these plain dicts instead.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from nnscratch import metrics

PINK, BLUE, GREY = "#c2255c", "#4c72b0", "#9aa5b1"  # PINK: the theme's primaryColor (.streamlit/config.toml)
HISTORY_COLUMNS = ["step", "epoch", "loss", "loss_smooth", "train_acc", "val_acc", "lr"]

def history_table(rows, max_points: int = 400) -> pd.DataFrame:
    """History rows -> a DataFrame for the charts: at most ~max_points rows (``metrics.thin``), with
    loss_smooth (the moving average over every row) and val_acc NaN between validations."""
    if not rows:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    smooth = metrics.smoothed([r["loss"] for r in rows])
    sel = metrics.thin(rows, max_points)
    return pd.DataFrame({
        "step": [rows[i]["step"] for i in sel],
        "epoch": [rows[i]["epoch"] for i in sel],
        "loss": [rows[i]["loss"] for i in sel],
        "loss_smooth": smooth[sel],
        "train_acc": [rows[i]["train_acc"] for i in sel],
        "val_acc": [np.nan if rows[i].get("val_acc") is None else rows[i]["val_acc"] for i in sel],
        "lr": [rows[i]["lr"] for i in sel],
    })

def _axis(fmt=None, title=None, angle=None, label_size=14):
    a = {"labelFontSize": label_size, "titleFontSize": 15}
    if fmt:
        a["format"] = fmt
    if title is not None:
        a["title"] = title
    if angle is not None:
        a["labelAngle"] = angle
    return a

def loss_chart_spec(x: str = "step", height: int = 300) -> dict:
    """Per-batch loss (grey) under its moving average (pink); data: history_table()."""
    enc_x = {"field": x, "type": "quantitative", "axis": _axis(title=x)}
    return {
        "height": height, "title": "Loss (thin grey: each batch, thick pink: smoothed)",
        "layer": [
            {"mark": {"type": "line", "color": GREY, "opacity": 0.6},
             "encoding": {"x": enc_x, "y": {"field": "loss", "type": "quantitative",
                                            "axis": _axis(title="cross-entropy loss")}}},
            {"mark": {"type": "line", "color": PINK, "strokeWidth": 3},
             "encoding": {"x": enc_x, "y": {"field": "loss_smooth", "type": "quantitative"}}},
        ],
    }

def accuracy_chart_spec(x: str = "step", height: int = 300) -> dict:
    """Running train accuracy and validation accuracy (points); data: history_table()."""
    return {
        "height": height, "title": "Accuracy",
        "transform": [
            {"fold": ["train_acc", "val_acc"], "as": ["series", "accuracy"]},
            {"filter": "isValid(datum.accuracy) && isFinite(datum.accuracy)"},
            {"calculate": "datum.series == 'train_acc' ? 'train (running)' : 'validation'", "as": "set"},
        ],
        "mark": {"type": "line", "point": True, "strokeWidth": 3},
        "encoding": {
            "x": {"field": x, "type": "quantitative", "axis": _axis(title=x)},
            "y": {"field": "accuracy", "type": "quantitative", "scale": {"domain": [0, 1]},
                  "axis": _axis(fmt="%", title="accuracy")},
            "color": {"field": "set", "type": "nominal",
                      "scale": {"domain": ["train (running)", "validation"], "range": [BLUE, PINK]},
                      "legend": {"orient": "bottom-right", "title": None, "labelFontSize": 14}},
            # not by colour alone: validation is dashed with square points (one merged legend)
            "strokeDash": {"field": "set", "type": "nominal",
                           "scale": {"domain": ["train (running)", "validation"], "range": [[1, 0], [6, 3]]},
                           "legend": {"orient": "bottom-right", "title": None, "labelFontSize": 14}},
            "shape": {"field": "set", "type": "nominal",
                      "scale": {"domain": ["train (running)", "validation"], "range": ["circle", "square"]},
                      "legend": {"orient": "bottom-right", "title": None, "labelFontSize": 14}},
        },
    }

def bar_chart_spec(x: str, y: str, *, title=None, highlight: str | None = None, y_domain=None,
                   y_format=None, x_title=None, y_title=None, text_format=None, height: int = 260,
                   label_size: int = 18) -> dict:
    """Bars of y per category x; rows whose ``highlight`` column is true are pink, the rest blue."""
    enc = {
        "x": {"field": x, "type": "nominal", "sort": None, "axis": _axis(title=x_title, angle=0,
                                                                         label_size=label_size)},
        "y": {"field": y, "type": "quantitative", "axis": _axis(fmt=y_format, title=y_title)},
        "tooltip": [{"field": x, "type": "nominal"},
                    {"field": y, "type": "quantitative", "format": text_format or y_format or ".3f"}],
    }
    if y_domain is not None:
        enc["y"]["scale"] = {"domain": list(y_domain)}
    if highlight:
        enc["color"] = {"condition": {"test": f"datum['{highlight}']", "value": PINK}, "value": BLUE}
    bars = {"mark": {"type": "bar", "color": BLUE}, "encoding": enc}
    spec = {"height": height}
    if title:
        spec["title"] = title
    if text_format:
        text = {"mark": {"type": "text", "dy": -10, "fontSize": 14},
                "encoding": {"x": enc["x"], "y": enc["y"], "text": {"field": y, "type": "quantitative",
                                                                      "format": text_format}}}
        spec["layer"] = [bars, text]
    else:
        spec.update(bars)
    return spec

_SCALED_KEYS = ("height", "labelFontSize", "titleFontSize", "fontSize", "symbolSize", "strokeWidth", "dy")


def scaled(spec: dict, k: float) -> dict:
    """A copy of a Vega-Lite spec ``k`` times bigger for a projector: heights, font sizes, line widths,
    and the chart title (given a font size). ``k == 1`` returns the spec as it is."""
    if k == 1:
        return spec

    def walk(x):
        if isinstance(x, dict):
            return {key: (v * k if key in _SCALED_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
                          else walk(v)) for key, v in x.items()}
        return [walk(v) for v in x] if isinstance(x, list) else x

    out = walk(spec)
    out.setdefault("config", {})
    out["config"] = {**out["config"], "title": {"fontSize": 16 * k}, "axis": {"labelFontSize": 13 * k,
                                                                              "titleFontSize": 14 * k},
                     "legend": {"labelFontSize": 14 * k, "symbolSize": 100 * k}}
    return out


def probability_bars_html(probs, height: int = 120) -> str:
    """The ten class probabilities as an HTML bar chart: the highest bar pink, a percentage on each.

    Plain HTML and CSS on purpose: it is redrawn on every stroke on the Draw page, and a browser lays
    out ten boxes in well under a millisecond, where a Vega-Lite chart is re-built each time.
    """
    probs = np.asarray(probs, dtype=float)
    top = int(np.argmax(probs))
    cols = []
    for digit, p in enumerate(probs):
        color = PINK if digit == top else BLUE
        bar = max(1, round(height * float(p)))
        cols.append(
            f'<div style="flex:1;display:flex;flex-direction:column;align-items:center;justify-content:flex-end">'
            f'<div style="font-size:0.85rem;color:#555;margin-bottom:2px">{100 * p:.0f}%</div>'
            f'<div style="width:70%;height:{bar}px;background:{color};border-radius:3px 3px 0 0"></div>'
            f'<div style="font-size:1.3rem;font-weight:{700 if digit == top else 400};margin-top:4px">{digit}</div>'
            f'</div>')
    return (f'<div role="img" aria-label="probability of each digit" style="display:flex;gap:4px;'
            f'align-items:stretch;height:{height + 60}px;border-bottom:1px solid #ddd">{"".join(cols)}</div>')

def histogram_spec(title: str = "", height: int = 260) -> dict:
    """Bars from columns lo, hi (bin edges) and count."""
    return {"height": height, "title": title, "mark": {"type": "rect", "color": BLUE},
            "encoding": {"x": {"field": "lo", "type": "quantitative", "axis": _axis(title="weight")},
                         "x2": {"field": "hi"},
                         "y": {"field": "count", "type": "quantitative", "axis": _axis(title="pixels")},
                         "y2": {"datum": 0}}}



def table_html(df: pd.DataFrame) -> str:
    """A table that fits any screen, as HTML: on a narrow one each row becomes a card of "label: value"
    lines (the CSS is in app/ui.py, class nns-table). Every cell is escaped: user text stays text."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f'<td data-label="{html.escape(str(c))}">{html.escape(str(v))}</td>'
                                     for c, v in zip(df.columns, row)) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="nns-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def confusion_alt(cm, top: int = 3) -> str:
    """The confusion matrix picture in words, its alt text for a screen reader: how many digits were read
    right and the ``top`` most frequent mistakes (row = the true digit, column = the answer)."""
    cm = np.asarray(cm)
    off = cm * (1 - np.eye(*cm.shape, dtype=cm.dtype))
    worst = [np.unravel_index(k, off.shape) for k in np.argsort(-off, axis=None, kind="stable")[:top]]
    mistakes = [f"{t} read as {p} ({int(off[t, p]):,} time{'s' if off[t, p] > 1 else ''})" for t, p in worst if off[t, p]]
    return (f"Confusion matrix of {int(cm.sum()):,} digits: {int(np.trace(cm)):,} read right; "
            + ("most frequent mistakes: " + ", ".join(mistakes) if mistakes else "no mistakes") + ".")
