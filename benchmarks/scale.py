"""The scale benchmark: every page and every query at 100k and 1M assessments (10M opt-in), side by side
with a pandas baseline, and committee members stepping through residents in concurrent browser sessions.
Prints the tables and writes them, with plots, to docs/performance/.

    .venv/bin/python -m benchmarks.scale             # 100k and 1M, about 12 minutes on 2 cores
    .venv/bin/python -m benchmarks.scale --with-10m  # and 10M, about 25 minutes in all
    .venv/bin/python -m benchmarks.scale --quick     # a tiny program, one run of everything (the tests)

Each measurement runs in a process of its own (the peak memory is that process's), one after another:
generating and importing each dataset (benchmarks.datasets), each page in several fresh processes
(benchmarks.pages), the baseline (benchmarks.baseline), the browser sessions (benchmarks.concurrency).
docs/performance.md explains every column and reads the results.
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
import warnings
from pathlib import Path

from benchmarks.datasets import Size
from benchmarks.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "performance"
SIZES = [Size("100k", 100_000), Size("1M", 1_000_000)]
LARGE = Size("10M", 10_000_000)
QUICK = Size("quick", 4_000)
TARGETS = {"warm_p95_1M": 0.3, "cold_1M": 1.5, "warm_p95_10M": 1.0, "baseline_ratio": 5.0, "overhead": 1.5,
           "import_rows_per_second": 100_000, "peak_mib_10M": 2048, "sessions_p95": 2.0}


def child(module: str, *args: str) -> dict:
    """Run a benchmark step in a fresh Python process; its last line of output is its JSON result."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure_size(size: Size, work: Path, runs: int, processes: int) -> dict:
    folder = work / size.label
    dataset = child("benchmarks.datasets", "generate", str(folder), "--assessments", str(size.assessments))
    dataset |= child("benchmarks.datasets", "load", str(folder))
    database = str(folder / "dashboard.duckdb")
    pages = {}
    for page in PAGES:
        samples = [child("benchmarks.pages", database, page, "--runs", str(runs)) for _ in range(processes)]
        pages[page] = {
            "cold": [s["cold"] for s in samples], "warm": [x for s in samples for x in s["warm"]],
            "uncached": [x for s in samples for x in s["uncached"]],
            "floor": statistics.median(s["floor"] for s in samples), "peak_mib": max(s["peak_mib"] for s in samples),
            "queries": {q: [x for s in samples for x in s["queries"].get(q, [])]
                        for q in dict.fromkeys(q for s in samples for q in s["queries"])}}
    baseline = child("benchmarks.baseline", str(folder), "--runs", str(runs + 1))
    return {"dataset": dataset, "pages": pages, "baseline": baseline}


