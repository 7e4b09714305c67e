"""Importing the exports programs have: read, detect the format, validate every row, reconcile with
what is stored, and load in one transaction, keeping every rejected row and every correction.

Formats: the dashboard's canonical tables (a CSV per table, or an XLSX workbook with a sheet per
table), the Elentra-style assessment export (CSV) and the Royal College ePortfolio Observation Summary
Report (XLSX). docs/importing.md describes the formats, the
natural keys, how corrections and unknown people are handled, and the command line.

    python -m cbme.importer FILE [FILE ...] --program EM [--database data/dashboard.duckdb]
        [--rejections out.csv] [--mapping mapping.toml]
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import math
import re
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cbme.access import NotAllowed, holds_role, record
from cbme.db import writing
from cbme.downloads import csv_text

# Column kinds: text, date, int, bool, entrustment, list, timestamp. (name, kind, required, allowed)
STAGE_CODES = ["TTD", "FOD", "COD", "TTP"]
ROLE_VALUES = ["faculty", "resident", "fellow", "nurse", "allied health", "other"]
FORM_TYPES = {"epa_observation": "EPA observation", "mini_cex": "Mini-CEX", "iter": "ITER",
              "field_note": "Field note", "multisource": "Multisource feedback"}
SPECS: dict[str, dict] = {
    "programs": dict(key=["program_id"], columns=[
        ("program_id", "text", True, None), ("name", "text", True, None), ("discipline", "text", False, None)]),
    "people": dict(key=["person_id"], columns=[
        ("person_id", "text", True, None), ("name", "text", True, None), ("email", "text", False, None),
        ("default_role", "text", False, ROLE_VALUES)]),
    "residents": dict(key=["resident_id"], columns=[
        ("resident_id", "text", True, None), ("program_id", "text", True, None), ("name", "text", True, None),
        ("email", "text", False, None), ("training_start_date", "date", True, None),
        ("status", "text", False, ["active", "on leave", "graduated", "withdrawn"])]),
    "resident_stages": dict(key=["resident_id", "stage"], columns=[
        ("resident_id", "text", True, None), ("stage", "text", True, STAGE_CODES), ("start_date", "date", True, None)]),
    "coach_assignments": dict(key=["resident_id", "coach_id", "start_date"], columns=[
        ("resident_id", "text", True, None), ("coach_id", "text", True, None), ("start_date", "date", True, None),
        ("end_date", "date", False, None)]),
    "epas": dict(key=["program_id", "epa_code"], columns=[
        ("program_id", "text", True, None), ("epa_code", "text", True, None), ("stage", "text", True, STAGE_CODES),
        ("title", "text", True, None), ("required_observations", "int", True, None),
        ("target_entrustment", "entrustment", False, None), ("contextual_requirements", "text", False, None)]),
    "assessments": dict(key=["assessment_id"], columns=[
        ("assessment_id", "text", True, None), ("resident_id", "text", True, None),
        ("assessor_id", "text", True, None), ("assessor_role", "text", False, ROLE_VALUES),
        ("form_type", "text", True, list(FORM_TYPES)), ("assessment_date", "date", True, None),
        ("epa_code", "text", False, None), ("entrustment", "entrustment", False, None),
        ("directly_observed", "bool", True, None), ("stakes", "text", False, ["low", "high"]),
        ("setting", "text", False, None), ("context", "text", False, None), ("strengths", "text", False, None),
        ("improvement", "text", False, None), ("flag", "text", False, ["professionalism", "patient safety"]),
        ("flag_comment", "text", False, None), ("expired", "bool", False, None)]),
    "coaching_sessions": dict(key=["session_id"], columns=[
        ("session_id", "text", True, None), ("resident_id", "text", True, None), ("coach_id", "text", True, None),
        ("scheduled_date", "date", True, None),
        ("status", "text", True, ["held", "cancelled by resident", "cancelled by coach", "no-show", "upcoming"]),
        ("duration_minutes", "int", False, None), ("assessments_reviewed", "bool", False, None),
        ("plan_strengths", "text", False, None), ("plan_improvement", "text", False, None),
        ("plan_exposure", "text", False, None), ("next_planned_date", "date", False, None)]),
    "committee_decisions": dict(key=["decision_id"], columns=[
        ("decision_id", "text", True, None), ("resident_id", "text", True, None), ("meeting_date", "date", True, None),
        ("status", "text", True, ["Progressing as expected", "Not progressing as expected",
                                  "Progress is accelerated", "Failure to progress", "Inactive"]),
        ("actions", "list", False, None), ("rationale", "text", False, None), ("follow_up_date", "date", False, None),
        ("recorded_by", "text", True, None), ("recorded_at", "timestamp", True, None)]),
}
TABLE_ORDER = list(SPECS)
# Values an optional column takes when a file leaves it empty (as the database would).
DEFAULTS = {("residents", "status"): "active", ("people", "default_role"): "faculty",
            ("epas", "target_entrustment"): 4}
ELENTRA_COLUMNS = ["Date", "Resident Name", "EPA", "Observer Name", "Observer Type", "Rating", "Type",
                   "Situation Context", "Feedback", "Professionalism Safety", "EPA Expired"]
# Entrustment scale words as exports write them, to the 1-5 rating.
SCALE_WORDS = {
    "i had to do": 1, "i had to talk them through": 2, "i needed to prompt": 3,
    "i needed to be there just in case": 4, "i didn't need to be there": 5, "i did not need to be there": 5,
    "observe only": 1, "direct supervision": 2, "indirect supervision": 3, "independent": 4,
    "may supervise others": 5, "supervise others": 5,
}
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}
EXCEL_EPOCH = dt.date(1899, 12, 30)


class ImportFailed(Exception):
    """The file as a whole cannot be imported; the message says why, for a program administrator."""


@dataclass
class Rejection:
    file_name: str
    sheet: str | None
    row_number: int
    column: str | None
    value: str | None
    reason: str
    raw: dict


@dataclass
class Report:
    """What an import did; rows_read = loaded + updated + rejected + duplicates."""

    import_id: str
    file_name: str
    format: str
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    created: dict[str, list] = field(default_factory=lambda: {"residents": [], "people": []})
    committed: bool = False
    checks: list[str] = field(default_factory=list)  # the file's own totals that do not match what was read

    @property
    def rejected(self) -> int:
        return len({(r.sheet, r.row_number) for r in self.rejections})

    def reconciles(self) -> bool:
        return self.rows_read == self.loaded + self.updated + self.rejected + self.duplicates

    def rejections_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"file": r.file_name, "sheet": r.sheet, "row": r.row_number, "column": r.column,
                              "value": r.value, "reason": r.reason, **{f"source: {k}": v for k, v in r.raw.items()}}
                             for r in sorted(self.rejections, key=lambda r: (r.sheet or "", r.row_number))],
                            columns=["file", "sheet", "row", "column", "value", "reason"])


@dataclass
class Sheet:
    """Rows as read, all text: a frame with one column per header name and __row, the row number a
    spreadsheet program would show (the header is row 1). people, when set, holds the residents and
    observers the rows name (name -> first date, name -> observer type), to be matched to stored people
    or created; skipped counts rows read but not kept because they repeat others of the same file;
    checks are the file's own totals that disagree with its rows."""

    name: str | None
    header: list[str]
    frame: pd.DataFrame
    people: tuple[dict, dict] | None = None
    skipped: int = 0
    checks: list[str] = field(default_factory=list)

    @classmethod
    def from_rows(cls, name, header, rows: list[tuple[int, dict]], people=None, skipped=0, checks=None) -> Sheet:
        frame = pd.DataFrame([{**{h: "" for h in header}, **row, "__row": number} for number, row in rows],
                             columns=[*header, "__row"]).fillna("")
        return cls(name, header, frame, people, skipped, checks or [])

    @property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        return [(int(r["__row"]), {h: r[h] for h in self.header}) for r in self.frame.to_dict("records")]


