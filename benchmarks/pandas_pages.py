"""The pandas dashboard's pages: what each shows, from the figures of benchmarks.baseline, and their
times, for the same viewers, subjects and as-of date as ours (benchmarks.pages), from the export tables
loaded into memory first (not timed):
- uncached: the page's figures computed from the frames;
- warm: the same computation wrapped in st.cache_data, as a Streamlit pandas app caches it (keyed on the
  page and its subject; the frames come from st.cache_resource, so no frame is hashed), called again
  with the same arguments: what is timed is Streamlit finding the result and handing back its copy.

    python -m benchmarks.pandas_pages FOLDER [--runs 10]   (a dataset of benchmarks.datasets; prints one JSON line)
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from benchmarks import baseline
from benchmarks.datasets import cast, measuring_step, peak_rss_mib
from benchmarks.pages import PAGES as OURS
from benchmarks.pages import page_date, subjects
from cbme.config import program_config

# Each page as it opens, for (the frames, program, viewer, subject, as-of date): the viewer signs in as
# ours does (benchmarks.pages), the subject is the resident or coachee it opens on (None for a page about
# the whole program); what it returns is every figure the page shows.


def committee_meeting(t: dict, program: str, lead: str, subject: None, as_of: dt.date) -> tuple:
    return baseline.agenda(t, lead, program, as_of)


def resident(t: dict, program: str, lead: str, resident_id: str, as_of: dt.date, in_meeting: bool = False) -> dict:
    """Its first tab, the resident judged from their own rows; in meeting view, with the agenda (its
    order), the reviewers' notes and the committee."""
    rows, statuses = baseline.agenda(t, lead, program, as_of, resident_id)
    review = rows.iloc[0]
    shown = {"residents": baseline.viewer_residents(t, lead, program, as_of), "status": statuses[resident_id],
             "profile": baseline.resident_profile(t, resident_id, as_of),
             "progress": baseline.resident_epa_progress(t, program, resident_id, as_of),
             "entrustment": baseline.resident_entrustment(t, program, resident_id, as_of),
             "stages": baseline.resident_stage_history(t, resident_id, as_of),
             "decisions": baseline.resident_decisions(t, resident_id, as_of)}
    if review["new_flags"]:
        after_review = review["review_since"].date() + dt.timedelta(days=1)
        shown["flags"] = baseline.resident_narratives(t, resident_id, after_review, as_of)
    if in_meeting:
        shown |= {"agenda": baseline.agenda(t, lead, program, as_of)[0],
                  "notes": baseline.meeting_reviewer_notes(t, program, as_of),
                  "committee": baseline.program_committee(t, program)}
    return shown


def my_coachees(t: dict, program: str, coach: str, coachee: str, as_of: dt.date) -> dict:
    pairs = baseline.coaching_pairs(t, coach, program, as_of, program_config(program).coaching_cadence_days, coach)
    pair = pairs[pairs["resident_id"] == coachee].iloc[0]
    since = (pair["last_held"] if pd.notna(pair["last_held"]) else pair["pairing_start"]).date()
    return {"pairs": pairs, "statuses": baseline.agenda(t, coach, program, as_of)[1],
            "outcomes": baseline.coachee_outcomes(t, program, coach, as_of),
            "sessions": baseline.resident_coaching_sessions(t, coachee, as_of),
            "since": baseline.coachee_since_session(t, program, coachee, as_of, since),
            "narratives": baseline.resident_narratives(t, coachee, since + dt.timedelta(days=1), as_of)}


def program_oversight(t: dict, program: str, lead: str, subject: None, as_of: dt.date) -> dict:
    """Its first tab (coaching)."""
    config = program_config(program)
    return {"pairs": baseline.coaching_pairs(t, lead, program, as_of, config.coaching_cadence_days),
            "without_coach": baseline.residents_without_coach(t, lead, program, as_of),
            "workload": baseline.coach_workload(t, program, as_of, config.coach_max_coachees),
            "sessions": baseline.program_coaching_sessions(t, program, as_of)}


PAGES = {"Committee meeting": committee_meeting, "Resident progression": resident,
         "Resident, meeting view": functools.partial(resident, in_meeting=True), "My coachees": my_coachees,
         "Program oversight": program_oversight}


@st.cache_resource
def frames(folder: str) -> dict:
    return baseline.load(Path(folder))


@st.cache_data(max_entries=1000)
def cached_page(folder: str, page: str, program: str, viewer: str, subject: str | None, as_of: dt.date):
    return PAGES[page](frames(folder), program, viewer, subject, as_of)


def _seconds(compute) -> float:
    started = time.perf_counter()
    compute()
    return time.perf_counter() - started


def measure(folder: Path, runs: int) -> dict:
    who = cast(folder / "dashboard.duckdb")
    load_seconds = _seconds(lambda: frames(str(folder)))
    t = frames(str(folder))
    pages = {}
    for page, compute in PAGES.items():
        uncached, warm = [], []
        viewer = who["people"][OURS[page][1]]
        chosen = subjects(page, who, runs + 1)
        compute(t, who["program"], viewer, chosen[0], page_date(page))  # a first run, not timed, as ours
        for subject in chosen[1:]:  # the subjects of our uncached runs
            arguments = (who["program"], viewer, subject, page_date(page))
            uncached.append(_seconds(lambda: compute(t, *arguments)))  # noqa: B023 (called at once)
            cached_page(str(folder), page, *arguments)  # cached on first use
            warm.append(_seconds(lambda: cached_page(str(folder), page, *arguments)))  # noqa: B023
        pages[page] = {"uncached": uncached, "warm": warm}
    return {"load_seconds": load_seconds, "pages": pages, "peak_mib": peak_rss_mib()}


if __name__ == "__main__":
    measuring_step(measure, __doc__)
