"""PostgreSQL as the shared system of record (CBME_DATABASE=postgresql://...), through DuckDB's postgres
extension: the database is attached to the process's DuckDB as the catalog `store`, so the SQL in
queries/ runs on it unchanged. Writes go to it (begin_write, from cbme.store.db.writing); pages read a
copy of its tables kept in the process's own DuckDB (connect(), renew()), renewed table by table when
its data version moves, because a query that reads PostgreSQL's rows through the extension takes
about ten times as long. docs/deployment.md gives the measurements.

Where PostgreSQL's words differ from DuckDB's, the difference is here: the schema's DDL (postgres_ddl),
the tracking of changes, and the migrations, which run in PostgreSQL itself, in one transaction each.
"""

from __future__ import annotations

import re
import threading
import weakref
from importlib import resources
from pathlib import Path

import duckdb

from cbme.store import db, summaries

STORE = "store"  # the attached PostgreSQL database's name in DuckDB
_SHARED: weakref.WeakSet = weakref.WeakSet()  # the connections connect() made
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


# The tables written without a new data version (the audit trail, appended on every view; the resident
# the chair presents) are read in the shared database itself, through a view of the same name in each
# process's copy; each process keeps the agendas in its copy (renew()); it copies the other tables.
LIVE = ("audit_log", "meeting_presenting")
KEPT = ("agenda_summaries", "agenda_summary_meetings")
_SCHEMA_TABLES = [*re.findall(r"create table if not exists (\w+)", _schema_parts()[0]), "table_versions",
                  "data_changes"]
COPIED = [name for name in _SCHEMA_TABLES[:-2] if name not in LIVE + KEPT]

# What only the shared database has: a version per copied table, moved by every statement that changes
# it, so that a process copies anew only the tables that changed; and the program each data version
# changed (null: any), so that it keeps anew only those programs' agendas.
_TRACKING = """
create table if not exists table_versions (table_name varchar primary key, version bigint not null);
create table if not exists data_changes (data_version integer not null, program_id varchar);
create or replace function note_table_change() returns trigger language plpgsql as $body$
begin
    insert into table_versions values (tg_table_name, 1)
    on conflict (table_name) do update set version = table_versions.version + 1;
    return null;
end
$body$;
""" + "".join(f"""
create or replace trigger {name}_changed after insert or update or delete or truncate on {name}
    for each statement execute function note_table_change();""" for name in COPIED)


def postgres_ddl() -> str:
    """schema.sql's tables, sequences and indexes in PostgreSQL's words, and the tracking of changes the
    processes' copies follow (its macros are DuckDB's, made in each process's copy)."""
    return in_postgres_words(_schema_parts()[0]) + _TRACKING


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
    # New tables come from the schema. Its statements run only when one is missing, since replacing
    # a table's trigger waits for any write of that table in another process (an import) to end.
    if set(_SCHEMA_TABLES) - set(tables(con)):
        run_in_postgres(con, [postgres_ddl()])


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of the shared database, in the order of their names."""
    return [row[0] for row in con.execute(
        "select table_name from duckdb_tables() where database_name = $store and schema_name = 'public' "
        "order by table_name",
        {"store": STORE}).fetchall()]


def connect(url: str) -> duckdb.DuckDBPyConnection:
    """A process's DuckDB on the shared database at url: the database attached, and the schema's tables
    in the process's own catalog as a copy of the shared ones (renew())."""
    con = duckdb.connect(":memory:")
    con.execute(db.SCHEMA.read_text())
    con.execute("create table copied_versions (table_name varchar primary key, version bigint not null)")
    attach(con, url)
    for name in LIVE:
        con.execute(f'drop table "{name}"; create view "{name}" as from {STORE}."{name}"')
    _SHARED.add(con)
    renew(con)
    return con


