"""Coaching: the overdue arithmetic in SQL at the cadence boundary, the verdict and its words, and the
last learning plan."""

import datetime as dt

import pandas as pd
import pytest

from cbme.rules.coaching import DUE_SOON_DAYS, LearningPlan, coaching_status, last_learning_plan
from cbme.store.db import query

D = dt.date


def pair(tiny, as_of, cadence=60, viewer="L1"):
    rows = query(tiny, "coaching_pairs", resident_id="",
                 viewer=viewer, program_id="P1", as_of=as_of, cadence_days=cadence,
                 coach_id="").set_index("resident_id")
    return rows.loc["R1"]


@pytest.mark.parametrize(("as_of", "days_overdue", "verdict"), [
    (D(2026, 3, 25), 0, "on track"),  # R1's last held session 2026-02-10; due 2026-04-11, 17 days ahead
    (D(2026, 3, 28), 0, "due soon"),  # exactly 14 days ahead
    (D(2026, 4, 11), 0, "due soon"),  # due today: not yet overdue
    (D(2026, 4, 12), 1, "overdue"),  # the day after it was due
    (D(2026, 6, 30), 80, "overdue"),
])
def test_cadence_boundary(tiny, as_of, days_overdue, verdict):
    assert DUE_SOON_DAYS == 14
    row = pair(tiny, as_of)
    assert (row["last_held"].date(), row["next_due"].date(), row["days_overdue"]) == (
        D(2026, 2, 10), D(2026, 4, 11), days_overdue)
    assert coaching_status(row, as_of, 60).verdict == verdict


def test_cadence_comes_from_configuration(tiny):
    row = pair(tiny, D(2026, 6, 30), cadence=150)
    assert (row["next_due"].date(), row["days_overdue"]) == (D(2026, 7, 10), 0)


def test_missed_since_last_held_and_the_words(tiny):
    row = pair(tiny, D(2026, 2, 1))  # after a no-show (01-05) and a cancellation (01-20); last held 2025-11-01
    assert (row["missed_since_last_held"], row["next_planned"].date()) == (2, D(2026, 2, 10))
    assert coaching_status(row, D(2026, 2, 1), 60).reasons == [
        "Last session held 92 days ago, on 2025-11-01.",
        "With a 60-day cadence the next session was due on 2025-12-31: 32 days overdue.",
        "2 sessions missed since (cancelled or no-show).",
        "Next session planned for 2026-02-10.",
    ]


def test_no_session_held_counts_from_the_pairing_start(tiny):
    # R2's pairing with C1 began 2026-01-01; before the first session (2026-03-01) none was held.
    rows = query(tiny, "coaching_pairs", resident_id="",
                 viewer="L1", program_id="P1", as_of=D(2026, 2, 15), cadence_days=30,
                 coach_id="").set_index("resident_id")
    row = rows.loc["R2"]
    assert row["last_held"] is None or str(row["last_held"]) in ("NaT", "None")
    assert (row["next_due"].date(), row["days_overdue"]) == (D(2026, 1, 31), 15)
    words = coaching_status(row, D(2026, 2, 15), 30).reasons
    assert words[0] == "No session held since the pairing began on 2026-01-01."


def test_pair_counts_and_scope(tiny):
    row = pair(tiny, D(2026, 6, 30))
    assert (row["held"], row["cancelled_by_resident"], row["cancelled_by_coach"], row["no_show"],
            row["missed_share"]) == (2, 0, 1, 1, 0.5)
    # A coach sees only their own pairs; C2's pairing with R2 ended, so C2 has none now.
    assert query(tiny, "coaching_pairs", resident_id="",
                 viewer="C2", program_id="P1", as_of=D(2026, 6, 30), cadence_days=60,
                 coach_id="C2").empty
    only_c1 = query(tiny, "coaching_pairs", resident_id="",
                    viewer="C1", program_id="P1", as_of=D(2026, 6, 30), cadence_days=60,
                    coach_id="C1")
    assert sorted(only_c1["resident_id"]) == ["R1", "R2"]


def test_no_coach():
    assert coaching_status(None, D(2026, 3, 3), 60).reasons == ["The resident has no coach."]


def sessions(*rows) -> pd.DataFrame:
    """resident_coaching_sessions.sql rows: (date, status, strengths, improvement, exposure), oldest first."""
    frame = pd.DataFrame(rows, columns=["scheduled_date", "status", "plan_strengths", "plan_improvement",
                                        "plan_exposure"])
    return frame.assign(scheduled_date=pd.to_datetime(frame["scheduled_date"]))


COACHING = sessions(
    ("2026-01-10", "held", "Calm at handover", "Lead with the sickest patient.", "More E3 cases"),
    ("2026-02-10", "held", None, "  ", None),  # held, but no plan recorded
    ("2026-02-20", "cancelled by coach", None, None, None),
    ("2026-03-05", "held", "Read the ECG first", None, None),  # two sessions on one day: the later row counts
    ("2026-03-05", "held", None, None, "Night shifts"),
    ("2026-04-01", "upcoming", None, None, None),
)


@pytest.mark.parametrize(("as_of", "expected"), [
    (D(2026, 3, 31), LearningPlan(D(2026, 3, 5), {"Strengths": None, "Areas for improvement": None,
                                                  "Areas needing exposure": "Night shifts"})),
    (D(2026, 3, 4), LearningPlan(D(2026, 1, 10), {"Strengths": "Calm at handover",
                                                  "Areas for improvement": "Lead with the sickest patient.",
                                                  "Areas needing exposure": "More E3 cases"})),
    (D(2026, 1, 9), None),  # before the first session
])
def test_last_learning_plan(as_of, expected):
    assert last_learning_plan(COACHING, as_of) == expected


def test_no_learning_plan_without_a_held_session_that_recorded_one():
    assert last_learning_plan(COACHING.iloc[1:3], D(2026, 3, 31)) is None
    assert last_learning_plan(COACHING.iloc[0:0], D(2026, 3, 31)) is None


def test_last_learning_plan_from_the_query(tiny):
    # R1's last held session (2026-02-10) is before the as-of date; the one planned on 2026-07-20 is after it.
    rows = query(tiny, "resident_coaching_sessions", viewer="C1", resident_id="R1", as_of=D(2026, 6, 30))
    assert last_learning_plan(rows, D(2026, 6, 30)) == LearningPlan(D(2026, 2, 10), {
        "Strengths": "Strong handover", "Areas for improvement": "Work on E2: lead with the sickest patient first.",
        "Areas needing exposure": "Seek more E3 cases."})