def tables(results: dict) -> dict[str, list[list]]:
    """Every table of the results, as rows of cells (the first row names the columns)."""
    out: dict[str, list[list]] = {
        "Datasets and import": [["size", "residents", "programs", "assessments", "import files", "import s",
                                 "rows/s", "import peak MiB", "database MiB"]],
        "Pages (seconds; server-side run through AppTest)": [[
            "size", "page", "cold p50", "cold p95", "warm p50", "warm p95", "uncached p50", "uncached p95",
            "query floor", "overhead ×", "peak MiB"]],
        "Queries alone (milliseconds)": [["size", "query", "p50", "p95", "runs"]],
        "Against the pandas baseline (seconds)": [[
            "size", "page", "ours cold", "pandas cold", "×", "ours warm", "pandas warm", "×", "our queries",
            "pandas compute", "×"]],
    }
    for label, size in results["sizes"].items():
        d = size["dataset"]
        out["Datasets and import"].append([label, d["residents"], d["programs"], d["assessments"], d["import_files"],
                                           d["import_seconds"], d["import_rows_per_second"], d["import_peak_mib"],
                                           d["database_mib"]])
        queries: dict[str, list[float]] = {}
        for page, m in size["pages"].items():
            out["Pages (seconds; server-side run through AppTest)"].append([
                label, page, statistics.median(m["cold"]), p95(m["cold"]), statistics.median(m["warm"]), p95(m["warm"]),
                statistics.median(m["uncached"]), p95(m["uncached"]), m["floor"],
                statistics.median(m["uncached"]) / m["floor"], m["peak_mib"]])
            for query, samples in m["queries"].items():
                queries.setdefault(query, []).extend(samples)
        for query, samples in sorted(queries.items()):
            out["Queries alone (milliseconds)"].append([label, query, statistics.median(samples) * 1000,
                                                        p95(samples) * 1000, len(samples)])
        base = size["baseline"]
        for page, b in base["pages"].items():
            ours = size["pages"][page]
            compute = statistics.median(b["warm"])
            ours_cold, ours_warm = statistics.median(ours["cold"]), statistics.median(ours["warm"])
            # The baseline page shows the same elements as ours, built the way such dashboards build them:
            # every run computes over the frames and builds its charts anew. Its rendering is ours without
            # caches (our uncached run less its queries); warm adds its computation, cold reading the files.
            rendering = statistics.median(ours["uncached"]) - ours["floor"]
            pandas_warm = compute + rendering
            out["Against the pandas baseline (seconds)"].append([
                label, page, ours_cold, b["cold"] + rendering, (b["cold"] + rendering) / ours_cold,
                ours_warm, pandas_warm, pandas_warm / ours_warm, ours["floor"], compute, compute / ours["floor"]])
    if "concurrency" in results:
        c = results["concurrency"]
        out["Concurrent sessions (seconds)"] = [
            ["size", "sessions", "steps", "step p50", "step p95", "errors", "first steps p95", "later steps p95",
             "server run p50", "server run p95", "first load p50", "first load p95", "server peak MiB",
             "server CPU s", "browsers CPU s", "machine CPU busy"],
            [c["size"], c["sessions"], len(c["steps"]), statistics.median(c["steps"]), p95(c["steps"]),
             len(c["errors"]), p95(c["first_steps"]), p95(c["later_steps"] or c["steps"]),
             statistics.median(c["server_runs"]), p95(c["server_runs"]), statistics.median(c["first_load"]),
             p95(c["first_load"]), c["server_peak_mib"],
             c["cpu_seconds"]["server"], c["cpu_seconds"]["browsers"],
             f"{c['cpu_seconds']['machine'] / (c['elapsed'] * os.cpu_count()):.0%}"]]
    out["Targets"] = [["target", "measured", "holds"]] + targets(results, out)
    return out


