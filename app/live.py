"""Announce text to screen readers: a polite live region (role="status") whose text changes in place.

A screen reader reads out a live region's new text when it changes, but not a region that arrives with
its text already in it: so the region is put on the page empty, before there is anything to say, and
each later run changes only its text (an ``st.components.v2`` component keeps its element while its
``data`` changes; the JS below sets the text). Not shown on screen: what it says is on screen already.
"""

from __future__ import annotations

import streamlit as st

_HTML = '<div class="nns-live" role="status" aria-live="polite" aria-atomic="true"></div>'
_CSS = """
.nns-live { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
            overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
"""
_JS = """
export default function ({ data, parentElement }) {
  const region = parentElement.querySelector(".nns-live");
  const text = (data && data.text) || "";
  if (region && region.textContent !== text) region.textContent = text;
}
"""
_region = st.components.v2.component("nnscratch.live", html=_HTML, css=_CSS, js=_JS, isolate_styles=False)


def announce(text: str, key: str) -> None:
    """Show the live region ``key`` with ``text`` ("" for silence). Call it on every run, with or without
    something to say, so the region is in the page before its first announcement."""
    _region(key=key, data={"text": text}, width="stretch", height="content")

