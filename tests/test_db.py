"""The database layer: the lock message, the query runner and its SQL files, the data version, atomic
loading."""

import itertools
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cbme.store import db
from cbme.store.load import load_canonical
from tests.conftest import FIXTURES


def test_a_second_process_gets_a_clear_message(tmp_path):
    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', "
         "flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(db.DatabaseLocked, match="open in another process"):
            db.connect(path)
    finally:
        holder.kill()
        holder.wait()


def test_unknown_query_name(tiny):
    with pytest.raises(KeyError, match="no query named 'nope'"):
        db.query(tiny, "nope")


def test_every_sql_file_says_what_it_does_and_lists_the_parameters_it_takes():
    for path in sorted(db.QUERIES.rglob("*.sql")):
        lines = path.read_text().splitlines()
        comments = itertools.takewhile(lambda line: line.startswith("--"), lines)
        header = " ".join(line.removeprefix("--") for line in comments)
        what, _, parameters = header.partition("Parameters:")
        assert what.strip() and parameters, path.name
        taken = {name for line in lines for name in re.findall(r"\$(\w+)", line.split("--")[0])}
        assert set(re.findall(r"\$(\w+)", parameters)) == taken, path.name


def test_every_write_file_is_run_and_every_write_run_has_its_file():
    source = "\n".join(path.read_text() for path in Path(db.ROOT, "cbme").rglob("*.py"))
    run = set(re.findall(r"execute\(\w+, \"(\w+)\"", source))
    assert run == {path.stem for path in (db.QUERIES / "writes").glob("*.sql")}
    assert {"record_audit_event", "record_decision", "log_coaching_session"} <= run


def test_query_values_are_parameters_not_text(tiny):
    result = db.query(tiny, "viewer_programs", viewer="C1' or '1'='1")
    assert result.empty


def test_each_load_bumps_the_data_version():
    con = db.connect(":memory:")
    assert db.data_version(con) == 0
    load_canonical(con, FIXTURES / "tiny")
    assert db.data_version(con) == 1


def test_a_failed_load_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    for source in (FIXTURES / "tiny").glob("*.csv"):
        (folder / source.name).write_text(source.read_text())
    # A rating of 7 violates the entrustment check after several tables have loaded.
    rows = (folder / "assessments.csv").read_text().replace("a01,R1,A1,faculty,epa_observation,2024-07-10,E1,3,",
                                                             "a01,R1,A1,faculty,epa_observation,2024-07-10,E1,7,")
    (folder / "assessments.csv").write_text(rows)
    con = db.connect(":memory:")
    with pytest.raises(Exception, match="entrustment"):
        load_canonical(con, folder)
    for table in ("programs", "people", "residents", "assessments"):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == 0
    assert db.data_version(con) == 0


def test_an_older_database_is_recognised(tmp_path):
    path = tmp_path / "old.duckdb"
    db.connect(path).close()
    con = db.connect(path)  # the current version opens again
    con.execute("update dashboard_meta set value = '1' where key = 'schema_version'")
    con.execute("insert into dashboard_meta values ('demo_data', 'true')")
    con.close()
    with pytest.raises(db.OutdatedDatabase) as raised:
        db.connect(path)
    assert raised.value.demo_only


def test_a_migration_cut_short_is_finished_on_the_next_start(tmp_path):
    """A database of schema 3 (the importer before issue 18 built it: fixtures/imports/imported-before)
    whose migration stopped after its first three steps: the next start runs it again, whole, and what the
    steps already did is done once (a comment moved out of strengths is not moved again)."""
    path = tmp_path / "before.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"import database '{FIXTURES / 'imports' / 'imported-before'}'")
    moved = con.execute("select count(*) from assessments where improvement is null and strengths is not null "
                        "and assessment_id like 'EL-%'").fetchone()[0]
    for step in db.MIGRATIONS["3"][:3]:
        con.execute(step)
    con.close()
    con = db.connect(path)
    try:
        assert con.execute("select value from dashboard_meta where key = 'schema_version'").fetchone()[0] == "4"
        columns = {r[0] for r in con.execute("select column_name from duckdb_columns() "
                                             "where table_name = 'committee_decisions'").fetchall()}
        assert {"members_recused", "computed_status", "saved_with_version"} <= columns
        assert moved > 0 and con.execute("select count(*) from assessments where comment is not null and "
                                         "strengths is null and assessment_id like 'EL-%'").fetchone()[0] == moved
    finally:
        con.close()
