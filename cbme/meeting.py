"""A committee meeting's agenda: residents with their status, what changed since their last review,
and whether they are due. Pure: query results in, one ordered DataFrame out, the same for every member
who opens the same meeting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pandas as pd

from cbme.config import ProgramConfig
from cbme.status import AMBER, CONCERN, LIGHT_LABELS, RED, ResidentStatus, resident_status


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
        resident_id: resident_status(by_resident.get(resident_id, []), stage, float(months or 0), int(flags),
                                     f"{since:%Y-%m-%d}", config)
        for resident_id, stage, months, flags, since in zip(*(agenda_rows[c] for c in columns))
    }


def due_reasons(row: Mapping, light: str, decided_before: dt.date, config: ProgramConfig) -> list[str]:
    """Why a resident is due for review at this meeting; empty when not due. row is a meeting_agenda.sql
    row; a last decision on or before decided_before (review_due_months before the meeting) is overdue."""
    reasons = []
    last = row["previous_decision_date"]
    if pd.isna(last):
        reasons.append("no decision yet")
    elif last.date() <= decided_before:
        reasons.append(f"last decision over {config.review_due_months} months ago")
    if row["new_flags"]:
        reasons.append("flag")
    if light in (RED, AMBER):
        reasons.append(f"{light} status")
    if row["added_by_hand"]:
        reasons.append("added by hand")
    return reasons


def since_text(row: Mapping) -> str:
    """What changed since the resident's previous decision, in a line. row is a meeting_agenda.sql row."""
    achieved = ", ".join(row["epas_newly_achieved_list"]) if row["epas_newly_achieved"] else ""
    return (f"{row['new_observations']} observations · {row['epas_newly_achieved']} EPA(s) newly achieved"
            f"{f' ({achieved})' if achieved else ''} · {row['new_flags']} flag(s) · {row['new_narratives']} "
            f"narratives · coaching {row['coaching_held']} held, {row['coaching_missed']} missed")


def build_agenda(agenda_rows: pd.DataFrame, evidence: pd.DataFrame, config: ProgramConfig,
                 as_of: dt.date) -> tuple[pd.DataFrame, dict[str, ResidentStatus]]:
    """Every resident ordered by concern (red, amber, not enough evidence, green; then flags, then the
    number of reasons, then name), with the status and due reasons of each; due_only() narrows it."""
    found = statuses(agenda_rows, evidence, config)
    rows = agenda_rows.to_dict("records")  # (its dates convert faster whole than column by column)
    status = [found[row["resident_id"]] for row in rows]
    decided_before = (pd.Timestamp(as_of) - pd.DateOffset(months=config.review_due_months)).date()
    agenda = agenda_rows.assign(
        light=[s.light for s in status], status=[LIGHT_LABELS[s.light] for s in status],
        reasons=[s.summary for s in status], reason_count=[len(s.reasons) for s in status],
        due=[", ".join(due_reasons(row, s.light, decided_before, config)) for row, s in zip(rows, status)],
        since_last_review=[since_text(row) for row in rows], concern=[CONCERN[s.light] for s in status])
    agenda = agenda.sort_values(["concern", "new_flags", "reason_count", "name"],
                                ascending=[True, False, False, True], kind="stable")
    return agenda.reset_index(drop=True), found


def agenda_queries(viewer: str, program_id: str, as_of: dt.date, config: ProgramConfig) -> list[tuple[str, dict]]:
    """The (name, parameters) of the meeting's two queries, whose results build_agenda() takes in order."""
    common = dict(viewer=viewer, program_id=program_id, as_of=as_of)
    return [("meeting_agenda", common),
            ("meeting_epa_evidence", dict(recent_weeks=config.recent_weeks, recent_ratings=config.recent_ratings,
                                          trend_months=config.trend_months,
                                          actionable_min_chars=config.actionable_min_chars, **common))]


def load_agenda(fetch: Callable[..., pd.DataFrame], viewer: str, program_id: str, as_of: dt.date,
                config: ProgramConfig) -> tuple[pd.DataFrame, dict[str, ResidentStatus]]:
    """build_agenda() on the meeting's two queries, run by fetch(name, **params)."""
    return build_agenda(*(fetch(name, **params) for name, params in agenda_queries(viewer, program_id, as_of, config)),
                        config, as_of)


def due_only(agenda: pd.DataFrame) -> pd.DataFrame:
    """The residents of a built agenda who are due for review, in the same order."""
    return agenda[agenda["due"] != ""].reset_index(drop=True)
