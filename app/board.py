"""The class board from the app's side: who I am (nickname, owner token), runs saved when they end,
who is online, models and recipes taken from the board, and recipe links.

The store (``nnscratch.store``) is one per process and connects lazily, so the app starts and
trains even with the database down. No page waits for the database on the way to a drawing: runs
are saved by a thread when they end and presence is sent by another, and after a failure the board
answers "offline" at once for OFFLINE_RETRY seconds instead of waiting out a connect timeout.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import streamlit as st

from nnscratch import threads, worker
from nnscratch.data import kinds
from nnscratch.errors import StoreError
from nnscratch.recipe import PRESETS, Recipe
from nnscratch.store import ANONYMOUS, RunRecord, clean_nickname, get_store, server_name
from nnscratch.store.records import STATUSES

log = logging.getLogger("nnscratch.app")
OFFLINE_RETRY = 10.0  # s
PRESENCE_EVERY = 15.0  # s between two presence writes of this server (the board counts 60 s)
LINK_FIELDS = ("hidden", "activation", "init", "optimizer", "lr", "schedule", "batch_size", "full_batch",
               "epochs", "weight_decay", "seed", "augment")  # Recipe.to_values() keys a link carries


def store():
    return get_store()


# ---------------------------------------------------------------------------------------- offline
_offline: dict[str, tuple[float, str]] = {}  # store URL -> (offline until, why)


def call(fn, *args, **kwargs):
    """A store call for a page. While the board is known to be offline, StoreError at once."""
    url = store().url
    until, why = _offline.get(url, (0.0, ""))
    if time.time() < until:
        raise StoreError(why)
    try:
        return fn(*args, **kwargs)
    except StoreError as e:
        if getattr(e, "transient", False):
            _offline[url] = (time.time() + OFFLINE_RETRY, str(e))
        raise


# ---------------------------------------------------------------------------------------- who am I
@dataclass(eq=False)
class Me:
    """A session on the board: a random token (the store keeps its hash) and the current nickname.
    Shared with the threads that save its runs and send presence, so a later rename reaches them."""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    nickname: str = ANONYMOUS
    worker: object = None  # the session's latest run, for "training now"

    @property
    def training(self) -> bool:
        w = self.worker
        return w is not None and w.status in (worker.RUNNING, worker.PAUSED)


def me() -> Me:
    """This session on the board (made on its first script run, and counted online from then on)."""
    s = st.session_state
    if "board_me" not in s:
        s["board_me"] = Me(nickname=clean_nickname(st.query_params.get("name", "")))
    _presence().add(s["board_me"])
    return s["board_me"]


def nickname_field(key: str = "nickname_widget") -> None:
    """A "Nickname" field (the sidebar's; app/join.py's name button has another, under its own ``key``),
    kept in the session and in the URL as ?name=. Every field shows the current name."""
    m = me()
    st.session_state[key] = "" if m.nickname == ANONYMOUS else m.nickname  # before the widget: allowed

    def changed():
        m.nickname = clean_nickname(st.session_state[key])

    st.text_input("Nickname", key=key, max_chars=24, placeholder=ANONYMOUS, on_change=changed,
                  help="Shown with your runs on the Class page. No account: anything up to 24 characters. "
                       f"The class board is kept in `{store().url.replace('`', '')}`.")
    want = "" if m.nickname == ANONYMOUS else m.nickname
    if st.query_params.get("name", "") != want:
        if want:
            st.query_params["name"] = want
        else:
            del st.query_params["name"]


def md(text) -> str:
    """User text made inert for Markdown (every ASCII punctuation escaped): shown, never interpreted."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


# ---------------------------------------------------------------------------------------- runs end
class BoardSave:
    """Where one finished run stands on the board: saving, saved, waiting for the board, not saved."""

    def __init__(self, run_id: int):
        self.run_id = run_id  # the worker's id
        self.busy = True
        self.pending = None  # nnscratch.store.Pending once the store has answered

    def status(self) -> tuple[str, str] | None:
        """(kind, message): "ok", "wait" or "error"; None while saving or for a run with nothing to save."""
        p = self.pending
        if p is None:
            return None
        if p.state == "saved":
            return "ok", f"Saved to the class board (run {p.run_id})."
        if p.state == "waiting":
            return "wait", "The class board is offline: this run is kept here and saved when it is back."
        return "error", f"This run was not saved to the class board: {p.message}"

    @property
    def waiting(self) -> bool:
        return self.busy or (self.pending is not None and self.pending.state == "waiting")


def save_when_done(w, who: Me, port=None) -> BoardSave:
    """Save ``w`` to the board when it ends, whatever the ending, from the run's own thread (the page
    may be gone by then); the returned BoardSave says how it went."""
    save = BoardSave(w.id)
    who.worker = w
    where = server_name(port or _port())

    def on_done(w):
        try:
            rec = run_record(w, who, where)
            save.pending = store().save_run_or_queue(rec) if rec is not None else None
        except Exception:  # noqa: BLE001 - a save must never take the server down; the run stays in the session
            log.exception("saving run %s to the class board failed", w.id)
        finally:
            save.busy = False

    w.when_done(on_done)
    return save


