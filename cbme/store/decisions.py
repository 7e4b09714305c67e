"""Recording committee decisions: checked, versioned, append-only, audited, safe under concurrency.

A decision belongs to a resident and a meeting. The first one recorded is version 1; any later save
for the same resident and meeting is a new version that must say why (the amendment reason), and the
decision in force is the highest version. Nothing is ever updated or deleted. A committee member who
coaches the resident is recused: the data layer refuses their save, whatever the page shows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import duckdb

from cbme.rules.status import AMBER, GREEN, LIGHT_LABELS, NO_EVIDENCE, RED
from cbme.store.access import NotAllowed, record
from cbme.store.db import execute, program_of, writing
from cbme.vocabulary import COMMITTEE_ROLES, DECISION_ACTIONS, DECISION_STATUSES, FOLLOW_UP_OUTCOMES, STAGES

# The statuses that agree with each computed light: choosing another one needs a rationale.
AGREES_WITH = {GREEN: {"Progressing as expected", "Progress is accelerated"},
               AMBER: {"Not progressing as expected"},
               RED: {"Not progressing as expected", "Failure to progress"},
               NO_EVIDENCE: set()}


class Recused(NotAllowed):
    """The actor coaches the resident and may not decide on them."""


@dataclass(frozen=True)
class Saved:
    decision_id: str
    version: int
    concurrent: bool  # another member saved a version after this form was opened; both are kept


@dataclass(frozen=True)
class Decision:
    """A committee decision as entered. light is the committee status the dashboard computed (the
    decision records it beside its own); follow_ups say, for each action of the resident's previous
    decision, whether it was done, not done or carried over."""

    resident_id: str
    meeting_date: dt.date
    status: str | None
    actions: list[str]
    rationale: str = ""
    follow_up_date: dt.date | None = None
    members_present: tuple[str, ...] = ()
    other_action: str = ""
    light: str | None = None
    follow_ups: tuple[tuple[str, str | None], ...] = ()

    def problems(self) -> list[str]:
        """What is wrong with the decision as entered, in words; empty when it can be saved."""
        problems = []
        if self.status not in DECISION_STATUSES:
            problems.append("Choose a status.")
        unknown = [a for a in self.actions if a not in DECISION_ACTIONS]
        if unknown:
            problems.append(f"Unknown action(s): {', '.join(unknown)}.")
        if not self.actions and not self.other_action.strip():
            problems.append("Choose at least one action.")
        if self.status in DECISION_STATUSES and self.rationale_needed() and not self.rationale.strip():
            problems.append(f"A rationale is required: {self.rationale_needed()}.")
        if self.follow_up_date is not None and self.follow_up_date < self.meeting_date:
            problems.append("The follow-up date is before the meeting.")
        open_follow_ups = [action for action, outcome in self.follow_ups if outcome not in FOLLOW_UP_OUTCOMES]
        if open_follow_ups:
            problems.append("Say whether each action of the last decision was done, not done or carried over "
                            f"({', '.join(open_follow_ups)}).")
        return problems

    def rationale_needed(self) -> str:
        """Why this decision needs a rationale, in words; empty when it does not: when its status departs
        from the computed light, or it takes any action beyond monitoring."""
        if self.light is not None and self.status not in AGREES_WITH.get(self.light, set()):
            return f"“{self.status}” departs from the computed status ({LIGHT_LABELS[self.light].lower()})"
        acting = [a for a in self.all_actions() if a != "monitor"]
        return f"the decision takes action ({', '.join(acting)})" if acting else ""

    def all_actions(self) -> list[str]:
        other = self.other_action.strip()
        return list(self.actions) + ([f"other: {other}"] if other else [])


def check_may_decide(cursor, actor_id: str, resident_id: str, meeting_date: dt.date) -> None:
    """Raise NotAllowed unless the actor sits on the resident's program committee, and Recused when
    the actor is the resident's coach on the meeting date."""
    row = cursor.execute("""
        select
            holds_role($actor, r.program_id, $committee),
            exists (
                select 1 from coach_pairs_on($meeting) as a
                where a.resident_id = r.resident_id and a.coach_id = $actor
            )
        from residents as r
        where r.resident_id = $resident
    """, {"actor": actor_id, "resident": resident_id, "meeting": meeting_date, "committee": COMMITTEE_ROLES}).fetchone()
    if row is None or not row[0]:
        raise NotAllowed("Only members of this program's competence committee can record its decisions.")
    if row[1]:
        raise Recused("You coach this resident, so you are recused from this decision: you may advocate for "
                      "them, but another member records it.")


