"""Import throughput: canonical assessment rows per second, printed as a table.

    .venv/bin/python -m benchmarks.import_speed [--rows 1000000] [--repeat 3]

Builds a canonical assessments CSV of the given size (realistic cells: dates, ratings, narratives,
contexts), imports it into a fresh in-memory database holding the tiny test program, and reports the
time of each phase and rows per second, median over the repeats. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from cbme import db
from cbme.imports import run_import
from cbme.load import load_canonical

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("assessment_id,resident_id,assessor_id,assessor_role,form_type,assessment_date,epa_code,entrustment,"
          "directly_observed,stakes,setting,context,strengths,improvement,flag,flag_comment,expired")


def export(rows: int) -> bytes:
    lines = [HEADER] + [
        f'b{i},R{1 + i % 2},A{1 + i % 2},faculty,epa_observation,2026-{1 + i % 12:02d}-{1 + i % 28:02d},E{1 + i % 3},'
        f'{1 + i % 5},{"yes" if i % 4 else "no"},low,Clinic,"adult, chest pain",Clear plan number {i}.,'
        f"Commit to a diagnosis earlier,,,no" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def measure(data: bytes, rows: int) -> dict[str, float]:
    con = db.connect(":memory:")
    load_canonical(con, ROOT / "tests" / "fixtures" / "tiny")
    marks, start = {}, time.perf_counter()
    report = run_import(con, data, "bench.csv", "P1", None,
                        lambda share, text: marks.setdefault(text, time.perf_counter() - start))
    total = time.perf_counter() - start
    con.close()
    assert report.loaded == rows and report.reconciles()
    return {"read and detect": marks["Checking the rows"],
            "validate": marks["Checking references"] - marks["Checking the rows"],
            "write (one transaction)": total - marks["Writing"], "total": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = export(args.rows)
    runs = [measure(data, args.rows) for _ in range(args.repeat)]
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}, Python "
          f"{platform.python_version()}; {args.rows:,} canonical rows, {len(data) / 1e6:.0f} MB, median of "
          f"{args.repeat}")
    print(f"{'phase':<26}{'seconds':>10}")
    for phase in runs[0]:
        print(f"{phase:<26}{statistics.median(r[phase] for r in runs):>10.2f}")
    print(f"{'rows per second':<26}{args.rows / statistics.median(r['total'] for r in runs):>10,.0f}")


if __name__ == "__main__":
    main()
