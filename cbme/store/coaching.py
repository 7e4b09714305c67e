"""Logging a coaching session: only the coachee's current coach, atomic, audited, visible at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import duckdb

from cbme.store.access import NotAllowed, record
from cbme.store.db import execute, program_of, writing
from cbme.vocabulary import SESSION_OUTCOMES


@dataclass(frozen=True)
class Session:
    resident_id: str
    scheduled_date: dt.date
    status: str
    duration_minutes: int | None = None
    assessments_reviewed: bool | None = None
    plan_strengths: str = ""
    plan_improvement: str = ""
    plan_exposure: str = ""
    next_planned_date: dt.date | None = None

    def problems(self, today: dt.date) -> list[str]:
        problems = []
        if self.status not in SESSION_OUTCOMES:
            problems.append(f"Choose what happened (not {self.status!r}).")
        if self.scheduled_date > today:
            problems.append("A session is logged once its date has come.")
        if self.status == "held" and not (self.duration_minutes and self.duration_minutes > 0):
            problems.append("Give the length of the session in minutes.")
        if self.next_planned_date is not None and self.next_planned_date <= self.scheduled_date:
            problems.append("The next planned date must come after this session.")
        return problems


def log_session(con: duckdb.DuckDBPyConnection, coach_id: str, session: Session, today: dt.date) -> str:
    """Record a session, and the next one as upcoming when a date is planned; return the session id."""
    problems = session.problems(today)
    if problems:
        raise ValueError(" ".join(problems))
    held = session.status == "held"
    with writing(con, program_id=program_of(con, session.resident_id)) as cursor:
        program = cursor.execute("""
            select r.program_id from coach_pairs_on($day) as a join residents as r using (resident_id)
            where a.resident_id = $resident and a.coach_id = $coach and holds_role($coach, r.program_id, ['coach'])
        """, {"resident": session.resident_id, "coach": coach_id, "day": session.scheduled_date}).fetchone()
        if program is None:
            raise NotAllowed("Only the resident's coach on that date can log their coaching sessions.")
        # A planned session on that day becomes the one logged; later plans are replaced by the new one.
        execute(cursor, "remove_planned_sessions", resident_id=session.resident_id, coach_id=coach_id,
                day=session.scheduled_date, next_planned_date=session.next_planned_date)
        session_id = f"S-{uuid.uuid4().hex[:12]}"
        execute(cursor, "log_coaching_session", session_id=session_id, resident_id=session.resident_id,
                coach_id=coach_id, day=session.scheduled_date, status=session.status,
                duration_minutes=session.duration_minutes if held else None,
                assessments_reviewed=session.assessments_reviewed if held else None,
                plan_strengths=(session.plan_strengths.strip() or None) if held else None,
                plan_improvement=(session.plan_improvement.strip() or None) if held else None,
                plan_exposure=(session.plan_exposure.strip() or None) if held else None,
                next_planned_date=session.next_planned_date)
        if session.next_planned_date:
            execute(cursor, "plan_coaching_session", session_id=f"S-{uuid.uuid4().hex[:12]}",
                    resident_id=session.resident_id, coach_id=coach_id, day=session.next_planned_date)
        record(cursor, coach_id, "log coaching session", program_id=program[0], resident_id=session.resident_id,
               date=session.scheduled_date, status=session.status)
        return session_id
