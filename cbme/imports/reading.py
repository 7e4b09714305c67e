"""Reading a file into a staging database, within bounds, with every row numbered as a spreadsheet
shows it (the header is row 1; blank lines count).

Each file is read into a staging database of its own (Staging): a DuckDB file in a temporary folder
whose memory is capped (MEMORY_LIMIT) and which spills to disk past it, so that a file of any length
is read, checked and written in the same bounded memory, one file after another. A CSV is read by
DuckDB's own reader, in one pass, straight into a table: its dialect (delimiter, quote) told by
DuckDB's sniffer; its text UTF-8 (with or without a byte-order mark), or else transcoded into UTF-8 as
it streams (UTF-16 with its mark, Windows-1252). DuckDB's reader skips blank lines, so when a file has
any, Python's csv reader walks it once to say where they are and the row numbers count them. A row
with more cells than the header names, and a cell holding line breaks followed by what look like
whole rows (a quote opened and never closed), are marked (the column __broken says why) so that
validation rejects them. Workbooks are read in workbooks.py into the same kind of sheet.

A sheet's table holds __row, __broken and one text column per header name, c1, c2, ... in order (so
no name from a file is ever part of SQL text), trimmed, NULL when empty; blank rows are left out.
Nothing here knows a format: formats (canonical, elentra, eportfolio, mapping) read these sheets.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

# Bounds on what one file may hold; past them the file is refused with a message, in well under a second.
MAX_COLUMNS = 500
MAX_ROWS = 5_000_000
MAX_WORKBOOK_UNZIPPED = 64 * 2**20  # 64 MiB of sheet XML holds some 100,000 observations
MAX_LINE = 2**21  # bytes in one row; a longer one is most often a quote opened and never closed
MEMORY_LIMIT = "192MB"  # what a staging database may hold in memory before it spills to its folder
# Threads a staging database uses: reading a CSV in file order is one thread's work anyway, and one
# thread leaves the machine's other cores to the pages other users are opening meanwhile.
THREADS = 1
CHUNK = 4 * 2**20
SNIFF_SAMPLE = 1_000_000
MERGED = ("a cell holds line breaks followed by what look like whole rows: a quote opened in this row is "
          "probably never closed")


class ImportFailed(Exception):
    """The file as a whole cannot be imported; the message says why, for a program administrator."""


class Staging:
    """The staging database of one file: created empty in a temporary folder, written while the file
    is read and checked, then closed and attached read-only by the import's transaction; removed
    afterwards. Its memory (MEMORY_LIMIT) and threads (THREADS) are its own, apart from those of the
    dashboard's database. A table name is made by table(); values only ever reach it as parameters."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cbme-import-"))
        self.path = self.folder / "staging.duckdb"
        self.con = duckdb.connect(str(self.path), config={"memory_limit": MEMORY_LIMIT, "threads": THREADS,
                                                          "temp_directory": str(self.folder / "spill")})
        self._names = itertools.count(1)
        self.con.execute("create table rejections (sheet varchar, row_number integer, position integer, "
                         "column_name varchar, value varchar, reason varchar, raw varchar)")

    def table(self, kind: str) -> str:
        return f"{kind}_{next(self._names)}"

    def execute(self, sql: str, params: dict | None = None):
        return self.con.execute(sql, params or {})

    def close(self) -> Path:
        """Close the database, leaving its file for the import to attach; its path."""
        self.con.close()
        return self.path

    def remove(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Sheet:
    """A sheet of a file as read: its name (None for a CSV), its column names as the file has them, the
    staging table holding its rows (__row, __broken, then c1, c2, ... for the header's columns), and
    how many rows it holds."""

    name: str | None
    header: list[str]
    table: str
    rows: int

    def column(self, name: str) -> str:
        """The staging column holding the file's column name."""
        return f"c{self.header.index(name) + 1}"

    @property
    def label(self) -> str:
        return f", sheet {self.name}" if self.name else ""


def raw_json(sheet: Sheet, alias: str = "s") -> tuple[str, dict]:
    """SQL for a row of the sheet as JSON under the file's own column names, and its parameter."""
    cells = ", ".join(f"coalesce({alias}.c{i + 1}, '')" for i in range(len(sheet.header)))
    return f"to_json(map($raw_names, [{cells}]::varchar[]))", {"raw_names": sheet.header}


def _first_bytes(path: Path, file_name: str) -> bytes:
    with path.open("rb") as handle:
        start = handle.read(4096)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return start
    if not start.strip():
        raise ImportFailed(f"{file_name} is empty.")
    if start[:4] == b"PK\x03\x04" or b"\x00" in start:
        raise ImportFailed(f"{file_name} is not a text (CSV) file; if it is a workbook, give it the .xlsx ending. "
                           "UTF-16 text is read when it starts with its byte-order mark (Excel's 'Unicode text').")
    return start


def _scan(path: Path) -> tuple[bool, bool]:
    """(whether the file is UTF-8, whether it may hold blank lines), in one pass of bounded chunks."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    utf8, blank, tail = True, False, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            window = tail + chunk
            blank = blank or b"\n\n" in window or b"\n\r\n" in window or b"\r\r" in window
            tail = chunk[-2:]
    return utf8, blank


def _transcode(path: Path, encoding: str, target: Path, file_name: str) -> Path:
    """The file re-written as UTF-8, streamed in bounded chunks."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict" if encoding == "utf-16" else "replace")
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(CHUNK):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as error:
        raise ImportFailed(f"{file_name} says it is UTF-16 but is not readable as such ({error}).") from None
    return target