def is_shared(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether con is a process's DuckDB on a shared database (made by connect())."""
    return con in _SHARED


_RENEWING = threading.Lock()


def renew(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the process's copy up to the shared database when its data version moved, and return the
    version: the tables whose version moved (table_versions) are copied anew, in one transaction that
    reads one snapshot, and the copy's kept agendas of the programs the writes since named are forgotten
    (every program's after a write that named none)."""
    cursor = con.cursor()
    try:
        shared = cursor.execute(f"select value from {STORE}.dashboard_meta where key = 'data_version'").fetchone()
        if shared and int(shared[0]) == db.data_version_on(cursor):
            return int(shared[0])
        with _RENEWING:
            cursor.execute("begin transaction")
            since = db.data_version_on(cursor)
            moved = cursor.execute(f"""
                select s.table_name, s.version from {STORE}.table_versions as s
                left join copied_versions as c using (table_name)
                where c.version is distinct from s.version and s.table_name in $copied""",
                {"copied": COPIED}).fetchall()
            for name, version in moved:
                cursor.execute(f'create or replace table memory.main."{name}" as from {STORE}."{name}"')
                cursor.execute("insert or replace into copied_versions values ($name, $version)",
                               {"name": name, "version": version})
            if moved:
                cursor.execute(_schema_parts()[1])  # the macros, bound to the tables copied anew
            programs = [row[0] for row in cursor.execute(
                f"select distinct program_id from {STORE}.data_changes where data_version > $since",
                {"since": since}).fetchall()]
            for program_id in {"" if program_id is None else program_id for program_id in programs}:
                summaries.forget_agendas(cursor, program_id)  # kept anew when asked for (keep_in_copy)
            cursor.execute("commit")
            return db.data_version_on(cursor)
    finally:
        cursor.close()


def keep_in_copy(con: duckdb.DuckDBPyConnection, program_id: str) -> bool:
    """On a shared database, keep the program's agendas in the process's copy when none is kept (the
    first whole agenda asked for since a renewal forgot them); False on a database file, whose writes keep
    them."""
    if not is_shared(con):
        return False
    with _RENEWING:
        cursor = con.cursor()
        try:
            cursor.execute("begin transaction")
            if cursor.execute("select count(*) from agenda_summary_meetings where program_id = $p",
                              {"p": program_id}).fetchone()[0] == 0:
                summaries.keep_agendas(cursor, program_id)
            cursor.execute("commit")
            return True
        finally:
            cursor.close()


def begin_write(cursor: duckdb.DuckDBPyConnection, changes_data: bool) -> None:
    """Start a write on the shared database: the cursor's statements go to it (the schema's macros are
    still found in the process's catalog), and a write of data first waits for any other process's to end,
    before its transaction reads anything, so that two never change the same rows from one snapshot."""
    cursor.execute(f"use {STORE}")
    cursor.execute(f"set search_path = '{STORE}.public,memory.main'")
    cursor.execute("begin transaction")
    if changes_data:
        cursor.execute(f"call postgres_execute('{STORE}', 'lock table dashboard_meta in exclusive mode')")


def note_change(cursor: duckdb.DuckDBPyConnection, program_id: str | None) -> None:
    """Record, in the write's transaction, which program the new data version changed (None: any), for
    the other processes to keep that program's agendas anew when they renew their copy."""
    cursor.execute(f"insert into {STORE}.data_changes select cast(value as integer), $program "
                   f"from {STORE}.dashboard_meta where key = 'data_version'", {"program": program_id})


def copy_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """Copy every record of a dashboard's database file (of this release's schema) into the shared
    database, which must hold no program yet, in one transaction; return each table's count of rows."""
    if not is_shared(con):
        raise ValueError("The records are copied into a shared PostgreSQL database: give its URL as --database.")
    quoted = str(path).replace("'", "''")
    con.execute(f"attach '{quoted}' as moving (read_only)")
    try:
        version = con.execute("select value from moving.dashboard_meta where key = 'schema_version'").fetchone()
        if version != (db.SCHEMA_VERSION,):
            raise ValueError(f"{path.name} was made by another version of the dashboard: open it with this one "
                             "first, which brings it up to date.")
        counts = {}
        with db.writing(con) as cursor:
            if cursor.execute(f"select count(*) from {STORE}.programs").fetchone()[0]:
                raise ValueError("The shared database already holds programs: records are copied into a new one.")
            cursor.execute(f"insert or replace into {STORE}.dashboard_meta from moving.dashboard_meta "
                           "where key not in ('schema_version', 'data_version')")
            for name in [*COPIED, *LIVE]:
                if name != "dashboard_meta":
                    counts[name] = cursor.execute(
                        f'insert into {STORE}."{name}" by name from moving."{name}"').fetchone()[0]
            # the audit trail's next event follows the copied ones
            cursor.execute(f"call postgres_execute('{STORE}', 'select setval(''audit_event_ids'', "
                           "(select coalesce(max(event_id), 0) + 1 from audit_log), false)')")
        return counts
    finally:
        con.execute("detach moving")
