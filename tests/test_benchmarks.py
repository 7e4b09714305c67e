"""The benchmarks still run end to end, on small sizes; their timings are not asserted."""

import ast
import datetime as dt
import functools
import json
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks import baseline, bench, datasets
from benchmarks.datasets import END_DATE
from benchmarks.import_speed import export, measure
from benchmarks.pages import PAGES
from benchmarks.pandas_pages import PAGES as PANDAS_PAGES
from cbme.config import program_config
from cbme.rules import meeting
from cbme.store import db

BENCHMARKS = Path(bench.__file__).parent
# What a module of benchmarks/ may import from Streamlit: its public API, nothing of its internals.
STREAMLIT_PUBLIC = {"streamlit", "streamlit.testing.v1"}


def test_import_benchmark_measures_every_phase(tmp_path):
    phases = measure([export(tmp_path / "bench.csv", range(500))], 500, tmp_path)
    assert list(phases) == ["read and detect", "validate", "references, people", "write (one transaction)", "total",
                            "peak"]
    assert all(value > 0 for value in phases.values())


def test_bench_prints_every_page_and_writes_the_figures(tmp_path, capsys):
    out = tmp_path / "out" / "results.json"
    bench.main(["--rows", "4000", "--runs", "1", "--sessions", "2", "--steps", "1", "--pause", "0.5", "1",
                "--work", str(tmp_path / "work"), "--json", str(out)])
    printed = capsys.readouterr().out
    assert all(f"| 4k | {page} |" in printed for page in PAGES)
    assert "Concurrent sessions" in printed and "Targets" in printed

    figures = json.loads(out.read_text())
    assert [row["page"] for row in figures["pages"]] == list(PAGES)
    for row in figures["pages"]:
        named = {"size", "page", "ours_uncached_s", "ours_warm_p95_s", "pandas_uncached_s", "pandas_warm_p95_s",
                 "floor_s"}
        assert named <= set(row) and row["size"] == "4k"
        assert row["ours_uncached_s"] > 0 and row["ours_warm_p95_s"] > 0 and row["floor_s"] > 0
        if row["page"] in PANDAS_PAGES:
            assert row["pandas_uncached_s"] > 0 and row["pandas_warm_p95_s"] > 0
            assert row["ratio_uncached"] == row["pandas_uncached_s"] / row["ours_uncached_s"]
            assert row["ratio_warm"] == row["pandas_warm_p95_s"] / row["ours_warm_p95_s"]
        else:
            assert row["pandas_uncached_s"] is None and row["pandas_warm_p95_s"] is None
    sessions = figures["concurrency"]
    assert {"sessions", "p50_s", "p95_s", "errors"} <= set(sessions)
    assert sessions["sessions"] == 2 and sessions["errors"] == 0 and 0 < sessions["p50_s"] <= sessions["p95_s"]
    # The machine's busy core-seconds while the sessions ran hold the server's.
    assert 0 < sessions["server_core_s"] <= sessions["busy_core_s"] <= sessions["cores"] * sessions["elapsed_s"] * 1.05
    assert "4k" in out.with_name("results.md").read_text()


def test_benchmarks_import_nothing_from_the_tests_nor_streamlit_internals():
    for path in BENCHMARKS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                assert name.split(".")[0] != "tests", f"{path.name} imports {name}"
                assert name.split(".")[0] != "streamlit" or name in STREAMLIT_PUBLIC, f"{path.name} imports {name}"


def _same(ours: pd.DataFrame, theirs: pd.DataFrame, key: list[str], columns: list[str] | None = None) -> None:
    """Equal rows on the columns (ours' by default), nulls alike however each library spells them."""
    def plain(value):
        return None if not isinstance(value, list) and pd.isna(value) else \
            value.date() if isinstance(value, pd.Timestamp) else value

    def rows(frame):
        records = frame[columns or list(ours.columns)].sort_values(key).to_dict("records")
        return [{k: plain(v) for k, v in record.items()} for record in records]

    assert rows(ours) == rows(theirs)


