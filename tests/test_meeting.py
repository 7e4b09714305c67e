"""The meeting: agenda assembly (pure) and the meeting journey through the app (AppTest)."""

import datetime as dt
import time

import pytest

from cbme.config import ProgramConfig
from cbme.rules.meeting import due_only, load_agenda, order_agenda
from cbme.store import db
from cbme.store.db import query
from tests.apptest import shown

MEETING = dt.date(2026, 6, 30)


def agenda(con, as_of=MEETING, only_due=True, viewer="M1"):
    table, statuses = load_agenda(lambda name, **params: query(con, name, **params), viewer, "P1", as_of,
                                  ProgramConfig())
    return (due_only(table) if only_due else table), statuses


def test_agenda_due_reasons_and_order(tiny):
    table, statuses = agenda(tiny)
    # Both are amber: R1 has been 667 days (21.9 months) in Foundations (12 expected), R2 12 months in
    # Transition to Discipline (2 expected).
    assert list(table["light"]) == ["amber", "amber"]
    # Equal concern, flags and number of reasons: by surname, Rivers before Stone.
    assert list(table["resident_id"]) == ["R2", "R1"]
    assert list(table["due"]) == ["no decision yet, amber status",
                                  "last decision 6 months ago or more, amber status, follow-up due 2026-03-15"]
    assert statuses["R1"].epas[0].epa_code == "E2"
    avery = table.set_index("resident_id").loc["R1"]
    assert avery["headline"] == "21.9 months in stage (12 expected); 2 of 2 EPAs lack evidence"
    assert avery["since_last_review"] == (
        "0 observations, 0 EPAs newly achieved, 0 flags, 0 narratives; coaching 1 held, 2 missed")
    # R1's last session held was on 2026-02-10: the next was due 60 days later, on 2026-04-11.
    assert avery["coaching"] == "80 days overdue"
    assert list(avery["previous_actions"]) == ["monitor", "modify learning plan"]


def test_the_agenda_orders_by_concern_flags_or_name(tiny):
    table, _ = agenda(tiny, as_of=dt.date(2025, 6, 14), only_due=False)
    # On 2025-06-14 R1 has a flag (red); R2 has not started training and is not on the agenda.
    assert list(order_agenda(table, "flags")["resident_id"]) == ["R1"]
    everyone, _ = agenda(tiny, only_due=False)
    assert list(order_agenda(everyone, "name")["name"]) == ["Blake Rivers", "Avery Stone"]  # by surname


def test_a_recent_decision_takes_a_resident_off_the_due_agenda(tiny):
    table, _ = agenda(tiny, as_of=dt.date(2025, 12, 20))
    assert "R1" not in set(table["resident_id"]) or "amber status" in table.set_index("resident_id").at["R1", "due"]
    everyone, _ = agenda(tiny, as_of=dt.date(2025, 12, 20), only_due=False)
    assert set(everyone["resident_id"]) == {"R1", "R2"}


def test_a_flag_since_the_last_review_makes_a_resident_due_and_red(tiny):
    table, statuses = agenda(tiny, as_of=dt.date(2025, 6, 14))
    assert list(table["resident_id"]) == ["R1"]
    assert statuses["R1"].light == "red"
    assert "flag" in table.loc[0, "due"] and "red status" in table.loc[0, "due"]


@pytest.fixture
def meeting_app(signed_in):
    return signed_in  # the tiny program's as-of date is the meeting date


def key(field, resident="R1"):
    return f"decision_{field}_{resident}_{MEETING:%Y%m%d}"


def in_meeting(meeting_app, email, resident="R1"):
    """The resident page in meeting view, as the person signed in with email."""
    return meeting_app(email, page="views/resident.py", resident=resident, meeting=MEETING.isoformat(), agenda="due")


def save(at, resident="R1"):
    at.button(key=key("save", resident)).click().run()


