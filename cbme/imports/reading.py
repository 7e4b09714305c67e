"""Reading a file into sheets of text cells, within bounds, with every row numbered as a spreadsheet
shows it (the first line or row is 1). A CSV's dialect (delimiter, quote) is told by DuckDB's CSV
sniffer; its text is decoded from UTF-8 (with or without a byte-order mark), UTF-16 (with its mark)
or Windows-1252. The rows themselves are read by Python's csv reader, which, unlike DuckDB's, keeps
blank lines, so row numbers stay those of the file. A workbook is checked from its zip directory
before anything is unzipped (its entries' sizes are known up front) and read with openpyxl row by row.
Nothing here knows a format: formats (canonical, elentra, eportfolio, mapping) read these sheets.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field

import duckdb
import pandas as pd

# Bounds on what one file may hold; past them the file is refused with a message, in well under a second.
MAX_COLUMNS = 500
MAX_ROWS = 5_000_000
MAX_WORKBOOK_UNZIPPED = 64 * 2**20  # 64 MiB of sheet XML holds some 100,000 observations
MAX_CELL = 1_000_000  # characters in one cell; a longer one is an unclosed quote swallowing the file


class ImportFailed(Exception):
    """The file as a whole cannot be imported; the message says why, for a program administrator."""


@dataclass
class Sheet:
    """Rows as read, all text: a frame with one column per header name and __row, the row number a
    spreadsheet program shows. people, when set, holds the residents and observers the rows name
    (name -> first date, name -> observer type), to be matched to stored people or created; skipped
    counts rows read but not kept because they repeat others of the same file; summary is the file's
    own totals, per EPA, to reconcile against the rows kept; source holds the file's own rows, so that
    a rejected row is written back under the file's column names."""

    name: str | None
    header: list[str]
    frame: pd.DataFrame
    people: tuple[dict, dict] | None = None
    skipped: int = 0
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    source: pd.DataFrame | None = None  # the file's own rows (its column names), when the frame renames them
    date_format: str | None = None  # the order of slashed dates, when the format or mapping states it
    words: dict[str, int] | None = None  # the format's own rating words
    keep_stored: bool = False  # a stored row with the same key is kept as it is (not corrected)

    @classmethod
    def from_rows(cls, name, header, rows: list[tuple[int, dict]], **extra) -> Sheet:
        frame = pd.DataFrame([{**{h: "" for h in header}, **row, "__row": number} for number, row in rows],
                             columns=[*header, "__row"]).fillna("")
        return cls(name, header, frame, **extra)

    @property
    def rows(self) -> list[tuple[int, dict[str, str]]]:
        return [(int(r["__row"]), {h: r[h] for h in self.header}) for r in self.frame.to_dict("records")]

    def original(self, index) -> dict[str, str]:
        """Row index of the file as the file has it: its own column names and values."""
        source = self.source if self.source is not None else self.frame
        return {h: source.at[index, h] for h in source.columns if h != "__row" and not h.startswith("_")}

    @property
    def label(self) -> str:
        return f", sheet {self.name}" if self.name else ""


def decode(data: bytes, file_name: str) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), UTF-16 with its byte-order mark, or
    Windows-1252 (what Excel writes as "CSV" on Windows) when it is not UTF-8."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFailed(f"{file_name} says it is UTF-16 but is not readable as such ({error}).") from None
    if not data.strip():
        raise ImportFailed(f"{file_name} is empty.")
    if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
        raise ImportFailed(f"{file_name} is not a text (CSV) file; if it is a workbook, give it the .xlsx ending. "
                           "UTF-16 text is read when it starts with its byte-order mark (Excel's 'Unicode text').")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def dialect(text: str, file_name: str) -> tuple[str, str]:
    """The delimiter and quote character, as DuckDB's CSV sniffer tells them from the file's start."""
    sample = text[:1_000_000]
    if len(text) > len(sample):
        sample = sample[:sample.rfind("\n") + 1] or sample
    handle, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(sample)
        con = duckdb.connect()
        try:
            found = con.execute("select delimiter, quote from sniff_csv($path, all_varchar = true, sample_size = -1, "
                                "strict_mode = false, null_padding = true)", {"path": path}).fetchone()
        finally:
            con.close()
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        raise ImportFailed(f"{file_name} cannot be read as a table: {first}") from None
    finally:
        os.unlink(path)
    delimiter, quote = found
    return delimiter if len(delimiter) == 1 else ",", quote if len(quote) == 1 else '"'


