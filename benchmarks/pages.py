"""Our pages timed through AppTest, each in a new session as a person's session runs it: the sign-in
page, then, signed in through single sign-on, the frame (dashboard.py) and the page. A page's time is
the wall time of AppTest's run of the script once signed in. The sign-in page's run is not timed: a new
AppTest does its own set-up in its first run (it scans every installed package for components, about a
tenth of a second, which a server does once at start). What AppTest adds to every run is measured apart,
as the time of a one-line script's run (apptest_s).

For every page, after one first run:
- uncached: a new data version (an empty write of the program through cbme.store.db.writing, as an
  import or a decision would make, which every cache of the app is keyed on, so no cached result is
  reused; like them it keeps the program's meeting agendas anew), then the page for the next subject
  (resident or coachee), with the process and its connection warm;
- warm: the same page for the same subject again, in a new session: what the app's caches keep is reused.
The empty write is timed too: what any write of the program costs beyond its own changes (keeping its
agendas). The named queries an uncached run issues are recorded (by wrapping cbme.store.db.query), then each is
timed alone on the same database; their sum is the page's query floor.

    python -m benchmarks.pages FOLDER [--runs 10] [--database URL]
    (a dataset of benchmarks.datasets, or a shared database holding it; prints one JSON line)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks.datasets import MEETING_DATE, cast, measuring_step, peak_rss_mib
from benchmarks.harness import AUTH
from cbme.store import db
from cbme.vocabulary import OVERSIGHT_TABS, RESIDENT_TABS

ROOT = Path(__file__).resolve().parent.parent
# page -> (script, who views it, the query parameter naming its subject, extra query parameters)
PAGES = {
    # The meeting's pages on the day of the committee's next meeting; the others as they open, on today's
    # date (the data end a few days before it, as a program's exports do).
    "Committee meeting": ("views/meeting.py", "program_lead", None, {"as_of": MEETING_DATE.isoformat()}),
    "Resident progression": ("views/resident.py", "program_lead", "resident", {}),
    "Resident, meeting view": ("views/resident.py", "program_lead", "resident",
                               {"as_of": MEETING_DATE.isoformat(), "meeting": MEETING_DATE.isoformat()}),
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


def page_date(page: str) -> dt.date:
    """The as-of date the page is viewed on."""
    return dt.date.fromisoformat(PAGES[page][3].get("as_of", dt.date.today().isoformat()))


def subjects(page: str, who: dict, count: int) -> list[str | None]:
    """The subjects of count runs of page in turn (cycling through the program's), None for a page
    about the whole program."""
    kind = PAGES[page][2]
    return [who[kind][i % len(who[kind])] if kind else None for i in range(count)]


def run_page(page: str, who: dict, subject: str | None) -> float:
    """One run of page in a new session; returns its seconds. Fails on any error the page shows."""
    script, role, param, extra = PAGES[page]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.query_params.update({**extra, **({param: subject} if param else {})})
    at.switch_page(script).run()  # the sign-in page
    at.user = {"is_logged_in": True, "email": who["identities"][role]}
    seconds = _timed_run(at)
    failures = [e.value for e in at.exception] + [e.value for e in at.error if "Something went wrong" in e.value]
    if failures:  # (a red committee status is an st.error too: only the dashboard's error message counts)
        raise RuntimeError(f"{page}: {failures}")
    return seconds


def _timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def apptest_seconds(runs: int) -> float:
    """What AppTest adds to a run: the median run of a one-line script, after its session's first run."""
    samples = []
    for _ in range(runs):
        at = AppTest.from_string("import streamlit as st\nst.write('signed in')")
        at.run()
        samples.append(_timed_run(at))
    return statistics.median(samples)


@contextlib.contextmanager
def recorded_queries():
    """The (name, parameters) of every named query run meanwhile, on any thread."""
    calls: list[tuple[str, dict]] = []
    query = db.query

    def recording(con, name, **params):
        calls.append((name, params))
        return query(con, name, **params)

    db.query = recording
    try:
        yield calls
    finally:
        db.query = query


def new_data_version(con, program_id: str) -> None:
    """Commit an empty write of the program: the data version moves on, so nothing cached before is
    reused, and the program's meeting agendas are kept anew, as after any write of its data."""
    with db.writing(con, program_id=program_id):
        pass


def measure_page(page: str, who: dict, con, runs: int) -> dict:
    chosen = subjects(page, who, runs + 1)
    first = run_page(page, who, chosen[0])
    uncached, warm, issued, writes = [], [], [], []
    for subject in chosen[1:]:
        started = time.perf_counter()
        new_data_version(con, who["program"])
        writes.append(time.perf_counter() - started)
        with recorded_queries() as calls:
            uncached.append(run_page(page, who, subject))
        if not calls:
            raise RuntimeError(f"{page}: an uncached run issued no query, so the new data version was not seen")
        issued.append(calls)
        warm.append(run_page(page, who, subject))
    alone = {}  # each distinct call, timed alone on the warm connection (median of its runs)
    for name, params in {_key(c): c for calls in issued for c in calls}.values():
        samples = []
        for _ in range(max(3, runs)):
            started = time.perf_counter()
            db.query(con, name, **params)
            samples.append(time.perf_counter() - started)
        alone[_key((name, params))] = (name, statistics.median(samples))
    floors = [sum(alone[_key(c)][1] for c in calls) for calls in issued]
    return {"first": first, "uncached": uncached, "warm": warm, "floor": statistics.median(floors), "writes": writes,
            "queries": sorted({name for name, _ in alone.values()})}


def _key(call: tuple[str, dict]) -> str:
    return json.dumps(call, default=str, sort_keys=True)


def measure(folder: Path, runs: int, database: str | None = None) -> dict:
    """The folder's database file, or a shared database holding its records (the writes of new data
    versions then come from a second connection, as from another instance)."""
    database = database or folder / "dashboard.duckdb"
    os.environ["CBME_DATABASE"] = str(database)
    who = cast(folder / "dashboard.duckdb")
    run_page("Committee meeting", who, None)  # the process's first run: the app's modules load, the database opens
    con = db.connect(database)  # a connection to the database the app has open (one DuckDB instance per process)
    try:
        pages = {page: measure_page(page, who, con, runs) for page in PAGES}
    finally:
        con.close()
    return {"pages": pages, "apptest_s": apptest_seconds(runs), "peak_mib": peak_rss_mib(),
            "write_s": statistics.median(w for page in pages.values() for w in page["writes"])}


if __name__ == "__main__":
    measuring_step(measure, __doc__)
