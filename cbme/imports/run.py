"""One import from file to committed transaction: detect the format, read it, validate every row
(no database needed, so the next file is checked while one is written), then match named people,
check references against what is stored, write in one transaction, and reconcile the file's own
totals against the rows kept. A file with no rows is not an import; a program that does not exist
is an error."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from cbme.db import writing
from cbme.imports import canonical, elentra, eportfolio
from cbme.imports.mapping import apply_mapping
from cbme.imports.people import keep_creations_in_use, match_people
from cbme.imports.reading import ImportFailed, Sheet, read_csv, read_xlsx, workbook_grids
from cbme.imports.reconciliation import Rejection, Report, summary_checks
from cbme.imports.tables import TABLE_ORDER
from cbme.imports.validation import validate
from cbme.imports.writing import create_people, record_import, require_importer, write_rows

WORKBOOK_ENDINGS = (".xlsx", ".xlsm")
Progress = Callable[[float, str], None]


def quiet(share: float, text: str) -> None:
    """A progress callback that tells no one."""


@dataclass
class Context:
    """What reading needs to know of the database: the program and its stored EPA catalogue (code -> stage)."""

    program_id: str
    catalogue: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, con, program_id: str) -> Context:
        cursor = con.cursor()
        try:
            stages = dict(cursor.execute("select epa_code, stage from epas where program_id = $p",
                                         {"p": program_id}).fetchall())
        finally:
            cursor.close()
        return cls(program_id, stages)


def detect(data: bytes, file_name: str, mapping: dict | None = None,
           context: Context | None = None) -> tuple[str, list[tuple[str, Sheet]]]:
    """The format's name and the (table, sheet) pairs to load."""
    context = context or Context("$program")
    is_book = file_name.lower().endswith(WORKBOOK_ENDINGS)
    if mapping is not None:
        sheets = read_xlsx(data, file_name) if is_book else [read_csv(data, file_name)]
        return f"mapped: {mapping.get('name', 'column mapping')}", apply_mapping(mapping, sheets, file_name,
                                                                                  context.program_id)
    if is_book:
        grids = workbook_grids(data, file_name)
        if eportfolio.is_eportfolio(grids):
            return eportfolio.FORMAT, eportfolio.read(grids, file_name, context.program_id, context.catalogue)
        return "canonical workbook", canonical.workbook_tables(read_xlsx(data, file_name), file_name)
    sheet = read_csv(data, file_name)
    if elentra.is_elentra(sheet):
        return elentra.FORMAT, [("assessments", elentra.assessments(sheet, context.program_id))]
    table = canonical.csv_table(sheet, file_name)
    if table:
        return f"canonical {table}", [(table, sheet)]
    raise ImportFailed(
        f"{file_name}: its columns ({', '.join(sheet.header[:12])}{'...' if len(sheet.header) > 12 else ''}) "
        "match no format the dashboard reads: the canonical tables (see the templates on the import page), "
        f"the Elentra assessment export ({', '.join(elentra.COLUMNS)}), or a column mapping (docs/mapping.md).")


def check(data: bytes, file_name: str, context: Context, mapping: dict | None = None,
          progress: Progress = quiet) -> tuple[Report, list]:
    """The file read and every row validated: its report so far, and (table, sheet, valid rows) per part."""
    fmt, parts = detect(data, file_name, mapping, context)
    progress(0.1, "Checking the rows")
    report = Report(f"I-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}", file_name, fmt)
    checked = []
    for table, sheet in parts:
        if "program_id" in sheet.frame:
            sheet.frame.loc[sheet.frame["program_id"] == "$program", "program_id"] = context.program_id
        report.rows_read += len(sheet.frame) + sheet.skipped
        report.duplicates += sheet.skipped
        checked.append((table, sheet, validate(table, sheet, file_name, report, sheet.date_format, sheet.words)))
    if report.rows_read == 0:
        raise ImportFailed(f"{file_name} holds no rows (a header alone is not an import); nothing was imported.")
    return report, checked


def run_import(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, program_id: str,
               actor_id: str | None, progress: Progress = quiet, mapping: dict | None = None,
               allow_reverts: bool = False) -> Report:
    """Import one file into program_id, all or nothing. Raises ImportFailed when the file as a whole
    cannot be imported; rejected rows are reported, never loaded, and never stop the rest."""
    require_importer(con, actor_id, program_id)
    checked = check(data, file_name, Context.of(con, program_id), mapping, progress)
    return load(con, checked, data, program_id, actor_id, progress, allow_reverts)


def import_files(con: duckdb.DuckDBPyConnection, files: Iterable[tuple[Path | bytes, str, str]],
                 actor_id: str | None, mapping: dict | None = None,
                 progress: Callable[[str, float, str], None] = lambda file_name, share, text: None,
                 allow_reverts: bool = False) -> Iterator[Report | ImportFailed]:
    """Import several files (a path or the bytes, file name, program), in order, each all or nothing as
    run_import does; yields each file's report as it commits, or the ImportFailed saying why it could
    not be imported. While one file is written, the next is read and checked (Python's work, while
    writing is DuckDB's: on two cores they overlap); a file is read only when its turn comes, so the
    memory held is that of two files at most. References are checked once the files before are written."""
    files = iter(files)
    with ThreadPoolExecutor(max_workers=1) as reader:
        def check_next() -> tuple[str, str, Future] | None:
            item = next(files, None)
            if item is None:
                return None
            source, file_name, program_id = item
            told = functools.partial(progress, file_name)
            context = Context.of(con, program_id)

            def read_and_check():
                data = source.read_bytes() if isinstance(source, Path) else source
                return data, check(data, file_name, context, mapping, told)
            return file_name, program_id, reader.submit(read_and_check)

        upcoming = check_next()
        while upcoming is not None:
            file_name, program_id, checked = upcoming
            upcoming = check_next()
            try:
                require_importer(con, actor_id, program_id)
                data, result = checked.result()
                yield load(con, result, data, program_id, actor_id, functools.partial(progress, file_name),
                           allow_reverts)
            except (ImportFailed, OSError) as error:
                yield error if isinstance(error, ImportFailed) else ImportFailed(f"{file_name}: {error}")


