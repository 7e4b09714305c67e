"""A committee meeting's agenda: residents with their status, what changed since their last review,
their coaching, and whether they are due. Pure: query results in, one ordered DataFrame out, the same
for every member who opens the same meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pandas as pd

from cbme.config import ProgramConfig
from cbme.rules.coaching import coaching_status
from cbme.rules.status import AMBER, CONCERN, LIGHT_LABELS, RED, ResidentStatus, resident_status
from cbme.vocabulary import counted

# How the agenda can be ordered: by concern (red first), flags first, or by name; each then by name.
ORDERS = {"concern": "Most concern first", "flags": "Flags first", "name": "By name"}


def statuses(agenda_rows: pd.DataFrame, evidence: pd.DataFrame, config: ProgramConfig) -> dict[str, ResidentStatus]:
    """Each resident's status from meeting_agenda.sql and meeting_epa_evidence.sql rows."""
    by_resident: dict[str, list[dict]] = {}
    # Plain records (pandas row access costs more than the rules), built column by column: to_dict()
    # converts each text cell on its own, three times slower on the evidence's codes.
    fields = list(evidence.columns)
    for values in zip(*(evidence[c].tolist() for c in fields)):
        row = dict(zip(fields, values))
        by_resident.setdefault(row["resident_id"], []).append(row)
    columns = ["resident_id", "stage", "months_in_stage", "new_flags", "review_since"]
    return {
        resident_id: resident_status(by_resident.get(resident_id, []), None if pd.isna(stage) else stage,
                                     0.0 if pd.isna(months) else float(months), int(flags),
                                     f"{since:%Y-%m-%d}", config)
        for resident_id, stage, months, flags, since in zip(*(agenda_rows[c] for c in columns))
    }


def due_reasons(row: Mapping, light: str, as_of: dt.date, config: ProgramConfig) -> list[str]:
    """Why a resident is due for review at the meeting on as_of; empty when not due. row is a
    meeting_agenda.sql row; a last decision review_due_months or more before the meeting is overdue."""
    reasons = []
    last = row["previous_decision_date"]
    if pd.isna(last):
        reasons.append("no decision yet")
    elif last.date() <= (pd.Timestamp(as_of) - pd.DateOffset(months=config.review_due_months)).date():
        reasons.append(f"last decision {config.review_due_months} months ago or more")
    if row["new_flags"]:
        reasons.append("flag")
    if light in (RED, AMBER):
        reasons.append(f"{light} status")
    follow_up = row["previous_follow_up_date"]
    if not pd.isna(follow_up) and follow_up.date() <= as_of:
        reasons.append(f"follow-up due {follow_up:%Y-%m-%d}")
    if row["added_by_hand"]:
        reasons.append("added by hand")
    return reasons


def since_text(row: Mapping) -> str:
    """What changed since the resident's previous decision, in a line. row is a meeting_agenda.sql row."""
    achieved = ", ".join(row["epas_newly_achieved_list"]) if row["epas_newly_achieved"] else ""
    return (f"{counted(row['new_observations'], 'observation')}, {counted(row['epas_newly_achieved'], 'EPA')} newly "
            f"achieved{f' ({achieved})' if achieved else ''}, {counted(row['new_flags'], 'flag')}, "
            f"{counted(row['new_narratives'], 'narrative')}; coaching {row['coaching_held']} held, "
            f"{row['coaching_missed']} missed")


def coaching_text(pair: Mapping | None, as_of: dt.date, config: ProgramConfig) -> str:
    """The resident's coaching in a few words: overdue by how long, due soon, on track, or no coach."""
    status = coaching_status(pair, as_of, config.coaching_cadence_days)
    if status.verdict == "overdue":
        return f"{status.days_overdue} days overdue"
    if status.verdict == "no coach":
        return "no coach"
    return f"{status.verdict}, due {status.next_due:%Y-%m-%d}"


def build_agenda(agenda_rows: pd.DataFrame, evidence: pd.DataFrame, pairs: pd.DataFrame, config: ProgramConfig,
                 as_of: dt.date) -> tuple[pd.DataFrame, dict[str, ResidentStatus]]:
    """Every resident ordered by concern (see order_agenda), with the status, its reasons in a line,
    the due reasons and the coaching of each; due_only() narrows it. pairs has coaching_pairs.sql rows."""
    found = statuses(agenda_rows, evidence, config)
    rows = agenda_rows.to_dict("records")  # (its dates convert faster whole than column by column)
    status = [found[row["resident_id"]] for row in rows]
    by_resident = {pair["resident_id"]: pair for pair in pairs.to_dict("records")}
    agenda = agenda_rows.assign(
        light=[s.light for s in status], status=[LIGHT_LABELS[s.light] for s in status],
        reasons=[s.summary for s in status], headline=[s.headline for s in status],
        reason_count=[len(s.reasons) for s in status],
        due=[", ".join(due_reasons(row, s.light, as_of, config)) for row, s in zip(rows, status)],
        since_last_review=[since_text(row) for row in rows], concern=[CONCERN[s.light] for s in status],
        coaching=[coaching_text(by_resident.get(row["resident_id"]), as_of, config) for row in rows],
        coaching_overdue_days=[int(by_resident[r["resident_id"]]["days_overdue"]) if r["resident_id"] in by_resident
                               else 0 for r in rows])
    return order_agenda(agenda, "concern"), found


