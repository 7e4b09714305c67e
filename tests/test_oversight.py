"""The coaching and program-oversight queries on the tiny program, expected values written out, and
logging a coaching session in the data layer."""

import datetime as dt

import pandas as pd
import pytest

from cbme.store import db
from cbme.store.access import NotAllowed
from cbme.store.coaching import Session, log_session
from cbme.store.db import query
from tests.test_queries import rows

D = dt.date
LEAD = dict(viewer="L1", program_id="P1")


def test_coaching_dual_roles(tiny):
    result = query(tiny, "coaching_dual_roles", as_of=D(2026, 6, 30), **LEAD)
    assert rows(result, ["resident_name", "coach_name", "coachee_assessments", "by_coach", "share_by_coach",
                         "coach_on_committee", "coaching_model", "roles_collide"]) == [
        ("Avery Stone", "Dr. Riley Chen", 9, 1, 0.111, True, "supervises", True),
        ("Blake Rivers", "Dr. Riley Chen", 1, 0, 0.0, True, "committee", False),
    ]


def test_coach_workload_against_the_ceiling(tiny):
    result = query(tiny, "coach_workload", as_of=D(2026, 6, 30), ceiling=1, **LEAD)
    assert rows(result, ["coach_id", "coachees", "over_ceiling", "held", "cancelled_by_resident",
                         "cancelled_by_coach", "no_show", "missed_share"]) == [
        ("C1", 2, True, 3, 0, 1, 1, 0.4), ("C2", 0, False, 1, 0, 0, 0, 0.0)]
    assert query(tiny, "coach_workload", as_of=D(2026, 6, 30), ceiling=1, viewer="C2", program_id="P1").empty


def test_residents_without_coach(tiny_rw):
    assert query(tiny_rw, "residents_without_coach", as_of=D(2026, 6, 30), **LEAD).empty
    tiny_rw.execute("update coach_assignments set end_date = '2026-01-01' where resident_id = 'R1'")
    result = query(tiny_rw, "residents_without_coach", as_of=D(2026, 6, 30), **LEAD)
    assert rows(result, ["resident_id", "stage"]) == [("R1", "FOD")]


def test_program_coaching_sessions(tiny):
    result = query(tiny, "program_coaching_sessions", as_of=D(2026, 6, 30), **LEAD)
    assert rows(result, ["coach_name", "scheduled_date", "status"]) == [
        ("Dr. Riley Chen", D(2025, 11, 1), "held"), ("Dr. Riley Chen", D(2026, 1, 5), "no-show"),
        ("Dr. Riley Chen", D(2026, 1, 20), "cancelled by coach"), ("Dr. Riley Chen", D(2026, 2, 10), "held"),
        ("Dr. Riley Chen", D(2026, 3, 1), "held"), ("Dr. Riley Chen", D(2026, 7, 20), "upcoming"),
        ("Dr. Sam Ortiz", D(2025, 9, 1), "held")]


def test_program_feedback_by_month(tiny):
    result = query(tiny, "program_feedback_by_month", as_of=D(2025, 6, 30), actionable_min_chars=20, **LEAD)
    columns = ["month", "opportunity", "items", "directly_observed", "with_narrative", "actionable", "expired",
               "month_items"]
    by_month = {m: rows(g, columns) for m, g in result.groupby(result["month"].dt.date)}
    assert by_month[D(2024, 7, 1)] == [(D(2024, 7, 1), "epa_observation", 2, 2, 2, 1, 0, 2)]
    assert by_month[D(2024, 11, 1)] == [(D(2024, 11, 1), "epa_observation", 0, 0, 0, 0, 1, 0)]
    assert by_month[D(2025, 5, 1)] == [(D(2025, 5, 1), "field_note", 1, 0, 1, 1, 0, 3),
                                       (D(2025, 5, 1), "iter", 1, 0, 1, 0, 0, 3),
                                       (D(2025, 5, 1), "mini_cex", 1, 1, 0, 0, 0, 3)]


def test_program_feedback_by_setting(tiny):
    result = query(tiny, "program_feedback_by_setting", as_of=D(2025, 6, 30), actionable_min_chars=20, **LEAD)
    epa = result[result["form_type"] == "epa_observation"]
    assert rows(epa, ["setting", "items", "directly_observed_share", "narrative_share", "actionable_share",
                      "expired"]) == [
        ("all settings", 6, 0.833, 0.833, 0.167, 1),
        ("Emergency department", 3, 1.0, 0.667, 0.333, 0),
        ("Clinic", 1, 0.0, 1.0, 0.0, 0), ("Inpatient ward", 1, 1.0, 1.0, 0.0, 0),
        ("Intensive care unit", 1, 1.0, 1.0, 0.0, 0), ("not recorded", 0, None, None, None, 1)]


def test_assessor_calibration(tiny):
    result = query(tiny, "assessor_calibration", as_of=D(2026, 6, 30), min_ratings=2, **LEAD)
    # A1 rated 3, 5, 4, 4; A2 rated 4, 2; C1 rated once (too few). Program mean 26/7; SD of means 0.707.
    assert rows(result, ["assessor_id", "ratings", "residents", "mean_rating", "program_mean", "z_score",
                         "words_per_comment"]) == [
        ("A1", 4, 2, 4.0, 3.71, 0.4, 2.8), ("A2", 2, 1, 3.0, 3.71, -1.01, 10.0)]
    assert query(tiny, "assessor_calibration", as_of=D(2026, 6, 30), min_ratings=2, viewer="C2",
                 program_id="P1").empty


