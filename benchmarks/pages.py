"""Page and query timings on one database, measured in a process of its own (benchmarks.scale starts it).

Each page runs through AppTest exactly as a browser session would run it (the frame, sign-in, the page):
- cold: the first run in a fresh process: no cached query result, the database not yet opened;
- warm: the page again for the same subject in a new session: cached results are reused;
- uncached: the page for the next subject (resident, coachee) with the query and chart caches cleared, so
  every query runs and every chart is built while the process and its connection are warm: what a
  committee feels stepping to the next resident.
Every query a page issues is recorded, then timed alone; their sum is the page's floor.

    python -m benchmarks.pages DATABASE PAGE [--runs 5]   (prints one JSON line)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# The libraries a server has loaded once it has served anyone; the app's own modules load in the cold run.
import duckdb
import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import streamlit  # noqa: F401
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from benchmarks.datasets import END_DATE, peak_rss_mib
from benchmarks.timed_server import time_script_runs
from cbme.app import reads
from cbme.store import db
from cbme.vocabulary import OVERSIGHT_TABS, RESIDENT_TABS
from tests.apptest import AUTH

ROOT = Path(__file__).resolve().parent.parent
# page -> (script, who views it, the query parameter naming its subject, extra query parameters)
PAGES = {
    "Committee meeting": ("views/meeting.py", "program_lead", None, {}),
    "Resident progression": ("views/resident.py", "program_lead", "resident", {}),
    "Resident, meeting view": ("views/resident.py", "program_lead", "resident", {"meeting": END_DATE.isoformat()}),
    # The resident page's other tabs, each opened by its link (only the open tab runs).
    **{f"Resident: {tab.lower()}": ("views/resident.py", "program_lead", "resident", {"section": tab})
       for tab in RESIDENT_TABS[1:]},
    "My coachees": ("views/coaching.py", "coach", "coachee", {}),
    "Program oversight": ("views/oversight.py", "program_lead", None, {}),
    # Its other tabs, each opened by its link.
    **{f"Oversight: {tab.lower()}": ("views/oversight.py", "program_lead", None, {"oversight_section": tab})
       for tab in OVERSIGHT_TABS[1:]},
    "People and access": ("views/access.py", "admin", None, {}),
    "Imports": ("views/imports.py", "admin", None, {}),
    "Audit trail": ("views/audit.py", "admin", None, {}),
}


_script_seconds: list[float] = []  # the server's runs of the script during one page view
time_script_runs(lambda started, seconds: _script_seconds.append(seconds))

# A server compiles each script once for all its sessions (its runtime keeps one script cache); AppTest
# makes a new cache for every run, which would count compiling the frame and the page in every run.
_scripts = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _scripts


def cast(database: Path) -> dict:
    """The first program's program lead, its busiest coach and its administrator (sign-in identities),
    with the residents and coachees they step through."""
    with duckdb.connect(str(database), read_only=True) as con:
        program = con.execute("select min(program_id) from programs").fetchone()[0]

        def identity(role: str) -> str:
            return con.execute("""
                select i.identity from roles as r join sign_in_identities as i using (person_id)
                where r.program_id = $program and r.role = $role order by r.person_id limit 1""",
                               {"program": program, "role": role}).fetchone()[0]

        coach = con.execute("""
            select coach_id, count(*) as n from coach_assignments
            where end_date is null and starts_with(resident_id, $program || '-') group by all
            order by n desc, coach_id limit 1""", {"program": program}).fetchone()[0]
        coach_identity = con.execute("select identity from sign_in_identities where person_id = $p limit 1",
                                     {"p": coach}).fetchone()[0]
        residents = [r[0] for r in con.execute("""
            select resident_id from residents where program_id = $program order by resident_id""",
                                               {"program": program}).fetchall()]
        coachees = [r[0] for r in con.execute("""
            select resident_id from coach_assignments where coach_id = $coach and end_date is null
            order by resident_id""", {"coach": coach}).fetchall()]
        return {"program_lead": identity("program_lead"), "admin": identity("admin"), "coach": coach_identity,
                "resident": residents, "coachee": coachees}


def run_page(page: str, who: dict, subject: str | None) -> float:
    """One run of page in a new session; returns its seconds. Fails on any error the page shows."""
    script, role, param, extra = PAGES[page]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": who[role]}
    at.query_params.update({"as_of": END_DATE.isoformat(), **extra, **({param: subject} if param else {})})
    at.switch_page(script)
    _script_seconds.clear()
    at.run()
    seconds = sum(_script_seconds)
    failures = [e.value for e in at.exception] + [e.value for e in at.error if "Something went wrong" in e.value]
    if failures:  # (a red committee status is an st.error too: only the dashboard's error message counts)
        raise RuntimeError(f"{page}: {failures}")
    return seconds


def measure(database: Path, page: str, runs: int) -> dict:
    os.environ["CBME_DATABASE"] = str(database)
    who = cast(database)
    param = PAGES[page][2]
    subjects = [who[param][i % len(who[param])] for i in range(runs + 1)] if param else [None] * (runs + 1)
    calls: list[tuple[str, dict]] = []
    recording = db.query

    def recorded(con, name, **params):
        calls.append((name, params))
        return recording(con, name, **params)

    db.query = recorded
    cold = run_page(page, who, subjects[0])

    warm = [run_page(page, who, subjects[0]) for _ in range(runs)]
    uncached, per_run_calls = [], []
    for subject in subjects[1:]:
        reads.clear_caches()
        calls.clear()
        uncached.append(run_page(page, who, subject))
        per_run_calls.append(list(calls))
    db.query = recording

    # Each distinct query call alone, on the warm connection the pages used.
    con = reads.connection()
    alone: dict[str, list[float]] = {}
    call_seconds: dict[str, float] = {}
    for name, params in {_key(c): c for run in per_run_calls for c in run}.values():
        samples = []
        for _ in range(max(3, runs)):
            started = time.perf_counter()
            db.query(con, name, **params)
            samples.append(time.perf_counter() - started)
        alone.setdefault(name, []).extend(samples)
        call_seconds[_key((name, params))] = statistics.median(samples)
    floors = [sum(call_seconds[_key(c)] for c in run) for run in per_run_calls]
    return {"page": page, "cold": cold, "warm": warm, "uncached": uncached, "floor": statistics.median(floors),
            "queries": alone, "peak_mib": peak_rss_mib()}


def _key(call: tuple[str, dict]) -> str:
    return json.dumps(call, default=str, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("page", choices=list(PAGES))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.page, args.runs)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