def order_agenda(agenda: pd.DataFrame, order: str) -> pd.DataFrame:
    """The agenda in one of ORDERS: by concern (red, amber, not enough evidence, green; then flags, then
    the number of reasons), flags first (then by concern), or by name; the surname (the name's last word),
    then the whole name, break every tie."""
    keys = {"concern": (["concern", "new_flags", "reason_count", "surname", "name"], [True, False, False, True, True]),
            "flags": (["new_flags", "concern", "reason_count", "surname", "name"], [False, True, False, True, True]),
            "name": (["surname", "name", "resident_id"], [True, True, True])}[order]
    surname = agenda["name"].str.split().str[-1].str.casefold()
    return (agenda.assign(surname=surname).sort_values(keys[0], ascending=keys[1], kind="stable")
            .drop(columns="surname").reset_index(drop=True))


def agenda_queries(viewer: str, program_id: str, as_of: dt.date, config: ProgramConfig,
                   resident_id: str = "") -> list[tuple[str, dict]]:
    """The (name, parameters) of the meeting's three queries, whose results build_agenda() takes in order;
    with a resident_id, for that resident alone."""
    common = dict(viewer=viewer, program_id=program_id, as_of=as_of, resident_id=resident_id)
    return [("meeting_agenda", common),
            ("meeting_epa_evidence", dict(recent_weeks=config.recent_weeks, recent_ratings=config.recent_ratings,
                                          trend_months=config.trend_months,
                                          actionable_min_chars=config.actionable_min_chars, **common)),
            ("coaching_pairs", dict(cadence_days=config.coaching_cadence_days, coach_id="", **common))]


def load_agenda(fetch: Callable[..., pd.DataFrame], viewer: str, program_id: str, as_of: dt.date,
                config: ProgramConfig, resident_id: str = "") -> tuple[pd.DataFrame, dict[str, ResidentStatus]]:
    """build_agenda() on the meeting's queries, run by fetch(name, **params); with a resident_id, the
    agenda's row and status of that resident alone."""
    return build_agenda(*(fetch(name, **params) for name, params in
                          agenda_queries(viewer, program_id, as_of, config, resident_id)), config, as_of)


def due_only(agenda: pd.DataFrame) -> pd.DataFrame:
    """The residents of a built agenda who are due for review, in the same order."""
    return agenda[agenda["due"] != ""].reset_index(drop=True)


def decided_count(agenda: pd.DataFrame) -> int:
    """How many residents of the agenda have a decision recorded at this meeting."""
    return int(agenda["decision_this_meeting"].notna().sum())


def minutes(decision) -> list[str]:
    """The minutes of one decision (a resident_decisions.sql row), a line each, as the history and the
    packet show them: actions and follow-up, what became of the last decision's actions, who took part,
    who recorded it, why it was amended, and the rationale."""
    def given(value) -> bool:
        return isinstance(value, str) and bool(value.strip())

    follow_up = f" · follow-up {decision.follow_up_date:%Y-%m-%d}" if pd.notna(decision.follow_up_date) else ""
    lines = [f"Actions: {decision.actions or 'none'}{follow_up}"]
    if given(decision.previous_actions_follow_up):
        lines.append(f"Last decision's actions: {decision.previous_actions_follow_up}")
    if given(decision.members_present):
        lines.append(f"Members present: {decision.members_present}")
    if given(decision.members_recused):
        lines.append(f"Recused: {decision.members_recused}")
    computed = f" · the dashboard's status then: {LIGHT_LABELS[decision.computed_status]}" \
        if given(decision.computed_status) else ""
    lines.append(f"Recorded by {decision.recorded_by} on {decision.recorded_at:%Y-%m-%d %H:%M} UTC{computed}")
    if given(decision.amendment_reason):
        lines.append(f"Amended because: {decision.amendment_reason}")
    if given(decision.rationale):
        lines.append(f"Rationale: {decision.rationale}")
    return lines
