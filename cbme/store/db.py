"""The database: opening the DuckDB file, its schema, and the runners for the SQL in queries/: query()
for the questions pages ask, execute() for the writes in queries/writes/, inside writing().

One server process owns the database file; DuckDB lets only one process write to it. Every query runs
on a fresh cursor of that process's connection, because a DuckDB connection must not be shared between
the threads Streamlit runs sessions on.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.parse
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
SCHEMA = Path(__file__).with_name("schema.sql")


# Bump when schema.sql changes in a way an existing database file does not pick up by itself, and say
# in MIGRATIONS how a file of the version before is brought up to it (new tables come from schema.sql):
# steps committed one by one (DuckDB cannot alter one table twice in a transaction), each of which
# changes nothing when run again, so that a migration cut short is finished on the next start.
SCHEMA_VERSION = "4"
MIGRATIONS = {
    # 3 -> 4: an observation's achievement as the platform words it (the ePortfolio's "Achieved"); the
    # members recused from a decision and the status the dashboard had computed; where each audit event
    # came from. DuckDB adds no check to an existing table; the writers check the allowed values.
    "3": [
        "alter table assessments add column if not exists achievement varchar",
        "alter table assessments add column if not exists comment varchar",
        # the exports' one Feedback column was kept as strengths: it is the comment it is
        """update assessments set comment = strengths, strengths = null
        where improvement is null and strengths is not null and comment is null
            and (assessment_id like 'EL-%' or assessment_id like 'RC-%' or assessment_id like 'RCN-%')""",
        "alter table committee_decisions add column if not exists members_recused varchar[] default []",
        "alter table committee_decisions add column if not exists computed_status varchar",
        "alter table committee_decisions add column if not exists saved_with_version integer",
        "alter table audit_log add column if not exists origin varchar",
    ],
}


class DatabaseLocked(RuntimeError):
    """Another process holds the database file."""


class OutdatedDatabase(RuntimeError):
    """The file was made by an older version of the dashboard's data model."""

    def __init__(self, path, demo_only: bool):
        super().__init__(f"The database {Path(path).name} was made by an older version of the dashboard.")
        self.demo_only = demo_only


def configured(setting: Path | str) -> Path | str:
    """The database a setting names: a shared database's URL as given, else a file's path."""
    return str(setting) if is_url(setting) else Path(setting)


def describe(database: Path | str) -> str:
    """The database in a message's words, without the URL's password: "the database file NAME" or "the
    PostgreSQL database NAME"."""
    if is_url(database):
        return f"the PostgreSQL database {urllib.parse.urlsplit(str(database)).path.lstrip('/') or 'named by the URL'}"
    return f"the database file {Path(database).name}"


def is_url(database: Path | str) -> bool:
    """Whether the configured database is a shared PostgreSQL database's URL rather than a file."""
    return str(database).startswith(("postgresql://", "postgres://"))


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, creating the schema if it is new; or, given a PostgreSQL URL, the shared
    database (cbme.store.postgres)."""
    if is_url(path):
        from cbme.store import postgres  # (which builds on this module)

        return postgres.connect(str(path))
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DatabaseLocked(
                f"The database {Path(path).name} is open in another process (another dashboard or an "
                "import). Stop that process, or wait for the import to finish, and try again."
            ) from error
        raise
    if not read_only:
        _check_schema_version(con, path)
        con.execute(SCHEMA.read_text())
        # Fold the write-ahead log into the file at 256 MB rather than 16: one program's export (tens of
        # thousands of assessments with their narratives, about 6 MB of log) then no longer costs a
        # checkpoint every other file, and a checkpoint of a large file takes a second.
        con.execute("set checkpoint_threshold = '256MB'")
    return con


def _check_schema_version(con, path) -> None:
    """A new file gets the current schema version; an existing one is brought up to it (MIGRATIONS), or
    refused when no migration leads there."""
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    if "dashboard_meta" not in tables:
        con.execute(SCHEMA.read_text())
        execute(con, "set_schema_version", version=SCHEMA_VERSION)
        return
    meta = dict(con.execute("select key, value from dashboard_meta").fetchall())
    version = meta.get("schema_version")
    while version != SCHEMA_VERSION and version in MIGRATIONS:
        for step in MIGRATIONS[version]:
            con.execute(step)
        version = str(int(version) + 1)
        execute(con, "set_schema_version", version=version)
    if version != SCHEMA_VERSION:
        con.close()
        raise OutdatedDatabase(path, demo_only=meta.get("demo_data") == "true")


@cache
def sql(name: str) -> str:
    """The text of queries/<name>.sql, read once (a write's name is writes/<name>)."""
    path = QUERIES / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r}")
    return path.read_text()


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a named query with its $parameters on a cursor of its own."""
    cursor = con.cursor()
    try:
        return query_on(cursor, name, **params)
    finally:
        cursor.close()


def query_on(cursor: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a named query on the writing transaction's cursor, which sees what the transaction wrote."""
    return cursor.execute(sql(name), params).df()