def targets(results: dict, out: dict) -> list[list]:
    """Each target of the issue with the measured value it is judged by, where that size was measured."""
    rows = []
    pages = out["Pages (seconds; server-side run through AppTest)"][1:]
    by_size = {label: [r for r in pages if r[0] == label] for label in results["sizes"]}
    if "1M" in by_size:
        worst_warm = max(by_size["1M"], key=lambda r: r[5])
        worst_cold = max(by_size["1M"], key=lambda r: r[3])
        worst_overhead = max(by_size["1M"], key=lambda r: r[9])
        rows += [[f"1M: every page warm p95 ≤ {TARGETS['warm_p95_1M']} s",
                  f"{worst_warm[5]:.3f} s ({worst_warm[1]})", worst_warm[5] <= TARGETS["warm_p95_1M"]],
                 [f"1M: every page cold p95 ≤ {TARGETS['cold_1M']} s",
                  f"{worst_cold[3]:.3f} s ({worst_cold[1]})", worst_cold[3] <= TARGETS["cold_1M"]],
                 [f"1M: every page within {TARGETS['overhead']}× its query floor",
                  f"{worst_overhead[9]:.2f}× ({worst_overhead[1]})", worst_overhead[9] <= TARGETS["overhead"]]]
        resident = next(r for r in out["Against the pandas baseline (seconds)"][1:]
                        if r[0] == "1M" and r[1] == "Resident progression")
        rows.append([f"1M: resident page ≥ {TARGETS['baseline_ratio']:.0f}× faster than pandas (warm; cold)",
                     f"{resident[7]:.1f}×; {resident[4]:.1f}×", resident[7] >= TARGETS["baseline_ratio"]])
    if "10M" in by_size:
        worst = max(by_size["10M"], key=lambda r: r[5])
        rows.append([f"10M: every page warm p95 ≤ {TARGETS['warm_p95_10M']} s", f"{worst[5]:.3f} s ({worst[1]})",
                     worst[5] <= TARGETS["warm_p95_10M"]])
        peak = max(max(r[10] for r in by_size["10M"]), results["sizes"]["10M"]["dataset"]["import_peak_mib"])
        rows.append([f"10M: peak memory < {TARGETS['peak_mib_10M']} MiB (pages and import)", f"{peak:.0f} MiB",
                     peak < TARGETS["peak_mib_10M"]])
    slowest = min(out["Datasets and import"][1:], key=lambda r: r[6])
    rows.append([f"import ≥ {TARGETS['import_rows_per_second']:,} rows/s (every size)",
                 f"{slowest[6]:,.0f} rows/s ({slowest[0]})", slowest[6] >= TARGETS["import_rows_per_second"]])
    if "concurrency" in results:
        c = out["Concurrent sessions (seconds)"][1]
        rows.append([f"{c[1]} sessions: step p95 < {TARGETS['sessions_p95']} s, no errors",
                     f"{c[4]:.2f} s, {c[5]} errors", c[4] < TARGETS["sessions_p95"] and c[5] == 0])
    return rows


def markdown(name: str, rows: list[list]) -> str:
    def cell(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "**no**"
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) >= 10 else f"{value:.3f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    lines = [f"### {name}", "", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[1:]]
    return "\n".join(lines) + "\n"


# The plot's series: the committee's pages one by one, the resident page's other tabs and the
# administrator's pages each by the slowest of them (twelve lines would repeat colours).
PLOTTED = {"Committee meeting": ["Committee meeting"], "Resident progression": ["Resident progression"],
           "Resident, meeting view": ["Resident, meeting view"],
           "Resident, other tabs (slowest)": [p for p in PAGES if p.startswith("Resident: ")],
           "My coachees": ["My coachees"],
           "Program oversight (slowest tab)": [p for p in PAGES if p.startswith(("Program oversight", "Oversight: "))],
           "Administrator pages (slowest)": ["People and access", "Imports", "Audit trail"]}
DASHES = ["solid", "dot", "dash", "dashdot"]


