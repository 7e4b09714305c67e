"""The meeting: agenda assembly (pure) and the meeting journey through the app (AppTest)."""

import datetime as dt

import pytest

from cbme import db
from cbme.config import ProgramConfig
from cbme.db import query
from cbme.meeting import build_agenda, due_only
from tests.test_queries import EVIDENCE

MEETING = dt.date(2026, 6, 30)


def agenda(con, as_of=MEETING, only_due=True, viewer="M1"):
    common = dict(viewer=viewer, program_id="P1", as_of=as_of)
    rows = query(con, "meeting_agenda", **common)
    evidence = query(con, "meeting_epa_evidence", **common, **EVIDENCE)
    table, statuses = build_agenda(rows, evidence, ProgramConfig(), as_of)
    return (due_only(table) if only_due else table), statuses


def test_agenda_due_reasons_and_order(tiny):
    table, statuses = agenda(tiny)
    assert list(table["resident_id"]) == ["R1", "R2"]  # equal concern: more reasons first, then name
    assert list(table["due"]) == ["last decision over 6 months ago", "no decision yet"]
    assert list(table["light"]) == ["not enough evidence", "not enough evidence"]
    assert statuses["R1"].epas[0].epa_code == "E2"
    assert table.loc[0, "since_last_review"] == (
        "0 observations · 0 EPA(s) newly achieved · 0 flag(s) · 0 narratives · coaching 1 held, 2 missed")


def test_a_recent_decision_takes_a_resident_off_the_due_agenda(tiny):
    table, _ = agenda(tiny, as_of=dt.date(2025, 12, 20))
    assert list(table["resident_id"]) == ["R2"]
    everyone, _ = agenda(tiny, as_of=dt.date(2025, 12, 20), only_due=False)
    assert list(everyone["resident_id"]) == ["R1", "R2"] or set(everyone["resident_id"]) == {"R1", "R2"}


def test_a_flag_since_the_last_review_makes_a_resident_due_and_red(tiny):
    table, statuses = agenda(tiny, as_of=dt.date(2025, 6, 14))
    assert list(table["resident_id"]) == ["R1"]
    assert statuses["R1"].light == "red"
    assert "flag" in table.loc[0, "due"] and "red status" in table.loc[0, "due"]


@pytest.fixture
def meeting_app(signed_in):
    return signed_in  # the tiny program's as-of date is the meeting date


def test_meeting_page_lists_the_agenda(meeting_app):
    at = meeting_app("pike@example.org")
    assert at.title[0].value == "Committee meeting"
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Avery Stone", "Blake Rivers"]
    assert [list(status) for status in table["status"]] == [["Not enough evidence"]] * 2  # shown as coloured labels
    assert [m.value for m in at.metric][:1] == ['2']


def test_record_a_decision_and_step_to_the_next_resident(meeting_app):
    # The Present button's page switch is exercised in the browser journey; here the meeting link is opened.
    at = meeting_app("pike@example.org", page="pages/resident.py", resident="R1", meeting=MEETING.isoformat(),
                     agenda="due")
    assert any("resident 1 of 2 on the agenda" in m.value for m in at.markdown)
    at.radio(key="decision_status").set_value("Not progressing as expected")
    at.multiselect(key="decision_actions").set_value(["modify learning plan"])
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert "A rationale is required" in at.error[-1].value
    at.text_area(key="decision_rationale").input("E2 ratings fell after October.")
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert [s.value for s in at.success] == ["Decision saved (version 1)."]
    history = meeting_app("pike@example.org", page="pages/resident.py", resident="R1", section="Decision history")
    assert any("E2 ratings fell after October." == t.value for t in history.text)
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.selectbox(key="resident").value == "R2"
    assert any("resident 2 of 2 on the agenda" in m.value for m in at.markdown)
    con = db.connect(meeting_app.database)
    assert con.execute("select resident_id, version, recorded_by, members_present from committee_decisions "
                       "where meeting_date = $m", {"m": MEETING}).fetchall() == [("R1", 1, "M1", ["M1"])]


def test_the_coach_on_the_committee_sees_the_recusal_and_no_form(meeting_app):
    at = meeting_app("chen@example.org", page="pages/resident.py", resident="R1", meeting=MEETING.isoformat())
    assert any("you are recused" in w.value for w in at.warning)
    assert "Save decision" not in [b.label for b in at.button]


def test_adding_a_resident_by_hand(meeting_app):
    at = meeting_app("hale@example.org", as_of="2025-12-20")
    assert list(at.dataframe[0].value["name"]) == ["Blake Rivers"]
    at.selectbox(key="meeting_add_resident").set_value("R1")
    next(b for b in at.button if b.label == "Add to agenda").click().run()
    table = at.dataframe[0].value
    assert set(table["name"]) == {"Avery Stone", "Blake Rivers"}
    assert "added by hand" in table.set_index("name").at["Avery Stone", "due"]
