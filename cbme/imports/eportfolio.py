"""The Royal College ePortfolio "Observation Summary Report" (XLSX, one learner per workbook), read as
the platform lays it out (DOMAIN.md; tests/fixtures/imports/README.md says where each fact comes
from). Sheet EPA Observations: a learner line "<learner> - <stage>", then per EPA a block: its code
and title, the assessment plan, a Snapshot row of the platform's own totals, a header row found by its
names wherever it sits, and one row per observation (an expired one has a date of expiration and no
rating). Sheet Narratives: its header found the same way, one row per narrative. The learner's stage
is stored as a stage period; each EPA's stage comes from its code (TTD, F, C, TP) or, for codes that do
not say (EPA 1.1), from the program's catalogue. Dates are MM/DD/YYYY. There is no form id: each
observation's id comes from its content (reconciliation.content_ids), so one observer's two
observations of one EPA on one day stay two.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from cbme.imports.people import role
from cbme.imports.reading import ImportFailed, Sheet, find_header
from cbme.imports.reconciliation import content_ids
from cbme.imports.tables import tables
from cbme.imports.validation import MONTH_FIRST, parse_date

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
# The overall rating as the platform writes it: the O-SCORE anchors (validation.SCALE_WORDS, with or
# without their number) and the achievement words. "Achieved" counts at the default target (4), an
# observation in progress one below it; docs/importing.md lists them.
WORDS = {"achieved": 4, "in progress": 3, "not achieved": 3, "not yet achieved": 3}
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


def read(grids: dict[str, list[list[str]]], file_name: str, program_id: str,
         catalogue: dict[str, str]) -> list[tuple[str, Sheet]]:
    """(table, sheet) parts: the EPA catalogue entries, the learner's stage, the observations and the
    narratives no observation already carries. catalogue: the program's stored EPA code -> stage."""
    grid = _sheet(grids, OBSERVATIONS)
    learner, stage = _learner(grid, file_name)
    blocks, observations, originals = [], [], []
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
            values = dict(zip(HEADER, cells[columns:columns + 9] + [""] * 9))
            observations.append((number, block["code"], values))
            originals.append({"EPA": block["code"], **values})
    if not blocks:
        raise ImportFailed(f"{file_name}: sheet {OBSERVATIONS} holds no EPA block (a row with the EPA code and title).")
    epa_rows = [(b["number"], {"program_id": program_id, "epa_code": b["code"],
                               "stage": code_stage(b["code"], catalogue), "title": b["title"],
                               "required_observations": _required(b), "target_entrustment": "4",
                               "contextual_requirements": "; ".join(
                                   line.strip() for line in b["plan"].splitlines()[1:]
                                   if line.strip() and not re.match(r"Collect\s+\d+", line.strip(), re.I))})
                for b in blocks]
    observation_sheet = _observations(observations, originals, learner, program_id)
    observation_sheet.summary = {b["code"]: b["snapshot"] for b in blocks if b["snapshot"]}
    narratives = _narratives(grids, file_name, learner, program_id, observations)
    first = min(filter(None, (parse_date(d, DATE_FORMAT) for d in observation_sheet.frame["assessment_date"])),
                default=None)
    stage_rows = [(2, {"resident_id": learner, "stage": stage,
                       "start_date": first.date().isoformat() if first else ""})]
    people = ({learner: ""}, {})
    parts = [("epas", Sheet.from_rows(f"{OBSERVATIONS} (catalogue)", tables()["epas"].names, epa_rows)),
             ("resident_stages", Sheet.from_rows(f"{OBSERVATIONS} (learner's stage)",
                                                 tables()["resident_stages"].names, stage_rows, people=people)),
             ("assessments", observation_sheet), ("assessments", narratives)]
    for _, sheet in parts:
        sheet.date_format, sheet.words = DATE_FORMAT, WORDS
    # The program's own catalogue stands over a learner's report; the report says the learner's stage,
    # not when it began, so a stored stage period stands too.
    parts[0][1].keep_stored = parts[1][1].keep_stored = True
    return parts


