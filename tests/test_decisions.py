"""Recording decisions: validation, permission, recusal in the data layer, versioning, concurrency."""

import datetime as dt
import threading

import pytest

from cbme.rules.status import AMBER, GREEN, NO_EVIDENCE, RED
from cbme.store import db
from cbme.store.access import NotAllowed
from cbme.store.db import query
from cbme.store.decisions import Decision, Recused, record_decision

MEETING = dt.date(2026, 6, 30)
# R1's last decision (2025-12-15) took two actions: every decision after it says what became of them.
FOLLOW_UPS = (("modify learning plan", "done"), ("monitor", "done"))
GOOD = Decision("R1", MEETING, "Progressing as expected", ["monitor"], members_present=("M1", "L1"),
                follow_ups=FOLLOW_UPS)


def decision(status="Progressing as expected", actions=("monitor",), **fields) -> Decision:
    return Decision("R1", MEETING, status, list(actions), **{"follow_ups": FOLLOW_UPS, **fields})


def versions(con, resident="R1"):
    return con.execute("select version, status, recorded_by, amendment_reason from committee_decisions "
                       "where resident_id = $r and meeting_date = $m order by version",
                       {"r": resident, "m": MEETING}).fetchall()


def test_a_member_records_a_decision_with_its_audit_event(tiny_rw):
    before = db.data_version(tiny_rw)
    saved = record_decision(tiny_rw, "M1", GOOD, based_on_version=None)
    assert (saved.version, saved.concurrent) == (1, False)
    row = tiny_rw.execute("select status, actions, members_present, recorded_by from committee_decisions "
                          "where decision_id = $id", {"id": saved.decision_id}).fetchone()
    assert row == ("Progressing as expected", ["monitor"], ["M1", "L1"], "M1")
    audit = tiny_rw.execute("select actor_id, action, resident_id from audit_log").fetchall()
    assert audit == [("M1", "record decision", "R1")]
    assert db.data_version(tiny_rw) == before + 1


@pytest.mark.parametrize(("entered", "problem"), [
    (decision(None), "Choose a status"),  # nothing is chosen in advance
    (decision("Promoted"), "Choose a status"),
    (decision(actions=()), "at least one action"),
    (decision(actions=("expel",)), "Unknown action"),
    (decision("Not progressing as expected", light=GREEN), "departs from the computed status"),
    (decision("Progressing as expected", light=AMBER), "departs from the computed status"),
    (decision("Progressing as expected", light=NO_EVIDENCE), "departs from the computed status"),
    (decision("Failure to progress", ["formal remediation"], rationale="  ", light=RED), "takes action"),
    (decision(actions=("monitor", "modify learning plan"), light=GREEN), "takes action"),
    (decision(follow_up_date=dt.date(2026, 1, 1)), "follow-up date is before"),
    (decision(follow_ups=(("modify learning plan", None), ("monitor", "done"))), "was done, not done or carried"),
    (decision(follow_ups=(("monitor", "done"),)), "was done, not done or carried"),  # one action forgotten
])
def test_invalid_decisions_are_refused_in_words(tiny_rw, entered, problem):
    with pytest.raises(ValueError, match=problem):
        record_decision(tiny_rw, "M1", entered, based_on_version=None)
    assert versions(tiny_rw) == []


@pytest.mark.parametrize(("status", "light"), [
    ("Progressing as expected", GREEN), ("Progress is accelerated", GREEN), ("Not progressing as expected", AMBER),
    ("Not progressing as expected", RED), ("Failure to progress", RED)])
def test_a_status_that_agrees_with_the_light_and_only_monitoring_needs_no_rationale(tiny_rw, status, light):
    saved = record_decision(tiny_rw, "M1", decision(status, light=light), based_on_version=None)
    stored = tiny_rw.execute("select status, computed_status, rationale from committee_decisions "
                             "where decision_id = $id", {"id": saved.decision_id}).fetchone()
    assert stored == (status, light, None)


def test_the_follow_up_of_the_last_decisions_actions_is_kept_with_the_decision(tiny_rw):
    saved = record_decision(tiny_rw, "M1", decision(
        follow_ups=(("modify learning plan", "carried over"), ("monitor", "done"))), based_on_version=None)
    assert tiny_rw.execute("select previous_decision_id, action, outcome from decision_action_reviews "
                           "where decision_id = $id order by action", {"id": saved.decision_id}).fetchall() == [
        ("d2", "modify learning plan", "carried over"), ("d2", "monitor", "done")]
    minutes = query(tiny_rw, "resident_decisions", viewer="L1", resident_id="R1", as_of=MEETING).iloc[0]
    assert minutes["previous_actions_follow_up"] == "modify learning plan: carried over; monitor: done"


def test_other_action_is_free_text_and_needs_a_rationale(tiny_rw):
    entered = decision(actions=(), other_action="extra simulation block")
    with pytest.raises(ValueError, match=r"takes action \(other: extra simulation block\)"):
        record_decision(tiny_rw, "M1", entered, based_on_version=None)
    saved = record_decision(tiny_rw, "M1", decision(actions=(), other_action="extra simulation block",
                                                    rationale="Few resuscitations seen."), based_on_version=None)
    actions = tiny_rw.execute("select actions from committee_decisions where decision_id = $id",
                              {"id": saved.decision_id}).fetchone()[0]
    assert actions == ["other: extra simulation block"]


