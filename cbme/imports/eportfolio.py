"""The Royal College ePortfolio "Observation Summary Report" (XLSX, one learner per workbook), read as
the platform lays it out (DOMAIN.md; tests/fixtures/imports/README.md says where each fact comes
from). Sheet EPA Observations: a learner line "<learner> - <stage>", then per EPA a block: its code
and title, the assessment plan, a Snapshot row of the platform's own totals, a header row found by its
names wherever it sits, and one row per observation (an expired one has a date of expiration and no
rating). Sheet Narratives: its header found the same way, one row per narrative. The learner's stage
is stored as a stage period; each EPA's stage comes from its code (TTD, F, C, TP) or, for codes that do
not say (EPA 1.1), from the program's catalogue. Dates are MM/DD/YYYY. There is no form id: each
observation's id comes from its content (exports.with_content_ids), so one observer's two
observations of one EPA on one day stay two. A rating that is one of the platform's achievement
words (Achieved, In Progress) is stored as the observation's achievement, with no entrustment level.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from cbme.imports.exports import directly_observed, flag, flag_comment, legacy_id, role, with_content_ids
from cbme.imports.reading import ImportFailed, Staging
from cbme.imports.tables import tables
from cbme.imports.validation import MONTH_FIRST, Part, file_columns, part_relation
from cbme.imports.workbooks import find_header, sheet_from_rows

FORMAT = "Royal College ePortfolio observation summary"
OBSERVATIONS, NARRATIVES = "EPA Observations", "Narratives"
HEADER = ["Observer Name", "Observer Type", "Rating Given", "Type", "Situation/Context", "Feedback",
          "Professional and Safety Comments", "Date of Completion", "Date of Expiration"]
NARRATIVE_HEADER = ["Observer Name", "Observer Type", "Feedback", "Professional and Safety Comments",
                    "Date of Observation", "Date of Completion"]
DATE_FORMAT = MONTH_FIRST
STAGE_NAMES = {"transition to discipline": "TTD", "foundations of discipline": "FOD", "core of discipline": "COD",
               "transition to practice": "TTP"}
# The stage an EPA code's prefix names, as the Royal College numbers EPAs within each stage (TTD 1, F 2,
# C 10, TP 1); a code without such a prefix (EPA 1.1) takes its stage from the program's catalogue.
CODE_STAGES = {"ttd": "TTD", "f": "FOD", "c": "COD", "tp": "TTP"}
CODE = re.compile(r"^(?:EPA\s*)?(?P<prefix>[A-Z]{0,4})\s*#?\s*\d+(?:\.\d+)*$", re.IGNORECASE)
# The platform's achievement words, as its Snapshot counts observations ("Achieved", "In progress"): an
# observation rated so is stored with that achievement and no entrustment level, never an invented one.
# Any other rating is read as an entrustment level (1-5, or the O-SCORE anchors with or without their
# number); an unknown word rejects its row. docs/importing.md lists them.
ACHIEVEMENTS = {"achieved": "achieved", "in progress": "in progress"}
SNAPSHOT = re.compile(r'Total\s+"([^"]+)"(?:\s+observations)?\s*\((\d+)\)', re.IGNORECASE)


def is_eportfolio(sheet_names) -> bool:
    return OBSERVATIONS.lower() in {s.lower() for s in sheet_names}


def _sheet(grids: dict, name: str) -> list[list[str]] | None:
    return next((g for title, g in grids.items() if title.lower() == name.lower()), None)


def _learner(grid: list[list[str]], file_name: str) -> tuple[str, str]:
    for row in grid[:8]:
        for cell in row:
            name, dash, stage = cell.rpartition(" - ")
            if dash and stage.strip().lower() in STAGE_NAMES:
                return name.strip(), STAGE_NAMES[stage.strip().lower()]
    raise ImportFailed(f"{file_name}: sheet {OBSERVATIONS} has no '<learner> - <stage>' line in its first rows "
                       f"(the stage one of: {', '.join(s.title() for s in STAGE_NAMES)}).")


def code_stage(code: str, catalogue: dict[str, str]) -> str:
    """The stage an EPA belongs to: the program's catalogue, else its code's prefix; '' when neither says."""
    if code in catalogue:
        return catalogue[code]
    found = CODE.match(code)
    return CODE_STAGES.get((found.group("prefix") or "").lower(), "") if found else ""


def read(staging: Staging, grids: dict[str, list[list[str]]], file_name: str, program_id: str,
         catalogue: dict[str, str]) -> list[Part]:
    """The parts: the EPA catalogue entries, the learner's stage, the observations and the narratives
    no observation already carries. catalogue: the program's stored EPA code -> stage."""
    grid = _sheet(grids, OBSERVATIONS)
    learner, stage = _learner(grid, file_name)
    blocks, observations = [], []
    block, columns = None, None
    for number, row in enumerate(grid, start=1):
        cells = [c.strip() for c in row]
        found = find_header([cells], HEADER)
        if found:
            columns = found[1]
            continue
        code_at = next((i for i, c in enumerate(cells) if CODE.match(c) and i + 1 < len(cells) and cells[i + 1]), None)
        if code_at is not None and (columns is None or code_at < columns or not any(cells[columns:columns + 9])
                                    or code_at == 0):
            block = {"code": cells[code_at], "title": cells[code_at + 1], "number": number, "plan": "",
                     "snapshot": {}}
            blocks.append(block)
            columns = None
            continue
        if block is None:
            continue
        if any(c.lower().startswith("snapshot") for c in cells):
            for cell in cells:
                for word, count in SNAPSHOT.findall(cell):
                    block["snapshot"][word.lower()] = int(count)
        elif columns is None:
            if not block["plan"]:
                block["plan"] = next((c for c in cells[1:] if c), "")
        elif any(cells[columns:columns + 9]):
            observations.append((number, [block["code"], *(cells[columns:columns + 9] + [""] * 9)[:9]]))
    if not blocks:
        raise ImportFailed(f"{file_name}: sheet {OBSERVATIONS} holds no EPA block (a row with the EPA code and title).")
    epa_names = tables()["epas"].names
    epa_rows = [(b["number"], [{"program_id": program_id, "epa_code": b["code"],
                                "stage": code_stage(b["code"], catalogue), "title": b["title"],
                                "required_observations": _required(b), "target_entrustment": "4",
                                "contextual_requirements": "; ".join(
                                    line.strip() for line in b["plan"].splitlines()[1:]
                                    if line.strip() and not re.match(r"Collect\s+\d+", line.strip(), re.I))}[c]
                               for c in epa_names]) for b in blocks]
    scope = {"learner": learner, "scope": f"{program_id}\x1f{learner}"}
    observed = _observations(staging, observations, scope)
    observed.summary = {b["code"]: b["snapshot"] for b in blocks if b["snapshot"]}
    days = [d for d in (_day(values[8] or values[9]) for _, values in observations) if d]
    stage_names = tables()["resident_stages"].names
    stage_row = {"resident_id": learner, "stage": stage, "start_date": min(days).isoformat() if days else ""}
    parts = [_part(staging, "epas", f"{OBSERVATIONS} (catalogue)", epa_names, epa_rows, keep_stored=True),
             _part(staging, "resident_stages", f"{OBSERVATIONS} (learner's stage)", stage_names,
                   [(2, [stage_row[c] for c in stage_names])], names=("resident_id",), keep_stored=True),
             observed, _narratives(staging, grids, scope, observations)]
    for part in parts:
        part.date_format = DATE_FORMAT
    # The program's own catalogue stands over a learner's report; the report says the learner's stage,
    # not when it began, so a stored stage period stands too.
    return parts


