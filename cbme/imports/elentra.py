"""The Elentra-style assessment export (CSV, one row per observation; DOMAIN.md and
docs/importing.md): residents and observers by name, ratings as the scale's words, no form id, so
each observation's id comes from its content (reconciliation.content_ids)."""

from __future__ import annotations

from cbme.imports.people import role
from cbme.imports.reading import Sheet
from cbme.imports.reconciliation import content_ids
from cbme.imports.tables import tables
from cbme.imports.validation import TRUE_WORDS

COLUMNS = ["Date", "Resident Name", "EPA", "Observer Name", "Observer Type", "Rating", "Type",
           "Situation Context", "Feedback", "Professionalism Safety", "EPA Expired"]
FORMAT = "Elentra assessment export"


def is_elentra(sheet: Sheet) -> bool:
    return set(COLUMNS) <= set(sheet.header)


def directly_observed(kind: str) -> str:
    lowered = kind.lower()
    return "yes" if "direct" in lowered and "indirect" not in lowered else "no"


def flag(concern: str) -> str:
    """A concern comment as the flag it raises; a no-word (0, no, N) raises none."""
    if not concern or concern.lower() in {"0", "no", "n", "false", "none"}:
        return ""
    return "patient safety" if "safety" in concern.lower() else "professionalism"


def assessments(sheet: Sheet, program_id: str) -> Sheet:
    """The export as a canonical assessments sheet, with the residents and observers it names."""
    ids = content_ids(sheet.frame, COLUMNS, "EL-", program_id)
    rows, residents, observers = [], {}, {}
    for (number, raw), assessment_id in zip(sheet.rows, ids):
        expired = raw["EPA Expired"]
        concern = raw["Professionalism Safety"]
        residents.setdefault(raw["Resident Name"], raw["Date"])
        observers.setdefault(raw["Observer Name"], raw["Observer Type"])
        rows.append((number, {
            "assessment_id": assessment_id, "resident_id": raw["Resident Name"], "assessor_id": raw["Observer Name"],
            "assessor_role": role(raw["Observer Type"]), "form_type": "epa_observation",
            "assessment_date": raw["Date"], "epa_code": raw["EPA"],
            "entrustment": "" if expired.lower() in TRUE_WORDS else raw["Rating"],
            "directly_observed": directly_observed(raw["Type"]), "stakes": "low",
            "context": raw["Situation Context"], "strengths": raw["Feedback"], "flag": flag(concern),
            "flag_comment": concern if flag(concern) else "", "expired": expired or "no"}))
    return Sheet.from_rows(sheet.name, tables()["assessments"].names, rows, people=(residents, observers),
                           source=sheet.frame)
