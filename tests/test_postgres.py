"""PostgreSQL as the shared database (cbme/store/postgres.py), on a real server of Debian's package: its
schema made and versioned, brought up from the previous release's schema, and the copy a dashboard
process reads kept in step with what another process wrote."""

import duckdb
import pytest

from cbme.store import db, postgres
from cbme.store.load import load_canonical
from tests.conftest import FIXTURES

pytestmark = pytest.mark.postgres
TABLES = [*postgres.COPIED, *postgres.LIVE]


def _attached(url: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    postgres.attach(con, url)
    return con


def _columns(con, database: str) -> dict[str, list[str]]:
    rows = con.execute("select table_name, column_name from duckdb_columns() where database_name = $d "
                       "and schema_name in ('main', 'public') order by table_name, column_index",
                       {"d": database}).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def test_a_new_database_gets_every_table_of_the_schema_and_its_version(postgres_url):
    con = _attached(postgres_url)
    try:
        local = db.connect(":memory:")
        expected = _columns(local, "memory")
        local.close()
        # and the tracking the processes' copies follow
        expected |= {"table_versions": ["table_name", "version"], "data_changes": ["data_version", "program_id"]}
        assert _columns(con, postgres.STORE) == expected
        assert con.execute("select value from store.dashboard_meta where key = 'schema_version'").fetchone() == (
            db.SCHEMA_VERSION,)
        # the checks hold in PostgreSQL too
        with pytest.raises(duckdb.Error, match="check"):
            con.execute("insert into store.residents (resident_id, name, program_id, training_start_date, status) "
                        "values ('R', 'R', 'P', date '2026-07-01', 'on holiday')")
    finally:
        con.close()
    again = _attached(postgres_url)  # a second start changes nothing
    assert again.execute("select count(*) from store.dashboard_meta").fetchone() == (1,)
    again.close()


def test_a_database_of_the_previous_schema_is_brought_up_to_date(postgres_url):
    """The previous release's tables (fixtures/imports/imported-before, schema 3) in PostgreSQL: the
    migration adds the columns of schema 4 and moves the comments, in one transaction."""
    _attached(postgres_url).close()  # a database of this release, whose changed tables are then replaced
    both = duckdb.connect()  # by the previous release's, through a DuckDB that attaches both
    both.execute(f"import database '{FIXTURES / 'imports' / 'imported-before'}'")
    old = _columns(both, "memory")
    both.execute(f"load '{postgres.EXTENSION}'")
    both.execute(f"attach '{postgres_url}' as {postgres.STORE} (type postgres)")
    for table in ["assessments", "committee_decisions", "audit_log"]:
        both.execute(f"drop table store.{table}")
        both.execute(f"create table store.{table} as from memory.{table}")
    both.execute("update store.dashboard_meta set value = '3' where key = 'schema_version'")
    comments = both.execute("select count(*) from memory.assessments where improvement is null "
                            "and strengths is not null and assessment_id like 'EL-%'").fetchone()[0]
    both.close()
    con = _attached(postgres_url)
    try:
        assert con.execute("select value from store.dashboard_meta where key = 'schema_version'").fetchone() == (
            db.SCHEMA_VERSION,)
        now = _columns(con, postgres.STORE)
        for table in ["assessments", "committee_decisions", "audit_log"]:
            assert set(old[table]) < set(now[table])
        assert {"members_recused", "computed_status", "saved_with_version"} <= set(now["committee_decisions"])
        assert comments > 0 and con.execute(
            "select count(*) from store.assessments where comment is not null and strengths is null "
            "and assessment_id like 'EL-%'").fetchone() == (comments,)
    finally:
        con.close()


def test_the_copy_a_process_reads_follows_what_another_wrote(postgres_url):
    """Two processes' DuckDBs on one PostgreSQL: a decision written by one is in the other's copy once it
    reads the data version, only the tables that changed are copied anew, and the schema's macros answer
    over the copy."""
    writer, reader = db.connect(postgres_url), db.connect(postgres_url)
    try:
        load_canonical(writer, FIXTURES / "tiny")
        assert reader.execute("select count(*) from assessments").fetchone() == (0,)  # not yet renewed
        version = db.data_version(reader)
        assert version == db.data_version(writer) > 0
        assert reader.execute("select count(*) from assessments").fetchone() == writer.execute(
            "select count(*) from store.assessments").fetchone()
        copied = dict(reader.execute("from copied_versions").fetchall())
        writer.execute("insert into store.committee_decisions (decision_id, resident_id, meeting_date, status, "
                       "recorded_by, recorded_at) values ('D1', 'R1', date '2026-12-15', "
                       "'Progressing as expected', 'M1', timestamp '2026-12-15 10:00')")
        with db.writing(writer):
            pass  # a new data version
        assert db.data_version(reader) == version + 1
        assert reader.execute("select decision_id, actions from committee_decisions where decision_id = 'D1'"
                              ).fetchall() == [("D1", [])]
        now = dict(reader.execute("from copied_versions").fetchall())
        assert {name for name in now if now[name] != copied.get(name)} == {"committee_decisions", "dashboard_meta"}
        assert reader.execute("select epa_order('EPA 1.10') > epa_order('EPA 1.2')").fetchone() == (True,)
    finally:
        writer.close()
        reader.close()


def test_a_backup_restores_into_a_database_the_dashboard_opens(postgres):
    """The recipe's backup and restore (docs/deployment.md): pg_dump's custom format, restored with
    pg_restore into a new database, opens with every record."""
    url = postgres.database()
    con = db.connect(url)
    load_canonical(con, FIXTURES / "tiny")
    before = {name: con.execute(f'select count(*) from store."{name}"').fetchone()[0] for name in TABLES}
    con.close()
    backup = postgres.folder / "dashboard.dump"  # (where the server's user, which runs pg_dump, may write)
    postgres.run("pg_dump", "--format=custom", f"--file={backup}", url)
    restored = postgres.database()
    postgres.run("pg_restore", "--no-owner", f"--dbname={restored}", str(backup))
    con = db.connect(restored)
    try:
        assert {name: con.execute(f'select count(*) from store."{name}"').fetchone()[0]
                for name in TABLES} == before
        assert before["assessments"] > 0 and db.data_version(con) > 0
        assert con.execute("select count(*) from assessments").fetchone()[0] == before["assessments"]  # the copy
    finally:
        con.close()
