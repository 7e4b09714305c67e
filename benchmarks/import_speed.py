"""Import throughput and memory: canonical assessment rows per second and peak memory, for one file
and for the same rows in several files, and the time to write 10,000 rejected rows, printed as a table.

    .venv/bin/python -m benchmarks.import_speed [--rows 1000000] [--files 4] [--repeat 1]

Builds a canonical assessments CSV of the given size (realistic cells: dates, ratings, narratives,
contexts) and the same rows split into --files files, and imports each from the files, as the command
line does (the database opened as it opens it), into a fresh database file holding the tiny test
program. Each import runs in a process of
its own, so that the peak resident memory reported is that import's alone (the process's, Python and
the libraries included). Reports each phase of the one-file import, rows per second and peak memory
(the median over the repeats), then imports a file whose 10,000 rows are all rejected and times writing
their rejections. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("assessment_id,resident_id,assessor_id,assessor_role,form_type,assessment_date,epa_code,entrustment,"
          "directly_observed,stakes,setting,context,strengths,improvement,flag,flag_comment,expired")


def export(path: Path, rows: range, rating=lambda i: 1 + i % 5) -> Path:
    with path.open("w") as out:
        out.write(HEADER + "\n")
        for i in rows:
            out.write(f'b{i},R{1 + i % 2},A{1 + i % 2},faculty,epa_observation,2026-{1 + i % 12:02d}-{1 + i % 28:02d},'
                      f'E{1 + i % 3},{rating(i)},{"yes" if i % 4 else "no"},low,Clinic,"adult, chest pain",'
                      f"Clear plan number {i}.,Commit to a diagnosis earlier,,,no\n")
    return path


def measure(paths: list[Path], rows: int, folder: Path, rejected: int = 0) -> dict[str, float]:
    """One import of the files into a fresh database file, in this (child) process: its phases, total
    and the process's peak memory."""
    from cbme.imports import import_files
    from cbme.imports.cli import open_database
    from cbme.store import db
    from cbme.store.load import load_canonical

    database = Path(tempfile.mkdtemp(dir=folder)) / "bench.duckdb"
    con = db.connect(database)
    load_canonical(con, ROOT / "tests" / "fixtures" / "tiny")
    con.close()
    con = open_database(database)  # as the command line opens it
    marks, start = {}, time.perf_counter()
    reports = list(import_files(con, [(p, p.name, "P1") for p in paths], None,
                                progress=lambda name, share, text: marks.setdefault(text, time.perf_counter() - start)))
    total = time.perf_counter() - start
    con.close()
    assert sum(r.rejected for r in reports) == rejected and sum(r.loaded for r in reports) == rows - rejected
    assert all(r.reconciles() for r in reports)
    return {"read and detect": marks["Checking the rows"],
            "validate": marks["Checking references"] - marks["Checking the rows"],
            "references, people": marks["Writing"] - marks["Checking references"],
            "write (one transaction)": total - marks["Writing"], "total": total,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def in_own_process(*args) -> dict[str, float]:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        one = export(folder / "bench.csv", range(args.rows))
        size = one.stat().st_size / 1e6
        share = -(-args.rows // args.files)
        several = [export(folder / f"part{n + 1}.csv", range(n * share, min(args.rows, (n + 1) * share)))
                   for n in range(args.files)]
        runs = [in_own_process([one], args.rows, folder) for _ in range(args.repeat)]
        split = [in_own_process(several, args.rows, folder) for _ in range(args.repeat)]
        bad = export(folder / "rejected.csv", range(10_000), rating=lambda i: 9)  # every rating out of range
        rejections = in_own_process([bad], 10_000, folder, 10_000)
    print(f"machine: {platform.machine()}, {platform.system()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.rows:,} canonical rows, {size:.0f} MB, median of {args.repeat}")
    print(f"{'one file: phase':<34}{'seconds':>10}")
    for phase in runs[0]:
        if phase != "peak":
            print(f"{phase:<34}{statistics.median(r[phase] for r in runs):>10.2f}")
    print(f"{'rows per second':<34}{args.rows / statistics.median(r['total'] for r in runs):>10,.0f}")
    print(f"{'peak memory (GiB)':<34}{statistics.median(r['peak'] for r in runs):>10.2f}")
    print(f"{f'{args.files} files: total seconds':<34}{statistics.median(r['total'] for r in split):>10.2f}")
    print(f"{f'{args.files} files: rows per second':<34}"
          f"{args.rows / statistics.median(r['total'] for r in split):>10,.0f}")
    print(f"{f'{args.files} files: peak memory (GiB)':<34}{statistics.median(r['peak'] for r in split):>10.2f}")
    print(f"{'10,000 rejections: write':<34}{rejections['write (one transaction)']:>10.2f}")


if __name__ == "__main__":
    main()
