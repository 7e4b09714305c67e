"""Import throughput and memory: canonical assessment rows per second, peak memory, and the time to
write 10,000 rejected rows, printed as a table.

    .venv/bin/python -m benchmarks.import_speed [--rows 1000000] [--repeat 3]

Builds a canonical assessments CSV of the given size (realistic cells: dates, ratings, narratives,
contexts), imports it from the file into a fresh in-memory database holding the tiny test program (as
the command line does, one file read when its turn comes), and reports each phase, rows per second
and the process's peak resident memory, median over the repeats; then imports a file whose 10,000
rows are all rejected and times writing their rejections. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from cbme import db
from cbme.imports import import_files
from cbme.load import load_canonical

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("assessment_id,resident_id,assessor_id,assessor_role,form_type,assessment_date,epa_code,entrustment,"
          "directly_observed,stakes,setting,context,strengths,improvement,flag,flag_comment,expired")


def export(rows: int, rating=lambda i: 1 + i % 5) -> bytes:
    lines = [HEADER] + [
        f'b{i},R{1 + i % 2},A{1 + i % 2},faculty,epa_observation,2026-{1 + i % 12:02d}-{1 + i % 28:02d},E{1 + i % 3},'
        f'{rating(i)},{"yes" if i % 4 else "no"},low,Clinic,"adult, chest pain",Clear plan number {i}.,'
        f"Commit to a diagnosis earlier,,,no" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def measure(path: Path, rows: int, rejected: int = 0) -> dict[str, float]:
    con = db.connect(":memory:")
    load_canonical(con, ROOT / "tests" / "fixtures" / "tiny")
    marks, start = {}, time.perf_counter()
    (report,) = import_files(con, [(path, path.name, "P1")], None,
                             progress=lambda name, share, text: marks.setdefault(text, time.perf_counter() - start))
    total = time.perf_counter() - start
    con.close()
    assert report.rejected == rejected and report.loaded == rows - rejected and report.reconciles()
    return {"read and detect": marks["Checking the rows"],
            "validate": marks["Checking references"] - marks["Checking the rows"],
            "write (one transaction)": total - marks["Writing"], "total": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        path.write_bytes(export(args.rows))
        size = path.stat().st_size / 1e6
        runs = [measure(path, args.rows) for _ in range(args.repeat)]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        bad = Path(folder) / "rejected.csv"
        bad.write_bytes(export(10_000, rating=lambda i: 9))  # every rating out of range
        rejections = measure(bad, 10_000, rejected=10_000)
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}; "
          f"{args.rows:,} canonical rows, {size:.0f} MB, median of {args.repeat}")
    print(f"{'phase':<26}{'seconds':>10}")
    for phase in runs[0]:
        print(f"{phase:<26}{statistics.median(r[phase] for r in runs):>10.2f}")
    print(f"{'rows per second':<26}{args.rows / statistics.median(r['total'] for r in runs):>10,.0f}")
    print(f"{'peak memory (GiB)':<26}{peak:>10.2f}")
    print(f"{'10,000 rejections: write':<26}{rejections['write (one transaction)']:>10.2f}")


if __name__ == "__main__":
    main()