def _first_line(path: Path, longest: int = MAX_LINE) -> str:
    """The file's text up to its first line end (or longest characters), without a byte-order mark."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        return handle.readline(longest)


def _dialect(staging: Staging, path: Path, file_name: str) -> tuple[str, str]:
    """The delimiter and quote character, as DuckDB's CSV sniffer tells them from the file's start."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        sample = handle.read(SNIFF_SAMPLE)
        if handle.read(1):
            sample = sample[:sample.rfind("\n") + 1] or sample
    sniffed = staging.folder / "sample.csv"
    sniffed.write_text(sample, encoding="utf-8", newline="")
    try:
        found = staging.execute("select delimiter, quote from sniff_csv($path, all_varchar = true, sample_size = -1, "
                                "strict_mode = false, null_padding = true)", {"path": str(sniffed)}).fetchone()
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        raise ImportFailed(f"{file_name} cannot be read as a table: {first}") from None
    finally:
        sniffed.unlink()
    delimiter, quote = found
    return delimiter if len(delimiter) == 1 else ",", quote if len(quote) == 1 else '"'


def _refuse_wide(path: Path, file_name: str) -> None:
    """Refuse, before sniffing it, a file whose first line holds more columns than an export has."""
    line = _first_line(path, 16 * MAX_LINE)
    for delimiter in ",;\t|":
        if line.count(delimiter) >= MAX_COLUMNS:
            width = len(next(csv.reader([line], delimiter=delimiter)))
            raise ImportFailed(f"{file_name} has {width:,} columns; an export has at most {MAX_COLUMNS}.")


def _header(path: Path, delimiter: str, quote: str, file_name: str) -> list[str]:
    line = _first_line(path)
    if not line.strip():
        raise ImportFailed(f"{file_name} has no header row: its first line is empty.")
    header = [h.strip() for h in next(csv.reader([line], delimiter=delimiter, quotechar=quote))]
    if len(header) > MAX_COLUMNS:
        raise ImportFailed(f"{file_name} has {len(header):,} columns; an export has at most {MAX_COLUMNS}.")
    names = [h or f"column {i + 1}" for i, h in enumerate(header)]
    if len(set(names)) < len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise ImportFailed(f"{file_name}: the header names column(s) {', '.join(repeated)} more than once.")
    return names


