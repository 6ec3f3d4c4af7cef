"""The app's own styling reaches the page and agrees with itself.

st.html passes app/ui.py's CSS through an HTML sanitiser that drops the whole <style> block when its text
holds something that looks like a tag (a comment naming "<p>", written while fixing contrast, took every
rule of the app off every page: captions lost their contrast, long labels ran out of their columns). The charts' pink is the
theme's primary colour, chosen for its contrast (.streamlit/config.toml)."""

import re

from app import ui


def test_the_css_blocks_hold_no_markup_but_their_style_tags():
    for name in ("_CSS", "_PRESENT_CSS"):
        css = getattr(ui, name)
        inner = re.fullmatch(r"\s*<style>(.*)</style>\s*", css, re.S)
        assert inner, f"ui.{name} is not one <style> block"
        assert "<" not in inner[1], f"ui.{name} has a '<' inside its <style>: the sanitiser would drop it all"


def test_the_charts_pink_is_the_themes_primary_colour():
    import tomllib
    from pathlib import Path

    from app import charts
    theme = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())["theme"]
    assert charts.PINK == theme["primaryColor"]