def stored(meeting_app):
    con = db.connect(meeting_app.database)
    try:
        return con.execute("select resident_id, version, status, rationale, recorded_by, members_present, "
                           "members_recused, computed_status from committee_decisions where meeting_date = $m "
                           "order by resident_id", {"m": MEETING}).fetchall()
    finally:
        con.close()


def test_meeting_page_lists_the_agenda(meeting_app):
    at = meeting_app("pike@example.org")
    assert at.title[0].value == "Committee meeting"
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Blake Rivers", "Avery Stone"]
    assert [list(status) for status in table["status"]] == [["Amber"]] * 2  # shown as coloured labels
    assert list(table["flags"]) == [0, 0]
    assert {m.label: m.value for m in at.metric}["Decided"] == "0 of 2"
    assert list(table.columns) == ["status", "name", "stage", "reasons", "flags", "since", "coaching", "due",
                                   "reviewers", "recused", "decision"]
    assert list(table["recused"].fillna("")) == ["Dr. Riley Chen", "Dr. Riley Chen"]  # C1 coaches both


def test_nothing_is_chosen_in_advance_and_an_empty_save_stores_nothing(meeting_app):
    at = in_meeting(meeting_app, "pike@example.org")
    assert at.radio(key=key("status")).value is None
    save(at)
    problems = shown(at.error[-1].value)
    assert "Choose a status." in problems and "Choose at least one action." in problems
    assert "was done, not done or carried over (monitor, modify learning plan)" in problems
    assert stored(meeting_app) == []


def test_save_needs_a_rationale_when_the_status_departs_from_the_light(meeting_app):
    at = in_meeting(meeting_app, "pike@example.org")
    at.radio(key=key("status")).set_value("Progressing as expected")  # the light is amber
    at.multiselect(key=key("actions")).set_value(["monitor"])
    at.segmented_control(key=key("outcome_0")).set_value("done")
    at.segmented_control(key=key("outcome_1")).set_value("carried over").run()
    assert at.text_area(key=key("rationale")).label == "Rationale (required)"
    save(at)
    assert "A rationale is required: “Progressing as expected” departs from the computed status (amber)" in \
        shown(at.error[-1].value)
    at.text_area(key=key("rationale")).input("Time in stage reflects a leave of absence.")
    save(at)
    assert [s.value for s in at.success] == ["Decision for Avery Stone saved (version 1)."]
    assert stored(meeting_app) == [("R1", 1, "Progressing as expected", "Time in stage reflects a leave of absence.",
                                    "M1", ["M1"], ["C1"], "amber")]
    assert at.radio(key=key("status")).value is None  # the saved form starts empty again


def test_a_choice_for_one_resident_never_shows_or_saves_for_the_next(meeting_app):
    at = in_meeting(meeting_app, "pike@example.org")
    at.radio(key=key("status")).set_value("Not progressing as expected")
    at.text_area(key=key("rationale")).input("About Avery only.").run()
    # (The agenda is Blake, then Avery: by surname, as both are amber with as many reasons.)
    at.button(key="meeting_previous").click().run()
    # Avery's decision is not saved: asked first, still on Avery.
    assert at.selectbox(key="resident").value == "R1"
    assert any("The decision for Avery Stone is not saved." in t.value for t in at.text)
    at.button(key="meeting_leaving_discard").click().run()
    assert at.selectbox(key="resident").value == "R2"
    assert at.radio(key=key("status", "R2")).value is None
    assert at.text_area(key=key("rationale", "R2")).value == ""
    save(at, "R2")  # an empty save for Blake stores nothing
    assert stored(meeting_app) == []
    at.button(key="meeting_next").click().run()
    assert at.selectbox(key="resident").value == "R1"
    assert at.radio(key=key("status")).value is None  # discarded, and nothing of Blake's
    assert at.text_area(key=key("rationale")).value == ""


def test_staying_keeps_the_unsaved_decision(meeting_app):
    at = in_meeting(meeting_app, "pike@example.org")
    at.radio(key=key("status")).set_value("Failure to progress").run()
    at.button(key="meeting_previous").click().run()
    at.button(key="meeting_leaving_stay").click().run()
    assert at.selectbox(key="resident").value == "R1"
    assert at.radio(key=key("status")).value == "Failure to progress"