def test_relational_continuity(tiny):
    result = query(tiny, "relational_continuity", as_of=D(2025, 6, 30), **LEAD)
    assert rows(result, ["resident_id", "assessments", "assessors", "repeated_assessors", "repeated_share",
                         "pairing_months"]) == [("R1", 9, 3, 2, 0.889, 12.0)]


BOARD = dict(recent_ratings=5, trend_months=6, min_trend_ratings=12)  # the status rules' defaults


def test_competency_board(tiny):
    result = query(tiny, "competency_board", as_of=D(2025, 6, 30), **BOARD, **LEAD)
    assert rows(result, ["resident_id", "stage", "epa_code", "ratings", "level", "growth"]) == [
        ("R1", "FOD", "E1", 3, 4.0, None), ("R1", "FOD", "E2", 2, 3.0, None), ("R1", "FOD", "E3", 1, 4.0, None)]


def test_growth_on_the_board_follows_the_status_rules_threshold(tiny_rw):
    tiny_rw.execute("""
        insert into assessments (assessment_id, resident_id, assessor_id, assessor_role, form_type, assessment_date,
            epa_code, entrustment, directly_observed, stakes, expired)
        values ('g1', 'R1', 'A1', 'faculty', 'epa_observation', '2025-04-01', 'E3', 2, true, 'low', false),
               ('g2', 'R1', 'A1', 'faculty', 'epa_observation', '2025-05-31', 'E3', 3, true, 'low', false)""")
    # E3: 4 on 03-01, 2 on 04-01, 3 on 05-31: slope -0.22 entrustment points a month, from three ratings.
    board = query(tiny_rw, "competency_board", as_of=D(2025, 6, 30), **BOARD, **LEAD).set_index("epa_code")
    assert pd.isna(board.at["E3", "growth"])  # the rule judges growth on 12 ratings or more
    lenient = {**BOARD, "min_trend_ratings": 3}
    board = query(tiny_rw, "competency_board", as_of=D(2025, 6, 30), **lenient, **LEAD).set_index("epa_code")
    assert board.at["E3", "growth"] == -0.22


def test_coachee_since_session(tiny):
    result = query(tiny, "coachee_since_session", viewer="C1", resident_id="R1", as_of=D(2025, 6, 30),
                   since=D(2024, 9, 30))
    assert rows(result, ["epa_code", "observations_since", "mean_since", "mean_before", "newly_achieved",
                         "needs_exposure"]) == [
        ("E1", 0, None, 4.0, False, False), ("E2", 2, 3.0, None, False, True), ("E3", 1, 4.0, None, False, True)]
    assert query(tiny, "coachee_since_session", viewer="C2", resident_id="R1", as_of=D(2025, 6, 30),
                 since=D(2024, 9, 30)).empty


def overdue(con, as_of):
    pairs = query(con, "coaching_pairs", resident_id="",
                  as_of=as_of, cadence_days=60, coach_id="", **LEAD).set_index("resident_id")
    return int(pairs.at["R1", "days_overdue"])


def test_a_logged_session_ends_the_overdue_at_once(tiny_rw):
    assert overdue(tiny_rw, D(2026, 6, 30)) == 80
    log_session(tiny_rw, "C1", Session("R1", D(2026, 6, 30), "held", 30, True, "Calm", "Lead handover",
                                       "More E3", D(2026, 8, 15)), today=D(2026, 6, 30))
    assert overdue(tiny_rw, D(2026, 6, 30)) == 0
    sessions = query(tiny_rw, "resident_coaching_sessions", viewer="C1", resident_id="R1", as_of=D(2026, 6, 30))
    # The earlier plan for 07-20 gave way to the new plan for 08-15.
    assert rows(sessions.tail(2), ["scheduled_date", "status", "plan_improvement"]) == [
        (D(2026, 6, 30), "held", "Lead handover"), (D(2026, 8, 15), "upcoming", None)]
    assert tiny_rw.execute("select actor_id, action, resident_id from audit_log").fetchall() == [
        ("C1", "log coaching session", "R1")]


def test_a_missed_session_keeps_the_pair_overdue(tiny_rw):
    log_session(tiny_rw, "C1", Session("R1", D(2026, 6, 30), "no-show"), today=D(2026, 6, 30))
    assert overdue(tiny_rw, D(2026, 6, 30)) == 80


@pytest.mark.parametrize("coach", ["C2", "M1", "L1", "AD1"])
def test_only_the_current_coach_logs(tiny_rw, coach):
    with pytest.raises(NotAllowed):
        log_session(tiny_rw, coach, Session("R1", D(2026, 6, 30), "held", 30), today=D(2026, 6, 30))
    assert tiny_rw.execute("select count(*) from coaching_sessions").fetchone()[0] == 7


@pytest.mark.parametrize(("session", "problem"), [
    (Session("R1", D(2026, 7, 1), "held", 30), "once its date has come"),
    (Session("R1", D(2026, 6, 30), "held", None), "length of the session"),
    (Session("R1", D(2026, 6, 30), "rescheduled", 30), "Choose what happened"),
    (Session("R1", D(2026, 6, 30), "held", 30, next_planned_date=D(2026, 6, 1)), "must come after"),
])
def test_invalid_sessions_are_refused(tiny_rw, session, problem):
    with pytest.raises(ValueError, match=problem):
        log_session(tiny_rw, "C1", session, today=D(2026, 6, 30))


def test_a_failed_log_writes_nothing(tiny_rw):
    version = db.data_version(tiny_rw)
    with pytest.raises(NotAllowed):
        log_session(tiny_rw, "C2", Session("R1", D(2026, 6, 30), "held", 30, next_planned_date=D(2026, 8, 1)),
                    today=D(2026, 6, 30))
    assert db.data_version(tiny_rw) == version
    assert tiny_rw.execute("select count(*) from audit_log").fetchone()[0] == 0