def load(con: duckdb.DuckDBPyConnection, checked: tuple[Report, list], data: bytes, program_id: str,
         actor_id: str | None, progress: Progress = quiet, allow_reverts: bool = False) -> Report:
    """A checked file matched with the stored people and references, then written in one transaction."""
    report, parts = checked
    cursor = con.cursor()
    try:
        batches = []
        for table, sheet, rows in parts:
            if sheet.people:
                rows = match_people(cursor, rows, *sheet.people, program_id, report)
            batches.append((table, sheet, rows))
        progress(0.4, "Checking references")
        batches = [(t, s, check_references(cursor, t, s, rows, batches, program_id, report)) for t, s, rows in batches]
        keep_creations_in_use(batches, report)
        for _, sheet, rows in batches:
            if sheet.summary:
                report.checks += summary_checks(sheet.summary, _achievement(rows, batches, cursor, program_id),
                                                [r for r in report.rejections if r.sheet == sheet.name], "EPA")
        progress(0.6, "Writing")
        with writing(con) as writer:
            for table, sheet, rows in batches:
                write_rows(writer, table, sheet, rows, report.file_name, report, allow_reverts)
            create_people(writer, report)
            record_import(writer, report, data, program_id, actor_id)
            writer.execute("insert into dashboard_meta values ('demo_data', 'false') on conflict (key) do update "
                           "set value = 'false'")
        report.committed = True
    finally:
        cursor.close()
    progress(1.0, "Done")
    return report


def _achievement(rows: pd.DataFrame, batches, cursor, program_id: str) -> pd.DataFrame:
    """The kept observations with whether each is achieved (completed, rated at or above its EPA's target)."""
    targets = dict(cursor.execute("select epa_code, target_entrustment from epas where program_id = $p",
                                  {"p": program_id}).fetchall())
    for table, _, epa_rows in batches:
        if table == "epas":
            targets |= dict(zip(epa_rows["epa_code"], epa_rows["target_entrustment"]))
    kept = rows[["epa_code", "expired", "entrustment"]].copy()
    kept["expired"] = kept["expired"].astype(bool)
    target = kept["epa_code"].map(targets).fillna(4)
    kept["achieved"] = ~kept["expired"] & (kept["entrustment"].fillna(0).astype(int) >= target)
    return kept


REFERENCING = ("assessments", "coaching_sessions", "committee_decisions", "resident_stages", "coach_assignments")


def check_references(cursor, table: str, sheet: Sheet, rows: pd.DataFrame, batches, program_id: str,
                     report: Report) -> pd.DataFrame:
    """Reject rows that point at residents or EPAs the program and this import do not hold, and rows of
    another program than the one imported into."""
    problems = []
    if "program_id" in rows and table != "programs":
        problems.append((rows["program_id"] != program_id, "program_id",
                         f"belongs to another program than {program_id}, the one being imported into"))
    if table in REFERENCING:
        named = list(rows["resident_id"].unique())  # a file names a few residents; the database may hold many
        residents = {r[0] for r in cursor.execute("select resident_id from residents where program_id = $p and "
                                                  "list_contains($named, resident_id)",
                                                  {"p": program_id, "named": named}).fetchall()}
        residents |= {r for t, _, rws in batches if t == "residents" for r in rws["resident_id"]}
        residents |= {r[0] for r in report.created.get("residents", [])}
        unknown = ~rows["resident_id"].isin(residents)
        problems.append((unknown, "resident_id", f"unknown resident in program {program_id}: import the residents "
                                                 "first, or in the same workbook"))
        if table == "assessments":
            epas = {r[0] for r in cursor.execute("select epa_code from epas where program_id = $p",
                                                 {"p": program_id}).fetchall()}
            epas |= {e for t, _, rws in batches if t == "epas" for e in rws["epa_code"]}
            problems.append((~unknown & rows["epa_code"].notna() & ~rows["epa_code"].isin(epas), "epa_code",
                             "EPA not in the program's catalogue: set the catalogue up first (python -m cbme.admin "
                             "catalogue, docs/importing.md), or import it in the same workbook"))
    bad = pd.Series(False, index=rows.index)
    for mask, column, reason in problems:
        for index in mask[mask & ~bad].index:
            report.rejections.append(Rejection(report.file_name, sheet.name, int(rows.at[index, "__row"]), column,
                                               str(rows.at[index, column]), reason, sheet.original(index)))
        bad |= mask
    return rows[~bad]


__all__ = ["TABLE_ORDER", "Context", "check", "detect", "import_files", "load", "run_import"]