def _part(staging: Staging, table: str, title: str, header: list[str], rows, **extra) -> Part:
    sheet = sheet_from_rows(staging, title, header, rows)
    cells = {name: sheet.column(name) for name in header}
    return Part(table, sheet, part_relation(staging, table, cells, sheet.table), sheet.rows, **extra)


def _day(text: str) -> dt.date | None:
    """The day of a date as the report writes it (MM/DD/YYYY, or a date cell read as YYYY-MM-DD)."""
    for layout in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def _required(block: dict) -> str:
    found = re.search(r"Collect\s+(\d+)\s+observation", block["plan"], re.I)
    return found.group(1) if found else str(block["snapshot"].get("required", ""))


def _observations(staging: Staging, observations: list, scope: dict) -> Part:
    """The observation rows as the dashboard's assessments. A rating that is one of the platform's
    achievement words becomes the observation's achievement, with no entrustment level."""
    sheet = sheet_from_rows(staging, OBSERVATIONS, ["EPA", *HEADER], observations)
    cell = {name: sheet.column(name) for name in sheet.header}
    rating, completed, expires = cell["Rating Given"], cell["Date of Completion"], cell["Date of Expiration"]
    identified = with_content_ids(staging, sheet.table, list(cell.values()), "$scope", {"scope": scope["scope"]})
    expired = f"(lower(coalesce({rating}, '')) = 'expired' or ({completed} is null and {expires} is not null))"
    achievement = f"{list(ACHIEVEMENTS.values())!r}[list_position({list(ACHIEVEMENTS)!r}, lower({rating}))]"
    cells = {
        "assessment_id": "'RC-' || __content_id", "resident_id": "$learner", "assessor_id": cell["Observer Name"],
        "assessor_role": role(cell["Observer Type"]), "form_type": "'epa_observation'",
        "assessment_date": f"case when {expired} then {expires} else {completed} end", "epa_code": cell["EPA"],
        "entrustment": f"case when not {expired} and {achievement} is null then {rating} end",
        "achievement": f"case when not {expired} then {achievement} end",
        "directly_observed": directly_observed(cell["Type"]), "stakes": "'low'",
        "context": cell["Situation/Context"], "comment": cell["Feedback"],
        "flag": flag(cell["Professional and Safety Comments"]),
        "flag_comment": flag_comment(cell["Professional and Safety Comments"]),
        "expired": f"case when {expired} then 'yes' else 'no' end",
    }
    legacy = legacy_id("RC-", ["$learner", cell["EPA"], cell["Observer Name"],
                               f"case when {completed} is null and {expires} is not null then {expires} "
                               f"else {completed} end"])
    relation = part_relation(staging, "assessments", cells, identified, {"learner": scope["learner"]},
                             carried={"__legacy_id": legacy})
    return Part("assessments", sheet, relation, sheet.rows, names=("resident_id", "assessor_id"),
                carried=("__legacy_id",), sources=file_columns(sheet, cells))


