"""The coaching rule at its thresholds."""

import datetime as dt

import pandas as pd
import pytest

from cbme.rules import DUE_SOON_DAYS, coaching_status

D = dt.date


def sessions(*rows):
    frame = pd.DataFrame(rows, columns=["scheduled_date", "status"])
    frame["scheduled_date"] = pd.to_datetime(frame["scheduled_date"])
    return frame


HISTORY = sessions((D(2026, 1, 1), "held"), (D(2026, 2, 1), "no-show"), (D(2026, 2, 10), "cancelled by coach"),
                   (D(2026, 4, 20), "upcoming"))


@pytest.mark.parametrize(("as_of", "verdict", "days_overdue"), [
    (D(2026, 2, 14), "on track", 0),  # due 2026-03-02, 16 days ahead
    (D(2026, 2, 16), "due soon", 0),  # exactly DUE_SOON_DAYS ahead
    (D(2026, 3, 2), "due soon", 0),  # due today: not yet overdue
    (D(2026, 3, 3), "overdue", 1),  # the day after it was due
    (D(2026, 4, 1), "overdue", 30),
])
def test_cadence_boundaries(as_of, verdict, days_overdue):
    assert DUE_SOON_DAYS == 14
    status = coaching_status(HISTORY, as_of, 60, pairing_start=D(2025, 7, 1))
    assert (status.verdict, status.days_overdue, status.next_due) == (verdict, days_overdue, D(2026, 3, 2))
    assert status.last_held == D(2026, 1, 1)


def test_missed_sessions_and_plan_in_reasons():
    status = coaching_status(HISTORY, D(2026, 3, 3), 60, pairing_start=D(2025, 7, 1))
    assert status.missed_since_last_held == 2
    assert status.next_planned == D(2026, 4, 20)
    assert status.days_since_last_held == 61
    assert status.reasons == [
        "Last session held 61 days ago, on 2026-01-01.",
        "With a 60-day cadence the next session was due on 2026-03-02: 1 days overdue.",
        "2 session(s) missed since: 1 no-show, 1 cancelled by coach.",
        "Next session planned for 2026-04-20.",
    ]


def test_sessions_after_the_as_of_date_are_ignored():
    status = coaching_status(HISTORY, D(2026, 1, 15), 60, pairing_start=D(2025, 7, 1))
    assert (status.verdict, status.missed_since_last_held, status.next_planned) == ("on track", 0, D(2026, 2, 1))


def test_no_session_held_counts_from_pairing_start():
    status = coaching_status(sessions((D(2026, 1, 1), "no-show")), D(2026, 3, 10), 45,
                             pairing_start=D(2026, 1, 1))
    assert (status.verdict, status.next_due, status.days_overdue, status.last_held) == (
        "overdue", D(2026, 2, 15), 23, None)
    assert status.reasons[0] == "No session held since the pairing began on 2026-01-01."


def test_cadence_comes_from_the_caller():
    assert coaching_status(HISTORY, D(2026, 3, 3), 90, D(2025, 7, 1)).verdict == "on track"


def test_no_coach():
    status = coaching_status(sessions(), D(2026, 3, 3), 60, pairing_start=None)
    assert (status.verdict, status.reasons) == ("no coach", ["The resident has no coach."])
