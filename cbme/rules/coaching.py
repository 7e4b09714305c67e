"""Verdicts computed from query results: pure functions, thresholds passed in, reasons in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cbme.vocabulary import LEARNING_PLAN, counted

DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class CoachingStatus:
    verdict: str  # "overdue", "due soon", "on track" or "no coach"
    next_due: dt.date | None
    days_overdue: int
    reasons: list[str]


@dataclass(frozen=True)
class LearningPlan:
    session_date: dt.date
    parts: dict[str, str | None]  # heading (Strengths...) -> what the coach wrote, None when nothing


def _date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def coaching_status(pair: Mapping | None, as_of: dt.date, cadence_days: int) -> CoachingStatus:
    """Whether a coachee's next coaching session is overdue, in words. pair is a row of
    coaching_pairs.sql (None when the resident has no coach), which does the date arithmetic: a session
    is due cadence_days after the last held (or after the pairing began), overdue from the next day."""
    if pair is None:
        return CoachingStatus("no coach", None, 0, ["The resident has no coach."])
    last_held, next_due = _date(pair["last_held"]), _date(pair["next_due"])
    next_planned, overdue = _date(pair["next_planned"]), int(pair["days_overdue"])
    if last_held:
        reasons = [f"Last session held {(as_of - last_held).days} days ago, on {last_held:%Y-%m-%d}."]
    else:
        reasons = [f"No session held since the pairing began on {_date(pair['pairing_start']):%Y-%m-%d}."]
    if overdue:
        verdict = "overdue"
        reasons.append(f"With a {cadence_days}-day cadence the next session was due on {next_due:%Y-%m-%d}: "
                       f"{overdue} days overdue.")
    elif (next_due - as_of).days <= DUE_SOON_DAYS:
        verdict = "due soon"
        reasons.append(f"Next session due by {next_due:%Y-%m-%d} ({(next_due - as_of).days} days).")
    else:
        verdict = "on track"
        reasons.append(f"Next session due by {next_due:%Y-%m-%d}.")
    if pair["missed_since_last_held"]:
        missed = counted(int(pair["missed_since_last_held"]), "session")
        reasons.append(f"{missed} missed since (cancelled or no-show).")
    reasons.append(f"Next session planned for {next_planned:%Y-%m-%d}." if next_planned
                   else "No next session is planned.")
    return CoachingStatus(verdict, next_due, overdue, reasons)


def before_next_meeting(outcome: Mapping | None, coaching: CoachingStatus, as_of: dt.date) -> list[str]:
    """For a coach: the committee's last decision on the coachee and what is due before its next meeting,
    a line each. outcome is a coachee_outcomes.sql row (None when the coachee has none)."""
    lines = []
    decided = None if outcome is None else _date(outcome["decision_meeting_date"])
    actions = outcome["decision_actions"] if outcome is not None and decided else ""
    follow_up = None if outcome is None else _date(outcome["follow_up_date"])
    meeting = None if outcome is None else _date(outcome["next_meeting_date"])
    if decided:
        lines.append(f"Last committee decision ({decided:%Y-%m-%d}): {outcome['decision_status']}; "
                     f"actions: {actions or 'none'}"
                     + (f"; follow-up by {follow_up:%Y-%m-%d}." if follow_up else "."))
    else:
        lines.append("The committee has not decided on this coachee yet.")
    lines.append(f"Next committee meeting: {meeting:%Y-%m-%d} ({(meeting - as_of).days} days)." if meeting
                 else "The committee's next meeting is not scheduled yet.")
    due = []
    if follow_up:
        due.append(f"the committee's follow-up date, {follow_up:%Y-%m-%d}"
                   + (" (passed)" if follow_up < as_of else ""))
    if "modify learning plan" in actions:
        due.append("a revised learning plan, which the committee asked for")
    if coaching.next_due and (meeting is None or coaching.next_due <= meeting):
        due.append(f"a coaching session by {coaching.next_due:%Y-%m-%d}"
                   + (f" ({coaching.days_overdue} days overdue)" if coaching.days_overdue else ""))
    before = "Due before it" if meeting else "Due before the next meeting"
    lines.append(f"{before}: " + "; ".join(due) + "." if due else f"Nothing is {before.lower()}.")
    return lines


def last_learning_plan(sessions: pd.DataFrame, as_of: dt.date) -> LearningPlan | None:
    """The learning plan of the coachee's latest session held on or before as_of that recorded one (any
    of its three parts); None when no such session. sessions are resident_coaching_sessions.sql rows,
    oldest first, so of two sessions on one day the later row counts."""
    for session in sessions.iloc[::-1].itertuples():
        if session.status == "held" and _date(session.scheduled_date) <= as_of:
            parts = {heading: _text(getattr(session, column)) for column, heading in LEARNING_PLAN.items()}
            if any(parts.values()):
                return LearningPlan(_date(session.scheduled_date), parts)
    return None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
