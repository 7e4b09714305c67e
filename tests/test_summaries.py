"""Kept agendas (cbme.store.summaries): written by the write that changes a program, equal to the agenda
computed from the queries, read within the viewer's scope, and never stale. On the tiny program: L1
chairs and leads, M1 and C1 sit on the committee, C1 coaches R1 and R2, C2 coached R2 in the past."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from cbme.config import ProgramConfig, program_config
from cbme.rules import meeting
from cbme.store import db, postgres, summaries
from cbme.store.committee import add_to_agenda, schedule_meeting
from cbme.store.decisions import Decision, record_decision

TODAY = dt.date.today()
MEETING = TODAY + dt.timedelta(days=14)  # agendas are kept as of today and for meetings from today on
LATER = MEETING + dt.timedelta(days=60)
CONFIG = program_config("P1")


def kept(con) -> list[tuple]:
    return con.execute("select program_id, meeting_date from agenda_summary_meetings order by all").fetchall()


def asked_for(con) -> None:
    """A file's write keeps its program's agendas itself; on a shared database the write leaves the
    process's copy without them and the first whole agenda asked for keeps them (cbme.store.postgres)."""
    if postgres.is_shared(con):
        assert kept(con) == []
        summaries.agenda(con, "L1", "P1", TODAY, CONFIG)


def computed(con, viewer, as_of, config=CONFIG):
    return meeting.load_agenda(lambda name, **params: db.query(con, name, **params), viewer, "P1", as_of, config)


def test_a_scheduled_meeting_has_its_agenda_kept_equal_to_the_computed_one(tiny_rw):
    assert kept(tiny_rw) == []  # the fixture's load names no program: nothing kept
    schedule_meeting(tiny_rw, "L1", "P1", dt.date.today() - dt.timedelta(days=1))  # past: not kept
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    schedule_meeting(tiny_rw, "L1", "P1", LATER)
    asked_for(tiny_rw)
    assert kept(tiny_rw) == [("P1", TODAY), ("P1", MEETING), ("P1", LATER)]
    for viewer, residents in (("M1", ["R1", "R2"]), ("C1", ["R1", "R2"]), ("C2", ["R2"]), ("X1", [])):
        rows, statuses = summaries.agenda(tiny_rw, viewer, "P1", MEETING, CONFIG)
        expected_rows, expected_statuses = computed(tiny_rw, viewer, MEETING)
        assert sorted(rows["resident_id"]) == residents, viewer
        pd.testing.assert_frame_equal(rows, expected_rows, check_dtype=False)
        assert statuses == expected_statuses


def test_one_residents_status_is_read_by_key_today_and_at_a_meeting(tiny_rw, monkeypatch):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    asked_for(tiny_rw)
    read = []
    query = db.query
    monkeypatch.setattr(db, "query", lambda con, name, **params: read.append(name) or query(con, name, **params))
    for day in (TODAY, MEETING):
        read.clear()
        rows, statuses = summaries.agenda(tiny_rw, "C2", "P1", day, CONFIG, resident_id="R2")
        assert read == ["agenda_summary_settings", "agenda_summary"]
        expected_rows, expected_statuses = meeting.load_agenda(
            lambda name, **params: query(tiny_rw, name, **params), "C2", "P1", day, CONFIG, "R2")
        assert list(rows["resident_id"]) == ["R2"]
        pd.testing.assert_frame_equal(rows, expected_rows, check_dtype=False)
        assert statuses == expected_statuses
    # Outside the viewer's scope the kept row is not read: C2 no longer coaches R1.
    rows, statuses = summaries.agenda(tiny_rw, "C2", "P1", TODAY, CONFIG, resident_id="R1")
    assert rows.empty and statuses == {}


def test_a_decision_is_on_the_kept_agenda_as_soon_as_it_is_recorded(tiny_rw):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    decision = Decision(resident_id="R1", meeting_date=MEETING, status="Progressing as expected", actions=["monitor"],
                        rationale="On track.", members_present=("L1", "M1"),
                        follow_ups=(("modify learning plan", "done"), ("monitor", "done")))
    record_decision(tiny_rw, "L1", decision, based_on_version=None)
    rows, _ = summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)
    by_resident = rows.set_index("resident_id")
    assert by_resident.at["R1", "decision_this_meeting"] == "Progressing as expected"
    assert pd.isna(by_resident.at["R2", "decision_this_meeting"])
    add_to_agenda(tiny_rw, "M1", "P1", MEETING, "R2")
    rows, _ = summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)
    assert "added by hand" in rows.set_index("resident_id").at["R2", "due"]


def test_a_write_that_names_no_program_forgets_every_kept_agenda(tiny_rw):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    with db.writing(tiny_rw) as cursor:
        cursor.execute("update residents set name = 'Avery Stone-Lake' where resident_id = 'R1'")
    assert kept(tiny_rw) == []
    rows, _ = summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)  # computed now
    assert "Avery Stone-Lake" in set(rows["name"])


def test_a_failed_write_leaves_the_kept_agenda_as_it_was(tiny_rw):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    before, _ = summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)
    with pytest.raises(RuntimeError), db.writing(tiny_rw, program_id="P1") as cursor:
        cursor.execute("update residents set name = 'Someone Else' where resident_id = 'R1'")
        raise RuntimeError("the write fails")
    assert kept(tiny_rw) == [("P1", TODAY), ("P1", MEETING)]
    after, _ = summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)
    pd.testing.assert_frame_equal(before, after)


def test_other_settings_or_another_date_are_computed_not_read(tiny_rw, monkeypatch):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    stricter = dataclasses.replace(CONFIG, min_observations=50)
    read = []
    query = db.query
    monkeypatch.setattr(db, "query", lambda con, name, **params: read.append(name) or query(con, name, **params))
    rows, statuses = summaries.agenda(tiny_rw, "M1", "P1", MEETING, stricter)
    assert "agenda_summary" not in read and "meeting_epa_evidence" in read
    assert statuses == computed(tiny_rw, "M1", MEETING, stricter)[1]
    read.clear()
    summaries.agenda(tiny_rw, "M1", "P1", MEETING + dt.timedelta(days=1), CONFIG)
    assert "agenda_summary" not in read
    read.clear()
    summaries.agenda(tiny_rw, "M1", "P1", MEETING, CONFIG)
    assert read == ["agenda_summary_settings", "agenda_summary"]


def test_settings_are_a_frozen_dataclass_whose_repr_names_every_value():
    # The kept agenda is matched to the program's settings by repr: it must change with any setting.
    assert repr(dataclasses.replace(ProgramConfig(), stage_months={"TTD": 3})) != repr(ProgramConfig())
