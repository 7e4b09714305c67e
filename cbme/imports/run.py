"""One import from file to committed transaction: read the file into its staging database, detect
its format, validate every row, match named people and check references against what is stored, then
attach the staging database to the dashboard's and write in one transaction, reconciling the file's
own totals against the rows kept. Files are imported one after another, each in the same bounded
memory. A file with no rows is not an import; a program that does not exist is an error."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from cbme.imports import canonical, elentra, eportfolio
from cbme.imports.mapping import apply_mapping
from cbme.imports.people import create_named, keep_creations_in_use, known_people
from cbme.imports.reading import ImportFailed, Staging, read_csv
from cbme.imports.reconciliation import Report, fetch_rejections, settle, summary_checks
from cbme.imports.validation import Part, validate
from cbme.imports.workbooks import read_xlsx, workbook_grids
from cbme.imports.writing import create_people, incoming, record_import, require_importer, write_rows
from cbme.store.db import writing

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
    def of(cls, con: duckdb.DuckDBPyConnection, program_id: str) -> Context:
        cursor = con.cursor()
        try:
            stages = dict(cursor.execute("select epa_code, stage from epas where program_id = $p",
                                         {"p": program_id}).fetchall())
        finally:
            cursor.close()
        return cls(program_id, stages)


def _source(staging: Staging, data: Path | bytes, file_name: str) -> Path:
    """The file on disk, where DuckDB reads it (an upload's bytes are written into the staging folder)."""
    if isinstance(data, Path):
        return data
    path = staging.folder / "upload"
    path.write_bytes(data)
    return path


def detect(staging: Staging, data: Path | bytes, file_name: str, context: Context,
           mapping: dict | None = None) -> tuple[str, list[Part]]:
    """The format's name and the parts to load, read into staging."""
    path = _source(staging, data, file_name)
    if file_name.lower().endswith(WORKBOOK_ENDINGS):
        grids = workbook_grids(path.read_bytes(), file_name)
        if mapping is not None:
            return _mapped(mapping), apply_mapping(staging, mapping, read_xlsx(staging, grids), file_name,
                                                   context.program_id)
        if eportfolio.is_eportfolio(grids):
            return eportfolio.FORMAT, eportfolio.read(staging, grids, file_name, context.program_id, context.catalogue)
        return "canonical workbook", canonical.workbook_tables(staging, read_xlsx(staging, grids), file_name)
    sheet = read_csv(staging, path, file_name)
    if mapping is not None:
        return _mapped(mapping), apply_mapping(staging, mapping, [sheet], file_name, context.program_id)
    if elentra.is_elentra(sheet):
        return elentra.FORMAT, [elentra.assessments(staging, sheet, context.program_id)]
    table = canonical.csv_table(sheet, file_name)
    if table:
        return f"canonical {table}", [canonical.part(staging, table, sheet)]
    raise ImportFailed(
        f"{file_name}: its columns ({', '.join(sheet.header[:12])}{'...' if len(sheet.header) > 12 else ''}) "
        "match no format the dashboard reads: the canonical tables (see the templates on the import page), "
        f"the Elentra assessment export ({', '.join(elentra.COLUMNS)}), or a column mapping (docs/mapping.md).")


def _mapped(mapping: dict) -> str:
    return f"mapped: {mapping.get('name', 'column mapping')}"


@dataclass
class Preview:
    """What the Imports page shows of a file before it is imported: its format and, per part, the
    table it fills, the sheet it comes from, its rows and its first rows."""

    format: str
    parts: list[tuple[str, str | None, int, pd.DataFrame]]

    @property
    def rows(self) -> int:
        return sum(rows for _, _, rows, _ in self.parts)


def preview(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, program_id: str,
            mapping: dict | None = None) -> Preview:
    """The file read as it would be imported into program_id, and nothing written."""
    staging = Staging()
    try:
        fmt, parts = detect(staging, data, file_name, Context.of(con, program_id), mapping)
        return Preview(fmt, [(p.table, p.sheet.name, p.rows + p.skipped,
                              staging.execute(f"select * exclude (__row, __broken) from {p.relation} order by __row "
                                              "limit 8").df().fillna("")) for p in parts])
    finally:
        staging.remove()


def check(staging: Staging, data: Path | bytes, file_name: str, context: Context, mapping: dict | None = None,
          date_order: str | None = None, progress: Progress = quiet) -> tuple[Report, list[Part]]:
    """The file read and every row validated: its report so far, and its parts. date_order states the
    order of the file's slashed dates (validation.DAY_FIRST or MONTH_FIRST)."""
    fmt, parts = detect(staging, data, file_name, context, mapping)
    progress(0.1, "Checking the rows")
    report = Report(f"I-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}", file_name, fmt)
    for part in parts:
        report.rows_read += part.rows + part.skipped
        report.duplicates += part.skipped
        report.sources.update({(part.sheet.name, column): name for column, name in part.sources.items()})
        validate(staging, part, context.program_id, date_order)
    if report.rows_read == 0:
        raise ImportFailed(f"{file_name} holds no rows (a header alone is not an import); nothing was imported.")
    return report, parts


def run_import(con: duckdb.DuckDBPyConnection, data: Path | bytes, file_name: str, program_id: str,
               actor_id: str | None, progress: Progress = quiet, mapping: dict | None = None,
               allow_reverts: bool = False, date_order: str | None = None) -> Report:
    """Import one file into program_id, all or nothing. Raises ImportFailed when the file as a whole
    cannot be imported; rejected rows are reported, never loaded, and never stop the rest. mapping: a
    column mapping; allow_reverts: an older export may put back values a later import corrected;
    date_order: the order of the file's slashed dates, as the person importing states it."""
    require_importer(con, actor_id, program_id)
    staging = Staging()
    try:
        checked = check(staging, data, file_name, Context.of(con, program_id), mapping, date_order, progress)
        return load(con, staging, checked, checksum(data), program_id, actor_id, progress, allow_reverts)
    finally:
        staging.remove()


def import_files(con: duckdb.DuckDBPyConnection, files: Iterable[tuple[Path | bytes, str, str]],
                 actor_id: str | None, mapping: dict | None = None,
                 progress: Callable[[str, float, str], None] = lambda file_name, share, text: None,
                 allow_reverts: bool = False, date_order: str | None = None) -> Iterator[Report | ImportFailed]:
    """Import several files (a path or the bytes, file name, program), in order, each all or nothing as
    run_import does; yields each file's report as it commits, or the ImportFailed saying why it could
    not be imported. One file is read at a time, so the memory held does not grow with their number."""
    for source, file_name, program_id in files:
        try:
            yield run_import(con, source, file_name, program_id, actor_id,
                             lambda share, text, name=file_name: progress(name, share, text), mapping, allow_reverts,
                             date_order)
        except (ImportFailed, OSError) as error:
            yield error if isinstance(error, ImportFailed) else ImportFailed(f"{file_name}: {error}")


def load(con: duckdb.DuckDBPyConnection, staging: Staging, checked: tuple[Report, list[Part]], file_checksum: str,
         program_id: str, actor_id: str | None, progress: Progress = quiet, allow_reverts: bool = False) -> Report:
    """A checked file matched with the stored people and references, then written in one transaction
    from its staging database, attached read-only."""
    report, parts = checked
    cursor = con.cursor()
    try:
        known_people(staging, cursor, program_id)
    finally:
        cursor.close()
    for part in parts:
        create_named(staging, part, program_id)
    progress(0.4, "Checking references")
    for part in parts:
        settle(staging, part, parts, program_id, report)
    keep_creations_in_use(staging, parts)
    fetch_rejections(staging, report)
    report.created = {
        "residents": staging.execute("select resident_id, program_id, name, training_start_date "
                                     "from created_residents order by name").fetchall(),
        "people": staging.execute("select person_id, name, default_role from created_people order by name").fetchall()}
    alias = f"staging_{report.import_id.replace('-', '_').lower()}"
    path = str(staging.close()).replace("'", "''")
    con.execute(f"attach '{path}' as {alias} (read_only)")
    try:
        progress(0.6, "Writing")
        with writing(con, program_id=program_id) as writer:
            for part in parts:
                rows = incoming(writer, part, alias)
                write_rows(writer, part, rows, report, allow_reverts)
                if part.summary:
                    report.totals_compared += len(part.summary)
                    report.checks += summary_checks(writer, part, rows, program_id,
                                                    [r for r in report.rejections if r.sheet == part.sheet.name])
                writer.execute(f"drop view {rows}")
            create_people(writer, alias, report)
            record_import(writer, alias, report, file_checksum, program_id, actor_id)
            writer.execute("insert into dashboard_meta values ('demo_data', 'false') on conflict (key) do update "
                           "set value = 'false'")
        report.committed = True
    finally:
        con.execute(f"detach {alias}")
    progress(1.0, "Done")
    return report


def checksum(data: Path | bytes) -> str:
    """The file's SHA-256, read in bounded chunks."""
    digest = hashlib.sha256()
    if isinstance(data, bytes):
        digest.update(data)
    else:
        with data.open("rb") as handle:
            while chunk := handle.read(2**20):
                digest.update(chunk)
    return digest.hexdigest()


__all__ = ["Context", "Preview", "check", "detect", "import_files", "load", "preview", "run_import"]
