"""The Elentra-style assessment export (CSV, one row per observation; DOMAIN.md and
docs/importing.md): residents and observers by name, ratings as the scale's words, no form id, so
each observation's id comes from its content (exports.with_content_ids). Read set-based, as SQL over
the sheet's cells."""

from __future__ import annotations

from cbme.imports.exports import directly_observed, flag, flag_comment, legacy_id, role, with_content_ids
from cbme.imports.reading import Sheet, Staging
from cbme.imports.validation import TRUE_WORDS, Part, file_columns, part_relation

COLUMNS = ["Date", "Resident Name", "EPA", "Observer Name", "Observer Type", "Rating", "Type",
           "Situation Context", "Feedback", "Professionalism Safety", "EPA Expired"]
FORMAT = "Elentra assessment export"
# The id the importer gave an Elentra row before ids came from the whole row.
LEGACY_KEY = ["Date", "Resident Name", "EPA", "Observer Name"]


def is_elentra(sheet: Sheet) -> bool:
    return set(COLUMNS) <= set(sheet.header)


def assessments(staging: Staging, sheet: Sheet, program_id: str) -> Part:
    """The export as the dashboard's assessments, with the residents and observers it names."""
    cell = {name: sheet.column(name) for name in COLUMNS}
    identified = with_content_ids(staging, sheet.table, list(cell.values()), "$program", {"program": program_id})
    expired = f"list_contains({TRUE_WORDS!r}, lower(coalesce({cell['EPA Expired']}, '')))"
    cells = {
        "assessment_id": "'EL-' || __content_id", "resident_id": cell["Resident Name"],
        "assessor_id": cell["Observer Name"], "assessor_role": role(cell["Observer Type"]),
        "form_type": "'epa_observation'", "assessment_date": cell["Date"], "epa_code": cell["EPA"],
        "entrustment": f"case when {expired} then null else {cell['Rating']} end",
        "directly_observed": directly_observed(cell["Type"]), "stakes": "'low'",
        "context": cell["Situation Context"], "comment": cell["Feedback"],
        "flag": flag(cell["Professionalism Safety"]), "flag_comment": flag_comment(cell["Professionalism Safety"]),
        "expired": f"coalesce({cell['EPA Expired']}, 'no')",
    }
    relation = part_relation(staging, "assessments", cells, identified,
                             carried={"__legacy_id": legacy_id("EL-", [cell[c] for c in LEGACY_KEY])})
    return Part("assessments", sheet, relation, sheet.rows, names=("resident_id", "assessor_id"),
                carried=("__legacy_id",), sources=file_columns(sheet, cells))