def test_the_pandas_dashboard_shows_our_figures(tmp_path):
    """Every figure the pandas side computes, for the viewers and subjects the benchmark measures, equals
    what our queries return on the same data (and the statuses, from the same rules, with it)."""
    datasets.generate(datasets.Size("", 8000), tmp_path)
    datasets.load(tmp_path)
    who = datasets.cast(tmp_path / "dashboard.duckdb")
    t = baseline.load(tmp_path)
    con = duckdb.connect(str(tmp_path / "dashboard.duckdb"), read_only=True)
    lead, coach, program, day = who["people"]["program_lead"], who["people"]["coach"], who["program"], END_DATE
    config = program_config(program)
    common = dict(viewer=lead, program_id=program, as_of=day)
    ours, statuses = meeting.load_agenda(functools.partial(db.query, con), lead, program, day, config)
    theirs, their_statuses = baseline.agenda(t, lead, program, day)
    assert {r: (s.light, s.summary) for r, s in statuses.items()} == {
        r: (s.light, s.summary) for r, s in their_statuses.items()}
    _same(ours, theirs, ["resident_id"], ["resident_id", "name", "stage", "pgy", "coach_on_committee",
                                          "previous_decision_status", "new_observations", "epas_newly_achieved",
                                          "new_flags", "new_narratives", "due", "coaching", "since_last_review"])
    for name, extra, pandas, key in [
        ("coaching_pairs", dict(cadence_days=config.coaching_cadence_days, coach_id="", resident_id=""),
         baseline.coaching_pairs(t, lead, program, day, config.coaching_cadence_days), ["resident_id"]),
        ("residents_without_coach", {}, baseline.residents_without_coach(t, lead, program, day), ["resident_id"]),
        ("coach_workload", dict(ceiling=config.coach_max_coachees),
         baseline.coach_workload(t, program, day, config.coach_max_coachees), ["coach_id"]),
        ("program_coaching_sessions", {}, baseline.program_coaching_sessions(t, program, day),
         ["coach_name", "scheduled_date", "resident_name"]),
        ("viewer_residents", {}, baseline.viewer_residents(t, lead, program, day), ["resident_id"])]:
        _same(db.query(con, name, **common, **extra), pandas, key)
    for resident_id in who["resident"][:3]:
        mine = dict(viewer=lead, resident_id=resident_id, as_of=day)
        for name, pandas, key, columns in [
            ("resident_epa_progress", baseline.resident_epa_progress(t, program, resident_id, day), ["epa_code"],
             ["epa_code", "observations", "achieved", "expired", "assessors", "last_observed", "mean_entrustment",
              "complete"]),
            ("resident_entrustment", baseline.resident_entrustment(t, program, resident_id, day),
             ["assessment_date", "epa_code", "entrustment", "assessor_name"], None),
            ("resident_decisions", baseline.resident_decisions(t, resident_id, day), ["meeting_date"],
             ["meeting_date", "status", "actions", "members_present", "recorded_by"])]:
            _same(db.query(con, name, **mine), pandas, key, columns)
        profile = db.query(con, "resident_profile", **mine).iloc[0]
        assert all(profile[k] == v or pd.isna(profile[k]) and pd.isna(v)
                   for k, v in baseline.resident_profile(t, resident_id, day).items())
    coachee = who["coachee"][0]
    pairs = db.query(con, "coaching_pairs", viewer=coach, program_id=program, as_of=day,
                     cadence_days=config.coaching_cadence_days, coach_id=coach, resident_id="")
    _same(pairs, baseline.coaching_pairs(t, coach, program, day, config.coaching_cadence_days, coach), ["resident_id"])
    pair = pairs[pairs["resident_id"] == coachee].iloc[0]
    since = (pair["last_held"] if pd.notna(pair["last_held"]) else pair["pairing_start"]).date()
    _same(db.query(con, "coachee_since_session", viewer=coach, resident_id=coachee, as_of=day, since=since),
          baseline.coachee_since_session(t, program, coachee, day, since), ["epa_code"])
    _same(db.query(con, "coachee_outcomes", viewer=coach, program_id=program, as_of=day, coach_id=coach),
          baseline.coachee_outcomes(t, program, coach, day), ["resident_id"],
          ["resident_id", "decision_status", "follow_up_date", "next_meeting_date"])
    _same(db.query(con, "resident_narratives", viewer=coach, resident_id=coachee, as_of=day, epa_codes=[],
                   form_types=[], date_from=since + dt.timedelta(days=1), date_to=day, search=""),
          baseline.resident_narratives(t, coachee, since + dt.timedelta(days=1), day),
          ["assessment_date", "epa_code", "assessor_name"], ["assessment_date", "epa_code", "assessor_name", "flag"])
    con.close()
