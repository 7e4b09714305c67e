"""Checking every row of a dashboard table before anything is written, set-based in the staging
database: each cell typed by its column's rule (tables.py, read from the schema), then every check of
the schema evaluated by DuckDB on the typed rows. A row with a problem becomes rejections naming
sheet, row, column, value and reason (kept in the staging table rejections, with the whole row as the
file has it) and is left out; the rest goes on.

Dates: ISO, Excel day numbers, and slashed dates whose order (day or month first) is stated (by the
person importing, a mapping or the format) or decided by the whole column; a column whose slashed
dates never tell the order is refused row by row rather than read one way.

SQL text here is built from the schema's own names and rules; values from a file or a mapping only
ever reach it as parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cbme.imports.reading import Sheet, Staging, raw_json
from cbme.imports.tables import IMPORT_FILLS, Column, tables
from cbme.vocabulary import FORM_TYPES, OPPORTUNITIES

# Entrustment scale words as exports write them, to the 1-5 rating (DOMAIN: the O-SCORE anchors and the
# supervision scale); a leading "4 - " or "4." before the words is read too.
SCALE_WORDS = {
    "i had to do": 1, "i had to talk them through": 2, "i needed to prompt": 3,
    "i needed to be there just in case": 4, "i needed to be there in case": 4, "i didn't need to be there": 5,
    "i did not need to be there": 5,
    "observe only": 1, "direct supervision": 2, "indirect supervision": 3, "independent": 4,
    "may supervise others": 5, "supervise others": 5,
}
TRUE_WORDS, FALSE_WORDS = ["true", "yes", "y", "1", "x"], ["false", "no", "n", "0"]
DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"
DATE_ORDERS = {"day-first": DAY_FIRST, "month-first": MONTH_FIRST}  # as a person states it when importing
SLASHED = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"
ISO = r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
EXCEL_DAY = r"^\d{5}(\.0+)?$"
NUMBERED_WORDS = r"^\d\s*[-–—.:)]\s*"
NOT_A_DATE = "not a date (expected YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY, or an Excel date)"
AMBIGUOUS = ("ambiguous date: no date in the column tells whether it is day or month first; state the order "
             "when importing (--date-order day-first or month-first on the command line, or the date order on the "
             "Imports page), or with date_format in a column mapping (docs/mapping.md)")
MIXED = "the column mixes day-first and month-first dates"
UNRATED = "a completed EPA observation needs its rating (an entrustment level or, on the ePortfolio, its achievement)"


@dataclass
class Part:
    """The rows a format reads from a sheet for one table of the dashboard: relation, a staging table
    or view with __row, __broken and the table's columns as text under the dashboard's names; sheet,
    the rows as the file has them (written back whole when rejected). names: the columns that hold
    people's names rather than ids (matched to people or created); skipped: rows read but not kept,
    as repeating others of the same file; summary: the file's own totals per EPA; date_format: the
    order of slashed dates when the format or mapping states it; keep_stored: a stored row with the
    same key stands as it is (not corrected)."""

    table: str
    sheet: Sheet
    relation: str
    rows: int
    names: tuple[str, ...] = ()
    skipped: int = 0
    summary: dict[str, dict[str, int]] = field(default_factory=dict)
    date_format: str | None = None
    keep_stored: bool = False
    carried: tuple[str, ...] = ()  # columns of relation beyond the table's, carried with each row (__legacy_id)
    sources: dict[str, str] = field(default_factory=dict)  # the dashboard's column -> the file's it is read from
    valid: str | None = None  # once validated: the staging table of its typed rows (__ok: passes every rule)


def part_relation(staging: Staging, table: str, cells: dict[str, str], source: str, params: dict | None = None,
                  carried: dict[str, str] | None = None) -> str:
    """A staging relation of a table's columns (cells: the SQL giving each from the source's row, as
    trimmed text; a column left out is empty), with the source's __row and __broken, and the carried columns (name:
    SQL): a view, or a table when the SQL has parameters (a view cannot hold them)."""
    name = staging.table(f"part_{table}")
    columns = [f"{cells.get(c, 'null::varchar')} as {c}" for c in tables()[table].names]
    columns += [f"{sql} as {column}" for column, sql in (carried or {}).items()]
    kind = "table" if params else "view"
    staging.execute(f"create {kind} {name} as select __row, __broken, {', '.join(columns)} from {source}", params)
    return name


def file_columns(sheet, cells: dict[str, str]) -> dict[str, str]:
    """For each of the dashboard's columns that cells read from the sheet, the file's column it is read
    from, so that a rejection names the column as the file has it: the last the cell's SQL names (the
    value's own; a condition before it, such as an expired form's, names another)."""
    header = {sheet.column(name): name for name in sheet.header}
    found = {column: re.findall(r"\bc\d+\b", sql) for column, sql in cells.items()}
    return {column: header[refs[-1]] for column, refs in found.items() if refs and refs[-1] in header}


class Params(dict):
    """The parameters of one statement: add(value) gives the placeholder that stands for it."""

    def add(self, value) -> str:
        name = f"p{len(self)}"
        self[name] = value
        return f"${name}"


def _lookup(params: Params, words: dict, text: str) -> str:
    return f"{params.add(list(words.values()))}[list_position({params.add(list(words))}, lower({text}))]"


def _date(params: Params, x: str, order: str | None) -> str:
    """A date from its text: ISO (DuckDB's own reading of a date), slashed in the given order, an Excel
    day, or a layout of the mapping."""
    cases = []
    if order in (DAY_FIRST, MONTH_FIRST):
        slashed = f"regexp_extract({x}, '{SLASHED}', ['a', 'b', 'y'])"
        day, month = ("a", "b") if order == DAY_FIRST else ("b", "a")
        cases.append(f"when regexp_matches({x}, '{SLASHED}') then (select try_cast(s.y || '-' || s.{month} || '-' || "
                     f"s.{day} as date) from (select {slashed} as s))")
    cases.append(f"when regexp_matches({x}, '{EXCEL_DAY}') "
                 f"then date '1899-12-30' + cast(cast({x} as double) as integer)")
    if order and order not in (DAY_FIRST, MONTH_FIRST):
        cases.append(f"else cast(try_strptime({x}, {params.add(order)}) as date)")
    return f"coalesce(try_cast({x} as date), case {' '.join(cases)} end)"


# Why an unknown rating is refused, as SQL around the word (quoted as Python's repr quotes it).
UNKNOWN_RATING = ("'not a rating the dashboard knows: ''' || {word} || ''' (1-5, or the scale''s words; "
                  "see docs/importing.md)'")


def _typed(params: Params, column: Column, x: str, order: str | None, program_id: str) -> tuple[str, str]:
    """SQL for a non-empty cell's stored value, and for the reason it cannot be read (evaluated only
    where the value came out empty)."""
    kind = column.kind
    if kind == "date":
        return _date(params, x, order), f"'{NOT_A_DATE}'"
    if kind == "timestamp":
        return (f"coalesce(cast(try_cast({x} as timestamptz) as timestamp), "
                f"cast({_date(params, x, None)} as timestamp))",
                "'not a date and time'")
    if kind == "int":
        number = f"try_cast({x} as double)"
        return (f"case when {number} = round({number}) and abs({number}) <= {column.largest} "
                f"then try_cast({number} as bigint) end",
                f"case when abs({number}) > {column.largest} and not isinf({number}) and {number} = round({number}) "
                f"then 'too large a number (at most {column.largest:,})' else 'not a whole number' end")
    if kind == "bool":
        return (_lookup(params, {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}, x),
                "'not yes or no (yes/no, y/n, true/false, 1/0)'")
    if kind == "entrustment":
        # (typographic apostrophes and runs of spaces as the plain ones: "I didn’t need to be there")
        plain = f"translate({x}, {params.add('’‘ʼ')}, {params.add(chr(39) * 3)})"
        words = f"rtrim(regexp_replace(lower({plain}), '\\s+', ' ', 'g'), '.')"
        bare = f"regexp_replace({words}, {params.add(NUMBERED_WORDS)}, '')"
        word = f"coalesce({_lookup(params, SCALE_WORDS, words)}, {_lookup(params, SCALE_WORDS, bare)})"
        number = f"case when regexp_matches({x}, '^\\d+(\\.0+)?$') then try_cast(try_cast({x} as double) as bigint) end"
        return (f"coalesce({word}, case when {number} between 1 and 5 then {number} end)",
                f"case when {number} is not null then 'entrustment rating out of range (1-5)' "
                f"else {UNKNOWN_RATING.format(word=x)} end")
    if kind == "list":
        return f"list_filter(list_transform(string_split({x}, ';'), lambda p: trim(p)), lambda p: p <> '')", "null"
    if column.name == "program_id":
        return f"case when {x} = '$program' then {params.add(program_id)} else {x} end", "null"
    if not column.allowed:
        return x, "null"
    names = {a.lower(): a for a in column.allowed}
    if column.name == "form_type":
        names |= {label.lower(): code for code, label in OPPORTUNITIES.items() if code in FORM_TYPES}
    allowed = f"'not one of: {', '.join(column.allowed)}'"
    if column.name == "flag":  # a flag column written yes/no: no is no flag
        return (_lookup(params, names, x),
                f"case when list_contains({params.add(FALSE_WORDS)}, lower({x})) then null else {allowed} end")
    return _lookup(params, names, x), allowed


def date_orders(staging: Staging, part: Part, stated: str | None) -> dict[str, tuple[str | None, str | None]]:
    """Per date column, (the order of its slashed dates, or None when none is needed; the reason its
    slashed dates are refused, when the column leaves the order open or contradicts itself)."""
    dated = [c.name for c in tables()[part.table].columns if c.kind == "date"]
    if stated or part.date_format:
        return {c: (stated or part.date_format, None) for c in dated}
    if not dated:
        return {}
    def place(column: str, n: int) -> str:
        return f"try_cast(regexp_extract(trim({column}), '{SLASHED}', {n}) as integer)"

    measures = ", ".join(f"max({place(c, 1)}), max({place(c, 2)}), bool_and({place(c, 1)} = {place(c, 2)})"
                         for c in dated)
    found = staging.execute(f"select {measures} from {part.relation}").fetchone()
    orders = {}
    for i, column in enumerate(dated):
        largest_first, largest_second, same = found[3 * i:3 * i + 3]
        if largest_first is None:
            orders[column] = (None, None)
        elif largest_first > 12 and largest_second > 12:
            orders[column] = (None, MIXED)
        elif largest_first > 12 or largest_second > 12:
            orders[column] = (DAY_FIRST if largest_first > 12 else MONTH_FIRST, None)
        else:
            orders[column] = (DAY_FIRST, None) if same else (None, AMBIGUOUS)  # 03/03/2026 reads the same either way
    return orders


def validate(staging: Staging, part: Part, program_id: str, date_order: str | None = None) -> None:
    """Type and check the part's rows into part.valid, a staging table with __row, the typed columns and
    __ok (the row passes every rule); each problem of the others goes to the staging table rejections.
    date_order states the order of slashed dates for the whole file (DAY_FIRST or MONTH_FIRST)."""
    spec = tables()[part.table]
    params = Params({"required": "required value missing"})
    orders = date_orders(staging, part, date_order)
    carried = "".join(f", {c}" for c in part.carried)
    texts = ", ".join(f"__text_{c.name}" for c in spec.columns)
    typed, judged = [], []
    for column in spec.columns:
        x = f"__text_{column.name}"
        order, unclear = orders.get(column.name, (None, None))
        value, failure = _typed(params, column, x, order, program_id)
        typed.append(f"case when {x} is not null then {value} end as {column.name}")
        why = [f"when {x} is null then {'$required' if column.required else 'null'}"]
        if unclear:
            why.append(f"when regexp_matches({x}, '{SLASHED}') then {params.add(unclear)}")
        if column.kind in ("date", "timestamp"):  # what the dashboard can store
            judged.append(f"case when year({column.name}) between 1900 and 2199 then {column.name} end "
                          f"as {column.name}")
        else:
            judged.append(column.name)
        judged.append(f"case {' '.join(why)} when {column.name} is null then {failure} end as __why_{column.name}")
    defaults = [f"coalesce({c.name}, {c.default}) as {c.name}" for c in spec.columns if c.default is not None]
    fills = [f"coalesce({column}, {sql}) as {column}" for (table, column), sql in IMPORT_FILLS.items()
             if table == part.table]
    read = " and ".join(["__broken is null", *(f"__why_{c.name} is null" for c in spec.columns)])
    rules = [(c.columns[-1], c.reason, f"not coalesce({c.expression}, true)") for c in spec.checks]
    if part.table == "assessments":
        rules.insert(0, ("entrustment", UNRATED, "form_type = 'epa_observation' and not expired "
                                                 "and entrustment is null and achievement is null"))
    later = "".join(f", case when {read} and {test} then {params.add(reason)} end as __rule_{i}"
                    for i, (_, reason, test) in enumerate(rules))
    ok = " and ".join([read, *(f"__rule_{i} is null" for i in range(len(rules)))])
    cells = ", ".join(f"nullif({c.name}, '') as __text_{c.name}" for c in spec.columns)
    checked = staging.table(f"checked_{part.table}")
    staging.execute(f"""
        create table {checked} as
        with cells as (select __row, __broken{carried}, {cells} from {part.relation}),
        typed as (select __row, __broken{carried}, {texts}, {", ".join(typed)} from cells),
        judged as (select __row, __broken{carried}, {texts}, {", ".join(judged)} from typed),
        filled as (select * {f"replace ({', '.join(defaults)})" if defaults else ""} from judged),
        ruled as (select * {f"replace ({', '.join(fills)})" if fills else ""}{later} from filled)
        select * exclude ({texts}), {ok} as __ok from ruled
    """, params)
    # (each reason typed, so that a column whose every reason is null still lists with the others)
    problems = ["{'position': 0, 'column_name': null::varchar, 'value': null::varchar, 'reason': k.__broken::varchar}"]
    problems += [f"{{'position': {i + 1}, 'column_name': '{c.name}', 'value': coalesce(t.{c.name}, ''), "
                 f"'reason': k.__why_{c.name}::varchar}}" for i, c in enumerate(spec.columns)]
    problems += [f"{{'position': {len(spec.columns) + 1 + i}, 'column_name': '{column}', "
                 f"'value': coalesce(t.{column}, ''), 'reason': k.__rule_{i}::varchar}}"
                 for i, (column, _, _) in enumerate(rules)]
    raw, raw_params = raw_json(part.sheet)
    staging.execute(f"""
        insert into rejections
        select $sheet, p.__row, p.position, p.column_name, p.value, p.reason, {raw}
        from (select k.__row, unnest(list_filter([{", ".join(problems)}], lambda p: p.reason is not null),
                                     recursive := true)
              from {checked} as k join {part.relation} as t using (__row) where not k.__ok) as p
        join {part.sheet.table} as s using (__row)
    """, {"sheet": part.sheet.name, **raw_params})
    part.valid = checked
