"""Reading a workbook into sheets of the staging database (reading.Sheet), within bounds: checked
from its zip directory before anything is unzipped (its entries' sizes are known up front), each
worksheet's declared width checked before its rows are read, then read with openpyxl row by row into
grids of text cells, which the formats turn into sheets (a header found wherever it sits)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pyarrow as pa

from cbme.imports.reading import MAX_COLUMNS, MAX_ROWS, MAX_WORKBOOK_UNZIPPED, ImportFailed, Sheet, Staging


def check_workbook(data: bytes, file_name: str) -> zipfile.ZipFile:
    """The workbook's zip directory, refused before unzipping when its entries would unpack too large."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFailed(f"{file_name} is not a readable Excel workbook (not a zip file).") from None
    unpacked = sum(entry.file_size for entry in book.infolist())
    if unpacked > MAX_WORKBOOK_UNZIPPED:
        raise ImportFailed(f"{file_name} would unpack to {unpacked / 2**20:,.0f} MiB, more than the "
                           f"{MAX_WORKBOOK_UNZIPPED / 2**20:.0f} MiB a workbook may hold: save it as CSV instead.")
    return book


def workbook_grids(data: bytes, file_name: str) -> dict[str, list[list[str]]]:
    """Each sheet of a workbook as rows of text cells (row 1 first), within the bounds."""
    from openpyxl import load_workbook

    check_workbook(data, file_name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFailed(f"{file_name} is not a readable Excel workbook ({error}).") from None
    grids = {}
    try:
        for ws in book.worksheets:
            if (ws.max_column or 0) > MAX_COLUMNS * 4:  # as the sheet declares it, before its rows are read
                raise ImportFailed(f"{file_name}, sheet {ws.title}: {ws.max_column:,} columns, more than an export "
                                   "holds.")
            grid = []
            for row in ws.iter_rows(values_only=True):
                if len(grid) >= MAX_ROWS or len(row) > MAX_COLUMNS * 4:
                    raise ImportFailed(f"{file_name}, sheet {ws.title}: more rows or columns than an export holds.")
                grid.append([cell_text(c) for c in row])
            grids[ws.title] = grid
    finally:
        book.close()
    return grids


def read_xlsx(staging: Staging, grids: dict[str, list[list[str]]]) -> list[Sheet]:
    """A workbook as one sheet per worksheet, the header the first non-empty row."""
    sheets = []
    for title, grid in grids.items():
        start = next((i for i, r in enumerate(grid) if any(r)), None)
        if start is not None:
            sheets.append(sheet_from_grid(staging, title, grid, start))
    return sheets


def sheet_from_grid(staging: Staging, title: str | None, grid: list[list[str]], header_at: int,
                    first_column: int = 0) -> Sheet:
    """The rows below grid[header_at] (0-based), read from first_column on; blank rows left out."""
    header = [h.strip() for h in grid[header_at][first_column:]]
    while header and not header[-1]:
        header.pop()
    named = [i for i, h in enumerate(header) if h]
    rows = []
    for number, cells in enumerate(grid[header_at + 1:], start=header_at + 2):
        cells = cells[first_column:]
        if any(c.strip() for c in cells):
            rows.append((number, [cells[i] if i < len(cells) else "" for i in named]))
    return sheet_from_rows(staging, title, [header[i] for i in named], rows)


def sheet_from_rows(staging: Staging, title: str | None, header: list[str], rows: list[tuple[int, list[str]]]) -> Sheet:
    """A sheet of the given rows ((row number, cells in header order)), stored in staging."""
    columns = {"__row": pa.array([n for n, _ in rows], pa.int64()),
               "__broken": pa.nulls(len(rows), pa.string())}
    for i in range(len(header)):
        columns[f"c{i + 1}"] = pa.array([(cells[i].strip() or None) if i < len(cells) else None for _, cells in rows],
                                        pa.string())
    table = staging.table("sheet")
    staging.con.register("grid_rows", pa.table(columns))
    try:
        staging.execute(f"create table {table} as select * from grid_rows")
    finally:
        staging.con.unregister("grid_rows")
    return Sheet(title, header, table, len(rows))


def find_header(grid: list[list[str]], names: list[str], start: int = 0) -> tuple[int, int] | None:
    """(row, column), 0-based, of the first row at or after start holding names side by side, wherever
    the platform put them."""
    width = len(names)
    for r in range(start, len(grid)):
        row = grid[r]
        for c in range(len(row) - width + 1):
            if row[c] == names[0] and [x.strip() for x in row[c:c + width]] == names:
                return r, c
    return None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