def _blank_lines(path: Path, delimiter: str, quote: str) -> list[int]:
    """For each blank line, how many rows (read by DuckDB, which skips blank lines) come before it."""
    before, rows = [], 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        csv.field_size_limit(MAX_LINE)
        reader = csv.reader(handle, delimiter=delimiter, quotechar=quote, strict=False)
        next(reader, None)
        try:
            for cells in reader:
                if cells:
                    rows += 1
                else:
                    before.append(rows)
        except csv.Error:  # DuckDB's reading decides what such a file holds; its numbering stays as read
            pass
    return before


def _count_blank_lines(staging: Staging, table: str, before: list[int]) -> str:
    """The table's rows numbered counting the blank lines DuckDB's reader skipped: each adds one to the
    rows after it."""
    numbered = staging.table("sheet")
    staging.con.register("blank_lines", pa.table({"before": pa.array(before, pa.int64())}))
    try:
        staging.execute(f"""
            create table {numbered} as
            with shifts as (select before, row_number() over (order by before) as shift from blank_lines)
            select t.* replace (t.__row + coalesce(s.shift, 0) as __row)
            from {table} as t asof left join shifts as s on t.__row - 1 > s.before
        """)
        staging.execute(f"drop table {table}")
    finally:
        staging.con.unregister("blank_lines")
    return numbered


def read_csv(staging: Staging, path: Path, file_name: str) -> Sheet:
    """A CSV file as one sheet of trimmed text cells; blank rows are left out (not counted as read)."""
    encoding = "utf-16" if _first_bytes(path, file_name).startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
        else None
    if encoding:
        path = _transcode(path, encoding, staging.folder / "text.csv", file_name)
    utf8, blank = _scan(path)
    if not utf8:  # not UTF-8: what Excel writes as "CSV" on Windows
        path = _transcode(path, "cp1252", staging.folder / "text.csv", file_name)
    _refuse_wide(path, file_name)
    delimiter, quote = _dialect(staging, path, file_name)
    header = _header(path, delimiter, quote, file_name)
    width = len(header)
    columns = {f"c{i + 1}": "varchar" for i in range(width)} | {"surplus": "varchar"}
    cells = ", ".join(f"nullif(trim(c{i + 1}), '') as c{i + 1}" for i in range(width))
    filled = ", ".join(f"c{i + 1}" for i in range(width))
    merged = " or ".join(
        f"coalesce(case when contains(c{i + 1}, chr(10)) then len(list_filter(string_split(c{i + 1}, chr(10))[2:], "
        f"lambda line: length(line) - length(replace(line, $delimiter, '')) >= {width - 1})) > 0 end, false)"
        for i in range(width))
    table = staging.table("sheet")
    try:
        staging.execute(f"""
            create table {table} as
            select * from (
                select record + 1 as __row,
                    case when surplus is not null then $surplus when {merged if width > 1 else 'false'} then $merged
                    end as __broken,
                    {cells}
                from (select row_number() over () as record, *
                      from read_csv($path, auto_detect = false, columns = $columns, header = true, delim = $delimiter,
                                    quote = $quote, escape = $quote, strict_mode = false, null_padding = true,
                                    parallel = false, max_line_size = {MAX_LINE}, encoding = 'utf-8')))
            where coalesce({filled}, __broken) is not null
        """, {"path": str(path), "columns": columns, "delimiter": delimiter, "quote": quote, "merged": MERGED,
              "surplus": f"more cells than the header names ({width}): a delimiter inside a value needs the value "
                         "in quotes"})
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        if "maximum line size" in first.lower():
            raise ImportFailed(f"{file_name} has a row longer than {MAX_LINE // 2**20} MB: most often a quote that is "
                               "opened and never closed.") from None
        raise ImportFailed(f"{file_name} cannot be read as a table: {first}") from None
    if blank and (before := _blank_lines(path, delimiter, quote)):
        table = _count_blank_lines(staging, table, before)
    rows = staging.execute(f"select count(*) from {table}").fetchone()[0]
    if rows > MAX_ROWS:
        raise ImportFailed(f"{file_name} has more than {MAX_ROWS:,} rows: split it into several files.")
    return Sheet(None, header, table, rows)
