"""`make bench-shared`: the dashboard on a shared PostgreSQL beside the same dashboard on its DuckDB file,
the same work on both in one run (docs/deployment.md says what the figures decided).

    python -m benchmarks.shared [--rows 1000000] [--json FILE] [--sessions 20] [--runs 10]

For one dataset (benchmarks.datasets, generated and imported into a file): a PostgreSQL server of
Debian's package started in a temporary folder and the file's records moved into it (cbme.admin move);
the mechanism's costs (mechanism(), in a process of its own); our pages on the file and on PostgreSQL
(benchmarks.pages, each in a process of its own); then the concurrent sessions (benchmarks.concurrency)
against one instance on the file and against two instances on PostgreSQL behind one nginx.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench import ROOT, child, commit, label, machine, p95, write_figures
from benchmarks.postgres_server import postgres_server
from cbme.store import db, postgres

RESIDENT_ROWS = "select count(*), avg(entrustment), max(assessment_date) from {table} where resident_id = $resident"


def _median_seconds(work, runs: int = 10) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def mechanism(folder: Path, url: str) -> dict:
    """What reading from a copy renewed per changed table costs against reading PostgreSQL through the
    extension: the first copy, a data version unchanged and moved, one resident's rows both ways."""
    started = time.perf_counter()
    reader = db.connect(url)
    first_copy = time.perf_counter() - started
    writer = db.connect(url)
    resident = reader.execute("select resident_id from assessments group by all order by count(*) desc limit 1"
                              ).fetchone()[0]
    program = db.program_of(reader, resident)

    def empty_write():
        with db.writing(writer, program_id=program):
            pass

    def decision_write():
        with db.writing(writer, program_id=program) as cursor:
            cursor.execute("update committee_decisions set rationale = rationale where resident_id = $r",
                           {"r": resident})

    moved = {}
    for name, write in (("empty", empty_write), ("decision", decision_write)):
        samples = []
        for _ in range(5):
            write()
            started = time.perf_counter()
            db.data_version(reader)
            samples.append(time.perf_counter() - started)
        moved[name] = statistics.median(samples)
    return {
        "first_copy_s": first_copy,
        "unchanged_version_s": _median_seconds(lambda: db.data_version(reader), 50),
        "renew_after_empty_write_s": moved["empty"],
        "renew_after_decision_s": moved["decision"],
        "write_s": _median_seconds(empty_write, 5),
        "resident_rows_copy_s": _median_seconds(lambda: reader.execute(
            RESIDENT_ROWS.format(table="memory.main.assessments"), {"resident": resident}).fetchall()),
        "resident_rows_postgres_s": _median_seconds(lambda: reader.execute(
            RESIDENT_ROWS.format(table=f"{postgres.STORE}.assessments"), {"resident": resident}).fetchall()),
        "assessments": reader.execute("select count(*) from assessments").fetchone()[0],
    }


def _pages_table(file: dict, shared: dict) -> str:
    lines = ["| page | file uncached | PostgreSQL uncached | file warm p95 | PostgreSQL warm p95 |",
             "|---|---|---|---|---|"]
    for page, ours in file["pages"].items():
        theirs = shared["pages"][page]
        lines.append(f"| {page} | {statistics.median(ours['uncached']):.3f} | "
                     f"{statistics.median(theirs['uncached']):.3f} | {p95(ours['warm']):.3f} | "
                     f"{p95(theirs['warm']):.3f} |")
    return "\n".join(lines)


def _sessions_table(runs: dict) -> str:
    lines = ["| served by | step p50 | step p95 | first load p50 | errors | cores busy | of which the servers |",
             "|---|---|---|---|---|---|---|"]
    for name, c in runs.items():
        lines.append(f"| {name} | {statistics.median(c['steps']):.2f} | {p95(c['steps']):.2f} | "
                     f"{statistics.median(c['first_load']):.2f} | {len(c['errors'])} | {c['busy_core_s']:.0f} | "
                     f"{c['server_core_s']:.0f} |")
    return "\n".join(lines)


def report(results: dict) -> str:
    m = results["mechanism"]
    return "\n\n".join([
        f"Dataset: {results['size']} ({m['assessments']:,} assessments); seconds.",
        f"Moving the file into PostgreSQL (cbme.admin move): {results['move_s']:.1f} s.",
        "Mechanism: first copy {first_copy_s:.2f} s; data version unchanged {unchanged_version_s:.4f} s; "
        "copy renewed after an empty write of the program {renew_after_empty_write_s:.3f} s, after a change of "
        "decisions {renew_after_decision_s:.3f} s; a write {write_s:.3f} s; one resident's rows on the copy "
        "{resident_rows_copy_s:.4f} s, through the extension {resident_rows_postgres_s:.4f} s.".format(**m),
        "Pages (AppTest, benchmarks.pages):\n\n" + _pages_table(results["file"], results["postgres"]),
        f"Concurrent sessions ({next(iter(results['sessions'].values()))['sessions']}):\n\n"
        + _sessions_table(results["sessions"]),
    ])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="assessments in the dataset")
    parser.add_argument("--json", type=Path, help="write the figures here, and a .md of the tables beside it")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "benchmark")
    args = parser.parse_args(argv)
    folder = args.work / label(args.rows)
    results = {"size": label(args.rows), "dataset": child("benchmarks.datasets", "generate", str(folder),
                                                          "--assessments", str(args.rows))}
    results["dataset"] |= child("benchmarks.datasets", "load", str(folder))
    file = folder / "dashboard.duckdb"
    with tempfile.TemporaryDirectory(prefix="cbme-postgres-") as server_folder, \
            postgres_server(Path(server_folder)) as server:
        url = server.database()
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cbme.admin", "move", str(file), "--database", url], check=True,
                       cwd=ROOT)
        results["move_s"] = time.perf_counter() - started
        results["mechanism"] = child("benchmarks.shared", "mechanism", str(folder), url)
        results["file"] = child("benchmarks.pages", str(folder), "--runs", str(args.runs))
        results["postgres"] = child("benchmarks.pages", str(folder), "--runs", str(args.runs), "--database", url)
        concurrency = ["--sessions", str(args.sessions), "--steps", str(args.steps)]
        results["sessions"] = {
            "one instance on the file": child("benchmarks.concurrency", str(file), *concurrency),
            "two instances on PostgreSQL behind nginx": child("benchmarks.concurrency", str(file), *concurrency,
                                                              "--shared", url, "--instances", "2")}
    text = report(results)
    print(text)
    if args.json:
        write_figures(args.json, results, args.json.with_suffix(".md"), (
            f"# The dashboard on PostgreSQL beside its DuckDB file\n\nCommand: `python -m benchmarks.shared "
            f"{' '.join(argv or sys.argv[1:])}` (`make bench-shared`)\n\nMachine: {machine()}\n\n"
            f"Commit: {commit()}\n\n{text}\n"))
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["mechanism"]:
        print(json.dumps(mechanism(Path(sys.argv[2]), sys.argv[3])))
    else:
        main()
