"""app/uploads.py: the app's own upload-size check, on top of Streamlit's server.maxUploadSize."""

import tomllib
from pathlib import Path

import pytest

from app import uploads
from datafiles import csv_bytes, sample_digits
from helpers import app_test
from nnscratch.errors import DataFormatError

ROOT = Path(__file__).resolve().parents[1]
LIMIT = uploads.MAX_UPLOAD_MB * 2**20  # bytes


class FakeUpload:
    """What st.file_uploader hands over (name, size), with content that must never be read."""

    def __init__(self, name, size):
        self.name, self.size = name, size

    def getvalue(self):
        raise AssertionError(f"{self.name}: read although it is over the size limit")

    read = getvalue


def test_one_file_over_the_limit_is_refused_in_one_line():
    uploads.check_size(FakeUpload("ok.csv", LIMIT))  # exactly the limit is accepted
    with pytest.raises(DataFormatError) as e:
        uploads.check_size(FakeUpload("huge.csv", LIMIT + 1))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("huge.csv:"), msg
    assert f"{uploads.MAX_UPLOAD_MB} MB" in msg and "smaller" in msg, msg


def test_files_uploaded_together_count_together():
    half = FakeUpload("train-images-idx3-ubyte.gz", LIMIT // 2 + 1)
    with pytest.raises(DataFormatError, match="more than"):
        uploads.check_size(half, FakeUpload("train-labels-idx1-ubyte.gz", LIMIT // 2 + 1))


@pytest.mark.parametrize("read", [uploads.start_reading, uploads.read_model])
def test_an_oversized_upload_is_refused_before_it_is_read(read):
    with pytest.raises(DataFormatError, match="more than"):
        read(FakeUpload("big.npz", LIMIT + 1))


def test_streamlit_refuses_at_the_same_size():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == uploads.MAX_UPLOAD_MB


def test_the_train_page_refuses_an_upload_over_the_limit(monkeypatch):
    """Through the page (AppTest), with the limit lowered to 0.01 MB so that a real 12-digit CSV is over it."""
    real_limit = uploads.MAX_UPLOAD_MB
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 0.01)
    data = csv_bytes(*sample_digits(12))
    assert len(data) > 0.01 * 2**20
    at = app_test("app/pages/train.py")
    at.radio(key="data_source_widget").set_value("upload")
    at.run()
    at.file_uploader(key="data_upload").set_value(("digits.csv", data, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    msgs = [e.value for e in at.error]
    assert len(msgs) == 1 and msgs[0].startswith("digits.csv:") and "more than" in msgs[0], msgs
    assert at.session_state["upload_arrays"] is None
    # the same file under the real limit is read
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", real_limit)
    at.file_uploader(key="data_upload").set_value(("digits2.csv", data, "text/csv"))
    at.run()
    job = at.session_state["upload_job"]
    if job is not None:  # not read within the page's 2 s wait (a busy machine): the page collects it later
        job.wait(60)
        at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["upload_arrays"].n_train > 0
