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


def is_url(database: str) -> bool:
    return str(database).startswith(("postgresql://", "postgres://"))


def in_postgres_words(statements: str) -> str:
    for pattern, words in _POSTGRES_WORDS:
        statements = pattern.sub(words, statements)
    return statements


def postgres_ddl() -> str:
    """schema.sql's tables, sequences and indexes in PostgreSQL's words (its macros are DuckDB's, made in
    the process's own DuckDB over the mirror)."""
    text = db.SCHEMA.read_text()
    return in_postgres_words(text[:text.index("create or replace macro")])


def macros() -> str:
    """schema.sql's macros, which DuckDB keeps, not PostgreSQL."""
    text = db.SCHEMA.read_text()
    return text[text.index("create or replace macro"):]


def attach(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Attach the PostgreSQL database at url to con as STORE, with its schema brought up to date."""
    con.execute(f"load '{EXTENSION}'")
    con.execute(f"attach '{url.replace(chr(39), chr(39) * 2)}' as {STORE} (type postgres)")
    _check_schema_version(con)


def run_in_postgres(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run statements in PostgreSQL itself, in one transaction, and forget the extension's view of its
    catalog (which they may have changed)."""
    script = ";\n".join(["begin", *statements, "commit"]) + ";"
    con.execute(f"call postgres_execute('{STORE}', $sql)", {"sql": script})
    con.execute("call pg_clear_cache()")


def _check_schema_version(con: duckdb.DuckDBPyConnection) -> None:
    """A new database gets the schema and the current version; an existing one is brought up to it by the
    migrations of db.MIGRATIONS in PostgreSQL's words (each one PostgreSQL transaction, with its new
    version), or refused when no migration leads there. New tables come from the schema."""
    if "dashboard_meta" not in tables(con):
        run_in_postgres(con, [postgres_ddl(), _set_version_sql(db.SCHEMA_VERSION)])
        return
    version = con.execute(f"select value from {STORE}.dashboard_meta where key = 'schema_version'").fetchone()[0]
    while version != db.SCHEMA_VERSION and version in db.MIGRATIONS:
        following = str(int(version) + 1)
        run_in_postgres(con, [*map(in_postgres_words, db.MIGRATIONS[version]), _set_version_sql(following)])
        version = following
    if version != db.SCHEMA_VERSION:
        raise db.OutdatedDatabase(STORE, demo_only=False)
    run_in_postgres(con, [postgres_ddl()])


def _set_version_sql(version: str) -> str:
    if not re.fullmatch(r"\d+", version):
        raise ValueError(f"not a schema version: {version!r}")
    return ("insert into dashboard_meta values ('schema_version', '" + version + "') "
            "on conflict (key) do update set value = excluded.value")


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
        cursor.execute(macros())
        cursor.execute("commit")
    finally:
        cursor.close()