def _narratives(staging: Staging, grids, scope: dict, observations) -> Part:
    """Narratives of sheet Narratives that no observation carries, as field notes; the rest are
    counted as duplicates (same observer, completion date and feedback)."""
    grid = _sheet(grids, NARRATIVES)
    found = find_header(grid, NARRATIVE_HEADER[:3]) if grid else None
    kept, skipped = [], 0
    if found is not None:
        start, column = found
        names = [c.strip() for c in grid[start][column:]]
        carried = Counter((v[1], v[8], v[6]) for _, v in observations)  # observer, completion, feedback
        for number, cells in enumerate(grid[start + 1:], start=start + 2):
            item = dict(zip(names, [c.strip() for c in cells[column:]] + [""] * len(names)))
            item = [item.get(n, "") for n in NARRATIVE_HEADER]
            if not any(item):
                continue
            seen = (item[0], item[5], item[2])
            if carried[seen]:
                carried[seen] -= 1
                skipped += 1
                continue
            kept.append((number, item))
    sheet = sheet_from_rows(staging, NARRATIVES, NARRATIVE_HEADER, kept)
    cell = {name: sheet.column(name) for name in NARRATIVE_HEADER}
    identified = with_content_ids(staging, sheet.table, list(cell.values()), "$scope", {"scope": scope["scope"]})
    comment = cell["Professional and Safety Comments"]
    cells = {
        "assessment_id": "'RCN-' || __content_id", "resident_id": "$learner", "assessor_id": cell["Observer Name"],
        "assessor_role": role(cell["Observer Type"]), "form_type": "'field_note'",
        "assessment_date": f"coalesce({cell['Date of Completion']}, {cell['Date of Observation']})",
        "directly_observed": "'no'", "stakes": "'low'", "comment": cell["Feedback"], "flag": flag(comment),
        "flag_comment": flag_comment(comment), "expired": "'no'",
    }
    legacy = legacy_id("RCN-", ["$learner", cell["Observer Name"], cell["Date of Completion"], cell["Feedback"]])
    relation = part_relation(staging, "assessments", cells, identified, {"learner": scope["learner"]},
                             carried={"__legacy_id": legacy})
    return Part("assessments", sheet, relation, sheet.rows, names=("resident_id", "assessor_id"), skipped=skipped,
                carried=("__legacy_id",), sources=file_columns(sheet, cells))