def test_the_entrustment_chart_choice_belongs_to_its_resident(meeting_app):
    at = meeting_app("hale@example.org", page="views/resident.py", resident="R1")
    chosen = at.multiselect(key="resident_epas_R1")
    assert chosen.value  # opens on the current stage's EPAs that need attention
    chosen.set_value([chosen.options[0]]).run()
    at.selectbox(key="resident").set_value("R2").run()
    assert "resident_epas_R1" not in [m.key for m in at.multiselect]


def test_the_coach_on_the_committee_sees_the_recusal_and_no_form(meeting_app):
    at = in_meeting(meeting_app, "chen@example.org")
    assert any("you are recused" in w.value for w in at.warning)
    assert key("save") not in [b.key for b in at.button]


def test_a_recused_member_cannot_be_marked_present(meeting_app):
    at = in_meeting(meeting_app, "pike@example.org")
    present = at.multiselect(key=key("present"))
    assert "C1" not in present.options and present.value == ["M1"]
    assert any("Recused: Dr. Riley Chen" in shown(c.value) for c in at.caption)


def test_a_reviewer_writes_a_pre_meeting_note_that_everyone_sees_when_presented(meeting_app):
    from cbme.store.committee import assign_reviewers

    con = db.connect(meeting_app.database)
    assign_reviewers(con, "L1", "P1", MEETING, {"R1": ("M1", "L1")})
    con.close()
    at = in_meeting(meeting_app, "pike@example.org")
    note = f"review_note_R1_{MEETING:%Y%m%d}"
    at.text_area(key=note).input("E2 has stalled since October.")
    at.button(key=note + "_save").click().run()
    chair = in_meeting(meeting_app, "hale@example.org")
    assert "E2 has stalled since October." in [t.value for t in chair.text]
    assert any("Primary reviewer: Dr. Jordan Pike" in shown(c.value) for c in chair.caption)


def test_members_follow_the_resident_the_chair_presents(meeting_app):
    chair = in_meeting(meeting_app, "hale@example.org", resident="R2")  # the chair presents Blake
    assert any("You are presenting" in c.value for c in chair.caption)
    member = in_meeting(meeting_app, "pike@example.org", resident="R1")
    assert member.selectbox(key="resident").value == "R2"  # moved to the chair's resident
    member.button(key="meeting_next").click().run()  # stepping alone stops following
    assert member.selectbox(key="resident").value == "R1" and member.toggle(key="meeting_follow").value is False


def test_adding_a_resident_by_hand(meeting_app):
    # On 2025-06-20 Avery was decided on five days before and nothing is due; Blake starts in July.
    at = meeting_app("hale@example.org", as_of="2025-06-20")
    assert any("No resident is due for review" in i.value for i in at.info)
    at.selectbox(key="meeting_add_resident").set_value("R1")
    at.button(key="meeting_add").click().run()
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Avery Stone"] and list(table["due"]) == ["added by hand"]


def test_the_packet_is_built_in_the_background_and_then_offered(meeting_app):
    at = meeting_app("hale@example.org")
    at.button(key="meeting_packet").click().run()
    assert not at.exception
    # The click returns at once: the page shows the build's progress while the meeting goes on.
    assert at.get("progress") or at.get("download_button")
    for _ in range(240):
        labels = [b.proto.label for b in at.get("download_button")]
        if "Download the packet (PDF)" in labels:
            break
        time.sleep(0.5)
        at.run()
    assert {"Download the packet (PDF)", "Download the packet (HTML)"} <= set(labels)
    con = db.connect(meeting_app.database)
    assert con.execute("select resident_id from audit_log where action = 'build packet' order by resident_id"
                       ).fetchall() == [("R1",), ("R2",)]  # one event for each resident in the packet
    con.close()
