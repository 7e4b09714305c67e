"""Queries started ahead on another thread (ui.prefetch) and read by the page afterwards."""

import threading
import time

import duckdb
import pytest

from cbme.app import ui
from cbme.store import db
from tests.conftest import AS_OF

PROFILE = dict(viewer="L1", resident_id="R1", as_of=AS_OF)


@pytest.fixture
def computed(tiny_file, monkeypatch):
    """The queries run, as (name, the thread they ran on); each takes a tenth of a second more."""
    monkeypatch.setenv("CBME_DATABASE", str(tiny_file))
    ran, run = [], db.query

    def slow(con, name, **params):
        ran.append((name, threading.current_thread().name))
        time.sleep(0.1)
        return run(con, name, **params)

    ui.fetch("dashboard_meta")  # the connection opened by the session, as the frame does
    monkeypatch.setattr(db, "query", slow)
    ui.clear_caches()
    yield ran
    ui.clear_caches()


def test_a_prefetched_query_runs_once_on_another_thread_and_the_page_reads_its_result(computed):
    ui.fetch("resident_stage_history", **PROFILE)  # (whom the viewer may see is now known, as on a page)
    ui.prefetch(("resident_profile", PROFILE))
    time.sleep(0.02)  # the page's own work
    profile = ui.fetch("resident_profile", **PROFILE)  # while it is still running: waits for it
    assert list(profile["name"]) == ["Avery Stone"]
    assert ui.fetch("resident_profile", **PROFILE) is profile
    assert [(name, thread.startswith("cbme-prefetch")) for name, thread in computed
            if name == "resident_profile"] == [("resident_profile", True)]


def test_a_query_that_fails_ahead_fails_again_where_the_page_reads_it(computed, monkeypatch):
    run = db.query

    def failing(con, name, **params):
        if name == "resident_profile":
            raise duckdb.InvalidInputException("the file cannot be read")
        return run(con, name, **params)

    monkeypatch.setattr(db, "query", failing)
    ui.prefetch(("resident_profile", PROFILE))
    with pytest.raises(duckdb.InvalidInputException, match="cannot be read"):
        ui.fetch("resident_profile", **PROFILE)


def test_signing_in_starts_the_viewers_programs_while_it_records_the_sign_in(signed_in, query_reads):
    at = signed_in("hale@example.org", page="views/resident.py", resident="R2")
    assert ("viewer_programs", str([("viewer", "L1")])) in query_reads["ahead"]
    assert set(query_reads["ahead"]) <= set(query_reads["page"])
    assert at.selectbox(key="resident").value == "R2"
