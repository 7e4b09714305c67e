"""The committee's meeting records besides its decisions: scheduled meetings, who attends, residents
added to an agenda by hand, the reviewers who prepare each resident and their notes, and the resident
the chair is presenting. Each write checks the actor's role in the data layer and is audited in the
same transaction (cbme.store.db.writing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb

from cbme.store.access import NotAllowed, holds_role, record
from cbme.store.db import execute, writing
from cbme.vocabulary import COMMITTEE_ROLES, MEETING_ROLES, ORGANISER_ROLES, REVIEWER_ROLES


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _require(cursor, actor_id: str, program_id: str, roles: list[str], message: str) -> None:
    if not holds_role(cursor, actor_id, program_id, roles):
        raise NotAllowed(message)


def schedule_meeting(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date) -> None:
    """Put a meeting on the committee's calendar (the chair or the program lead)."""
    with writing(con, program_id=program_id) as cursor:
        _require(cursor, actor_id, program_id, ORGANISER_ROLES,
                 "Only the committee chair or the program lead can schedule the committee's meetings.")
        execute(cursor, "schedule_meeting", program_id=program_id, meeting_date=meeting_date, scheduled_by=actor_id,
                scheduled_at=_now())
        record(cursor, actor_id, "schedule meeting", program_id=program_id, meeting=meeting_date)


def record_attendance(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date,
                      present: list[str]) -> None:
    """Who attends the meeting, replacing what was recorded before (any committee member)."""
    with writing(con, program_id=program_id) as cursor:
        _require(cursor, actor_id, program_id, COMMITTEE_ROLES, "Only the committee's members record who attends.")
        members = {row[0] for row in cursor.execute(
            "select person_id from roles where program_id = $p and list_contains($roles, role)",
            {"p": program_id, "roles": COMMITTEE_ROLES}).fetchall()}
        strangers = sorted(set(present) - members)
        if strangers:
            raise ValueError(f"Not members of this committee: {', '.join(strangers)}.")
        execute(cursor, "clear_attendance", program_id=program_id, meeting_date=meeting_date)
        for person_id in sorted(set(present)):
            execute(cursor, "record_attendance", program_id=program_id, meeting_date=meeting_date, person_id=person_id,
                    recorded_by=actor_id, recorded_at=_now())
        record(cursor, actor_id, "record attendance", program_id=program_id, meeting=meeting_date,
               present=sorted(set(present)))


def add_to_agenda(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date,
                  resident_id: str) -> None:
    """Put a resident on a meeting's agenda by hand, for every member who opens the meeting."""
    with writing(con, program_id=program_id) as cursor:
        allowed = holds_role(cursor, actor_id, program_id, MEETING_ROLES)
        if not allowed or not _in_program(cursor, resident_id, program_id):
            raise NotAllowed("Only the program's committee can change its agenda.")
        execute(cursor, "add_to_agenda", program_id=program_id, meeting_date=meeting_date, resident_id=resident_id,
                added_by=actor_id, added_at=_now())
        record(cursor, actor_id, "add to agenda", program_id=program_id, resident_id=resident_id,
               meeting=meeting_date)


