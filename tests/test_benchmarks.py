"""The benchmarks still run end to end, on small sizes; their timings are not asserted."""

from benchmarks import scale
from benchmarks.import_speed import export, measure
from benchmarks.pages import PAGES
from cbme.store.db import QUERIES

# Queries only the demo users' sign-in runs (the benchmark signs in through single sign-on).
DEMO_ONLY = {"dashboard_meta", "demo_users"}


def test_import_benchmark_measures_every_phase(tmp_path):
    phases = measure([export(tmp_path / "bench.csv", range(500))], 500, tmp_path)
    assert list(phases) == ["read and detect", "validate", "references, people", "write (one transaction)", "total",
                            "peak"]
    assert all(value > 0 for value in phases.values())


def test_scale_benchmark_quick_mode_produces_every_row(tmp_path):
    results = scale.main(["--quick", "--work", str(tmp_path / "work"), "--out", str(tmp_path / "out")])
    tables = scale.tables(results)
    assert {row[1] for row in tables["Pages (seconds; server-side run through AppTest)"][1:]} == set(PAGES)
    every_query = {path.stem for path in QUERIES.glob("*.sql")} - DEMO_ONLY
    assert {row[1] for row in tables["Queries alone (milliseconds)"][1:]} == every_query
    assert {row[1] for row in tables["Against the pandas baseline (seconds)"][1:]} == {
        "Committee meeting", "Resident progression", "Resident, meeting view", "My coachees", "Program oversight"}
    assert len(tables["Datasets and import"]) == 2 and tables["Datasets and import"][1][3] > 0
    sessions = tables["Concurrent sessions (seconds)"][1]
    assert sessions[2] == 2 and sessions[5] == 0  # two steps, no errors: sessions opening together work
    assert 0 < sessions[8] <= sessions[9]  # the server's own runs during the steps were timed
    assert sessions[12] > 0 and sessions[13] > 0 and sessions[14] > 0  # the server and browsers were found
    assert [row[0] for row in tables["Targets"][1:]] == [
        "import ≥ 100,000 rows/s (every size)", "2 sessions: step p95 < 2.0 s, no errors"]
    for name in ("results.json", "results.md", "page-time-by-size.png", "concurrency.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0
