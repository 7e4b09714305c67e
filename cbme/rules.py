"""Verdicts computed from query results: pure functions, thresholds passed in, reasons in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

DUE_SOON_DAYS = 14
MISSED = ("cancelled by resident", "cancelled by coach", "no-show")


@dataclass(frozen=True)
class CoachingStatus:
    verdict: str  # "overdue", "due soon", "on track" or "no coach"
    last_held: dt.date | None
    days_since_last_held: int | None
    next_due: dt.date | None
    days_overdue: int
    next_planned: dt.date | None
    missed_since_last_held: int
    reasons: list[str]


def coaching_status(sessions: pd.DataFrame, as_of: dt.date, cadence_days: int,
                    pairing_start: dt.date | None) -> CoachingStatus:
    """Whether a coachee's next coaching session is overdue on the as-of date.

    A session is due cadence_days after the last session held, or after the pairing started when none
    was held yet; it is overdue from the day after it was due. sessions has the columns of
    resident_coaching_sessions.sql.
    """
    if pairing_start is None:
        return CoachingStatus("no coach", None, None, None, 0, None, 0, ["The resident has no coach."])
    past = sessions[sessions["scheduled_date"].dt.date <= as_of]
    held = past.loc[past["status"] == "held", "scheduled_date"]
    last_held = held.max().date() if len(held) else None
    since = past if last_held is None else past[past["scheduled_date"].dt.date > last_held]
    missed = since[since["status"].isin(MISSED)]
    upcoming = sessions.loc[sessions["scheduled_date"].dt.date > as_of, "scheduled_date"]
    next_planned = upcoming.min().date() if len(upcoming) else None

    anchor = last_held or pairing_start
    next_due = anchor + dt.timedelta(days=cadence_days)
    days_overdue = max(0, (as_of - next_due).days)
    days_since = (as_of - last_held).days if last_held else None

    if last_held:
        reasons = [f"Last session held {days_since} days ago, on {last_held:%Y-%m-%d}."]
    else:
        reasons = [f"No session held since the pairing began on {pairing_start:%Y-%m-%d}."]
    if days_overdue:
        verdict = "overdue"
        reasons.append(f"With a {cadence_days}-day cadence the next session was due on {next_due:%Y-%m-%d}: "
                       f"{days_overdue} days overdue.")
    elif (next_due - as_of).days <= DUE_SOON_DAYS:
        verdict = "due soon"
        reasons.append(f"Next session due by {next_due:%Y-%m-%d} ({(next_due - as_of).days} days).")
    else:
        verdict = "on track"
        reasons.append(f"Next session due by {next_due:%Y-%m-%d}.")
    if len(missed):
        kinds = missed["status"].value_counts()
        reasons.append(f"{len(missed)} session(s) missed since: "
                       + ", ".join(f"{n} {status}" for status, n in kinds.items()) + ".")
    reasons.append(f"Next session planned for {next_planned:%Y-%m-%d}." if next_planned
                   else "No next session is planned.")
    return CoachingStatus(verdict, last_held, days_since, next_due, days_overdue, next_planned,
                          len(missed), reasons)
