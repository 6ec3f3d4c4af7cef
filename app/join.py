"""Joining from the app's side: the presenter's Join panel (a QR code of this server's Draw page and its
URL), and the "Your name" button that puts the nickname one tap away on a phone (the sidebar, where the
Nickname field lives, is closed there).

Which URL: ``nnscratch/join.py``; this module passes it Streamlit's own server options.
"""

from __future__ import annotations

import functools
import html

import segno
import streamlit as st

from nnscratch import join
from nnscratch.store import ANONYMOUS

from . import board, ui

# The top-bar buttons sit in Streamlit's header (fixed, so no page moves down for them); the name button
# only where the sidebar starts closed (Streamlit's md breakpoint, 768 px), since elsewhere the sidebar's
# Nickname field is in view. Presenter mode turns the sidebar off, so there the Join button shows everywhere.
_CSS = """
<style>
.st-key-nns-join, .st-key-nns-name { position: fixed; top: 0.55rem; right: 4.2rem; z-index: 999991; width: auto; }
.st-key-nns-join button, .st-key-nns-name button { min-height: 2.5rem; }
.st-key-nns-name { display: none; }
@media (max-width: 768px) { .st-key-nns-name { display: flex; top: 0.45rem; right: 3.2rem; } }
/* an open sidebar covers a phone's screen: its own close button and Nickname field, not this one, on top */
body:has([data-testid="stSidebar"][data-collapsed="false"]) .st-key-nns-name { display: none; }
.st-key-nns-join-popover p { font-size: 1.25rem; margin-bottom: 0.2rem; }
.nns-qr { display: block; image-rendering: pixelated; }
.nns-join-url { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 700; overflow-wrap: anywhere;
  line-height: 1.15; color: #111; text-decoration: none; }
</style>
"""


def current() -> join.Join:
    """The URL the room opens for this server, from Streamlit's options and the environment (each call:
    a laptop that changes network gets its new address on the next rerun)."""
    return join.join_url(st.get_option("server.address"), st.get_option("server.port"),
                         st.get_option("server.baseUrlPath") or "")


@functools.lru_cache(maxsize=8)
def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (inline: no file; st.html drops <svg> elements but keeps an
    <img>). segno picks the lowest error correction that fits, raised when the same size allows: big
    modules, easier to scan from the back of a room. A 2-module margin: the page around it is white too."""
    return segno.make(url, micro=False, boost_error=True).svg_data_uri(dark="#000", light="#fff", border=2)


def qr_html(url: str, px: int, vh: int) -> str:
    """The QR code, ``px`` wide at most, and at most ``vh`` % of the screen's height (so it fits a 1366x768
    projector too), never wider than its box."""
    return (f'<img class="nns-qr" src="{qr_data_uri(url)}" alt="QR code of {html.escape(url)}" '
            f'style="width:min({px}px, {vh}vh);max-width:100%;height:auto">')


def url_html(url: str, size: str, lead: str) -> str:
    """The URL printed beside the code, as a link (what the test compares the decoded code with)."""
    e = html.escape(url)
    return f'<p>{lead}</p><a class="nns-join-url" style="font-size:{size}" href="{e}">{e}</a>'


def _note(j: join.Join) -> None:
    if j.note:  # why the room may not reach this address, and what to do
        st.warning(j.note, icon=":material/wifi_off:")


def top_bar() -> None:
    """Called by the router before each page: the Join button in presenter mode, else the name button
    (shown on narrow screens only)."""
    st.html(_CSS)
    if ui.presenting():
        with st.container(key="nns-join"), st.popover("Join", icon=":material/qr_code_2:", type="primary"), \
                st.container(key="nns-join-popover", width=600):
            j = current()
            st.html(qr_html(j.url, 540, 50))
            st.html(url_html(j.url, "2rem", "Scan with your phone's camera, or open:"))
            _note(j)
        return
    with st.container(key="nns-name"):
        name_button()


def name_button() -> None:
    """A "Your name" button (it shows the name once there is one) opening the nickname field."""
    nick = board.me().nickname
    label = "Your name" if nick == ANONYMOUS else (nick if len(nick) <= 14 else nick[:13] + "…")
    with st.popover(board.md(label), icon=":material/person:"):  # a label is Markdown: the name stays text
        board.nickname_field(key="nickname_top")


def home_panel() -> None:
    """In presenter mode, the Join panel on Home, big: what a projector shows while the room walks in."""
    if not ui.presenting():
        return
    j = current()
    with st.container(border=True, horizontal=True, gap="large", key="nns-join-home"):
        with st.container(width="content"):
            st.html(qr_html(j.url, 600, 55))
        with st.container(width="stretch"):
            st.subheader("Join in: scan the code")
            st.html(url_html(j.url, "clamp(1.3rem, 3vw, 3rem)", "With your phone's camera, or open this address on a laptop:"))
            st.markdown("It opens **Draw**: draw a digit and the network reads it. On a phone, tap **Your name** "
                        "at the top so your runs are yours on the Class board.")
            _note(j)
