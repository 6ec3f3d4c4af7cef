"""The class board in the app, headless (AppTest): nickname in the sidebar and the URL, a finished
run saved to the store, the Class page, recipe links (good, bad, hostile), the board offline."""

import time

import pytest

pytest.importorskip("streamlit")

from nnscratch.store import get_store  # noqa: E402

from helpers import app_test, start_training, wait_for  # noqa: E402
from pgserver import free_port  # noqa: E402



def page(path="app/pages/class_board.py", **params):
    return app_test(path, query=params)


def wait_saved(at, timeout=30):
    """The session's run's store answer (nnscratch.store.Pending) once its save has finished."""
    save = at.session_state["board_save"]
    wait_for(lambda: not save.busy, timeout, "the run's save to the class board")
    return save.pending


def test_nickname_from_the_url_is_cleaned_and_a_finished_run_reaches_the_board():
    at = page("app/pages/train.py", name="  <b>Ada</b>\x07 ")
    assert at.text_input(key="nickname_widget").value == "<b>Ada</b>"
    assert at.query_params["name"] in ("<b>Ada</b>", ["<b>Ada</b>"])
    at.text_input(key="f_hidden").set_value("16")
    at.number_input(key="f_epochs").set_value(1)
    start_training(at)
    w = at.session_state["worker"]
    assert w.join(60) and w.status == "completed"
    saved = wait_saved(at)
    assert saved.state == "saved", saved.message
    run = get_store().get_run(saved.run_id, owner=at.session_state["board_me"].token)
    assert run.nickname == "<b>Ada</b>" and run.mine and run.recipe["hidden"] == [16] and run.has_model
    assert run.data_kind == "sample" and run.test_acc == pytest.approx(w.test_accuracy)

    at.switch_page("app/pages/class_board.py")
    at.run()
    assert not at.exception and at.title[0].value == "Class board"
    pick = at.multiselect(key="board_pick")
    assert any(o.startswith(f"#{saved.run_id} <b>Ada</b> (you) · ") for o in pick.options), pick.options
    at.multiselect(key="board_pick").select(saved.run_id)
    at.run()
    assert not at.exception and any(f"Run {saved.run_id}" in h.value for h in at.subheader)


@pytest.mark.parametrize("params, expect", [
    ({"hidden": "64 32", "lr": "0.01", "optimizer": "sgd", "epochs": "3", "data": "mnist"}, "ok"),
    ({"hidden": "abc", "lr": "-1"}, "bad"),
    ({"hidden": "<script>alert(1)</script>", "lr": "1e999"}, "bad"),
    ({"activation": "'; DROP TABLE runs; --", "epochs": "9" * 400}, "bad"),
    ({"optimizer": "🔥" * 3000, "seed": "\x00\x1b[31m"}, "bad"),
])
def test_recipe_links_fill_the_form_or_explain_and_use_the_defaults(params, expect):
    at = page("app/pages/train.py", **params)
    if expect == "ok":
        assert at.text_input(key="f_hidden").value == "64 32"
        assert at.number_input(key="f_lr").value == 0.01 and at.selectbox(key="f_optimizer").value == "sgd"
        assert at.session_state["data_source"] == "mnist"
        assert any("shared recipe" in i.value for i in at.info)
    else:
        assert any("cannot be used" in w.value for w in at.warning)
        assert at.text_input(key="f_hidden").value == "128" and at.number_input(key="f_lr").value == 0.002
        assert len(at.code[0].value) < 2000  # the reasons, shown as plain text


def test_board_offline_is_a_message_and_training_pages_still_work(monkeypatch):
    monkeypatch.setenv("NNSCRATCH_DB", f"postgresql://x:y@127.0.0.1:{free_port()}/nowhere")
    t = time.perf_counter()
    at = page()
    assert any("class board is offline" in w.value for w in at.warning)
    assert time.perf_counter() - t < 30
    at.switch_page("app/pages/train.py")
    at.run()
    assert not at.exception and at.title[0].value == "Train a network"


def test_a_run_ending_while_postgres_is_down_is_saved_when_it_is_back(pg_server, pg_url, monkeypatch):
    monkeypatch.setenv("NNSCRATCH_DB", pg_url)
    at = page("app/pages/train.py", name="offline-ada")
    store = get_store()
    store.ensure_ready()
    store.outbox.retry_seconds = 0.5
    at.text_input(key="f_hidden").set_value("16")
    at.number_input(key="f_epochs").set_value(1)
    pg_server.stop()
    try:
        start_training(at)
        w = at.session_state["worker"]
        assert w.join(60) and w.status == "completed"
        pending = wait_saved(at)
        assert pending.state == "waiting"
        at.run()  # the Train page's own result says it (its sidebar leaves the run to the page)
        assert any("class board is offline" in x.value for x in at.main.warning)
    finally:
        pg_server.start()
    wait_for(lambda: pending.state != "waiting", 30, "the waiting save once PostgreSQL is back")
    assert pending.state == "saved" and store.get_run(pending.run_id).nickname == "offline-ada"
    at.run()
    assert any(f"Saved to the class board (run {pending.run_id})" in c.value for c in at.main.caption)
    at.switch_page("app/pages/draw.py")
    at.run()  # and the sidebar on every other page
    assert any(f"Saved to the class board (run {pending.run_id})" in c.value for c in at.sidebar.caption)


def test_instructor_actions_need_the_key(monkeypatch, tmp_path):
    monkeypatch.setenv("NNSCRATCH_DB", f"sqlite:///{tmp_path / 'class.db'}")
    at = page()
    assert any("No runs yet" in i.value for i in at.info)
    assert at.sidebar.text_input(key="nickname_widget")  # the page never cuts the sidebar off
    from storedata import make_run
    for i in range(3):
        get_store().save_run(make_run(nickname=f"p{i}"))
    monkeypatch.delenv("NNSCRATCH_INSTRUCTOR_KEY", raising=False)
    at.run()
    assert any("command-line only" in c.value for c in at.caption)
    monkeypatch.setenv("NNSCRATCH_INSTRUCTOR_KEY", "k3y")
    at.run()
    at.text_input(key="board_key").set_value("wrong")
    [b for b in at.button if b.label == "Unlock"][0].click()
    at.run()
    assert any("not the instructor key" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Wipe the board"]
    at.text_input(key="board_key").set_value("k3y")
    [b for b in at.button if b.label == "Unlock"][0].click()
    at.run()
    at.checkbox[-1].check()
    at.run()
    [b for b in at.button if b.label == "Wipe the board"][0].click()
    at.run()
    assert not at.exception and get_store().counts()["runs"] == 0
