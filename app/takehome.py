""""Download as a web page": one button, the same on Train, My drawings and the Class board's runs.

The page itself is made by ``nnscratch.webpage.to_html`` when the button is pressed (a deferred
download), so showing the button costs nothing on a rerun.
"""

from __future__ import annotations

import html

from nnscratch import webpage
from nnscratch.errors import NNScratchError

LABEL = "Download as a web page"
HELP = ("One HTML file that reads digits drawn in it: the model's weights, a canvas and the forward pass, "
        "all inside. It works opened from disk, with no network.")


def _page_or_reason(get_net):
    """The page's HTML; if the model cannot be had at click time (the board went offline), a page that
    says why in one line instead of a traceback."""
    try:
        return webpage.to_html(get_net())
    except NNScratchError as e:
        return f"<!DOCTYPE html><meta charset=utf-8><title>nnscratch</title><p>No page: {html.escape(str(e))}. " \
               "Go back to the app and try again.</p>"


def download_page_button(where, net=None, *, get_net=None, file_name=None, key: str, **kwargs) -> None:
    """A "Download as a web page" button in ``where`` (st or a column/container) for ``net``, or for the
    model ``get_net()`` returns when pressed (with ``file_name`` given: the board's runs)."""
    if net is not None:
        try:
            webpage.check(net)
        except NNScratchError as e:
            where.caption(f"No web page for this model: {e}")
            return
        get_net, file_name = (lambda: net), webpage.file_name(net)
    where.download_button(LABEL, data=lambda: _page_or_reason(get_net), file_name=file_name, mime="text/html",
                          icon=":material/language:", key=key, on_click="ignore", help=HELP, **kwargs)
