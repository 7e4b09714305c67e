"""The dashboard's own format: one CSV per table (named after it, or recognised by its columns), or a
workbook with a sheet per table, the column names those of the data dictionary. Also the templates
the Imports page hands out."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from cbme.imports.reading import ImportFailed, Sheet, Staging
from cbme.imports.tables import TABLE_ORDER, tables
from cbme.imports.validation import Part, part_relation


def part(staging: Staging, table: str, sheet: Sheet) -> Part:
    """A sheet of the table's own columns as that table's rows; other columns are kept only in the
    rejected-rows file."""
    cells = {name: sheet.column(name) for name in sheet.header if name in tables()[table].names}
    return Part(table, sheet, part_relation(staging, table, cells, sheet.table), sheet.rows)


def workbook_tables(staging: Staging, sheets: list[Sheet], file_name: str) -> list[Part]:
    found = [s for s in sheets if s.name in TABLE_ORDER]
    if not found:
        raise ImportFailed(f"{file_name}: no sheet is named after a table of the canonical format "
                           f"({', '.join(TABLE_ORDER)}), and none is an ePortfolio 'EPA Observations' sheet.")
    return [part(staging, s.name, s) for s in sorted(found, key=lambda s: TABLE_ORDER.index(s.name))]


def csv_table(sheet: Sheet, file_name: str) -> str | None:
    """The table a CSV's header fills: the one whose required columns it holds (the file's name settles
    a tie); None when none fits."""
    present = set(sheet.header)
    candidates = [t for t, spec in tables().items() if {c.name for c in spec.columns if c.required} <= present]
    if not candidates:
        return None
    stem = Path(file_name).stem.lower()
    return stem if stem in candidates else max(candidates, key=lambda t: len(present & set(tables()[t].names)))


def template_workbook() -> bytes:
    """An empty workbook of the canonical format: a sheet per table, its columns as the header row."""
    book = io.BytesIO()
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for table, spec in tables().items():
            pd.DataFrame(columns=spec.names).to_excel(writer, sheet_name=table, index=False)
    return book.getvalue()


def template_csv(table: str) -> str:
    return ",".join(tables()[table].names) + "\n"
