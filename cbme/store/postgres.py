"""PostgreSQL as the shared system of record (CBME_DATABASE=postgresql://...), through DuckDB's postgres
extension: the database is attached to the process's DuckDB as the catalog `store`, so the SQL in
queries/ runs on it unchanged; pages read a copy of its tables kept in the process's own DuckDB
(mirror()), renewed when its data version moves, because a query that reads PostgreSQL's rows through
the extension takes about ten times as long. Not yet wired into the pages (issue 22 in progress).

Where PostgreSQL's words differ from DuckDB's, the difference is here: the schema's DDL (postgres_ddl)
and the migrations, which run in PostgreSQL itself, in one transaction each.
"""

from __future__ import annotations

import re
from importlib import resources

import duckdb

from cbme.store import db

STORE = "store"  # the attached PostgreSQL database's name in DuckDB
# The extension as its Python package ships it, for the DuckDB release pinned in requirements.txt.
EXTENSION = resources.files("duckdb_extension_postgres_scanner") / "extensions" / f"v{duckdb.__version__}" / \
    "postgres_scanner.duckdb_extension"

# schema.sql's words PostgreSQL spells otherwise: an empty list, a double-precision number.
_POSTGRES_WORDS = [(re.compile(r"default \[\]"), "default '{}'"), (re.compile(r"\bdouble\b"), "double precision")]


def in_postgres_words(statements: str) -> str:
    for pattern, words in _POSTGRES_WORDS:
        statements = pattern.sub(words, statements)
    return statements


def _schema_parts() -> tuple[str, str]:
    """schema.sql split where its macros begin: (tables, sequences and indexes; macros)."""
    text = db.SCHEMA.read_text()
    return text[:text.index("create or replace macro")], text[text.index("create or replace macro"):]


def postgres_ddl() -> str:
    """schema.sql's tables, sequences and indexes in PostgreSQL's words (its macros are DuckDB's, made in
    the process's own DuckDB over the mirror)."""
    return in_postgres_words(_schema_parts()[0])


def attach(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Attach the PostgreSQL database at url to con as STORE, with its schema brought up to date."""
    con.execute(f"load '{EXTENSION}'")
    quoted = url.replace("'", "''")  # ATTACH takes no parameter: the setting's URL as a quoted literal
    con.execute(f"attach '{quoted}' as {STORE} (type postgres)")
    _check_schema_version(con)


def run_in_postgres(con: duckdb.DuckDBPyConnection, statements: list[str], version: str | None = None) -> None:
    """Run statements in PostgreSQL itself and, when given, record the schema version they lead to, all in
    one transaction."""
    cursor = con.cursor()
    try:
        cursor.execute(f"use {STORE}")
        cursor.execute("begin transaction")
        cursor.execute(f"call postgres_execute('{STORE}', $sql)", {"sql": ";\n".join(statements)})
        cursor.execute("call pg_clear_cache()")  # the extension's view of the catalog the statements changed
        if version:
            db.execute(cursor, "set_schema_version", version=version)
        cursor.execute("commit")
    finally:
        cursor.close()


def _check_schema_version(con: duckdb.DuckDBPyConnection) -> None:
    """A new database gets the schema and the current version; an existing one is brought up to it by the
    migrations of db.MIGRATIONS in PostgreSQL's words (each one PostgreSQL transaction, with its new
    version), or refused when no migration leads there. New tables come from the schema."""
    if "dashboard_meta" not in tables(con):
        run_in_postgres(con, [postgres_ddl()], db.SCHEMA_VERSION)
        return
    version = con.execute(f"select value from {STORE}.dashboard_meta where key = 'schema_version'").fetchone()[0]
    while version != db.SCHEMA_VERSION and version in db.MIGRATIONS:
        following = str(int(version) + 1)
        run_in_postgres(con, [in_postgres_words(step) for step in db.MIGRATIONS[version]], following)
        version = following
    if version != db.SCHEMA_VERSION:
        raise db.OutdatedDatabase(STORE, demo_only=False)
    run_in_postgres(con, [postgres_ddl()])


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the shared database, in the order of their names."""
    return [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where database_name = $store and schema_name = 'public' "
        "order by table_name",
        {"store": STORE}).fetchall()]


def mirror(con: duckdb.DuckDBPyConnection, names: list[str] | None = None) -> None:
    """Copy the shared database's tables (or those named) into con's own catalog, in one transaction,
    and make the schema's macros over them."""
    cursor = con.cursor()
    try:
        cursor.execute("begin transaction")
        for name in names or tables(con):
            cursor.execute(f'create or replace table memory.main."{name}" as from {STORE}."{name}"')
        cursor.execute(_schema_parts()[1])
        cursor.execute("commit")
    finally:
        cursor.close()