def read_csv(data: bytes, file_name: str) -> Sheet:
    """A CSV file as one sheet of trimmed text cells; blank rows are left out (not counted as read)."""
    text = decode(data, file_name)
    delimiter, quote = dialect(text, file_name)
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote, strict=False)
    try:
        header = [h.strip() for h in next(reader, [])]
        if len(header) > MAX_COLUMNS:
            raise ImportFailed(f"{file_name} has {len(header):,} columns; an export has at most {MAX_COLUMNS}.")
        if not any(header):
            raise ImportFailed(f"{file_name} has no header row: its first line is empty.")
        rows, numbers, width = [], [], len(header)
        for number, cells in enumerate(reader, start=2):
            if number > MAX_ROWS + 1:
                raise ImportFailed(f"{file_name} has more than {MAX_ROWS:,} rows: split it into several files.")
            if not cells or not any(c.strip() for c in cells):
                continue
            if len(cells) > width:
                raise ImportFailed(f"{file_name}, row {number}: {len(cells)} cells where the header names "
                                   f"{width}. A delimiter inside a value needs the value in quotes.")
            rows.append([c.strip() for c in cells] + [""] * (width - len(cells)))
            numbers.append(number)
    except csv.Error as error:
        raise ImportFailed(f"{file_name}, row {reader.line_num}: cannot be read as a table ({error}); most often "
                           "a quote that is opened and never closed.") from None
    names = [h or f"column {i + 1}" for i, h in enumerate(header)]
    if len(set(names)) < len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ImportFailed(f"{file_name}: the header names column(s) {', '.join(repeated)} more than once.")
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    frame["__row"] = numbers
    return _with_merge_check(Sheet(None, names, frame), delimiter)


def _with_merge_check(sheet: Sheet, delimiter: str) -> Sheet:
    """Mark rows where a quote left open swallowed the lines after it: a cell holding a line break
    followed by a line with as many delimiters as a whole row. validation rejects those rows."""
    frame, width = sheet.frame, len(sheet.header)
    merged = pd.Series(False, index=frame.index)
    if width > 1:
        for column in sheet.header:
            cells = frame[column]
            multi = cells.str.contains("\n", regex=False)
            if multi.any():
                merged |= multi & cells.map(lambda c: any(line.count(delimiter) >= width - 1
                                                          for line in c.split("\n")[1:]))
    frame["_merged"] = merged
    return sheet


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
            grid = []
            for row in ws.iter_rows(values_only=True):
                if len(grid) >= MAX_ROWS or len(row) > MAX_COLUMNS * 4:
                    raise ImportFailed(f"{file_name}, sheet {ws.title}: more rows or columns than an export holds.")
                grid.append([cell_text(c) for c in row])
            grids[ws.title] = grid
    finally:
        book.close()
    return grids


def read_xlsx(data: bytes, file_name: str) -> list[Sheet]:
    """A workbook as one sheet per worksheet, the header the first non-empty row."""
    sheets = []
    for title, grid in workbook_grids(data, file_name).items():
        start = next((i for i, r in enumerate(grid) if any(r)), None)
        if start is None:
            continue
        sheets.append(sheet_from_grid(title, grid, start))
    return sheets


def sheet_from_grid(title: str | None, grid: list[list[str]], header_at: int, first_column: int = 0,
                    stop=lambda cells: False) -> Sheet:
    """The rows below grid[header_at] (0-based), read from first_column on, up to the first row for
    which stop(cells) holds; blank rows left out."""
    header = [h.strip() for h in grid[header_at][first_column:]]
    while header and not header[-1]:
        header.pop()
    rows = []
    for number, cells in enumerate(grid[header_at + 1:], start=header_at + 2):
        cells = cells[first_column:]
        if stop(cells):
            break
        if any(c.strip() for c in cells):
            rows.append((number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}))
    return Sheet.from_rows(title, [h for h in header if h], rows)


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
