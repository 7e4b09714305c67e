"""Residents and observers that exports name rather than number: matched to the program's stored
residents and the stored people by name (case-insensitively), or created, and listed in the report.
A name only rejected rows carry creates no one."""

from __future__ import annotations

import hashlib

import pandas as pd

from cbme.imports.reconciliation import Report
from cbme.imports.tables import tables

ROLES = tables()["people"].column("default_role").allowed


def role(observer_type: str) -> str:
    """The assessor role an export's observer type names (Faculty, Attending, Resident, Nurse...)."""
    lowered = observer_type.lower()
    return next((r for r in ROLES if r in lowered), "faculty" if "attending" in lowered or
                "faculty" in lowered or "staff" in lowered or not lowered else "other")


def match_people(cursor, rows: pd.DataFrame, residents: dict, observers: dict, program_id: str,
                 report: Report) -> pd.DataFrame:
    """Replace names by ids: stored people matched by name (case-insensitive), others created."""
    known_residents = dict(cursor.execute(
        "select lower(name), resident_id from residents where program_id = $p", {"p": program_id}).fetchall())
    known_people = dict(cursor.execute("select lower(name), person_id from people").fetchall())
    created_residents = {c[2]: c[0] for c in report.created.get("residents", [])}
    created_people = {c[1]: c[0] for c in report.created.get("people", [])}
    rows = rows.copy()
    if residents and not rows.empty:
        dated = "assessment_date" if "assessment_date" in rows else "start_date"
        first_seen = rows.groupby("resident_id")[dated].min().to_dict()
        for name in rows["resident_id"].unique():
            if name.lower() not in known_residents and name not in created_residents:
                created_residents[name] = f"R-{hashlib.sha1((program_id + name.lower()).encode()).hexdigest()[:10]}"
                report.created.setdefault("residents", []).append(
                    (created_residents[name], program_id, name, pd.Timestamp(first_seen[name]).date()))
        rows["resident_id"] = rows["resident_id"].map(
            lambda n: known_residents.get(n.lower()) or created_residents.get(n, n))
    if observers and not rows.empty:
        for name in rows["assessor_id"].unique():
            if name.lower() not in known_people and name not in created_people:
                created_people[name] = f"P-{hashlib.sha1(name.lower().encode()).hexdigest()[:10]}"
                report.created.setdefault("people", []).append((created_people[name], name,
                                                                role(observers.get(name, ""))))
        rows["assessor_id"] = rows["assessor_id"].map(lambda n: known_people.get(n.lower()) or created_people.get(n, n))
    return rows


def keep_creations_in_use(batches, report: Report) -> None:
    """Create only the residents and people that kept rows name."""
    def used(column: str) -> set:
        return set().union(*(set(rows[column]) for _, _, rows in batches if column in rows))

    residents, people = used("resident_id"), used("assessor_id")
    report.created["residents"] = [c for c in report.created.get("residents", []) if c[0] in residents]
    report.created["people"] = [c for c in report.created.get("people", []) if c[0] in people]
