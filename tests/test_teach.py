"""Teach it my handwriting, headless: the label rate limit, labelled drawings exported by the CLI and
read back pixel for pixel, and the My drawings page teaching the model (AppTest, real store, real worker)."""


import numpy as np
import pytest

import nnscratch
from nnscratch.store import DrawingRecord, Store, get_store
from helpers import app_test, wait_for
from nnscratch.tools.cli import main



def sample_drawings(n=30, seed=0):
    """n real digits (uint8 (n, 28, 28)) from the sample's test part, labels 0-9 in turn."""
    ds = nnscratch.load_mnist("sample")
    idx = np.concatenate([np.flatnonzero(ds.y_test == d)[seed:seed + n // 10] for d in range(10)])
    return ds.x_test[idx].copy(), ds.y_test[idx].astype(int)


def save(store, images, labels, owner="token-a", nickname="ada"):
    return [store.save_drawing(DrawingRecord(label=int(lab), image28=img, nickname=nickname, owner=owner,
                                             predicted=(int(lab) + i % 2) % 10, probabilities=[0.1] * 10,
                                             model_name="test model"))
            for i, (img, lab) in enumerate(zip(images, labels))]


def test_label_rate_allows_a_burst_then_a_few_a_second():
    pytest.importorskip("streamlit")
    from app.teach import LabelRate
    now = [0.0]
    rate = LabelRate(rate=2, burst=3, clock=lambda: now[0])
    assert [rate.allow() for _ in range(5)] == [True, True, True, False, False]
    now[0] += 0.5
    assert rate.allow() and not rate.allow()
    now[0] += 10
    assert sum(rate.allow() for _ in range(10)) == 3  # the burst never grows past its size


def test_export_drawings_cli_round_trip_and_finetune(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'class.db'}"
    store = Store.open(url)
    x, y = sample_drawings(30)
    save(store, x, y)
    store.close()
    out = tmp_path / "export"
    assert main(["class", "--db", url, "export-drawings", str(out)]) == 0
    assert "exported 30 drawings" in capsys.readouterr().out

    def digits(ds):
        xs = np.concatenate([ds.x_train, ds.x_test])
        ys = np.concatenate([ds.y_train, ds.y_test])
        return sorted((a.tobytes(), int(b)) for a, b in zip(xs, ys))

    want = sorted((a.tobytes(), int(b)) for a, b in zip(x, y))
    assert digits(nnscratch.load_mnist(out)) == want
    assert digits(nnscratch.load_mnist(out / "drawings.csv")) == want
    base = tmp_path / "base.npz"
    nnscratch.Network([784, 16, 10]).save(base)
    assert main(["finetune", str(base), "--data", str(out), "--out", str(tmp_path / "new.npz"),
                 "--steps", "5", "--json"]) == 0
    assert '"n_train": 30, "n_heldout": 0' in capsys.readouterr().out  # 3 per digit: all learnt from

    assert main(["class", "--db", url, "export-drawings", str(out)]) == 1  # never over an earlier export
    assert "choose a new folder" in capsys.readouterr().err
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["class", "--db", empty, "export-drawings", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err.strip()
    assert "no labelled drawings" in err and len(err.splitlines()) == 1 and not (tmp_path / "none").exists()


def _app(page):
    return app_test(page)


def test_my_drawings_teach_shows_before_and_after_and_adopts_the_model():
    pytest.importorskip("streamlit")
    at = _app("app/pages/my_drawings.py")
    assert any("No drawings yet" in i.value for i in at.info)
    token = at.session_state["board_me"].token
    x, y = sample_drawings(60)
    ids = save(get_store(), x, y, owner=token, nickname="teacher")
    save(get_store(), x[:5], y[:5], owner="someone-else", nickname="other")  # not mine: not in my gallery
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert sum(1 for b in at.button if b.label == "Delete") == 60
    assert any("50.0 %" in m.value for m in at.metric)  # half of them were "read" wrong by save()

    [b for b in at.button if b.label == "Teach it my handwriting"][0].click()
    at.run()
    w = at.session_state["worker"]
    assert at.session_state["teaching"]["run"] == w.id and w.data_label.startswith("60 drawings")
    assert w.join(120) and w.status == "completed", w.error
    assert w.net.meta["fine_tune"]["n_heldout"] == 10  # 6 per digit: 1 held out of each
    # the app teaches with the fine-tune defaults the page and the CLI state (nnscratch.finetune.DEFAULTS):
    # 150 Adam steps of 64 at lr 1e-4, three quarters of each batch replayed MNIST sample digits, augmented
    ft = w.net.meta["fine_tune"]
    assert (ft["steps"], ft["batch_size"], ft["lr"], ft["replay_fraction"], ft["augment"]) == \
        (150, 64, 1e-4, 0.75, True), ft
    assert ft["replay"] == "built-in sample (4,000 MNIST training digits)", ft["replay"]
    assert (w.recipe.optimizer, w.recipe.steps, w.recipe.lr, w.recipe.batch_size) == ("adam", 150, 1e-4, 64)
    at.run()
    at.run()  # the finished run is adopted on the next full run
    assert not at.exception, [e.value for e in at.exception]
    model = at.session_state["model"]
    assert model is w.net and model.meta["fine_tune"]["n_digits"] == 50
    table = " ".join(m.value for m in at.markdown)
    assert "10 of the drawings it did **not** learn from" in table and "MNIST test digits" in table
    # delete one of mine: it is gone from the store, the others' drawings untouched
    [b for b in at.button if b.label == "Delete"][0].click()
    at.run()
    left = get_store().list_drawings(token, mine_only=True, limit=None, with_images=False)
    assert len(left) == 59 and {d["id"] for d in left} < set(ids)
    on_board = at.session_state["board_save"]
    wait_for(lambda: not on_board.busy, 30, "the taught model's save to the class board")
    assert on_board.pending is not None and on_board.pending.state == "saved"  # a run on the board
    run = get_store().get_run(on_board.pending.run_id, owner=token)
    assert run.mine and run.has_model and "handwriting" in run.name and run.test_acc == pytest.approx(w.test_accuracy)


@pytest.mark.slow  # 5-13 s on 2 cores: the Class page teaches a model
def test_class_page_shows_the_room_and_the_instructor_teaches_and_exports(monkeypatch, tmp_path):
    pytest.importorskip("streamlit")
    from storedata import make_run

    monkeypatch.setenv("NNSCRATCH_DB", f"sqlite:///{tmp_path / 'class.db'}")
    monkeypatch.setenv("NNSCRATCH_INSTRUCTOR_KEY", "k3y")
    get_store().save_run(make_run(nickname="p0"))
    x, y = sample_drawings(40)
    save(get_store(), x[:20], y[:20], owner="a", nickname="ada")
    save(get_store(), x[20:], y[20:], owner="b", nickname="bo")
    at = _app("app/pages/class_board.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Labelled drawings"] == "40" and metrics["By"] == "2 people" and metrics["Read right"] == "50.0 %"
    at.text_input(key="board_key").set_value("k3y")
    [b for b in at.button if b.label == "Unlock"][0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [b for b in at.button if b.label == "Teach the current model the room's handwriting"][0].click()
    at.run()
    w = at.session_state["worker"]
    assert at.session_state["teaching"] == {"run": w.id, "whose": "the room's"}
    assert w.data_label.startswith("40 drawings")  # everyone's, not only the instructor's
    assert w.join(120) and w.status == "completed", w.error
    at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["model"] is w.net
    assert any("MNIST test digits" in m.value for m in at.markdown)

    # the instructor's downloads: the buttons are there, and what they send reads back as the drawings
    assert len(at.get("download_button")) == 2 + 1  # zip, CSV, and the board's own CSV export
    from app.class_drawings import export
    rows = get_store().list_drawings(None, limit=None)
    want = sorted((d["image28"].tobytes(), d["label"]) for d in rows)
    for kind, name in (("zip", "class_drawings.zip"), ("csv", "class_drawings.csv")):
        ds = nnscratch.parse_upload(export(rows, kind), name)
        got = sorted((a.tobytes(), int(b)) for a, b in zip(np.concatenate([ds.x_train, ds.x_test]),
                                                            np.concatenate([ds.y_train, ds.y_test])))
        assert got == want
    assert export([], "zip") == b""
