"""Who is who on the class board, without accounts: nicknames, owner tokens, the instructor key.

A participant is a browser session. The app gives each session a random token; the store keeps only
its SHA-256 (``owner_hash``), so a leaked database or export reveals no token that could be replayed
to delete someone's runs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import unicodedata

import sqlalchemy as sa

from ..errors import StoreError

NICKNAME_MAX = 24  # characters (code points) after cleaning
ANONYMOUS = "anonymous"
INSTRUCTOR_KEY_ENV = "NNSCRATCH_INSTRUCTOR_KEY"
SERVER_NAME_ENV = "NNSCRATCH_SERVER_NAME"


def clean_text(text, max_chars: int) -> str:
    """Any value -> a one-line printable str of at most ``max_chars`` code points.

    NFC-normalised; every whitespace run (tabs, newlines, U+2028...) becomes one space; every other
    non-printable character (control, format such as zero-width joiners and bidi overrides,
    surrogates, unassigned) is dropped. PostgreSQL text cannot hold NUL, so this is also what keeps
    a hostile string storable.
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)[: 16 * max_chars + 64])  # bound the work on 10 kB input
    out, space = [], False
    for ch in text:
        if ch.isspace():
            space = bool(out)
            continue
        if not ch.isprintable():
            continue
        if space:
            out.append(" ")
            space = False
        out.append(ch)
        if len(out) >= max_chars:
            break
    return "".join(out)[:max_chars].strip()


def clean_nickname(text) -> str:
    """The nickname as shown on the board: trimmed, one line, <= 24 printable characters; empty ->
    "anonymous". Shown as text only by the app (never as HTML or Markdown)."""
    return clean_text(text, NICKNAME_MAX) or ANONYMOUS


def owner_hash(token) -> str | None:
    """What the store keeps of a session token: its SHA-256 hex, or None for no token."""
    if not token:
        return None
    return hashlib.sha256(str(token).encode("utf-8", "surrogatepass")).hexdigest()


def check_owner(conn, table, row_id: int, owner, missing: str, not_yours: str) -> None:
    """Raise StoreError(``missing``) unless row ``row_id`` of ``table`` exists, and StoreError(``not_yours``)
    unless ``owner`` (a session token) made it: what deleting a run or a drawing checks first."""
    found = conn.execute(sa.select(table.c.owner_hash).where(table.c.id == int(row_id))).first()
    if found is None:
        raise StoreError(missing)
    me = owner_hash(owner)
    if me is None or found[0] != me:
        raise StoreError(not_yours)


def instructor_key_set() -> bool:
    return bool(os.environ.get(INSTRUCTOR_KEY_ENV, ""))


def check_instructor_key(given) -> bool:
    """True if ``given`` equals $NNSCRATCH_INSTRUCTOR_KEY (constant-time). No key set -> always False:
    instructor actions are then CLI-only."""
    want = os.environ.get(INSTRUCTOR_KEY_ENV, "")
    if not want or not given:
        return False
    return hmac.compare_digest(str(given).encode("utf-8", "surrogatepass"), want.encode("utf-8", "surrogatepass"))


def server_name(port=None) -> str:
    """Which app server wrote a row: $NNSCRATCH_SERVER_NAME, else ``hostname:port`` (or hostname)."""
    env = clean_text(os.environ.get(SERVER_NAME_ENV, ""), 100)
    if env:
        return env
    host = socket.gethostname()
    return clean_text(f"{host}:{port}" if port else host, 100)
