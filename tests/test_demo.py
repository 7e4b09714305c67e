"""The demo generator: deterministic, realistic in the ways the issue asks, and able to scale."""

import datetime as dt
import hashlib

import duckdb
import pytest

from cbme.store import db, demo
from cbme.store.db import query
from tests.conftest import DEMO_END


def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    spec = demo.DemoSpec(residents=12, end_date=DEMO_END)
    demo.generate(spec, tmp_path / "a")
    demo.generate(spec, tmp_path / "b")
    demo.generate(demo.DemoSpec(seed=8, residents=12, end_date=DEMO_END), tmp_path / "c")
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a")["assessments.csv"] != digests(tmp_path / "c")["assessments.csv"]


@pytest.fixture(scope="module")
def con(demo_database):
    con = db.connect(demo_database)  # same configuration as the app's connection in this process
    yield con
    con.close()


def scalar(con, sql, **params):
    return con.execute(sql, params).fetchone()[0]


def test_program_shape(con):
    assert scalar(con, "select count(*) from residents") == 48
    assert scalar(con, "select count(*) from epas") == 25
    assert con.execute("select stage, count(*) from epas group by stage order by stage").fetchall() == [
        ("COD", 12), ("FOD", 6), ("TTD", 3), ("TTP", 4)]
    # Every stage and every PGY is represented on the end date.
    pgys = con.execute("select distinct least(5, date_diff('month', training_start_date, $d) // 12 + 1) "
                       "from residents order by 1", {"d": DEMO_END}).fetchall()
    assert [p[0] for p in pgys] == [1, 2, 3, 4, 5]
    stages = con.execute("select distinct stage_on(resident_id, $d) from residents", {"d": DEMO_END}).fetchall()
    assert {s[0] for s in stages} == {"TTD", "FOD", "COD", "TTP"}
    assert 55 <= scalar(con, "select count(distinct assessor_id) from assessments") <= 65


def test_assessment_volume_and_mix(con):
    per_year = con.execute("""
        select count(*) / (date_diff('day', r.training_start_date, $d) / 365.25) as per_year
        from assessments as a join residents as r using (resident_id)
        where r.training_start_date < $d - interval 180 day
        group by r.resident_id, r.training_start_date""", {"d": DEMO_END}).fetchall()
    assert all(100 <= p[0] <= 250 for p in per_year), sorted(p[0] for p in per_year)
    mix = dict(con.execute("select form_type, count(*) / sum(count(*)) over () from assessments "
                           "group by form_type").fetchall())
    assert mix["epa_observation"] > 0.5 and mix["field_note"] > 0.15 and 0.03 < mix["mini_cex"] < 0.1
    assert 0.04 < mix["iter"] < 0.1  # one per four-week rotation
    assert 0 < scalar(con, "select avg(flag is not null::int) from assessments") < 0.01
    assert 0.03 < scalar(con, "select avg(expired::int) from assessments where form_type = 'epa_observation'") < 0.12
    assert 0.05 < scalar(con, "select avg((strengths is null and improvement is null)::int) from assessments "
                              "where not expired") < 0.4


def test_learning_curves_include_struggling_plateau_and_accelerated(con):
    statuses = dict(con.execute("select status, count(distinct resident_id) from committee_decisions "
                                "group by status").fetchall())
    assert statuses["Progressing as expected"] >= 30
    assert statuses["Not progressing as expected"] >= 3  # three struggling and one plateau
    assert statuses["Progress is accelerated"] >= 1
    # Entrustment grows: a typical resident's FOD ratings rise from the first to the last quarter.
    first, last = con.execute("""
        with f as (
            select entrustment, ntile(4) over (order by assessment_date) as q
            from assessments join epas using (epa_code)
            where resident_id = 'EM-R0006' and stage = 'FOD' and entrustment is not null)
        select avg(entrustment) filter (where q = 1), avg(entrustment) filter (where q = 4) from f""").fetchone()
    assert last - first > 1.0


def test_decisions_every_six_months(con):
    months = {r[0] for r in con.execute("select distinct month(meeting_date) from committee_decisions").fetchall()}
    assert months == {6, 12}


def test_coaches_models_workload_and_overdue(con):
    loads = [r[0] for r in con.execute("select count(*) from coach_assignments where end_date is null "
                                       "group by coach_id").fetchall()]
    assert len(loads) == 12 and min(loads) >= 3 and max(loads) <= 6 and sum(loads) == 47
    lead = scalar(con, "select person_id from roles where role = 'program_lead'")
    models = set(query(con, "coaching_dual_roles", viewer=lead, program_id="EM", as_of=DEMO_END)["coaching_model"])
    assert models == {"supervises", "committee", "no assessor role"}
    pairs = query(con, "coaching_pairs", resident_id="",
                  viewer=lead, program_id="EM", as_of=DEMO_END, cadence_days=60, coach_id="")
    assert pairs.loc[pairs["days_overdue"] > 30, "coach_id"].nunique() >= 2
    assert len(query(con, "residents_without_coach", viewer=lead, program_id="EM", as_of=DEMO_END)) == 1
    held = scalar(con, "select count(*) from coaching_sessions where status = 'held' and plan_strengths is not null")
    assert held == scalar(con, "select count(*) from coaching_sessions where status = 'held'")
    missed = dict(con.execute("select status, count(*) from coaching_sessions group by status").fetchall())
    assert missed["no-show"] > 0 and missed["cancelled by resident"] > 0 and missed["cancelled by coach"] > 0


def test_scales_to_several_programs(tmp_path):
    counts = demo.generate(demo.DemoSpec(residents=90, programs=3, end_date=dt.date(2026, 6, 30)), tmp_path)
    assert counts["programs"] == 3 and counts["residents"] == 90 and counts["epas"] == 75
    assert counts["assessments"] > 90 * 150
    residents = duckdb.sql(f"select program_id, count(*) from '{tmp_path}/residents.csv' group by 1 order by 1")
    assert residents.fetchall() == [("EM001", 30), ("EM002", 30), ("EM003", 30)]
