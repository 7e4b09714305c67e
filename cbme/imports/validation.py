"""Checking every row of a canonical table before anything is written: each cell typed by its
column's rule (tables.py, read from the schema), then every check of the schema evaluated by DuckDB
on the typed rows. A row with a problem becomes rejections naming file, sheet, row, column, value and
reason, and is left out; the rest goes on. Dates: ISO, Excel day numbers, and slashed dates whose
order (day or month first) is decided by the whole column, or stated by the format or mapping; a
column whose slashed dates never tell the order is refused row by row rather than read one way.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cbme.imports.reading import Sheet
from cbme.imports.reconciliation import Rejection, Report
from cbme.imports.tables import FORM_TYPE_LABELS, Column, tables

# Entrustment scale words as exports write them, to the 1-5 rating (DOMAIN: the O-SCORE anchors and the
# supervision scale); a leading "4 - " or "4." before the words is read too.
SCALE_WORDS = {
    "i had to do": 1, "i had to talk them through": 2, "i needed to prompt": 3,
    "i needed to be there just in case": 4, "i needed to be there in case": 4, "i didn't need to be there": 5,
    "i did not need to be there": 5,
    "observe only": 1, "direct supervision": 2, "indirect supervision": 3, "independent": 4,
    "may supervise others": 5, "supervise others": 5,
}
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
STORABLE_YEARS = range(1900, 2200)
SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
EXCEL_DAY = re.compile(r"\d{5}(\.0+)?")
NUMBERED_WORDS = re.compile(r"^\d\s*[-–—.:)]\s*")
NOT_A_DATE = "not a date (expected YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY, or an Excel date)"
DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"


def rating(text: str, words: dict[str, int] | None = None) -> tuple[int | None, str | None]:
    """A 1-5 rating from a number or the scale's words (and a format's own words, when given)."""
    lowered = text.lower().strip().rstrip(".")
    for vocabulary in (words or {}, SCALE_WORDS):
        if lowered in vocabulary:
            return vocabulary[lowered], None
        bare = NUMBERED_WORDS.sub("", lowered)
        if bare != lowered and bare in vocabulary:
            return vocabulary[bare], None
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
        return (number, None) if 1 <= number <= 5 else (None, "entrustment rating out of range (1-5)")
    return None, f"not a rating the dashboard knows: {text!r} (1-5, or the scale's words; see docs/importing.md)"


def date_order(texts: pd.Series) -> tuple[str | None, str | None]:
    """(the order of the column's slashed dates, or None when none is needed; a reason when the column
    leaves it open or contradicts itself)."""
    firsts, seconds = [], []
    for text in texts.unique():
        found = SLASHED.fullmatch(text)
        if found:
            firsts.append(int(found.group(1)))
            seconds.append(int(found.group(2)))
    if not firsts:
        return None, None
    day_first, month_first = max(firsts) > 12, max(seconds) > 12
    if day_first and month_first:
        return None, "the column mixes day-first and month-first dates"
    if day_first or month_first:
        return DAY_FIRST if day_first else MONTH_FIRST, None
    if all(a == b for a, b in zip(firsts, seconds)):
        return DAY_FIRST, None  # 03/03/2026 reads the same either way
    return None, ("ambiguous date: no date in the column tells whether it is day or month first; state the "
                  "order with date_format in a column mapping (docs/mapping.md)")


def parse_date(text: str, order: str | None) -> dt.datetime | None:
    """The day text names: ISO, an Excel day number, or in order (DAY_FIRST, MONTH_FIRST or any layout
    in Python's notation); None when it names none."""
    found = ISO.fullmatch(text)
    slashed = SLASHED.fullmatch(text)
    try:
        if found:
            day = dt.datetime(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        elif slashed and order in (DAY_FIRST, MONTH_FIRST):
            a, b, year = int(slashed.group(1)), int(slashed.group(2)), int(slashed.group(3))
            day = dt.datetime(year, b, a) if order == DAY_FIRST else dt.datetime(year, a, b)
        elif EXCEL_DAY.fullmatch(text):
            day = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=int(float(text)))
        elif order:
            day = dt.datetime.strptime(text, order)
        else:
            return None
    except ValueError:
        return None
    return day if day.year in STORABLE_YEARS else None


def _timestamp(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text, None)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment if moment.year in STORABLE_YEARS else None


def _whole(text: str, largest: int) -> tuple[int | None, str | None]:
    try:
        number = float(text)
    except ValueError:
        return None, "not a whole number"
    if not math.isfinite(number) or number != round(number):
        return None, "not a whole number"
    if abs(number) > largest:
        return None, f"too large a number (at most {largest:,})"
    return int(number), None


def _converter(column: Column, order: str | None, words: dict[str, int] | None):
    """For a column, the function from a non-empty cell's text to (stored value, reason it cannot be
    read); exactly one of the two is None."""
    def checked(convert, reason):
        return lambda text: (value, None) if (value := convert(text)) is not None else (None, reason)

    kind = column.kind
    if kind == "date":
        return checked(lambda text: parse_date(text, order), NOT_A_DATE)
    if kind == "timestamp":
        return checked(_timestamp, "not a date and time")
    if kind == "int":
        return lambda text: _whole(text, column.largest)
    if kind == "bool":
        known = {**{t: True for t in TRUE_WORDS}, **{f: False for f in FALSE_WORDS}}
        return checked(lambda text: known.get(text.lower()), "not yes or no (yes/no, y/n, true/false, 1/0)")
    if kind == "entrustment":
        return lambda text: rating(text, words)
    if kind == "list":
        return lambda text: ([p.strip() for p in text.split(";") if p.strip()], None)
    if not column.allowed:
        return lambda text: (text, None)
    names = {a.lower(): a for a in column.allowed}
    if column.name == "form_type":
        names |= {label.lower(): code for code, label in FORM_TYPE_LABELS.items()}
    if column.name == "flag":  # a flag column written yes/no: no is no flag
        names |= {f: "" for f in FALSE_WORDS}
    return checked(lambda text: names.get(text.lower()), f"not one of: {', '.join(column.allowed)}")


DTYPES = {"date": "datetime64[us]", "timestamp": "datetime64[us]", "int": "Int64", "entrustment": "Int64",
          "bool": "boolean"}


def _convert(column: Column, text: pd.Series, order: str | None, words) -> tuple[pd.Series, pd.Series | None]:
    """The typed values of a column (missing where a cell is empty or unreadable) and each unreadable
    cell's reason. Each distinct text is converted once: a column holds a few days and words over
    many rows."""
    codes, distinct = pd.factorize(text)
    convert = _converter(column, order, words)
    results = [convert(value) if value else (None, None) for value in distinct] + [(None, None)]
    if column.kind in DTYPES:
        values = pd.array([value for value, _ in results], dtype=DTYPES[column.kind])
    else:
        values = np.array([value if value != "" else None for value, _ in results] + [None], dtype=object)[:-1]
    typed = pd.Series(values[codes], index=text.index)
    if all(reason is None for _, reason in results):
        return typed, None
    reasons = np.array([reason for _, reason in results], dtype=object)[codes]
    return typed, pd.Series(reasons, index=text.index)


def validate(table: str, sheet: Sheet, file_name: str, report: Report, date_format: str | None = None,
             words: dict[str, int] | None = None) -> pd.DataFrame:
    """The typed rows of a canonical table (with __row) that pass every rule; the others become
    rejections in report. date_format states the order of slashed dates (else the column decides);
    words are a format's own rating words."""
    spec = tables()[table]
    frame = sheet.frame
    out = pd.DataFrame({"__row": frame["__row"]}, index=frame.index)
    problems: list[tuple[pd.Series, str, pd.Series | str]] = []
    if "_merged" in frame or (sheet.source is not None and "_merged" in sheet.source):
        merged = (frame if "_merged" in frame else sheet.source)["_merged"].astype(bool)
        problems.append((merged, spec.names[0], "a cell holds line breaks followed by what look like whole rows: "
                                                "a quote opened in this row is probably never closed"))
    for column in spec.columns:
        text = frame[column.name] if column.name in frame else pd.Series("", index=frame.index, dtype=object)
        if column.required:
            problems.append((text == "", column.name, "required value missing"))
        order, unclear = date_format, None
        if column.kind == "date" and not date_format:
            order, unclear = date_order(text)
        typed, reasons = _convert(column, text, order, words)
        if unclear:
            ambiguous = text.str.fullmatch(SLASHED.pattern) & typed.isna()
            problems.append((ambiguous, column.name, unclear))
            reasons = reasons.where(~ambiguous) if reasons is not None else None
        if reasons is not None:
            problems.append((reasons.notna(), column.name, reasons))
        out[column.name] = typed
    _fill(table, out)
    bad = _any(problems, frame.index)
    if table == "assessments":
        unrated = ~bad & (out["form_type"] == "epa_observation") & ~out["expired"].astype(bool) \
            & out["entrustment"].isna()
        problems.append((unrated, "entrustment", "a completed EPA observation needs its rating"))
        bad |= unrated
    checked = _schema_checks(table, out[~bad])
    problems += [(mask.reindex(frame.index, fill_value=False), column, reason) for mask, column, reason in checked]
    reject(sheet, file_name, report, problems)
    return out[~_any(problems, frame.index)]


def _fill(table: str, out: pd.DataFrame) -> None:
    """Where a cell is empty: the schema's default, and the values the import fills (tables.IMPORT_FILLS)."""
    con = duckdb.connect()
    try:
        for column in tables()[table].columns:
            if column.default is not None:
                default = con.execute(f"select {column.default}").fetchone()[0]
                if column.kind == "list":
                    out[column.name] = out[column.name].map(lambda v, d=default: d if v is None else v)
                else:
                    out[column.name] = out[column.name].astype(object).where(out[column.name].notna(), default)
    finally:
        con.close()
    if table == "assessments":
        out["assessor_role"] = out["assessor_role"].fillna("faculty")
        out["stakes"] = out["stakes"].where(out["stakes"].notna(), np.where(out["form_type"] == "iter", "high", "low"))


def _schema_checks(table: str, rows: pd.DataFrame) -> list[tuple[pd.Series, str, str]]:
    """Every check of the schema evaluated by DuckDB on the typed rows: a failing one names its first column."""
    spec = tables()[table]
    if rows.empty or not spec.checks:
        return []
    frame = rows[spec.names].copy()
    frame["__pos"] = np.arange(len(frame))
    con = duckdb.connect()
    try:
        con.register("incoming", pa.Table.from_pandas(_storable(table, frame), preserve_index=False))
        failed = []
        for check in spec.checks:
            positions = [p for (p,) in con.execute(f"select __pos from incoming where not coalesce({check.expression}, "
                                                   "true)").fetchall()]
            if positions:
                mask = pd.Series(False, index=rows.index)
                mask.iloc[positions] = True
                failed.append((mask, check.columns[-1] if len(check.columns) > 1 else check.columns[0], check.reason))
    finally:
        con.close()
    return failed


def _storable(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Plain types DuckDB reads from Arrow: nullable integers and booleans, dates, lists, text."""
    out = frame.copy()
    for column in tables()[table].columns:
        if column.name not in out:
            continue
        if column.kind in ("int", "entrustment"):
            out[column.name] = out[column.name].astype("Int64")
        elif column.kind == "bool":
            out[column.name] = out[column.name].astype("boolean")
        elif column.kind in ("date", "timestamp"):
            out[column.name] = pd.to_datetime(out[column.name])
        elif column.kind == "text":
            out[column.name] = out[column.name].astype(object).where(out[column.name].notna(), None)
    return out


def _any(problems, index) -> pd.Series:
    bad = pd.Series(False, index=index)
    for mask, _, _ in problems:
        bad |= mask.fillna(False).astype(bool)
    return bad


def reject(sheet: Sheet, file_name: str, report: Report, problems: list) -> None:
    """Rejections for every flagged cell, in row order; the whole source row goes with each."""
    found = []
    for mask, column, reason in problems:
        mask = mask.fillna(False).astype(bool)
        for index in mask[mask].index:
            text = sheet.frame.at[index, column] if column in sheet.frame else ""
            found.append((index, column, text, reason if isinstance(reason, str) else reason[index]))
    for index, column, text, reason in sorted(found, key=lambda f: f[0]):
        report.rejections.append(Rejection(file_name, sheet.name, int(sheet.frame.at[index, "__row"]), column,
                                           str(text), reason, sheet.original(index)))