def plots(results: dict, out_dir: Path) -> list[Path]:
    """Page time against data size, and the distribution of concurrent steps, as PNG images."""
    import kaleido
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    from cbme.app.charts import MARKERS
    from cbme.vocabulary import SERIES_COLOURS

    labels = list(results["sizes"])
    assessments = [results["sizes"][label]["dataset"]["assessments"] for label in labels]
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=("Warm: results cached", "Uncached: a resident nobody has opened"))
    for i, (series, pages) in enumerate(PLOTTED.items()):
        for col, kind in ((1, "warm"), (2, "uncached")):
            figure.add_trace(go.Scatter(
                x=assessments, y=[max(p95(results["sizes"][label]["pages"][page][kind]) for page in pages)
                                  for label in labels],
                mode="lines+markers", name=series, legendgroup=series, showlegend=col == 1,
                line=dict(color=SERIES_COLOURS[i], dash=DASHES[i % len(DASHES)]),
                marker=dict(symbol=MARKERS[i], size=9)), row=1, col=col)
    figure.add_hline(y=TARGETS["warm_p95_1M"], line=dict(color="#888", dash="longdash"), row=1, col=1,
                     annotation_text="target at 1M: warm p95 ≤ 0.3 s", annotation_position="top left")
    figure.update_xaxes(title="Assessments in the database", type="log", gridcolor="#eee")
    figure.update_yaxes(rangemode="tozero", gridcolor="#eee")
    figure.update_yaxes(title="Seconds, server-side (p95)", row=1, col=1)
    figure.update_layout(title="Page time (p95) against data size", width=1200, height=560, plot_bgcolor="white",
                         legend=dict(orientation="h", y=-0.2, font=dict(size=12)), font=dict(size=13))
    images = {"page-time-by-size.png": figure}
    if "concurrency" in results:
        c = results["concurrency"]
        spread = go.Figure([go.Histogram(x=c["steps"], nbinsx=30, name="next resident", marker_color="#0072B2"),
                            go.Histogram(x=c["first_load"], nbinsx=30, name="first load (app scripts fetched)",
                                         marker_color="#E69F00", marker_pattern_shape="/")])
        spread.add_vline(x=TARGETS["sessions_p95"], line=dict(color="black", dash="dash"),
                         annotation_text="target p95 < 2 s")
        spread.update_layout(title=f"{c['sessions']} concurrent committee sessions, {c['size']} assessments",
                             barmode="overlay", width=1100, height=480, plot_bgcolor="white", font=dict(size=13),
                             xaxis=dict(title="Seconds until the page finished rendering", gridcolor="#eee"),
                             yaxis=dict(title="Page views", gridcolor="#eee"))
        spread.update_traces(opacity=0.75)
        images["concurrency.png"] = spread
    kaleido.start_sync_server(silence_warnings=True)
    try:
        with warnings.catch_warnings():  # plotly hands the running server options it has no use for
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            for name, fig in images.items():
                (out_dir / name).write_bytes(pio.to_image(fig, format="png"))
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return [out_dir / name for name in images]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal")) / 2**20
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="The scale benchmark (see the module's text).")
    parser.add_argument("--with-10m", action="store_true", help="also measure 10M assessments")
    parser.add_argument("--quick", action="store_true", help="a tiny program, one run of everything")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "benchmark",
                        help="where the generated datasets go (replaced)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the results and plots go")
    parser.add_argument("--runs", type=int, default=4, help="warm and uncached runs per page process")
    parser.add_argument("--processes", type=int, default=5, help="fresh processes (cold runs) per page")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5, help="residents each session steps through")
    args = parser.parse_args(argv)
    sizes = [QUICK] if args.quick else SIZES + ([LARGE] if args.with_10m else [])
    runs, processes = (1, 1) if args.quick else (args.runs, args.processes)
    sessions, steps = (2, 1) if args.quick else (args.sessions, args.steps)
    started = time.perf_counter()
    results = {"machine": machine(), "date": dt.date.today().isoformat(),
               "command": "python -m benchmarks.scale " + " ".join(argv if argv is not None else sys.argv[1:]),
               "sizes": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        print(f"[{time.perf_counter() - started:7.0f} s] {size.label}: generating, importing, measuring pages",
              flush=True)
        results["sizes"][size.label] = measure_size(size, args.work, runs, processes)
        (args.out / "results.json").write_text(json.dumps(results, indent=1))  # what is done so far
    concurrent = sizes[0] if args.quick else Size("1M", 1_000_000)
    print(f"[{time.perf_counter() - started:7.0f} s] {sessions} browser sessions on {concurrent.label}", flush=True)
    pause = ["0.5", "1"] if args.quick else ["5", "15"]
    results["concurrency"] = {"size": concurrent.label, **child(
        "benchmarks.concurrency", str(args.work / concurrent.label / "dashboard.duckdb"), "--sessions",
        str(sessions), "--steps", str(steps), "--pause", *pause)}
    results["seconds"] = time.perf_counter() - started
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    text = "\n".join(markdown(name, rows) for name, rows in tables(results).items())
    header = (f"Measured {results['date']} on {results['machine']}, in {results['seconds'] / 60:.0f} minutes, by\n"
              f"`{results['command']}`.\n\n")
    (args.out / "results.md").write_text(header + text)
    plots(results, args.out)
    print(header + text)
    return results


if __name__ == "__main__":
    main()
