"""app/replica.py's decision: did a fresh session arrive from another replica? (deploy/cluster)"""

from app.replica import moved_from


def test_moved_from():
    assert moved_from("r2", "r1", "") == "r1"  # websocket reconnecting with the old cookie
    assert moved_from("r2", "r2", "r1") == "r1"  # reload: new affinity cookie, NNSCRATCH_MOVED remembers
    assert moved_from("r2", "", "") == ""  # first visit
    assert moved_from("r2", "r2", "") == "" and moved_from("r2", " r2 ", "r2") == ""  # never moved
