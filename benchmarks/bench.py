"""`make bench`: our pages and a pandas dashboard doing the same work, side by side at each size, and
committee members stepping through residents in concurrent browser sessions.

    python -m benchmarks.bench [--rows 100000 1000000 10000000] [--json FILE] [--sessions 20]

For each size, one after another, each in a process of its own: the dataset generated and imported
(benchmarks.datasets), our pages (benchmarks.pages), the pandas dashboard (benchmarks.pandas_pages);
then the browser sessions (benchmarks.concurrency) on the 1M dataset, or the largest measured when 1M
is not. Prints the tables; with --json, writes the figures there and the printed tables, the machine,
the commit and the command beside it (results.md). docs/performance.md says what is compared and why.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"resident_ratio_1M": 5.0, "uncached_s": 0.100, "warm_p95_s": 0.030, "growth_10M": 1.3,
           "sessions_p95_s": 1.5}


def label(rows: int) -> str:
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if rows >= size:
            return f"{rows / size:g}{suffix}"
    return str(rows)


def child(module: str, *args: str) -> dict:
    """Run a step in a fresh Python process; its last line of output is its JSON result."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure_size(rows: int, work: Path, runs: int) -> dict:
    folder = work / label(rows)
    dataset = child("benchmarks.datasets", "generate", str(folder), "--assessments", str(rows))
    dataset |= child("benchmarks.datasets", "load", str(folder))
    ours = child("benchmarks.pages", str(folder), "--runs", str(runs))
    pandas = child("benchmarks.pandas_pages", str(folder), "--runs", str(runs))
    return {"size": label(rows), "dataset": dataset, "ours": ours, "pandas": pandas}


def page_rows(size: dict) -> list[dict]:
    """One object per page of a measured size, as the JSON holds them (None where pandas has no page)."""
    rows = []
    for page, ours in size["ours"]["pages"].items():
        pandas = size["pandas"]["pages"].get(page)
        row = {"size": size["size"], "page": page, "ours_uncached_s": statistics.median(ours["uncached"]),
               "ours_uncached_p95_s": p95(ours["uncached"]), "ours_warm_p50_s": statistics.median(ours["warm"]),
               "ours_warm_p95_s": p95(ours["warm"]),
               "pandas_uncached_s": statistics.median(pandas["uncached"]) if pandas else None,
               "pandas_warm_p95_s": p95(pandas["warm"]) if pandas else None,
               "floor_s": ours["floor"], "queries": ours["queries"]}
        row["ratio_uncached"] = row["pandas_uncached_s"] / row["ours_uncached_s"] if pandas else None
        row["ratio_warm"] = row["pandas_warm_p95_s"] / row["ours_warm_p95_s"] if pandas else None
        rows.append(row)
    return rows


def concurrency_summary(c: dict, size: str) -> dict:
    return {"sessions": c["sessions"], "p50_s": statistics.median(c["steps"]), "p95_s": p95(c["steps"]),
            "errors": len(c["errors"]), "size": size, "steps": len(c["steps"]),
            "first_steps_p95_s": p95(c["first_steps"]), "later_steps_p95_s": p95(c["later_steps"] or c["steps"]),
            "first_load_p50_s": statistics.median(c["first_load"]), "first_load_p95_s": p95(c["first_load"]),
            "server_peak_mib": c["server_peak_mib"], "error_messages": c["errors"], "elapsed_s": c["elapsed"],
            "cores": c["cores"], "busy_core_s": c["busy_core_s"], "server_core_s": c["server_core_s"]}


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]) + "\n"


def report(results: dict) -> str:
    """The printed tables: pages side by side, each size's data and memory, the sessions, the targets."""
    pages = markdown(
        ["size", "page", "ours uncached p50", "p95", "ours warm p50", "p95", "pandas uncached", "pandas warm p95",
         "× uncached", "× warm", "query floor"],
        [[r["size"], r["page"], r["ours_uncached_s"], r["ours_uncached_p95_s"], r["ours_warm_p50_s"],
          r["ours_warm_p95_s"], r["pandas_uncached_s"], r["pandas_warm_p95_s"], r["ratio_uncached"], r["ratio_warm"],
          r["floor_s"]] for r in results["pages"]])
    sizes = markdown(
        ["size", "residents", "programs", "assessments", "import s", "a write keeps its program's agendas s",
         "AppTest's own run s", "ours peak RSS MiB", "pandas peak RSS MiB", "pandas load s"],
        [[s["size"], s["residents"], s["programs"], s["assessments"], s["import_s"], s["write_s"], s["apptest_s"],
          s["ours_peak_rss_mib"], s["pandas_peak_rss_mib"], s["pandas_load_s"]] for s in results["sizes"]])
    c = results["concurrency"]
    sessions = markdown(
        ["size", "sessions", "steps", "step p50", "step p95", "errors", "first steps p95", "later steps p95",
         "first load p50", "first load p95", "server peak RSS MiB", "cores busy", "of which the server"],
        [[c["size"], c["sessions"], c["steps"], c["p50_s"], c["p95_s"], c["errors"], c["first_steps_p95_s"],
          c["later_steps_p95_s"], c["first_load_p50_s"], c["first_load_p95_s"], c["server_peak_mib"],
          f"{c['busy_core_s'] / c['elapsed_s']:.2f} of {c['cores']}", f"{c['server_core_s'] / c['busy_core_s']:.0%}"]])
    return (f"Pages (seconds; ours through AppTest, pandas computing; × is pandas over ours)\n\n{pages}\n"
            f"Data and memory\n\n{sizes}\nConcurrent sessions (seconds, click to rendered)\n\n{sessions}\n"
            f"Targets\n\n{markdown(['target', 'measured', 'holds'], targets(results))}")


