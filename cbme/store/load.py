"""Loading a folder of canonical export files (one CSV per table, as the demo writes them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cbme.store.db import writing

# Tables in the order their references need them.
TABLES = [
    "programs", "people", "sign_in_identities", "roles", "residents", "resident_stages", "coach_assignments", "epas",
    "assessments", "coaching_sessions", "committee_decisions", "committee_meetings", "meeting_reviewers",
    "reviewer_notes",
]
# Columns stored as lists, written in a CSV cell joined by semicolons.
LIST_COLUMNS = {"committee_decisions": ["actions", "members_present", "members_recused"]}


def load_canonical(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Insert every table's CSV from folder in one transaction; return the rows loaded per table."""
    counts = {}
    with writing(con) as cursor:
        for table in TABLES:
            path = folder / f"{table}.csv"
            if not path.exists():
                continue
            table_columns = {row[0] for row in cursor.execute(f"describe {table}").fetchall()}
            file_columns = [row[0] for row in cursor.execute(
                "describe select * from read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)}).fetchall()]
            columns = [c for c in file_columns if c in table_columns]  # absent columns take their defaults
            select = ", ".join(
                f"coalesce(string_split(nullif({c}, ''), ';'), []) as {c}" if c in LIST_COLUMNS.get(table, [])
                else c for c in columns
            )
            before = cursor.execute(f"select count(*) from {table}").fetchone()[0]
            cursor.execute(
                f"insert into {table} by name select {select} "
                "from read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)},
            )
            counts[table] = cursor.execute(f"select count(*) from {table}").fetchone()[0] - before
    return counts
