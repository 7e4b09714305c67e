"""The baseline: the data pages' computations done the way most Streamlit dashboards do them. The export
files are read into pandas DataFrames once (what @st.cache_data around read_csv gives), and every page
view filters and groups those frames in memory. Same questions as the queries in queries/, written as
plain, vectorised pandas.

    python -m benchmarks.baseline EXPORTS_FOLDER [--runs 5]   (prints one JSON line)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pandas as pd

from benchmarks.datasets import END_DATE, peak_rss_mib

AS_OF = pd.Timestamp(END_DATE)
DATES = {"residents": ["training_start_date"], "resident_stages": ["start_date"],
         "coach_assignments": ["start_date", "end_date"], "assessments": ["assessment_date"],
         "coaching_sessions": ["scheduled_date", "next_planned_date"], "committee_decisions": ["meeting_date"]}
CADENCE_DAYS, ACTIONABLE_CHARS, RECENT_WEEKS, RECENT_RATINGS = 60, 20, 8, 5


def load(folder: Path) -> dict[str, pd.DataFrame]:
    """Every export table of folder (the reference tables, and the assessments of every program)."""
    tables = {path.stem: pd.read_csv(path, parse_dates=DATES.get(path.stem, []))
              for path in sorted((folder / "exports").glob("*.csv"))}
    tables["assessments"] = pd.concat(
        [pd.read_csv(path, parse_dates=DATES["assessments"]).drop(columns="program", errors="ignore")
         for path in sorted((folder / "by-program").glob("program=*/*.csv"))], ignore_index=True)
    return tables


def _in_program(t: dict, program: str) -> pd.DataFrame:
    residents = t["residents"]
    return residents[(residents["program_id"] == program) & (residents["training_start_date"] <= AS_OF)]


def _current_stages(t: dict, resident_ids) -> pd.Series:
    stages = t["resident_stages"]
    started = stages[stages["resident_id"].isin(resident_ids) & (stages["start_date"] <= AS_OF)]
    return started.sort_values("start_date").groupby("resident_id")["stage"].last()


def agenda(t: dict, program: str) -> pd.DataFrame:
    """The meeting agenda's evidence: per resident and EPA of the current stage, the counts the status
    rules weigh, plus what changed since the last decision (meeting_agenda + meeting_epa_evidence)."""
    residents = _in_program(t, program)
    stage = _current_stages(t, residents["resident_id"]).rename("stage").reset_index()
    epas = t["epas"][t["epas"]["program_id"] == program]
    plan = stage.merge(epas, on="stage")[["resident_id", "epa_code", "target_entrustment"]]
    x = t["assessments"]
    x = x[x["resident_id"].isin(residents["resident_id"]) & (x["assessment_date"] <= AS_OF)]
    observed = x[(x["form_type"] == "epa_observation") & ~x["expired"] & x["entrustment"].notna()]
    observed = observed.merge(plan, on=["resident_id", "epa_code"]).sort_values("assessment_date")
    observed["case_type"] = observed["context"].fillna(observed["setting"])
    observed["narrative"] = observed["strengths"].notna() | observed["improvement"].notna()
    observed["actionable"] = observed["improvement"].fillna("").str.strip().str.len() >= ACTIONABLE_CHARS
    observed["recent"] = observed["assessment_date"] > AS_OF - pd.Timedelta(weeks=RECENT_WEEKS)
    groups = observed.groupby(["resident_id", "epa_code"])
    evidence = groups.agg(observations=("entrustment", "size"), assessors=("assessor_id", "nunique"),
                          roles=("assessor_role", "nunique"), recent=("recent", "sum"),
                          contexts=("case_type", "nunique"), narratives=("narrative", "sum"),
                          actionable=("actionable", "sum"))
    evidence["current_level"] = groups["entrustment"].apply(lambda r: r.tail(RECENT_RATINGS).mean())
    per_assessor = observed.groupby(["resident_id", "epa_code", "assessor_id"])["entrustment"].agg(["mean", "size"])
    spread = per_assessor[per_assessor["size"] >= 2].groupby(["resident_id", "epa_code"])["mean"].std()
    evidence = plan.merge(evidence.join(spread.rename("spread")).reset_index(), how="left",
                          on=["resident_id", "epa_code"])

    decisions = t["committee_decisions"]
    previous = decisions[decisions["resident_id"].isin(residents["resident_id"]) & (decisions["meeting_date"] < AS_OF)]
    since = previous.groupby("resident_id")["meeting_date"].max().reindex(residents["resident_id"])
    since = since.fillna(residents.set_index("resident_id")["training_start_date"])
    recent = x[x["assessment_date"] > x["resident_id"].map(since)]
    changes = recent.groupby("resident_id").agg(new_items=("assessment_id", "size"), new_flags=("flag", "count"))
    return evidence.merge(changes.reset_index(), how="left", on="resident_id")


def resident(t: dict, program: str, resident_id: str) -> dict:
    """What the resident page shows of one resident when it opens: the header (profile, stage, coach,
    last decision), the status (from the program's agenda) and its first tab (the plan, entrustment
    over time with stages and decisions)."""
    x = t["assessments"]
    mine = x[(x["resident_id"] == resident_id) & (x["assessment_date"] <= AS_OF)]
    observed = mine[(mine["form_type"] == "epa_observation") & ~mine["expired"] & mine["entrustment"].notna()]
    epas = t["epas"][t["epas"]["program_id"] == program].set_index("epa_code")
    achieved = observed[observed["entrustment"] >= observed["epa_code"].map(epas["target_entrustment"])]
    plan = epas.assign(observations=observed.groupby("epa_code").size(), achieved=achieved.groupby("epa_code").size(),
                       assessors=observed.groupby("epa_code")["assessor_id"].nunique()).fillna(0)
    trend = observed.sort_values("assessment_date").assign(
        recent_mean=lambda o: o.groupby("epa_code")["entrustment"].transform(lambda r: r.rolling(5, 1).mean()))
    decisions = t["committee_decisions"]
    pairs = t["coach_assignments"]
    coach = pairs[(pairs["resident_id"] == resident_id) & (pairs["start_date"] <= AS_OF)
                  & (pairs["end_date"].isna() | (pairs["end_date"] > AS_OF))]
    stages = t["resident_stages"]
    return {"agenda": agenda(t, program), "plan": plan, "trend": trend, "coach": coach,
            "coach_assessments": int(mine["assessor_id"].isin(coach["coach_id"]).sum()),
            "decisions": decisions[decisions["resident_id"] == resident_id].sort_values("meeting_date"),
            "stages": stages[stages["resident_id"] == resident_id].sort_values("start_date")}


def coaching_pairs(t: dict, program: str, coach_id: str | None = None) -> pd.DataFrame:
    """Each coaching pair in force with its last session held, sessions missed since, and days overdue."""
    residents = _in_program(t, program)
    pairs = t["coach_assignments"]
    pairs = pairs[pairs["resident_id"].isin(residents["resident_id"]) & (pairs["start_date"] <= AS_OF)
                  & (pairs["end_date"].isna() | (pairs["end_date"] > AS_OF))]
    if coach_id:
        pairs = pairs[pairs["coach_id"] == coach_id]
    sessions = t["coaching_sessions"].merge(pairs[["resident_id", "coach_id"]], on=["resident_id", "coach_id"])
    sessions = sessions[sessions["scheduled_date"] <= AS_OF]
    held = sessions[sessions["status"] == "held"].groupby("resident_id")["scheduled_date"].max().rename("last_held")
    pairs = pairs.merge(held.reset_index(), how="left", on="resident_id")
    last = pairs["last_held"].fillna(pairs["start_date"])
    missed = sessions.merge(pairs[["resident_id", "last_held"]], on="resident_id")
    missed = missed[missed["status"].str.startswith(("cancelled", "no-show"))
                    & (missed["scheduled_date"] > missed["last_held"].fillna(pd.Timestamp.min))]
    return pairs.assign(days_overdue=((AS_OF - last).dt.days - CADENCE_DAYS).clip(lower=0),
                        missed=pairs["resident_id"].map(missed.groupby("resident_id").size()).fillna(0))


def coaching(t: dict, program: str, coach_id: str, resident_id: str) -> dict:
    """The coach's page: the coachees at a glance with their statuses, and one coachee since the last session."""
    pairs = coaching_pairs(t, program, coach_id)
    since = pairs.set_index("resident_id")["last_held"].get(resident_id)
    since = since if pd.notna(since) else AS_OF - pd.Timedelta(days=CADENCE_DAYS)
    x = t["assessments"]
    new = x[(x["resident_id"] == resident_id) & (x["assessment_date"] > since) & (x["assessment_date"] <= AS_OF)]
    return {"pairs": pairs, "agenda": agenda(t, program), "by_epa": new.groupby("epa_code")["entrustment"].agg(
        ["size", "mean"]), "narratives": new[new["strengths"].notna() | new["improvement"].notna()]}


