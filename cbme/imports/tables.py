"""The tables an import fills, read from the schema itself (cbme/store/schema.sql), so that each column's
type and rule is stated once: its type, whether a value is required, the values allowed (a check
`column in (...)`), its default, the table's key (its primary key), and every other check the schema
makes, which validation evaluates on each row before anything is written. What Python adds is only
what the schema cannot say: the words exports use for ratings, yes/no and form types, and the values
an import fills where a file is silent (an assessment's stakes and assessor role).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import duckdb

from cbme.store.db import SCHEMA

# Tables a file may fill, in the order their references need them.
TABLE_ORDER = ["programs", "people", "residents", "resident_stages", "coach_assignments", "epas", "assessments",
               "coaching_sessions", "committee_decisions"]
KINDS = {"VARCHAR": "text", "DATE": "date", "TIMESTAMP": "timestamp", "INTEGER": "int", "BIGINT": "int",
         "BOOLEAN": "bool", "VARCHAR[]": "list"}
INT_RANGES = {"INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
RATING_COLUMNS = {"entrustment", "target_entrustment"}  # 1-5, or the scale's words
# Filled by the import when a file leaves them empty (the schema requires them but has no default), as
# SQL over the row's other typed columns; docs/data-dictionary.md says the same in words.
IMPORT_FILLS = {("assessments", "assessor_role"): "'faculty'",
                ("assessments", "stakes"): "case when form_type = 'iter' then 'high' else 'low' end"}
ALLOWED = re.compile(r"^\((\w+) IN \((.*)\)\)$")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, timestamp, int, bool, list, entrustment
    required: bool
    allowed: tuple[str, ...] | None
    default: str | None  # the schema's default, as SQL
    largest: int | None  # for whole numbers, the largest the column stores


@dataclass(frozen=True)
class Check:
    expression: str  # the schema's check, as SQL over the table's columns
    columns: tuple[str, ...]

    @property
    def reason(self) -> str:
        """The rule in words, naming its columns: 'must be more than 0' for a comparison of the rejected
        column itself; for a rule joining two conditions with OR, 'when <the first fails>, <the second
        must hold>', e.g. 'when expired is yes, entrustment must be empty'."""
        one = _condition(self.expression)
        if one is not None and len(self.columns) == 1:
            return one[1]
        either = re.fullmatch(r"\((\(.*\)) OR (\(.*\))\)", self.expression)
        if either:
            first, then = _condition(either.group(1)), _condition(either.group(2))
            if first and then:
                return f"when {_negated(first)}, {then[0]} {then[1]}"
        raise ValueError(f"no words for the schema's check {self.expression}: add them in tables.py")


COMPARISONS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most", "=": "", "!=": "other than"}


def _condition(expression: str) -> tuple[str, str] | None:
    """(column, what it must be) for one condition of a check, as the schema writes it."""
    expression = expression.replace('"', "")
    if found := re.fullmatch(r"\((\w+) (>|>=|<|<=|=|!=) (-?\d+|'[^']*')\)", expression):
        column, operator, value = found.groups()
        words = COMPARISONS[operator]
        return column, f"must be {words + ' ' if words else ''}{value.strip(chr(39))}"
    if found := re.fullmatch(r"\((\w+) BETWEEN (-?\d+) AND (-?\d+)\)", expression):
        return found.group(1), f"must be between {found.group(2)} and {found.group(3)}"
    if found := re.fullmatch(r"\((\w+) IS (NOT )?NULL\)", expression):
        return found.group(1), "must be filled" if found.group(2) else "must be empty"
    if found := re.fullmatch(r"\(NOT (\w+)\)", expression):
        return found.group(1), "must be no"
    return None


def _negated(condition: tuple[str, str]) -> str:
    """The case in which a condition fails, in words: 'expired is yes', 'form_type is epa_observation'."""
    column, must = condition
    opposite = {"must be empty": "is filled", "must be filled": "is empty", "must be no": "is yes"}
    if must in opposite:
        return f"{column} {opposite[must]}"
    if must.startswith("must be other than "):
        return f"{column} is {must.removeprefix('must be other than ')}"
    return f"{column} is not {must.removeprefix('must be ')}"


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    checks: tuple[Check, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@cache
def tables() -> dict[str, Table]:
    """Every importable table's rules, read once from the schema loaded into a scratch database."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA.read_text())
        columns = con.execute("select table_name, column_name, data_type, is_nullable, column_default "
                              "from duckdb_columns() where list_contains($t, table_name) "
                              "order by table_name, column_index", {"t": TABLE_ORDER}).fetchall()
        constraints = con.execute("select table_name, constraint_type, expression, constraint_column_names "
                                  "from duckdb_constraints() where list_contains($t, table_name) "
                                  "and constraint_type in ('CHECK', 'PRIMARY KEY')", {"t": TABLE_ORDER}).fetchall()
    finally:
        con.close()
    allowed, checks, keys = {}, {t: [] for t in TABLE_ORDER}, {}
    for table, kind, expression, names in constraints:
        if kind == "PRIMARY KEY":
            keys[table] = tuple(names)
        elif found := ALLOWED.match(expression):
            allowed[(table, found.group(1))] = tuple(re.findall(r"'([^']*)'", found.group(2)))
        else:
            checks[table].append(Check(expression, tuple(names)))
    result = {}
    for table in TABLE_ORDER:
        cols = tuple(
            Column(name, "entrustment" if name in RATING_COLUMNS else KINDS[data_type],
                   not nullable and default is None and (table, name) not in IMPORT_FILLS,
                   allowed.get((table, name)), default, INT_RANGES.get(data_type))
            for t, name, data_type, nullable, default in columns if t == table and name != "import_id")
        result[table] = Table(table, keys[table], cols, tuple(checks[table]))
    return result