def _required(block: dict) -> str:
    found = re.search(r"Collect\s+(\d+)\s+observation", block["plan"], re.I)
    return found.group(1) if found else str(block["snapshot"].get("required", ""))


def _flag(comment: str) -> str:
    return ("patient safety" if "safety" in comment.lower() else "professionalism") if comment else ""


def _observations(observations, originals, learner: str, program_id: str) -> Sheet:
    source = pd.DataFrame(originals, columns=["EPA", *HEADER])
    ids = content_ids(source, list(source.columns), "RC-", f"{program_id}\x1f{learner}")
    rows, observers = [], {}
    for (number, code, values), assessment_id in zip(observations, ids):
        rating = values["Rating Given"]
        expired = rating.lower() == "expired" or (not values["Date of Completion"]
                                                  and bool(values["Date of Expiration"]))
        observers.setdefault(values["Observer Name"], values["Observer Type"])
        comment = values["Professional and Safety Comments"]
        kind = values["Type"].lower()
        rows.append((number, {
            "assessment_id": assessment_id, "resident_id": learner, "assessor_id": values["Observer Name"],
            "assessor_role": role(values["Observer Type"]), "form_type": "epa_observation",
            "assessment_date": values["Date of Expiration"] if expired else values["Date of Completion"],
            "epa_code": code, "entrustment": "" if expired else rating,
            "directly_observed": "yes" if "direct" in kind and "indirect" not in kind else "no", "stakes": "low",
            "context": values["Situation/Context"], "strengths": values["Feedback"], "flag": _flag(comment),
            "flag_comment": comment, "expired": "yes" if expired else "no"}))
    sheet = Sheet.from_rows(OBSERVATIONS, tables()["assessments"].names, rows, people=({learner: ""}, observers),
                            source=source)
    return sheet


def _narratives(grids, file_name: str, learner: str, program_id: str, observations) -> Sheet:
    """Narratives of sheet Narratives that no observation carries, as field notes; the rest are
    counted as duplicates (same observer, completion date and feedback)."""
    header = tables()["assessments"].names
    grid = _sheet(grids, NARRATIVES)
    found = find_header(grid, NARRATIVE_HEADER[:3]) if grid else None
    if found is None:
        return Sheet.from_rows(NARRATIVES, header, [])
    start, column = found
    names = [c.strip() for c in grid[start][column:]]
    carried = Counter((v["Observer Name"], v["Date of Completion"], v["Feedback"]) for _, _, v in observations)
    kept, originals, skipped, observers = [], [], 0, {}
    for number, cells in enumerate(grid[start + 1:], start=start + 2):
        item = dict(zip(names, [c.strip() for c in cells[column:]] + [""] * len(names)))
        item = {n: item.get(n, "") for n in NARRATIVE_HEADER}
        if not any(item.values()):
            continue
        seen = (item["Observer Name"], item["Date of Completion"], item["Feedback"])
        if carried[seen]:
            carried[seen] -= 1
            skipped += 1
            continue
        observers.setdefault(item["Observer Name"], item["Observer Type"])
        kept.append((number, item))
        originals.append(item)
    source = pd.DataFrame(originals, columns=NARRATIVE_HEADER)
    ids = content_ids(source, NARRATIVE_HEADER, "RCN-", f"{program_id}\x1f{learner}")
    rows = [(number, {
        "assessment_id": assessment_id, "resident_id": learner, "assessor_id": item["Observer Name"],
        "assessor_role": role(item["Observer Type"]), "form_type": "field_note",
        "assessment_date": item["Date of Completion"] or item["Date of Observation"], "directly_observed": "no",
        "stakes": "low", "strengths": item["Feedback"], "flag": _flag(item["Professional and Safety Comments"]),
        "flag_comment": item["Professional and Safety Comments"], "expired": "no"})
        for (number, item), assessment_id in zip(kept, ids)]
    return Sheet.from_rows(NARRATIVES, header, rows, people=({learner: ""}, observers), skipped=skipped,
                           source=source)