def execute(cursor: duckdb.DuckDBPyConnection, name: str, /, **params) -> duckdb.DuckDBPyConnection:
    """Run the write queries/writes/<name>.sql with its $parameters on the writing transaction's cursor
    (its one row is the count of rows it changed)."""
    return cursor.execute(sql(f"writes/{name}"), params)


def program_of(con: duckdb.DuckDBPyConnection, resident_id: str) -> str | None:
    """The program of the resident (None for an unknown resident): what a write about them changes."""
    found = query(con, "program_of_resident", resident_id=resident_id)["program_id"]
    return None if found.empty else found.iloc[0]


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter that every write of data bumps, for cache keys. On a shared database, the process's copy
    is first brought up to the version other processes' writes reached."""
    from cbme.store import postgres

    if postgres.is_shared(con):
        return postgres.renew(con)
    cursor = con.cursor()
    try:
        return data_version_on(cursor)
    finally:
        cursor.close()


def data_version_on(cursor: duckdb.DuckDBPyConnection) -> int:
    """The data version as the cursor's transaction sees it."""
    row = cursor.execute("select value from dashboard_meta where key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


# Every write of data bumps the one data-version row, so two at once would conflict and one of them fail:
# the process's writes of data take turns (an audit event alone does not wait).
_DATA_WRITES = threading.RLock()


@contextlib.contextmanager
def writing(con: duckdb.DuckDBPyConnection, changes_data: bool = True,
            program_id: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside one transaction: committed when the block ends, with the data version bumped so
    that no cached result outlives the change; rolled back whole if anything in the block fails.
    program_id names the one program whose data the write changes: its meetings' agendas are kept anew
    in the same transaction (cbme.store.summaries); a write that names none forgets every kept agenda.
    changes_data=False for a write no cached figure depends on (the resident the chair presents), which
    then keeps the caches and does not wait for the writes of data."""
    from cbme.store import postgres, summaries  # (which build on this module)

    shared = postgres.is_shared(con)
    with _DATA_WRITES if changes_data else contextlib.nullcontext():
        cursor = con.cursor()
        if shared:
            postgres.begin_write(cursor, changes_data)
        else:
            cursor.execute("begin transaction")
        try:
            yield cursor
            if changes_data:
                bump_data_version(cursor)
                if shared:  # each process keeps its agendas in its copy (postgres.renew)
                    postgres.note_change(cursor, program_id)
                elif program_id:
                    summaries.keep_agendas(cursor, program_id)
                else:
                    summaries.forget_agendas(cursor)
            cursor.execute("commit")
        except BaseException:
            cursor.execute("rollback")
            raise
        finally:
            cursor.close()
    if shared and changes_data:
        postgres.renew(con)


def bump_data_version(cursor: duckdb.DuckDBPyConnection) -> None:
    """Call inside the writing transaction, so readers never see new data under an old version."""
    execute(cursor, "bump_data_version")