def run_record(w, who: Me, server: str) -> RunRecord | None:
    """What the board keeps of a finished run; None for a run that never trained (or failed)."""
    if w.status not in STATUSES or w.n_rows() == 0:
        return None
    rows = w.rows()
    last = rows[-1]
    return RunRecord(nickname=who.nickname, owner=who.token, recipe=w.recipe.to_dict(), data=w.arrays.data_id,
                     status=w.status, history=rows, train_acc=last.get("train_acc"), val_acc=w.last_val_acc(),
                     test_acc=w.test_accuracy, duration_s=last.get("elapsed"),
                     samples_per_s=last.get("samples_per_s"), model=w.net.to_bytes(), name=w.name, server=server)


def _port():
    try:
        return st.get_option("server.port")
    except Exception:  # noqa: BLE001 - only a label
        return None


# ---------------------------------------------------------------------------------------- presence
class _Presence:
    """The sessions connected to this server; one thread tells the store every PRESENCE_EVERY s."""

    def __init__(self):
        self.sessions: dict[str, Me] = {}
        self.gone: set[str] = set()
        self.lock = threading.Lock()
        self.thread = None
        self.wake = threading.Event()  # a new session is told at once, not at the next tick
        self.server = server_name(_port())

    def add(self, m: Me) -> None:
        _session_ticket(m.token)  # on_release (browser gone) removes it
        with self.lock:
            if m.token not in self.sessions:
                self.sessions[m.token] = m
                self.gone.discard(m.token)
                self.wake.set()
            if self.thread is None:
                self.thread = threads.Thread(self._loop, "presence")
                self.thread.start()

    def remove(self, token: str) -> None:
        with self.lock:
            if self.sessions.pop(token, None) is not None:
                self.gone.add(token)

    def _loop(self) -> None:
        while True:
            with self.lock:
                beats = [(m.token, m.nickname, m.training) for m in self.sessions.values()]
                gone, self.gone = list(self.gone), set()
            if beats or gone:
                try:
                    store().heartbeats(beats, server=self.server, gone=gone)
                except StoreError:
                    pass  # offline: the board says so; presence resumes with it
                except Exception:  # noqa: BLE001
                    log.exception("presence update failed")
            self.wake.wait(PRESENCE_EVERY)
            self.wake.clear()


@st.cache_resource(show_spinner=False)
def _presence() -> _Presence:
    return _Presence()


@st.cache_resource(scope="session", on_release=lambda token: _presence().remove(token), show_spinner=False)
def _session_ticket(token: str) -> str:
    return token


# ---------------------------------------------------------------------------------------- reuse
def run_model(run):
    """A board run's model as a Network, named after the run (StoreError or ModelFileError, one line)."""
    from nnscratch import Network

    net = Network.load(call(store().load_model_bytes, run.id))
    net.meta.setdefault("name", run.name or f"run {run.id}")
    net.meta["board_run"] = run.id  # a drawing it reads records which run answered
    return net


def load_model(run) -> None:
    """Make a board run's model this session's current model (Draw, Weights, Evaluate use it)."""
    from .session import set_model
    set_model(run_model(run), f"from the class board: run {run.id} by {run.nickname}")


def recipe_params(recipe: dict, data_kind: str | None = None) -> dict:
    """A recipe as the Train page's query parameters (the same values as its form)."""
    values = Recipe.from_dict(recipe).to_values()
    params = {k: _text(values[k]) for k in LINK_FIELDS if k in values}
    if data_kind in kinds.BY_NAME:
        params["data"] = data_kind
    return params


def recipe_link(recipe: dict, data_kind: str | None = None) -> str:
    """The full URL that opens Train with this recipe filled in."""
    parts = urllib.parse.urlsplit(st.context.url or "http://localhost:8501/")
    path = parts.path.rsplit("/", 1)[0] + "/train"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(
        recipe_params(recipe, data_kind)), ""))


def _text(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def apply_recipe_link(fill_form) -> None:
    """On the Train page: query parameters of a recipe link fill the form (once per link). Bad or out
    of range values: a message listing them, and the default recipe."""
    s, qp = st.session_state, st.query_params
    keys = [k for k in (*LINK_FIELDS, "data") if k in qp]
    if not keys:
        return
    sig = tuple((k, qp[k]) for k in keys)
    if s.get("_recipe_link") == sig:
        return
    s["_recipe_link"] = sig
    values = {k: qp[k][:100] for k in LINK_FIELDS if k in qp}
    values.setdefault("full_batch", "false")
    recipe, errors, _ = Recipe.from_values(values)
    if qp.get("data") in kinds.BY_NAME:
        s["data_source"] = qp["data"]
    if errors:
        fill_form(PRESETS["quick"].recipe)
        s["f_preset"] = "quick"
        s["_recipe_link_errors"] = [e[:200] for e in errors]
        return
    fill_form(recipe)
    s["f_preset"] = next((n for n, p in PRESETS.items() if dataclasses.replace(recipe, preset=n) == p.recipe),
                         "custom")
    s["_recipe_link_note"] = True


def recipe_link_messages() -> None:
    """Shown once on the Train page after a link filled (or failed to fill) the form."""
    errors = st.session_state.pop("_recipe_link_errors", None)
    if errors:
        st.warning("This recipe link has values that cannot be used, so the form shows the quick recipe "
                   "instead:", icon=":material/link_off:")
        st.code("\n".join(errors), language=None, wrap_lines=True)
    elif st.session_state.pop("_recipe_link_note", False):
        st.info("The form is filled in from a shared recipe: press Start training to try it.",
                icon=":material/link:")