def record_decision(con: duckdb.DuckDBPyConnection, actor_id: str, decision: Decision,
                    based_on_version: int | None, amendment_reason: str = "") -> Saved:
    """Save decision as the next version for its resident and meeting.

    based_on_version is the version in force when the member opened the form (None when there was
    none). Saving over a decision needs an amendment reason; if another member saved in the meantime,
    this save is kept too, as the next version, with a reason that says so.
    """
    problems = decision.problems()
    if problems:
        raise ValueError(" ".join(problems))
    if based_on_version and not amendment_reason.strip():
        raise ValueError("Say why the decision is amended.")
    with writing(con, program_id=program_of(con, decision.resident_id)) as cursor:
        check_may_decide(cursor, actor_id, decision.resident_id, decision.meeting_date)
        recused = recused_members(cursor, decision.resident_id, decision.meeting_date)
        if set(decision.members_present) & set(recused):
            raise Recused("A member who coaches the resident is recused and cannot be present for this "
                          "decision.")
        previous = _previous_decision(cursor, decision.resident_id, decision.meeting_date)
        _check_follow_ups(decision, previous)
        _check_promotion(cursor, decision)
        latest = cursor.execute("""
            select d.version, coalesce(p.name, d.recorded_by) from committee_decisions as d
            left join people as p on p.person_id = d.recorded_by
            where d.resident_id = $resident and d.meeting_date = $meeting
            order by d.version desc limit 1
        """, {"resident": decision.resident_id, "meeting": decision.meeting_date}).fetchone()
        current = latest[0] if latest else 0
        concurrent = current != (based_on_version or 0)
        reason = amendment_reason.strip()
        if concurrent:
            reason = (f"{reason} " if reason else "") + (
                f"(Saved at the same time as version {current}, recorded by {latest[1]}; both are kept.)")
        version = current + 1
        decision_id = f"D-{uuid.uuid4().hex[:12]}"
        execute(cursor, "record_decision", decision_id=decision_id, resident_id=decision.resident_id,
                meeting_date=decision.meeting_date, version=version, status=decision.status,
                actions=decision.all_actions(), rationale=decision.rationale.strip() or None,
                follow_up_date=decision.follow_up_date, members_present=list(decision.members_present),
                members_recused=recused, computed_status=decision.light,
                saved_with_version=current if concurrent else None, amendment_reason=reason or None,
                recorded_by=actor_id, recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        for action, outcome in decision.follow_ups:
            execute(cursor, "record_follow_up", decision_id=decision_id, previous_decision_id=previous[0],
                    action=action, outcome=outcome)
        record(cursor, actor_id, "record decision" if version == 1 else "amend decision",
               program_id=_program_of(cursor, decision.resident_id), resident_id=decision.resident_id,
               meeting=decision.meeting_date, version=version, status=decision.status)
    return Saved(decision_id, version, concurrent)


def recused_members(cursor, resident_id: str, meeting_date: dt.date) -> list[str]:
    """The committee members who coach the resident on the meeting date: recused from the decision."""
    return [row[0] for row in cursor.execute("""
        select a.coach_id
        from coach_pairs_on($meeting) as a
        join residents as r on r.resident_id = a.resident_id
        where a.resident_id = $resident
            and holds_role(a.coach_id, r.program_id, $committee)
        order by a.coach_id
    """, {"resident": resident_id, "meeting": meeting_date, "committee": COMMITTEE_ROLES}).fetchall()]


def _previous_decision(cursor, resident_id: str, meeting_date: dt.date) -> tuple[str, list[str]] | None:
    """The resident's decision in force from the last meeting before this one: (its id, its actions)."""
    return cursor.execute("""
        select decision_id, actions from committee_decisions
        where resident_id = $resident and meeting_date < $meeting
        order by meeting_date desc, version desc limit 1
    """, {"resident": resident_id, "meeting": meeting_date}).fetchone()


def _check_follow_ups(decision: Decision, previous: tuple[str, list[str]] | None) -> None:
    """The follow-ups must answer exactly the actions of the previous decision, each once."""
    asked = sorted(previous[1]) if previous else []
    answered = sorted(action for action, _ in decision.follow_ups)
    if answered != asked:
        raise ValueError("Say whether each action of the last decision was done, not done or carried over "
                         f"({', '.join(asked) or 'it had none'}).")


def _check_promotion(cursor, decision: Decision) -> None:
    """Promotion needs a next stage: Transition to Practice is the last."""
    if "promote to next stage" not in decision.actions:
        return
    stage = cursor.execute("select stage_on($r, $m)", {"r": decision.resident_id, "m": decision.meeting_date}
                           ).fetchone()[0]
    if stage in (None, list(STAGES)[-1]):
        raise ValueError("Transition to Practice is the last stage: there is no next stage to promote to."
                         if stage else "The resident has no stage recorded on the meeting date to promote from.")


def _program_of(cursor, resident_id: str) -> str:
    return cursor.execute("select program_id from residents where resident_id = $r", {"r": resident_id}).fetchone()[0]