# Reading -------------------------------------------------------------------------------------------

def decode(data: bytes, file_name: str) -> str:
    if not data.strip():
        raise ImportFailed(f"{file_name} is empty.")
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        raise ImportFailed(f"{file_name} is not a text (CSV) file; if it is a workbook, give it the .xlsx ending.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv(data: bytes, file_name: str) -> Sheet:
    text = decode(data, file_name)
    first = text.partition("\n")[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    frame = _parse_csv(text, delimiter, file_name)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("")
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    frame["__row"] = range(2, len(frame) + 2)
    blank = (frame.drop(columns="__row") == "").all(axis=1)
    return Sheet(None, list(frame.columns[:-1]), frame[~blank].reset_index(drop=True))


def _parse_csv(text: str, delimiter: str, file_name: str) -> pd.DataFrame:
    """Every cell as text. Arrow's reader is several times faster, but it skips blank lines, which
    would shift the row numbers rejections name, and its messages say less; pandas' own reader reads
    files with blank lines, and says what is wrong with a malformed one."""
    if "\n\n" not in text and "\n\r\n" not in text:
        try:
            return pd.read_csv(io.BytesIO(text.encode()), sep=delimiter, dtype=str, keep_default_na=False,
                               engine="pyarrow")
        except (pd.errors.ParserError, pd.errors.EmptyDataError):
            pass
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportFailed(f"{file_name} cannot be read as a table: {error}") from error


def read_xlsx(data: bytes, file_name: str) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise ImportFailed(f"{file_name} is not a readable Excel workbook ({error}).") from error
    sheets = []
    for ws in book.worksheets:
        cells = [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
        if not cells:
            continue
        header = [h.strip() for h in cells[0]]
        rows = [(n, {h: (vals[i] if i < len(vals) else "") for i, h in enumerate(header) if h})
                for n, vals in enumerate(cells[1:], start=2) if any(v.strip() for v in vals)]
        sheets.append(Sheet.from_rows(ws.title, [h for h in header if h], rows))
    return sheets


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Values --------------------------------------------------------------------------------------------

DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
NOT_A_DATE = "not a date (expected YYYY-MM-DD, MM/DD/YYYY or an Excel date)"
EXCEL_DAY = re.compile(r"\d{5}(\.0+)?")
WHOLE_NUMBER = re.compile(r"\d+(\.0+)?")
STORABLE_YEARS = range(pd.Timestamp.min.year + 1, pd.Timestamp.max.year)


def _date(text: str) -> dt.datetime | None:
    """The day text names in one of DATE_FORMATS or as an Excel day number; None when none fits."""
    if len(text) == 10 and text[4] == text[7] == "-" and (text[:4] + text[5:7] + text[8:]).isdigit():
        try:  # YYYY-MM-DD, what most exports write, read without strptime (several times slower)
            day = dt.datetime(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            return None
        return day if day.year in STORABLE_YEARS else None
    for pattern in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).replace(hour=0, minute=0, second=0)
            break
        except ValueError:
            continue
    else:
        if not EXCEL_DAY.fullmatch(text):
            return None
        day = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=int(float(text)))
    return day if day.year in STORABLE_YEARS else None


def _timestamp(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return _date(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment if moment.year in STORABLE_YEARS else None


def _whole(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number == round(number) and number >= 0 else None


def _entrustment(text: str) -> tuple[int | None, str | None]:
    rating = SCALE_WORDS.get(text.lower().rstrip("."))
    if rating is not None:
        return rating, None
    if not WHOLE_NUMBER.fullmatch(text):
        return None, "not an entrustment rating (1-5, or the scale's words)"
    rating = int(float(text))
    return (rating, None) if 1 <= rating <= 5 else (None, "entrustment rating out of range (1-5)")


def _converter(kind: str, allowed: list[str] | None) -> Callable[[str], tuple[object, str | None]]:
    """For a column kind, the function from a non-empty cell's text to (stored value, reason it cannot
    be read); exactly one of the two is None."""
    def checked(convert, reason):
        return lambda text: (value, None) if (value := convert(text)) is not None else (None, reason)

    if kind == "date":
        return checked(_date, NOT_A_DATE)
    if kind == "timestamp":
        return checked(_timestamp, "not a date and time")
    if kind == "int":
        return checked(_whole, "not a whole number")
    if kind == "bool":
        words = {**{t: True for t in TRUE_WORDS}, **{f: False for f in FALSE_WORDS}}
        return checked(lambda text: words.get(text.lower()), "not yes or no")
    if kind == "entrustment":
        return _entrustment
    if kind == "list":
        return lambda text: (";".join(p.strip() for p in text.split(";") if p.strip()), None)
    names = {a.lower(): a for a in allowed} | {label.lower(): code for code, label in FORM_TYPES.items()
                                               if code in allowed}
    return checked(lambda text: names.get(text.lower()), f"not one of: {', '.join(allowed)}")


DTYPES = {"date": "datetime64[ns]", "timestamp": "datetime64[ns]", "int": "Int64", "entrustment": "Int64"}


def _convert(kind: str, text: pd.Series, allowed: list[str] | None) -> tuple[pd.Series, pd.Series | None]:
    """The stored values of a column of cells (missing where a cell is empty or cannot be read), and
    the reason in words for each cell that cannot be read (None when every cell can). Each distinct
    text is converted once: a column holds a handful of distinct words or days over many rows."""
    empty = text == ""
    if kind == "text" and not allowed:
        return text.where(~empty), None
    codes, distinct = pd.factorize(text)
    convert = _converter(kind, allowed)
    results = [convert(value) if value else (None, None) for value in distinct] + [(None, None)]
    values = pd.array([value for value, _ in results], dtype=DTYPES.get(kind, object))
    column = pd.Series(values[codes], index=text.index)
    if all(reason is None for _, reason in results):
        return column, None
    reasons = np.array([reason for _, reason in results], dtype=object)[codes]
    return column, pd.Series(reasons, index=text.index)


def validate(table: str, sheet: Sheet, file_name: str, report: Report) -> pd.DataFrame:
    """The typed rows of a canonical table (with __row); each row with a problem becomes rejections
    naming the file, sheet, row, column, value and reason, and is left out."""
    frame = sheet.frame
    out = pd.DataFrame({"__row": frame["__row"]}, index=frame.index)
    problems: list[tuple[pd.Series, str, pd.Series | str]] = []
    for name, kind, required, allowed in SPECS[table]["columns"]:
        text = frame[name] if name in frame else pd.Series("", index=frame.index)
        if required:
            problems.append((text == "", name, "required value missing"))
        column, reasons = _convert(kind, text, allowed)  # typed: dates, nullable integers, text
        if reasons is not None:
            problems.append((reasons.notna(), name, reasons))
        default = DEFAULTS.get((table, name))
        out[name] = column if default is None else column.astype(object).where(column.notna(), default)
    bad = pd.Series(False, index=frame.index)
    for mask, _, _ in problems:
        bad |= mask
    if table == "assessments":
        bad |= _assessment_rules(out, ~bad, problems)
    _reject(sheet, file_name, report, problems)
    return out[~bad]


def _assessment_rules(out: pd.DataFrame, clean: pd.Series, problems: list) -> pd.Series:
    """Defaults and the rules that join columns, on rows otherwise clean; returns the rows they reject."""
    out["expired"] = out["expired"].astype("boolean").fillna(False).astype(bool)
    out["stakes"] = out["stakes"].where(out["stakes"].notna(),
                                        pd.Series(np.where(out["form_type"] == "iter", "high", "low"), index=out.index))
    out["assessor_role"] = out["assessor_role"].fillna("faculty")
    epa_form = out["form_type"] == "epa_observation"
    rules = [
        (clean & epa_form & out["epa_code"].isna(), "epa_code", "an EPA observation needs its EPA"),
        (clean & out["expired"] & out["entrustment"].notna(), "entrustment", "an expired form has no rating"),
        (clean & epa_form & ~out["expired"] & out["entrustment"].isna(), "entrustment",
         "a completed EPA observation needs its rating"),
    ]
    problems += rules
    rejected = pd.Series(False, index=out.index)
    for mask, _, _ in rules:
        rejected |= mask
    return rejected


def _reject(sheet: Sheet, file_name: str, report: Report, problems: list) -> None:
    """Rejections for every flagged cell, in row order; the source row goes with each."""
    found = []
    for mask, column, reason in problems:
        for index in mask[mask].index:
            text = sheet.frame.at[index, column] if column in sheet.frame else ""
            found.append((index, column, text, reason if isinstance(reason, str) else reason[index]))
    for index, column, text, reason in sorted(found, key=lambda f: f[0]):
        raw = {h: sheet.frame.at[index, h] for h in sheet.header}
        report.rejections.append(Rejection(file_name, sheet.name, int(sheet.frame.at[index, "__row"]), column,
                                           text, reason, raw))


def detect(data: bytes, file_name: str, mapping: dict | None = None) -> tuple[str, list[tuple[str, Sheet]]]:
    """The format's name and (table, sheet) pairs to load."""
    if mapping is not None:
        is_book = file_name.lower().endswith((".xlsx", ".xlsm"))
        sheets = read_xlsx(data, file_name) if is_book else [read_csv(data, file_name)]
        return f"mapped: {mapping.get('name', 'column mapping')}", apply_mapping(mapping, sheets, file_name)
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        sheets = read_xlsx(data, file_name)
        if any(s.name == "EPA Observations" for s in sheets):
            return "Royal College ePortfolio observation summary", read_rcep(data, file_name)
        tables = [(s.name, s) for s in sheets if s.name in SPECS]
        if tables:
            return "canonical workbook", sorted(tables, key=lambda t: TABLE_ORDER.index(t[0]))
        raise ImportFailed(f"{file_name}: no sheet is named after a table of the canonical format "
                           f"({', '.join(SPECS)}).")
    sheet = read_csv(data, file_name)
    present = set(sheet.header)
    if set(ELENTRA_COLUMNS) <= present:
        return "Elentra assessment export", [("assessments", elentra_rows(sheet))]
    stem = Path(file_name).stem.lower()
    candidates = [t for t in SPECS if {c[0] for c in SPECS[t]["columns"] if c[2]} <= present]
    if candidates:
        table = stem if stem in candidates else max(
            candidates, key=lambda t: len(present & {c[0] for c in SPECS[t]["columns"]}))
        return f"canonical {table}", [(table, sheet)]
    raise ImportFailed(
        f"{file_name}: its columns ({', '.join(sheet.header[:12])}{'...' if len(sheet.header) > 12 else ''}) "
        "match no format the dashboard reads: the canonical tables (see the templates on the import page) or "
        f"the Elentra assessment export ({', '.join(ELENTRA_COLUMNS)}).")


def elentra_rows(sheet: Sheet) -> Sheet:
    """The Elentra export as a canonical assessments sheet, with the residents and observers it names
    (by name), who are matched to stored people or created."""
    out, residents, observers = [], {}, {}
    for number, raw in sheet.rows:
        expired = raw["EPA Expired"]
        concern = raw["Professionalism Safety"]
        key = "|".join(raw[c].lower() for c in ("Date", "Resident Name", "EPA", "Observer Name"))
        residents.setdefault(raw["Resident Name"], raw["Date"])
        observers.setdefault(raw["Observer Name"], raw["Observer Type"])
        out.append((number, {
            "assessment_id": "EL-" + hashlib.sha1(key.encode()).hexdigest()[:16],
            "resident_id": raw["Resident Name"], "assessor_id": raw["Observer Name"],
            "assessor_role": _role(raw["Observer Type"]), "form_type": "epa_observation",
            "assessment_date": raw["Date"], "epa_code": raw["EPA"],
            "entrustment": "" if expired.lower() in TRUE_WORDS else raw["Rating"],
            "directly_observed": "yes" if "direct" in raw["Type"].lower() and "indirect" not in raw["Type"].lower()
            else "no",
            "stakes": "low", "context": raw["Situation Context"], "strengths": raw["Feedback"],
            "flag": ("patient safety" if "safety" in concern.lower() else "professionalism") if concern else "",
            "flag_comment": concern, "expired": expired or "no"}))
    return Sheet.from_rows(sheet.name, [c[0] for c in SPECS["assessments"]["columns"]], out, (residents, observers))


STAGE_NAMES = {"transition to discipline": "TTD", "foundations of discipline": "FOD", "core of discipline": "COD",
               "transition to practice": "TTP"}
RCEP_HEADER = ["Observer Name", "Observer Type", "Rating Given", "Type", "Situation/Context", "Feedback",
               "Professional and Safety Comments", "Date of Completion", "Date of Expiration"]


def read_rcep(data: bytes, file_name: str) -> list[tuple[str, Sheet]]:
    """The Royal College ePortfolio "Observation Summary Report" (one learner per workbook): the EPA
    blocks of sheet EPA Observations become catalogue entries (code, title, required count from the
    plan text) and observations; sheet Narratives adds the narratives no observation already carries.
    Each block's snapshot totals are checked against the observations read."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    grid = [[_cell_text(c) for c in row] for row in book["EPA Observations"].iter_rows(values_only=True)]
    learner_line = next((r[0] for r in grid[1:4] if r and " - " in r[0]), "")
    learner, _, stage_name = learner_line.rpartition(" - ")
    stage = STAGE_NAMES.get(stage_name.strip().lower(), "")
    if not learner:
        raise ImportFailed(f"{file_name}: sheet EPA Observations has no '<learner> - <stage>' line.")
    epas, observations, checks, observers = [], [], [], {}
    block, in_table = None, False
    for number, row in enumerate(grid, start=1):
        row = row + [""] * (10 - len(row))
        first = row[0]
        if first and row[1] and re.match(r"^(EPA\s*)?[A-Z]*\s*\d+(\.\d+)*$", first):
            block = {"code": first, "title": row[1], "number": number, "plan": "", "snapshot": {}, "read": []}
            epas.append(block)
            in_table = False
            continue
        if block is None:
            continue
        if not block["plan"] and row[1] and not in_table and "Snapshot" not in first:
            block["plan"] = row[1]
        if first.startswith("Snapshot"):
            for cell in row[1:]:
                found = re.match(r'Total\s+"([^"]+)"(?:\s+observations)?\s*\((\d+)\)', cell)
                if found:
                    block["snapshot"][found.group(1).lower()] = int(found.group(2))
        elif row[1:10] == RCEP_HEADER:
            in_table = True
        elif in_table and any(row[1:10]):
            values = dict(zip(RCEP_HEADER, row[1:10]))
            expired = not values["Date of Completion"] and bool(values["Date of Expiration"])
            date = values["Date of Expiration"] if expired else values["Date of Completion"]
            key = "|".join([learner, block["code"], values["Observer Name"], date]).lower()
            observers.setdefault(values["Observer Name"], values["Observer Type"])
            block["read"].append((values["Rating Given"], expired))
            observations.append((number, {
                "assessment_id": "RC-" + hashlib.sha1(key.encode()).hexdigest()[:16], "resident_id": learner,
                "assessor_id": values["Observer Name"], "assessor_role": _role(values["Observer Type"]),
                "form_type": "epa_observation", "assessment_date": date, "epa_code": block["code"],
                "entrustment": "" if expired else values["Rating Given"],
                "directly_observed": "yes" if "direct" in values["Type"].lower()
                and "indirect" not in values["Type"].lower() else "no",
                "stakes": "low", "context": values["Situation/Context"], "strengths": values["Feedback"],
                "flag": ("patient safety" if "safety" in values["Professional and Safety Comments"].lower()
                         else "professionalism") if values["Professional and Safety Comments"] else "",
                "flag_comment": values["Professional and Safety Comments"], "expired": "yes" if expired else "no",
                "_narrative": "|".join([values["Observer Name"], values["Date of Completion"],
                                        values["Feedback"]]).lower()}))
    for block in epas:
        checks += _snapshot_check(block)
    catalogue = [(b["number"], {"program_id": "", "epa_code": b["code"], "stage": stage, "title": b["title"],
                                "required_observations": _required(b), "target_entrustment": "4",
                                "contextual_requirements": "; ".join(
                                    line.strip() for line in b["plan"].splitlines()[1:]
                                    if line.strip() and not re.match(r"Collect\s+\d+", line.strip(), re.I))})
                 for b in epas]
    carried = {row.pop("_narrative") for _, row in observations}
    narratives, skipped = _rcep_narratives(book, learner, carried, observers)
    first = min((r["assessment_date"] for _, r in observations + narratives), default="")
    people = ({learner: first}, observers)
    header = [c[0] for c in SPECS["assessments"]["columns"]]
    epa_sheet = Sheet.from_rows("EPA Observations (catalogue)", [c[0] for c in SPECS["epas"]["columns"]], catalogue,
                                checks=checks)
    return [("epas", epa_sheet), ("assessments", Sheet.from_rows("EPA Observations", header, observations, people)),
            ("assessments", Sheet.from_rows("Narratives", header, narratives, people, skipped))]


def _required(block: dict) -> str:
    found = re.search(r"Collect\s+(\d+)\s+observation", block["plan"], re.I)
    return found.group(1) if found else str(block["snapshot"].get("required", ""))


def _snapshot_check(block: dict) -> list[str]:
    """The block's snapshot totals against what was read; a mismatch is reported, not fatal."""
    read = {"observations": len(block["read"]), "expired": sum(e for _, e in block["read"]),
            "achieved": sum(1 for rating, e in block["read"]
                            if not e and (SCALE_WORDS.get(rating.lower()) or (int(rating) if rating.isdigit()
                                                                                else 0)) >= 4)}
    return [f"{block['code']}: the snapshot says {block['snapshot'][k]} {k}, the rows hold {v}."
            for k, v in read.items() if k in block["snapshot"] and block["snapshot"][k] != v]


def _rcep_narratives(book, learner: str, carried: set[str], observers: dict) -> tuple[list, int]:
    """Narratives of sheet Narratives that no observation already carries, as field notes."""
    if "Narratives" not in book.sheetnames:
        return [], 0
    grid = [[_cell_text(c) for c in row] for row in book["Narratives"].iter_rows(values_only=True)]
    start = next((i for i, r in enumerate(grid) if r and r[0] == "Observer Name"), None)
    if start is None:
        return [], 0
    header = grid[start]
    rows, skipped = [], 0
    for number, values in enumerate(grid[start + 1:], start=start + 2):
        item = dict(zip(header, values + [""] * (len(header) - len(values))))
        if not any(item.values()):
            continue
        if "|".join([item["Observer Name"], item["Date of Completion"], item["Feedback"]]).lower() in carried:
            skipped += 1
            continue
        observers.setdefault(item["Observer Name"], item["Observer Type"])
        key = "|".join([learner, item["Observer Name"], item["Date of Completion"], item["Feedback"]]).lower()
        concern = item.get("Professional and Safety Comments", "")
        rows.append((number, {
            "assessment_id": "RCN-" + hashlib.sha1(key.encode()).hexdigest()[:16], "resident_id": learner,
            "assessor_id": item["Observer Name"], "assessor_role": _role(item["Observer Type"]),
            "form_type": "field_note", "assessment_date": item["Date of Completion"] or item["Date of Observation"],
            "directly_observed": "no", "stakes": "low", "strengths": item["Feedback"],
            "flag": ("patient safety" if "safety" in concern.lower() else "professionalism") if concern else "",
            "flag_comment": concern, "expired": "no"}))
    return rows, skipped


def load_mapping(text: str, name: str = "mapping") -> dict:
    """A column-mapping file (TOML, docs/mapping.md), checked before any file is read."""
    import tomllib

    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ImportFailed(f"{name} is not a valid mapping file: {error}") from error
    for number, spec in enumerate(mapping.get("sheets", []), start=1):
        table = spec.get("table")
        if table not in SPECS:
            raise ImportFailed(f"{name}, sheet entry {number}: table {table!r} is not one of {', '.join(SPECS)}.")
        known = {c[0] for c in SPECS[table]["columns"]}
        if spec.get("match_names") and (table != "assessments"
                                        or set(spec["match_names"]) - {"resident_id", "assessor_id"}):
            raise ImportFailed(f"{name}, sheet entry {number}: [match_names] applies to the resident_id and "
                               "assessor_id of assessments only.")
        for section in ("columns", "constants", "values", "lists", "match_names"):
            unknown = set(spec.get(section, {})) - known
            if unknown:
                raise ImportFailed(f"{name}, sheet entry {number} ({table}): [{section}] names column(s) "
                                   f"{', '.join(sorted(unknown))} that table {table} does not have.")
    if not mapping.get("sheets"):
        raise ImportFailed(f"{name} maps no sheet: add at least one [[sheets]] entry.")
    return mapping


def apply_mapping(mapping: dict, sheets: list[Sheet], file_name: str) -> list[tuple[str, Sheet]]:
    """Rewrite source sheets into canonical tables as the mapping says: which sheet feeds which table,
    which source column feeds which column, constants, value translations, date formats, lists, and
    columns holding names to match to people rather than ids."""
    by_name = {s.name: s for s in sheets}
    parts = []
    for spec in mapping["sheets"]:
        source = by_name.get(spec.get("sheet")) if spec.get("sheet") else sheets[0]
        if source is None:
            raise ImportFailed(f"{file_name} has no sheet named {spec['sheet']!r}, which the mapping reads "
                               f"(sheets: {', '.join(str(s.name) for s in sheets)}).")
        missing = [c for c in spec.get("columns", {}).values() if c not in source.header]
        if missing:
            raise ImportFailed(f"{file_name}{f', sheet {source.name}' if source.name else ''}: the mapping reads "
                               f"column(s) {', '.join(missing)}, which the file does not have.")
        table = spec["table"]
        values = {col: {str(k).lower(): str(v) for k, v in table_.items()}
                  for col, table_ in spec.get("values", {}).items()}
        date_format = spec.get("date_format", mapping.get("date_format"))
        kinds = {c[0]: c[1] for c in SPECS[table]["columns"]}
        rows = []
        for number, raw in source.rows:
            row = {}
            for column in kinds:
                if column in spec.get("constants", {}):
                    text = str(spec["constants"][column])
                elif column in spec.get("columns", {}):
                    text = raw.get(spec["columns"][column], "")
                else:
                    text = ""
                text = values.get(column, {}).get(text.lower(), text)
                if column in spec.get("lists", {}) and text:  # list columns store ';', text columns ', '
                    joiner = ";" if kinds[column] == "list" else ", "
                    text = joiner.join(part.strip() for part in text.split(spec["lists"][column]) if part.strip())
                if date_format and kinds[column] == "date" and text:
                    try:
                        text = dt.datetime.strptime(text, date_format).date().isoformat()
                    except ValueError:
                        pass  # left as read: validation reports it in words
                row[column] = text
            rows.append((number, row))
        people = None
        names = spec.get("match_names", {})
        if names:
            residents = {r["resident_id"]: r["assessment_date"] for _, r in rows} if names.get("resident_id") else {}
            observers = {r["assessor_id"]: r["assessor_role"] for _, r in rows} if names.get("assessor_id") else {}
            people = (residents, observers)
        parts.append((table, Sheet.from_rows(source.name, list(kinds), rows, people)))
    return sorted(parts, key=lambda part: TABLE_ORDER.index(part[0]))


def _role(observer_type: str) -> str:
    lowered = observer_type.lower()
    return next((r for r in ROLE_VALUES if r in lowered), "faculty" if "attending" in lowered or
                "faculty" in lowered or not lowered else "other")


# Loading -------------------------------------------------------------------------------------------

def run_import(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, program_id: str,
               actor_id: str | None, progress: Callable[[float, str], None] = lambda share, text: None,
               mapping: dict | None = None) -> Report:
    """Import one file into program_id, all or nothing. Raises ImportFailed when the file as a whole
    cannot be read; rejected rows are reported, never loaded, and never stop the rest."""
    _require_importer(con, actor_id, program_id)
    return _load(con, _check(data, file_name, program_id, mapping, progress), data, program_id, actor_id, progress)


def import_files(con: duckdb.DuckDBPyConnection, files: Iterable[tuple[bytes, str, str]], actor_id: str | None,
                 mapping: dict | None = None,
                 progress: Callable[[str, float, str], None] = lambda file_name, share, text: None,
                 ) -> Iterator[Report | ImportFailed]:
    """Import several files (data, file name, program), in order, each all or nothing as run_import
    does; yields each file's report, or the ImportFailed saying why it could not be read. While one
    file is written, the next is read and checked: that is Python's work and writing is DuckDB's, so on
    two cores they overlap. Matching people and references waits for the files before it. progress is
    told each file's steps, with the file's name (a file's checking may be told while the one before
    is written)."""
    files = iter(files)
    with ThreadPoolExecutor(max_workers=1) as reader:
        def check_next() -> tuple[bytes, str, str, Future] | None:
            item = next(files, None)
            if item is None:
                return None
            data, file_name, program_id = item
            told = functools.partial(progress, file_name)
            return data, file_name, program_id, reader.submit(_check, data, file_name, program_id, mapping, told)

        upcoming = check_next()
        while upcoming is not None:
            data, file_name, program_id, checked = upcoming
            upcoming = check_next()
            try:
                _require_importer(con, actor_id, program_id)
                yield _load(con, checked.result(), data, program_id, actor_id, functools.partial(progress, file_name))
            except ImportFailed as error:
                yield error


def _check(data: bytes, file_name: str, program_id: str, mapping: dict | None,
           progress: Callable[[float, str], None] = lambda share, text: None) -> tuple[Report, list]:
    """The file read and every row validated (no database needed): its report so far, and (table,
    sheet, valid rows) for each part."""
    fmt, parts = detect(data, file_name, mapping)
    progress(0.1, "Checking the rows")
    for table, sheet in parts:  # a catalogue read from a learner's workbook belongs to the importing program
        if "program_id" in sheet.frame:
            learner_catalogue = table == "epas" and "catalogue" in (sheet.name or "")
            own = (sheet.frame["program_id"] == "$program") | learner_catalogue
            sheet.frame.loc[own, "program_id"] = program_id
    report = Report(f"I-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}", file_name, fmt)
    parts_checked = []
    for table, sheet in parts:
        report.rows_read += len(sheet.frame) + sheet.skipped
        report.duplicates += sheet.skipped
        parts_checked.append((table, sheet, validate(table, sheet, file_name, report)))
        report.checks += sheet.checks
    return report, parts_checked


def _load(con: duckdb.DuckDBPyConnection, checked: tuple[Report, list], data: bytes, program_id: str,
          actor_id: str | None, progress: Callable[[float, str], None] = lambda share, text: None) -> Report:
    """A checked file matched with the stored people and references, then written in one transaction."""
    report, parts = checked
    file_name = report.file_name
    cursor = con.cursor()
    try:
        batches = []
        for table, sheet, rows in parts:
            if sheet.people:
                rows = _match_people(cursor, rows, *sheet.people, program_id, report)
            batches.append((table, sheet, rows))
        progress(0.4, "Checking references")
        batches = [(t, s, _check_references(cursor, t, s, rows, batches, program_id, file_name, report))
                   for t, s, rows in batches]
        _keep_creations_in_use(batches, report)
        progress(0.6, "Writing")
        with writing(con) as writer:
            for table, sheet, rows in batches:
                _write(writer, table, sheet, rows, file_name, report)
            _create_people(writer, report)
            _record(writer, report, data, program_id, actor_id)
            writer.execute("insert into dashboard_meta values ('demo_data', 'false') on conflict (key) do update "
                           "set value = 'false'")
        report.committed = True
    finally:
        cursor.close()
    progress(1.0, "Done")
    return report


def _require_importer(con, actor_id: str | None, program_id: str) -> None:
    """Imports and rollbacks through the dashboard need the administrator role in the program; the
    command line (actor None) is run by whoever may write the database file."""
    if actor_id is None:
        return
    if not holds_role(con, actor_id, program_id, ["admin"]):
        raise NotAllowed("Only an administrator of this program can import into it or roll an import back.")


def _match_people(cursor, rows: pd.DataFrame, residents, observers, program_id, report) -> pd.DataFrame:
    """Replace names by ids: stored people matched by name (case-insensitive), others created."""
    known_residents = dict(cursor.execute(
        "select lower(name), resident_id from residents where program_id = $p", {"p": program_id}).fetchall())
    known_people = dict(cursor.execute("select lower(name), person_id from people").fetchall())
    created_residents = {c[2]: c[0] for c in report.created.get("residents", [])}
    created_people = {c[1]: c[0] for c in report.created.get("people", [])}
    if residents:
        first_seen = rows.groupby("resident_id")["assessment_date"].min().to_dict()
        for name in rows["resident_id"].unique():
            if name.lower() not in known_residents and name not in created_residents:
                created_residents[name] = f"R-{hashlib.sha1((program_id + name.lower()).encode()).hexdigest()[:10]}"
                report.created.setdefault("residents", []).append(
                    (created_residents[name], program_id, name, first_seen[name].date()))
        rows["resident_id"] = rows["resident_id"].map(
            lambda n: known_residents.get(n.lower()) or created_residents.get(n, n))
    if observers:
        for name in rows["assessor_id"].unique():
            if name.lower() not in known_people and name not in created_people:
                created_people[name] = f"P-{hashlib.sha1(name.lower().encode()).hexdigest()[:10]}"
                report.created.setdefault("people", []).append(
                    (created_people[name], name, _role(observers.get(name, ""))))
        rows["assessor_id"] = rows["assessor_id"].map(lambda n: known_people.get(n.lower()) or created_people.get(n, n))
    return rows


def _keep_creations_in_use(batches, report: Report) -> None:
    """Create only the residents and people that kept rows name: one named only by rejected rows is
    not created (the rejections still show the name)."""
    def used(column: str) -> set:
        return set().union(*(set(rows[column]) for _, _, rows in batches if column in rows))

    residents, people = used("resident_id"), used("assessor_id")
    report.created["residents"] = [c for c in report.created.get("residents", []) if c[0] in residents]
    report.created["people"] = [c for c in report.created.get("people", []) if c[0] in people]


def _check_references(cursor, table, sheet, rows: pd.DataFrame, batches, program_id, file_name, report):
    """Reject rows that point at residents or EPAs the database and this import do not hold."""
    if table not in ("assessments", "coaching_sessions", "committee_decisions", "resident_stages",
                     "coach_assignments"):
        return rows
    named = list(rows["resident_id"].unique())  # a file names a few residents; the database may hold many
    residents = {r[0] for r in cursor.execute("select resident_id from residents where list_contains($named, "
                                              "resident_id)", {"named": named}).fetchall()}
    residents |= {r for t, _, rws in batches if t == "residents" for r in rws["resident_id"]}
    residents |= {r[0] for r in report.created.get("residents", [])}
    unknown_resident = ~rows["resident_id"].isin(residents)
    problems = [(unknown_resident, "resident_id", "unknown resident: import the residents first, or in the same "
                                                  "workbook")]
    if table == "assessments":
        epas = {r[0] for r in cursor.execute("select epa_code from epas where program_id = $p",
                                             {"p": program_id}).fetchall()}
        epas |= {e for t, _, rws in batches if t == "epas" for e in rws["epa_code"]}
        problems.append((~unknown_resident & rows["epa_code"].notna() & ~rows["epa_code"].isin(epas), "epa_code",
                         "EPA not in the program's catalogue: import the catalogue first, or in the same workbook"))
    bad = pd.Series(False, index=rows.index)
    for mask, column, reason in problems:
        for index in mask[mask].index:
            report.rejections.append(Rejection(file_name, sheet.name, int(rows.at[index, "__row"]), column,
                                               str(rows.at[index, column]), reason,
                                               {h: sheet.frame.at[index, h] for h in sheet.header}))
        bad |= mask
    return rows[~bad]


def _write(cursor, table, sheet, rows: pd.DataFrame, file_name, report) -> None:
    """Insert new rows, update corrected ones (keeping what they held), skip exact duplicates."""
    key = SPECS[table]["key"]
    kinds = {c[0]: c[1] for c in SPECS[table]["columns"]}
    columns = list(kinds)
    repeated = rows.duplicated(subset=key, keep="first")
    if repeated.any():  # the same key more than once in the file: compare whole rows of those keys only
        twins = rows[rows.duplicated(subset=key, keep=False)]
        identical = twins[columns].astype(str).duplicated(keep="first").reindex(rows.index, fill_value=False)
        report.duplicates += int((repeated & identical).sum())
        first_row = twins.groupby(key, sort=False)["__row"].transform("first")
        for index in rows.index[repeated & ~identical]:
            report.rejections.append(Rejection(
                file_name, sheet.name, int(rows.at[index, "__row"]), ", ".join(key), str(tuple(rows.loc[index, key])),
                f"same key as row {int(first_row[index])} with different content", {}))
    incoming = rows.loc[~repeated, columns].copy()
    if incoming.empty:
        return
    for column, kind in kinds.items():  # give DuckDB plain types to read
        if kind == "list":
            incoming[column] = incoming[column].map(lambda v: v or "")
        elif kind in ("date", "timestamp"):
            incoming[column] = pd.to_datetime(incoming[column])
        elif kind in ("int", "entrustment"):
            incoming[column] = incoming[column].astype("Int64")
        elif kind == "bool":
            incoming[column] = incoming[column].astype("boolean")
    incoming["__pos"] = range(len(incoming))
    cursor.register("incoming", pa.Table.from_pandas(incoming, preserve_index=False))
    try:
        value = {c: (f"coalesce(string_split(nullif(i.{c}, ''), ';'), [])" if k == "list" else f"i.{c}")
                 for c, k in kinds.items()}
        on = " and ".join(f"t.{c} = i.{c}" for c in key)
        same = " and ".join(f"t.{c} is not distinct from {value[c]}" for c in columns)
        # Keys alone first: the join then skips the stored row groups outside the file's key range, and
        # comparing whole rows is only needed for the keys already stored (none, in a new export).
        cursor.execute(f"create or replace temp table matched as select i.__pos, true as same "
                       f"from incoming as i semi join {table} as t on {on}")
        if cursor.execute("select count(*) from matched").fetchone()[0]:
            cursor.execute(f"create or replace temp table matched as select i.__pos, ({same}) as same "
                           f"from incoming as i join {table} as t on {on} where i.__pos in (select __pos from matched)")
        duplicates, changed = cursor.execute("select count(*) filter (where same), count(*) filter (where not same) "
                                             "from matched").fetchone()
        report.duplicates += duplicates
        if changed:
            cursor.execute(f"""
                insert into import_corrections
                select $import_id, $table, to_json([{", ".join(f"cast(t.{c} as varchar)" for c in key)}]), to_json(t)
                from {table} as t join incoming as i on {on} join matched as m on m.__pos = i.__pos and not m.same
            """, {"import_id": report.import_id, "table": table})
            sets = ", ".join(f"{c} = {value[c]}" for c in columns if c not in key)
            cursor.execute(f"""
                update {table} as t set {sets}, import_id = $import_id
                from incoming as i join matched as m on m.__pos = i.__pos and not m.same
                where {on}
            """, {"import_id": report.import_id})
            report.updated += changed
        selected = ", ".join(f"{value[c]} as {c}" for c in columns)
        new = cursor.execute(f"""
            insert into {table} by name
            select {selected}, $import_id as import_id from incoming as i
            where i.__pos not in (select __pos from matched)
        """, {"import_id": report.import_id}).fetchone()[0]
        report.loaded += new
    finally:
        cursor.unregister("incoming")
        cursor.execute("drop table if exists matched")


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.date() if value.time() == dt.time() else value.to_pydatetime()
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _create_people(cursor, report: Report) -> None:
    for resident_id, program_id, name, start in report.created.get("residents", []):
        cursor.execute("insert into residents (resident_id, program_id, name, training_start_date, status, import_id) "
                       "values ($r, $p, $n, $s, 'active', $i) on conflict do nothing",
                       {"r": resident_id, "p": program_id, "n": name, "s": start, "i": report.import_id})
    for person_id, name, role in report.created.get("people", []):
        cursor.execute("insert into people (person_id, name, default_role, import_id) values ($p, $n, $r, $i) "
                       "on conflict do nothing", {"p": person_id, "n": name, "r": role, "i": report.import_id})


def _record(cursor, report: Report, data: bytes, program_id: str, actor_id: str | None) -> None:
    created = {k: [c[2] if k == "residents" else c[1] for c in v] for k, v in report.created.items() if v}
    cursor.execute("""
        insert into imports values ($id, $program, $file, $checksum, $format, $at, $actor, $read, $loaded, $updated,
            $rejected, $duplicates, $created, 'committed')
    """, {"id": report.import_id, "program": program_id, "file": report.file_name,
          "checksum": hashlib.sha256(data).hexdigest(), "format": report.format,
          "at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "actor": actor_id, "read": report.rows_read,
          "loaded": report.loaded, "updated": report.updated, "rejected": report.rejected,
          "duplicates": report.duplicates, "created": json.dumps(created) if created else None})
    for r in report.rejections:
        cursor.execute("insert into import_rejections values ($i, $f, $s, $n, $c, $v, $reason, $raw)", {
            "i": report.import_id, "f": r.file_name, "s": r.sheet, "n": r.row_number, "c": r.column, "v": r.value,
            "reason": r.reason, "raw": json.dumps(r.raw)})
    record(cursor, actor_id, "import", program_id=program_id, file=report.file_name, import_id=report.import_id,
           loaded=report.loaded, updated=report.updated, rejected=report.rejected, duplicates=report.duplicates)


def template_workbook() -> bytes:
    """An empty workbook of the canonical format: a sheet per table, its columns as the header row."""
    book = io.BytesIO()
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for table, spec in SPECS.items():
            pd.DataFrame(columns=[c[0] for c in spec["columns"]]).to_excel(writer, sheet_name=table, index=False)
    return book.getvalue()


def rollback_import(con: duckdb.DuckDBPyConnection, actor_id: str | None, import_id: str) -> None:
    """Undo an import whole: remove the rows it added and give back what its corrections replaced."""
    with writing(con) as cursor:
        row = cursor.execute("select program_id, status from imports where import_id = $i",
                             {"i": import_id}).fetchone()
        if row is None or row[1] != "committed":
            raise ImportFailed(f"No committed import {import_id}.")
        _require_importer(cursor, actor_id, row[0])
        for table, key_json, previous_json in cursor.execute(
                "select table_name, row_key, previous from import_corrections where import_id = $i",
                {"i": import_id}).fetchall():
            previous = json.loads(previous_json)
            key = SPECS[table]["key"]
            sets = ", ".join(f"{c} = ${c}" for c in previous if c not in key)
            where = " and ".join(f"{c} = ${c}" for c in key)
            cursor.execute(f"update {table} set {sets} where {where}",
                           {**previous, **dict(zip(key, json.loads(key_json)))})
        for table in reversed(TABLE_ORDER):
            cursor.execute(f"delete from {table} where import_id = $i", {"i": import_id})
        cursor.execute("update imports set status = 'rolled back' where import_id = $i", {"i": import_id})
        record(cursor, actor_id, "roll back import", program_id=row[0], import_id=import_id)


def summary(report: Report) -> str:
    lines = [f"{report.file_name}: {report.format}",
             f"rows read {report.rows_read} = loaded {report.loaded} + updated {report.updated} + "
             f"rejected {report.rejected} + duplicates skipped {report.duplicates}"]
    for kind, created in report.created.items():
        if created:
            lines.append(f"created {len(created)} {kind}: " + ", ".join(str(c[2] if kind == "residents" else c[1])
                                                                      for c in created[:20]))
    lines += [f"check: {check}" for check in report.checks]
    lines += [f"  row {r.row_number}{f' ({r.sheet})' if r.sheet else ''}, {r.column}: {r.value!r}: {r.reason}"
              for r in sorted(report.rejections, key=lambda r: (r.sheet or "", r.row_number))[:50]]
    if len(report.rejections) > 50:
        lines.append(f"  ... and {len(report.rejections) - 50} more (see the rejections file)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from cbme import db

    parser = argparse.ArgumentParser(description="Import export files into the dashboard's database, each all "
                                                 "or nothing, in the order given.")
    parser.add_argument("files", type=Path, nargs="+", metavar="file")
    parser.add_argument("--program", required=True, help="the program the files belong to, e.g. EM")
    parser.add_argument("--database", type=Path, default=Path("data/dashboard.duckdb"))
    parser.add_argument("--rejections", type=Path, help="write rejected rows here (CSV)")
    parser.add_argument("--mapping", type=Path, help="a column-mapping file (docs/mapping.md)")
    args = parser.parse_args(argv)
    try:
        items = [(path.read_bytes(), path.name, args.program) for path in args.files]
        mapping = load_mapping(args.mapping.read_text(), args.mapping.name) if args.mapping else None
    except (ImportFailed, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        con = db.connect(args.database)
    except db.DatabaseLocked as error:
        print(f"error: {error} A scheduled import must run while the dashboard is stopped, or through the "
              "dashboard's import page.", file=sys.stderr)
        return 2
    try:
        results = list(import_files(con, items, None, mapping,
                                    lambda name, share, text: print(f"{name}: {share:>4.0%} {text}", flush=True)))
    finally:
        con.close()
    reports = [r for r in results if isinstance(r, Report)]
    for result in results:
        print(summary(result) if isinstance(result, Report) else f"error: {result}",
              file=sys.stdout if isinstance(result, Report) else sys.stderr)
    if args.rejections and any(r.rejections for r in reports):
        args.rejections.write_text(csv_text(pd.concat([r.rejections_frame() for r in reports if r.rejections])),
                                   newline="")
    return 2 if len(reports) < len(results) else 1 if any(r.rejections for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
