"""app.charts: the Vega-Lite specs and HTML of the live views (no Streamlit session needed)."""

import re

import numpy as np

from app import charts, ui


def test_history_table_thins_but_keeps_validation_and_last_row():
    rows = [dict(step=i, epoch=i / 100, loss=1.0 / i, train_acc=0.5, val_acc=0.9 if i % 250 == 0 else None,
                 lr=0.1) for i in range(1, 1001)]
    df = charts.history_table(rows, max_points=50)
    assert len(df) <= 55
    assert df["step"].iloc[-1] == 1000 and df["step"].iloc[0] == 1
    assert set(df.loc[df["val_acc"].notna(), "step"]) == {250, 500, 750, 1000}
    assert df["loss_smooth"].iloc[-1] > df["loss"].iloc[-1]  # the average lags a falling loss
    assert charts.history_table([]).empty


def test_the_live_numbers_loss_is_the_curves_last_smoothed_point_tick_after_tick(monkeypatch):
    """The live numbers carry the smoothed loss over each tick's new rows; it stays the curves' last point."""
    from app import run_view

    class Run:  # the two things smoothed_loss reads of a worker
        id = 7
        made: list = []

        def rows(self, start=0):
            return self.made[start:]

    state = {}  # the session's state
    monkeypatch.setattr(run_view.session, "state", lambda: state)
    w, losses = Run(), np.random.default_rng(0).random(60) * 3
    assert run_view.smoothed_loss(w) is None  # no step yet
    for end in (1, 4, 4, 30, 60):  # ticks, one of them with nothing new
        w.made = [{"step": i + 1, "epoch": 0.0, "loss": x, "train_acc": 0.5, "lr": 1e-3}
                  for i, x in enumerate(losses[:end])]
        assert run_view.smoothed_loss(w) == charts.history_table(w.made)["loss_smooth"].iloc[-1]


def test_chart_specs_are_plain_json_with_the_right_fields():
    import json

    for spec in (charts.loss_chart_spec("epoch"), charts.accuracy_chart_spec(),
                 charts.bar_chart_spec("digit", "p", highlight="top", y_domain=(0, 1), text_format=".0%"),
                 charts.histogram_spec("h")):
        assert json.loads(json.dumps(spec)) == spec  # nothing but JSON: no Altair objects
    loss = charts.loss_chart_spec("epoch")
    assert [l["encoding"]["y"]["field"] for l in loss["layer"]] == ["loss", "loss_smooth"]
    assert loss["layer"][0]["encoding"]["x"]["field"] == "epoch"
    acc = charts.accuracy_chart_spec()
    assert acc["transform"][0]["fold"] == ["train_acc", "val_acc"]
    bar = charts.bar_chart_spec("digit", "p", highlight="top")
    assert bar["encoding"]["color"]["condition"]["test"] == "datum['top']"


def test_probability_bars_html_has_one_bar_per_class_scaled_and_the_top_one_pink():
    probs = np.array([0.05, 0.7, 0.25] + [0.0] * 7)
    html = charts.probability_bars_html(probs, height=100)
    heights = [int(h) for h in re.findall(r"height:(\d+)px;background", html)]
    assert heights == [5, 70, 25] + [1] * 7  # a zero still shows as a hairline
    assert html.count(charts.PINK) == 1 and html.index(charts.PINK) < html.index(">1<") < html.index(">2<")
    assert "70%" in html and "25%" in html


def test_format_duration():
    assert ui.format_duration(12.3) == "12 s"
    assert ui.format_duration(0.14) == "0.1 s" and ui.format_duration(9.2) == "9.2 s"
    assert ui.format_duration(75) == "1 min 15 s"
    assert ui.format_duration(None) == "–"