def assign_reviewers(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date,
                     assignments: Mapping[str, tuple[str | None, str | None]]) -> int:
    """Set the (primary, secondary) reviewer of each resident in assignments for the meeting (the chair
    or the program lead); None leaves a role unassigned. A reviewer is a committee member who does not
    coach the resident, and the two are different people. Returns the residents whose reviewers changed."""
    with writing(con, program_id=program_id) as cursor:
        _require(cursor, actor_id, program_id, ORGANISER_ROLES,
                 "Only the committee chair or the program lead can assign reviewers.")
        changed = 0
        for resident_id, people in assignments.items():
            if not _in_program(cursor, resident_id, program_id):
                raise NotAllowed("Reviewers can only be assigned to the program's residents.")
            chosen = [p for p in people if p]
            if len(set(chosen)) < len(chosen):
                raise ValueError(f"{_name(cursor, resident_id)}: the primary and secondary reviewer must be two "
                                 "different members.")
            for person_id in chosen:
                if not holds_role(cursor, person_id, program_id, COMMITTEE_ROLES):
                    raise ValueError(f"{_name(cursor, person_id)} does not sit on the committee.")
                if _coaches(cursor, person_id, resident_id, meeting_date):
                    raise ValueError(f"{_name(cursor, person_id)} coaches {_name(cursor, resident_id)}, so is "
                                     "recused and cannot review them.")
            before = dict(cursor.execute(
                "select reviewer_role, person_id from meeting_reviewers where program_id = $p and "
                "meeting_date = $m and resident_id = $r", {"p": program_id, "m": meeting_date, "r": resident_id}
            ).fetchall())
            after = {role: person for role, person in zip(REVIEWER_ROLES, people) if person}
            if before == after:
                continue
            changed += 1
            execute(cursor, "clear_reviewers", program_id=program_id, meeting_date=meeting_date,
                    resident_id=resident_id)
            for role, person_id in after.items():
                execute(cursor, "assign_reviewer", program_id=program_id, meeting_date=meeting_date,
                        resident_id=resident_id, reviewer_role=role, person_id=person_id, assigned_by=actor_id,
                        assigned_at=_now())
            record(cursor, actor_id, "assign reviewers", program_id=program_id, resident_id=resident_id,
                   meeting=meeting_date, **after)
        return changed


def write_reviewer_note(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date,
                        resident_id: str, note: str) -> None:
    """A reviewer's pre-meeting note on a resident they were assigned to review (a new version)."""
    note = note.strip()
    if not note:
        raise ValueError("The note is empty.")
    with writing(con, program_id=program_id) as cursor:
        assigned = cursor.execute(
            "select count(*) from meeting_reviewers where program_id = $p and meeting_date = $m and "
            "resident_id = $r and person_id = $actor",
            {"p": program_id, "m": meeting_date, "r": resident_id, "actor": actor_id}).fetchone()[0]
        if not assigned or not holds_role(cursor, actor_id, program_id, COMMITTEE_ROLES):
            raise NotAllowed("Only a reviewer assigned to this resident for this meeting writes its notes.")
        execute(cursor, "write_reviewer_note", program_id=program_id, meeting_date=meeting_date,
                resident_id=resident_id, reviewer_id=actor_id, note=note, written_at=_now())
        record(cursor, actor_id, "write reviewer note", program_id=program_id, resident_id=resident_id,
               meeting=meeting_date)


def present_resident(con: duckdb.DuckDBPyConnection, actor_id: str, program_id: str, meeting_date: dt.date,
                     resident_id: str) -> None:
    """The chair now presents this resident: members following the chair move to them. Changes no
    figure, so no new data version."""
    with writing(con, changes_data=False) as cursor:
        _require(cursor, actor_id, program_id, ["committee_chair"], "Only the committee chair leads the meeting.")
        if not _in_program(cursor, resident_id, program_id):
            raise NotAllowed("Only the program's residents are presented at its meetings.")
        execute(cursor, "present_resident", program_id=program_id, meeting_date=meeting_date, resident_id=resident_id,
                presented_by=actor_id, presented_at=_now())


def _in_program(cursor, resident_id: str, program_id: str) -> bool:
    return bool(cursor.execute("select count(*) from residents where resident_id = $r and program_id = $p",
                               {"r": resident_id, "p": program_id}).fetchone()[0])


def _coaches(cursor, person_id: str, resident_id: str, day: dt.date) -> bool:
    return bool(cursor.execute("select count(*) from coach_pairs_on($day) where resident_id = $r and coach_id = $c",
                               {"day": day, "r": resident_id, "c": person_id}).fetchone()[0])


def _name(cursor, some_id: str) -> str:
    row = cursor.execute("select name from residents where resident_id = $i union all "
                         "select name from people where person_id = $i limit 1", {"i": some_id}).fetchone()
    return row[0] if row else some_id
