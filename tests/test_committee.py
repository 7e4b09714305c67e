"""The committee's meeting records in the data layer: who may write each, what is refused and why,
and the audit trail. On the tiny program: L1 chairs and leads, M1 and C1 sit on the committee, C1
coaches R1 and R2, C2 only coaches."""

import datetime as dt

import pandas as pd
import pytest

from cbme.store import db
from cbme.store.access import NotAllowed
from cbme.store.committee import (
    add_to_agenda,
    assign_reviewers,
    present_resident,
    record_attendance,
    schedule_meeting,
    write_reviewer_note,
)
from cbme.store.db import query

MEETING = dt.date(2026, 6, 30)


def audit(con) -> list[tuple]:
    return con.execute("select actor_id, action, resident_id from audit_log order by event_id").fetchall()


def test_the_chair_or_the_lead_schedules_meetings(tiny_rw):
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)
    schedule_meeting(tiny_rw, "L1", "P1", MEETING)  # twice is once
    for member in ("M1", "C1", "C2"):
        with pytest.raises(NotAllowed):
            schedule_meeting(tiny_rw, member, "P1", dt.date(2026, 12, 15))
    assert list(query(tiny_rw, "committee_meetings", viewer="M1", program_id="P1")["meeting_date"].dt.date) == [MEETING]
    assert query(tiny_rw, "committee_meetings", viewer="X1", program_id="P1").empty  # another program's lead


def test_attendance_is_the_committees_members_and_replaces_what_was_recorded(tiny_rw):
    record_attendance(tiny_rw, "M1", "P1", MEETING, ["M1", "C1"])
    record_attendance(tiny_rw, "M1", "P1", MEETING, ["M1", "L1"])
    attendance = query(tiny_rw, "meeting_attendance", viewer="M1", program_id="P1", as_of=MEETING)
    # The chair first, then by name.
    assert list(zip(attendance["person_id"], attendance["attending"])) == [("L1", True), ("M1", True), ("C1", False)]
    with pytest.raises(ValueError, match="Not members of this committee: C2"):
        record_attendance(tiny_rw, "M1", "P1", MEETING, ["M1", "C2"])
    with pytest.raises(NotAllowed):
        record_attendance(tiny_rw, "C2", "P1", MEETING, ["M1"])


def test_reviewers_are_members_who_do_not_coach_the_resident(tiny_rw):
    assert assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("M1", "L1"), "R2": ("M1", None)}) == 2
    assert assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("M1", "L1")}) == 0  # unchanged
    agenda = query(tiny_rw, "meeting_agenda", resident_id="",
                   viewer="M1", program_id="P1", as_of=MEETING).set_index("resident_id")
    assert agenda.loc["R1", ["primary_reviewer", "secondary_reviewer"]].tolist() == ["Dr. Jordan Pike",
                                                                                     "Dr. Morgan Hale"]
    assert agenda.at["R2", "primary_reviewer"] == "Dr. Jordan Pike" and pd.isna(agenda.at["R2", "secondary_reviewer"])
    with pytest.raises(ValueError, match="Dr. Riley Chen coaches Avery Stone, so is recused"):
        assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("C1", None)})
    with pytest.raises(ValueError, match="two different members"):
        assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("M1", "M1")})
    with pytest.raises(ValueError, match="Dr. Sam Ortiz does not sit on the committee"):
        assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("C2", None)})
    with pytest.raises(NotAllowed):
        assign_reviewers(tiny_rw, "M1", "P1", MEETING, {"R1": ("M1", None)})
    with pytest.raises(NotAllowed):
        assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R3": ("M1", None)})  # another program's resident
    assert [a for a in audit(tiny_rw) if a[1] == "assign reviewers"] == [("L1", "assign reviewers", "R1"),
                                                                        ("L1", "assign reviewers", "R2")]


def test_only_an_assigned_reviewer_writes_notes_and_the_latest_counts(tiny_rw):
    assign_reviewers(tiny_rw, "L1", "P1", MEETING, {"R1": ("M1", None)})
    write_reviewer_note(tiny_rw, "M1", "P1", MEETING, "R1", "First thoughts.")
    write_reviewer_note(tiny_rw, "M1", "P1", MEETING, "R1", "  E2 has stalled since October.  ")
    for author, resident in (("L1", "R1"), ("M1", "R2"), ("C2", "R1")):
        with pytest.raises(NotAllowed):
            write_reviewer_note(tiny_rw, author, "P1", MEETING, resident, "Not theirs to write.")
    with pytest.raises(ValueError, match="empty"):
        write_reviewer_note(tiny_rw, "M1", "P1", MEETING, "R1", "   ")
    notes = query(tiny_rw, "meeting_reviewer_notes", viewer="L1", program_id="P1", as_of=MEETING)
    assert notes[["resident_id", "reviewer_role", "name", "note"]].values.tolist() == [
        ["R1", "primary", "Dr. Jordan Pike", "E2 has stalled since October."]]
    # Reviewers' notes are the committee's: a coach of the resident who is not on the committee reads none.
    assert query(tiny_rw, "meeting_reviewer_notes", viewer="C2", program_id="P1", as_of=MEETING).empty


def test_only_the_chair_presents_and_presenting_keeps_the_data_version(tiny_rw):
    before = db.data_version(tiny_rw)
    present_resident(tiny_rw, "L1", "P1", MEETING, "R1")
    present_resident(tiny_rw, "L1", "P1", MEETING, "R2")
    assert db.data_version(tiny_rw) == before  # no cached figure changes when the chair steps
    assert list(query(tiny_rw, "meeting_presenting", viewer="M1", program_id="P1", as_of=MEETING)["resident_id"]) == [
        "R2"]
    with pytest.raises(NotAllowed):
        present_resident(tiny_rw, "M1", "P1", MEETING, "R1")
    assert query(tiny_rw, "meeting_presenting", viewer="X1", program_id="P1", as_of=MEETING).empty


def test_adding_to_the_agenda(tiny_rw):
    add_to_agenda(tiny_rw, "M1", "P1", MEETING, "R2")
    add_to_agenda(tiny_rw, "M1", "P1", MEETING, "R2")  # twice is once
    agenda = query(tiny_rw, "meeting_agenda", resident_id="",
                   viewer="M1", program_id="P1", as_of=MEETING).set_index("resident_id")
    assert bool(agenda.at["R2", "added_by_hand"]) and not bool(agenda.at["R1", "added_by_hand"])
    with pytest.raises(NotAllowed):
        add_to_agenda(tiny_rw, "C2", "P1", MEETING, "R1")
    with pytest.raises(NotAllowed):
        add_to_agenda(tiny_rw, "M1", "P1", MEETING, "R3")  # another program's resident
