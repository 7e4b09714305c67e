"""The tables an import fills, read from the schema itself (cbme/schema.sql), so that each column's
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

from cbme.db import SCHEMA

# Tables a file may fill, in the order their references need them.
TABLE_ORDER = ["programs", "people", "residents", "resident_stages", "coach_assignments", "epas", "assessments",
               "coaching_sessions", "committee_decisions"]
KINDS = {"VARCHAR": "text", "DATE": "date", "TIMESTAMP": "timestamp", "INTEGER": "int", "BIGINT": "int",
         "BOOLEAN": "bool", "VARCHAR[]": "list"}
INT_RANGES = {"INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
RATING_COLUMNS = {"entrustment", "target_entrustment"}  # 1-5, or the scale's words
# Filled by the import when a file leaves them empty (the schema requires them but has no default).
IMPORT_FILLS = {("assessments", "assessor_role"): "faculty",
                ("assessments", "stakes"): "high for an ITER, low otherwise"}
FORM_TYPE_LABELS = {"epa_observation": "EPA observation", "mini_cex": "Mini-CEX", "iter": "ITER",
                    "field_note": "Field note", "multisource": "Multisource feedback"}
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
        """The rule in words: 'must be more than 0' for a simple comparison, else the rule itself."""
        simple = re.fullmatch(r'\("?(\w+)"? (>|>=|<|<=) (-?\d+)\)', self.expression)
        between = re.fullmatch(r"\((\w+) BETWEEN (-?\d+) AND (-?\d+)\)", self.expression)
        words = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}
        if simple:
            return f"must be {words[simple.group(2)]} {simple.group(3)}"
        if between:
            return f"must be between {between.group(2)} and {between.group(3)}"
        rule = re.sub(r"\b(NOT|OR|AND|IS|NULL|IN)\b", lambda m: m.group(1).lower(), self.expression)
        return f"breaks the rule {rule}"


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