def oversight(t: dict, program: str) -> dict:
    """The program lead's page as it opens (its Coaching tab): coaching pairs, residents without a
    coach, coach workload and the program's sessions of the last twelve months."""
    pairs = coaching_pairs(t, program)
    residents = _in_program(t, program)
    sessions = t["coaching_sessions"]
    return {
        "pairs": pairs, "workload": pairs.groupby("coach_id").size(),
        "without_coach": residents[~residents["resident_id"].isin(pairs["resident_id"])],
        "sessions": sessions[sessions["resident_id"].isin(residents["resident_id"])
                             & (sessions["scheduled_date"] > AS_OF - pd.DateOffset(years=1))],
    }


def pages(t: dict, program: str, resident_id: str, coach_id: str, coachee: str) -> dict:
    """The data pages by their titles in the dashboard, each a computation over the loaded frames."""
    return {"Committee meeting": lambda: agenda(t, program),
            "Resident progression": lambda: resident(t, program, resident_id),
            "Resident, meeting view": lambda: resident(t, program, resident_id),
            "My coachees": lambda: coaching(t, program, coach_id, coachee),
            "Program oversight": lambda: oversight(t, program)}


def measure(folder: Path, runs: int) -> dict:
    started = time.perf_counter()
    tables = load(folder)
    load_seconds = time.perf_counter() - started
    program = tables["programs"]["program_id"].min()
    residents = sorted(_in_program(tables, program)["resident_id"])
    busiest = coaching_pairs(tables, program)["coach_id"].value_counts().index[0]
    coachee = sorted(coaching_pairs(tables, program, busiest)["resident_id"])[0]
    results = {}
    for page, compute in pages(tables, program, residents[0], busiest, coachee).items():
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            compute()
            samples.append(time.perf_counter() - started)
        results[page] = {"cold": load_seconds + samples[0], "warm": samples[1:] or samples}
    return {"load_seconds": load_seconds, "pages": results, "peak_mib": peak_rss_mib(),
            "warm_median": {p: statistics.median(r["warm"]) for p, r in results.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.folder, args.runs)))


if __name__ == "__main__":
    main()