def targets(results: dict) -> list[list]:
    """Each target of the issue with what this run measured, where it measured that size."""
    rows, pages = [], results["pages"]
    by = {(r["size"], r["page"]): r for r in pages}
    if ("1M", "Resident progression") in by:
        ratio = by[("1M", "Resident progression")]["ratio_uncached"]
        rows.append([f"1M: resident page uncached ≥ {TARGETS['resident_ratio_1M']:g}× faster than pandas",
                     f"{ratio:.1f}×", ratio >= TARGETS["resident_ratio_1M"]])
    slowest = max(pages, key=lambda r: r["ours_uncached_s"])
    rows.append([f"every page uncached ≤ {TARGETS['uncached_s'] * 1000:g} ms",
                 f"{slowest['ours_uncached_s'] * 1000:.0f} ms ({slowest['size']}, {slowest['page']})",
                 slowest["ours_uncached_s"] <= TARGETS["uncached_s"]])
    slowest = max(pages, key=lambda r: r["ours_warm_p95_s"])
    rows.append([f"every page warm p95 ≤ {TARGETS['warm_p95_s'] * 1000:g} ms",
                 f"{slowest['ours_warm_p95_s'] * 1000:.0f} ms ({slowest['size']}, {slowest['page']})",
                 slowest["ours_warm_p95_s"] <= TARGETS["warm_p95_s"]])
    growth = [(by[("10M", r["page"])]["ours_uncached_s"] / r["ours_uncached_s"], r["page"])
              for r in pages if r["size"] == "100k" and ("10M", r["page"]) in by]
    if growth:
        worst = max(growth)
        rows.append([f"every page uncached at 10M within {TARGETS['growth_10M']:g}× of 100k",
                     f"{worst[0]:.2f}× ({worst[1]})", worst[0] <= TARGETS["growth_10M"]])
    c = results["concurrency"]
    rows.append([f"{c['sessions']} sessions at {c['size']}: p95 ≤ {TARGETS['sessions_p95_s']:g} s, no errors",
                 f"{c['p95_s']:.2f} s, {c['errors']} errors",
                 c["p95_s"] <= TARGETS["sessions_p95_s"] and c["errors"] == 0])
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal")) / 2**20
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if git("status", "--porcelain") else "")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Our pages and a pandas dashboard, side by side.")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000], help="assessments per dataset")
    parser.add_argument("--json", type=Path, help="write the figures here, and results.md beside it")
    parser.add_argument("--runs", type=int, default=10, help="uncached and warm runs per page")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5, help="residents each session steps through")
    parser.add_argument("--pause", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"),
                        help="seconds a member reads a page before Next")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "benchmark",
                        help="where the generated datasets go (replaced)")
    args = parser.parse_args(argv)
    started, load = time.perf_counter(), os.getloadavg()[0]
    results = {"pages": [], "sizes": [], "machine": machine(), "commit": commit(), "date": dt.date.today().isoformat(),
               "command": "python -m benchmarks.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
               "load_average_at_start": load}
    for rows in args.rows:
        print(f"[{time.perf_counter() - started:5.0f} s] {label(rows)}: generating, importing, measuring", flush=True)
        size = measure_size(rows, args.work, args.runs)
        d = size["dataset"]
        results["sizes"].append({
            "size": size["size"], "residents": d["residents"], "programs": d["programs"],
            "assessments": d["assessments"], "import_s": d["import_seconds"],
            "write_s": size["ours"]["write_s"], "apptest_s": size["ours"]["apptest_s"],
            "ours_peak_rss_mib": size["ours"]["peak_mib"], "pandas_peak_rss_mib": size["pandas"]["peak_mib"],
            "pandas_load_s": size["pandas"]["load_seconds"], "seconds": time.perf_counter() - started})
        results["pages"] += page_rows(size)
    on = "1M" if 1_000_000 in args.rows else label(max(args.rows))
    print(f"[{time.perf_counter() - started:5.0f} s] {args.sessions} browser sessions on {on}", flush=True)
    sessions = child("benchmarks.concurrency", str(args.work / on / "dashboard.duckdb"), "--sessions",
                     str(args.sessions), "--steps", str(args.steps), "--pause", *map(str, args.pause))
    results["concurrency"] = concurrency_summary(sessions, on)
    results["seconds"] = time.perf_counter() - started
    text = report(results)
    print(text)
    if args.json:
        write_figures(args.json, results, args.json.with_name("results.md"), (
            f"Measured {results['date']} at commit {results['commit']}, by `{results['command']}`, in "
            f"{results['seconds'] / 60:.0f} minutes, on {results['machine']} (load average "
            f"{load:.2f} at the start).\n\n{text}"))
    return results


def write_figures(path: Path, results: dict, markdown_path: Path, markdown: str) -> None:
    """The figures as JSON, and the printed tables with what was run where beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    markdown_path.write_text(markdown)


if __name__ == "__main__":
    main()