def test_a_recused_member_cannot_be_present_and_is_recorded_as_recused(tiny_rw):
    # C1 sits on the committee and coaches R1.
    with pytest.raises(Recused, match="recused and cannot be present"):
        record_decision(tiny_rw, "M1", decision(members_present=("M1", "C1")), based_on_version=None)
    saved = record_decision(tiny_rw, "M1", decision(members_present=("M1", "L1")), based_on_version=None)
    assert tiny_rw.execute("select members_present, members_recused from committee_decisions where decision_id = $id",
                           {"id": saved.decision_id}).fetchone() == (["M1", "L1"], ["C1"])
    minutes = query(tiny_rw, "resident_decisions", viewer="L1", resident_id="R1", as_of=MEETING).iloc[0]
    assert (minutes["members_present"], minutes["members_recused"]) == ("Dr. Jordan Pike, Dr. Morgan Hale",
                                                                        "Dr. Riley Chen")


def test_the_coach_on_the_committee_is_recused_in_the_data_layer(tiny_rw):
    # C1 sits on the committee and coaches R1 and R2.
    with pytest.raises(Recused, match="recused"):
        record_decision(tiny_rw, "C1", GOOD, based_on_version=None)
    with pytest.raises(Recused):
        record_decision(tiny_rw, "C1", GOOD, based_on_version=1, amendment_reason="change")
    assert versions(tiny_rw) == []
    # Before C1's pairing with R2 began, C1 was not R2's coach.
    early = Decision("R2", dt.date(2025, 12, 15), "Progressing as expected", ["monitor"])  # R2: no earlier decision
    assert record_decision(tiny_rw, "C1", early, based_on_version=None).version == 1


@pytest.mark.parametrize("actor", ["L1x", "A1", "X1", "AD1", "C2"])
def test_people_outside_the_committee_cannot_record(tiny_rw, actor):
    with pytest.raises(NotAllowed):
        record_decision(tiny_rw, actor, GOOD, based_on_version=None)


def test_the_chair_can_record(tiny_rw):
    assert record_decision(tiny_rw, "L1", GOOD, based_on_version=None).version == 1


def test_amendments_are_new_versions_with_a_reason(tiny_rw):
    record_decision(tiny_rw, "M1", GOOD, based_on_version=None)
    with pytest.raises(ValueError, match="why the decision is amended"):
        record_decision(tiny_rw, "L1", GOOD, based_on_version=1)
    amended = decision("Not progressing as expected", ["modify learning plan"], rationale="E2 below expected.")
    saved = record_decision(tiny_rw, "L1", amended, based_on_version=1, amendment_reason="New ITER received.")
    assert (saved.version, saved.concurrent) == (2, False)
    assert versions(tiny_rw) == [(1, "Progressing as expected", "M1", None),
                                 (2, "Not progressing as expected", "L1", "New ITER received.")]
    # The history shows both versions; the profile shows the one in force.
    history = query(tiny_rw, "resident_decisions", viewer="L1", resident_id="R1", as_of=MEETING)
    assert list(history["version"][:2]) == [2, 1]
    assert list(history["amendment_reason"][:2].fillna("")) == ["New ITER received.", ""]
    assert list(history["in_force"][:2]) == [True, False]
    profile = query(tiny_rw, "resident_profile", viewer="L1", resident_id="R1", as_of=MEETING).iloc[0]
    assert profile["last_decision_status"] == "Not progressing as expected"


def test_a_save_over_a_version_saved_meanwhile_keeps_both(tiny_rw):
    record_decision(tiny_rw, "M1", GOOD, based_on_version=None)
    # L1 opened the form before M1 saved, so L1's save is based on no decision.
    other = decision("Not progressing as expected", rationale="Flag in October.")
    saved = record_decision(tiny_rw, "L1", other, based_on_version=None)
    assert (saved.version, saved.concurrent) == (2, True)
    assert versions(tiny_rw)[1][3] == (
        "(Saved at the same time as version 1, recorded by Dr. Jordan Pike; both are kept.)")
    assert tiny_rw.execute("select saved_with_version from committee_decisions where version = 2").fetchone() == (1,)


def test_simultaneous_saves_lose_nothing(tiny_rw):
    members = ["M1", "L1"] * 4
    barrier = threading.Barrier(len(members))
    results, errors = [], []

    def save(actor, n):
        barrier.wait()
        try:
            entered = decision("Not progressing as expected", rationale=f"save {n}")
            results.append(record_decision(tiny_rw, actor, entered, based_on_version=None))
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(actor, n)) for n, actor in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.version for r in results) == list(range(1, len(members) + 1))
    rationales = {r[0] for r in tiny_rw.execute("select rationale from committee_decisions where meeting_date = $m",
                                                 {"m": MEETING}).fetchall()}
    assert rationales == {f"save {n}" for n in range(len(members))}
    assert tiny_rw.execute("select count(*) from audit_log where action in ('record decision', 'amend decision')"
                           ).fetchone()[0] == len(members)


def test_a_decision_survives_a_restart(tiny_file):
    con = db.connect(tiny_file)
    record_decision(con, "M1", GOOD, based_on_version=None)
    con.close()
    reopened = db.connect(tiny_file)
    assert versions(reopened) == [(1, "Progressing as expected", "M1", None)]
    reopened.close()
