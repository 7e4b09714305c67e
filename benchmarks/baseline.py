"""The pandas dashboard the benchmark sets beside ours: the figures of our data pages computed with
vectorised pandas from the export tables, loaded into DataFrames once and held in memory.

Each function below stands in for the query of queries/ that bears its name and returns the columns
the page reads, for the same viewer, subject and as-of date; the committee's statuses come from our own
rules (cbme.rules.meeting.build_agenda) applied to those frames, so both sides show the same statuses.
The frames are typed when loaded, and the assessments sorted by resident (as a pandas dashboard that
reads one resident's rows at a time would hold them), so a resident's rows are a slice, not a scan.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cbme.config import ProgramConfig, program_config
from cbme.rules import meeting

DATES = {"residents": ["training_start_date"], "resident_stages": ["start_date"],
         "coach_assignments": ["start_date", "end_date"], "assessments": ["assessment_date"],
         "coaching_sessions": ["scheduled_date", "next_planned_date"], "committee_decisions": ["meeting_date"],
         "committee_meetings": ["meeting_date"], "meeting_reviewers": ["meeting_date"],
         "reviewer_notes": ["meeting_date", "written_at"]}
MISSED = ("cancelled by resident", "cancelled by coach", "no-show")
COMMITTEE = ("committee_chair", "committee_member")
STAGE_ORDER = {"TTD": 0, "FOD": 1, "COD": 2, "TTP": 3}


def load(folder: Path) -> dict[str, pd.DataFrame]:
    """Every export table of a benchmark dataset (benchmarks.datasets): the reference tables, and the
    assessments of every program sorted by resident and date."""
    tables = {path.stem: pd.read_csv(path, parse_dates=DATES.get(path.stem, []))
              for path in sorted((folder / "exports").glob("*.csv"))}
    assessments = pd.concat([pd.read_csv(path, parse_dates=DATES["assessments"])
                             for path in sorted((folder / "by-program").glob("program=*/*.csv"))], ignore_index=True)
    tables["assessments"] = assessments.sort_values(["resident_id", "assessment_date", "assessment_id"],
                                                    ignore_index=True)
    tables["coaching_sessions"] = tables["coaching_sessions"].sort_values(["resident_id", "scheduled_date"],
                                                                          ignore_index=True)
    return tables


def _rows(frame: pd.DataFrame, resident_ids) -> pd.DataFrame:
    """The rows of the given residents in a frame sorted by resident_id: slices found by binary search."""
    keys = frame["resident_id"].to_numpy()
    ids = np.asarray(sorted(set(resident_ids)), dtype=object)
    starts, ends = keys.searchsorted(ids, "left"), keys.searchsorted(ids, "right")
    return frame.iloc[np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)] or [np.arange(0)])]


def _round(values: pd.Series, digits: int) -> pd.Series:
    """Rounded half away from zero, as DuckDB's round() (pandas rounds half to even)."""
    scale = 10 ** digits
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


def _day(as_of: dt.date) -> pd.Timestamp:
    return pd.Timestamp(as_of)


def _epa_order(code: str) -> list:
    """EPA codes in the order the dashboard lists them (epa_order() in the schema): 1.2 before 1.10."""
    return [part.rjust(12, "0") if part.isdigit() else part.lower() for part in re.findall(r"\d+|\D+", code)]


def _epa_rank(codes: pd.Series) -> pd.Series:
    """Each code's place in that order, to sort a frame by."""
    return codes.map({code: i for i, code in enumerate(sorted(codes.unique(), key=_epa_order))})


def _pgy(start: pd.Series, as_of: dt.date) -> pd.Series:
    months = (as_of.year - start.dt.year) * 12 + (as_of.month - start.dt.month)
    return (months // 12 + 1).clip(upper=5)


def _narrative(x: pd.DataFrame) -> pd.Series:
    text = x["strengths"].fillna("") + " " + x["improvement"].fillna("")
    return text.str.strip() != ""


def visible_residents(t: dict, viewer: str) -> pd.Index:
    """The residents the viewer may see: their programs' residents for a program lead or committee
    member, their coachees (current and past) for a coach."""
    roles = t["roles"][t["roles"]["person_id"] == viewer]
    residents = t["residents"]
    programs = roles.loc[roles["role"].isin(("program_lead", *COMMITTEE)), "program_id"]
    coached = t["coach_assignments"][t["coach_assignments"]["coach_id"] == viewer]
    coached = coached.merge(residents[["resident_id", "program_id"]], on="resident_id")
    coached = coached[coached["program_id"].isin(roles.loc[roles["role"] == "coach", "program_id"])]
    return pd.Index(residents.loc[residents["program_id"].isin(programs), "resident_id"]).union(
        pd.Index(coached["resident_id"]))


def _in_program(t: dict, viewer: str, program: str, as_of: dt.date) -> pd.DataFrame:
    r = t["residents"]
    return r[(r["program_id"] == program) & (r["training_start_date"] <= _day(as_of))
             & r["resident_id"].isin(visible_residents(t, viewer))]


def _stage_on(t: dict, resident_ids, as_of: dt.date) -> pd.DataFrame:
    s = t["resident_stages"]
    s = s[s["resident_id"].isin(resident_ids) & (s["start_date"] <= _day(as_of))]
    return s.sort_values("start_date").groupby("resident_id").tail(1)


def _pairs_on(t: dict, as_of: dt.date) -> pd.DataFrame:
    a = t["coach_assignments"]
    return a[(a["start_date"] <= _day(as_of)) & (a["end_date"].isna() | (a["end_date"] > _day(as_of)))]


def _names(t: dict) -> pd.Series:
    return t["people"].set_index("person_id")["name"]


def _in_force(decisions: pd.DataFrame) -> pd.DataFrame:
    """One decision per resident and meeting: the last version (the exports hold one each)."""
    return decisions.drop_duplicates(["resident_id", "meeting_date"], keep="last")


def _only(residents: pd.DataFrame, resident_id: str) -> pd.DataFrame:
    """The residents, or the one named (as the queries' $resident_id: empty for all)."""
    return residents[residents["resident_id"] == resident_id] if resident_id else residents


def meeting_agenda(t: dict, viewer: str, program: str, as_of: dt.date, resident_id: str = "") -> pd.DataFrame:
    day = _day(as_of)
    r = _only(_in_program(t, viewer, program, as_of), resident_id)[["resident_id", "name", "training_start_date"]]
    stage = _stage_on(t, r["resident_id"], as_of)[["resident_id", "stage", "start_date"]]
    coach = _pairs_on(t, as_of)[["resident_id", "coach_id"]]
    coach = coach.assign(coach_name=coach["coach_id"].map(_names(t)))
    roles = t["roles"]
    committee = roles.loc[(roles["program_id"] == program) & roles["role"].isin(COMMITTEE), "person_id"]
    decisions = _in_force(t["committee_decisions"][t["committee_decisions"]["resident_id"].isin(r["resident_id"])])
    previous = decisions[decisions["meeting_date"] < day].sort_values("meeting_date").groupby("resident_id").tail(1)
    this = decisions[decisions["meeting_date"] == day][["resident_id", "status"]]
    agenda = (r.merge(stage, how="left", on="resident_id").merge(coach, how="left", on="resident_id")
              .merge(previous[["resident_id", "decision_id", "meeting_date", "status", "actions", "follow_up_date"]]
                     .rename(columns={"decision_id": "previous_decision_id", "meeting_date": "previous_decision_date",
                                      "status": "previous_decision_status", "actions": "previous_actions",
                                      "follow_up_date": "previous_follow_up_date"}), how="left", on="resident_id")
              .merge(this.rename(columns={"status": "decision_this_meeting"}), how="left", on="resident_id"))
    before_training = agenda["training_start_date"] - pd.Timedelta(days=1)
    agenda["review_since"] = agenda["previous_decision_date"].fillna(before_training)
    since = agenda.set_index("resident_id")["review_since"]

    x = _rows(t["assessments"], r["resident_id"])
    x = x[x["assessment_date"] <= day]
    after = x[x["assessment_date"] > x["resident_id"].map(since)]
    new = pd.DataFrame({"new_observations": (after["form_type"].eq("epa_observation") & ~after["expired"]),
                        "new_flags": after["flag"].notna(), "new_narratives": _narrative(after),
                        "resident_id": after["resident_id"]}).groupby("resident_id").sum()
    epas = t["epas"][t["epas"]["program_id"] == program][["epa_code", "target_entrustment", "required_observations"]]
    observed = x[(x["form_type"] == "epa_observation") & ~x["expired"]].merge(epas, on="epa_code")
    observed = observed[observed["entrustment"] >= observed["target_entrustment"]]
    counts = observed.assign(before=observed["assessment_date"] <= observed["resident_id"].map(since)).groupby(
        ["resident_id", "epa_code", "required_observations"]).agg(now=("before", "size"), before=("before", "sum"))
    counts = counts.reset_index()
    newly = counts[(counts["now"] >= counts["required_observations"])
                   & (counts["before"] < counts["required_observations"])]
    newly = newly.groupby("resident_id")["epa_code"].agg(lambda codes: sorted(codes, key=_epa_order))

    s = _rows(t["coaching_sessions"], r["resident_id"])
    s = s[(s["scheduled_date"] > s["resident_id"].map(since)) & (s["scheduled_date"] <= day)]
    coaching = pd.DataFrame({"coaching_held": s["status"].eq("held"), "coaching_missed": s["status"].isin(MISSED),
                             "resident_id": s["resident_id"]}).groupby("resident_id").sum()
    v = t["meeting_reviewers"]
    v = v[(v["program_id"] == program) & (v["meeting_date"] == day)]
    reviewers = v.assign(name=v["person_id"].map(_names(t))).pivot_table(
        index="resident_id", columns="reviewer_role", values=["person_id", "name"], aggfunc="max")
    agenda = agenda.join(new, on="resident_id").join(coaching, on="resident_id")
    counted = ["new_observations", "new_flags", "new_narratives", "coaching_held", "coaching_missed"]
    agenda[counted] = agenda[counted].fillna(0).astype(int)
    listed = agenda["resident_id"].map(newly)
    return agenda.assign(
        stage_start_date=agenda["start_date"], months_in_stage=(day - agenda["start_date"]).dt.days / 30.44,
        pgy=_pgy(agenda["training_start_date"], as_of), coach_on_committee=agenda["coach_id"].isin(committee),
        previous_actions=agenda["previous_actions"].map(lambda a: a.split(";") if isinstance(a, str) else []),
        primary_reviewer_id=agenda["resident_id"].map(_column(reviewers, "person_id", "primary")),
        primary_reviewer=agenda["resident_id"].map(_column(reviewers, "name", "primary")),
        secondary_reviewer_id=agenda["resident_id"].map(_column(reviewers, "person_id", "secondary")),
        secondary_reviewer=agenda["resident_id"].map(_column(reviewers, "name", "secondary")),
        added_by_hand=False,  # (no export holds residents added to a meeting by hand)
        epas_newly_achieved=listed.map(lambda c: len(c) if isinstance(c, list) else 0),
        epas_newly_achieved_list=listed.map(lambda c: c if isinstance(c, list) else []),
    ).sort_values("name", ignore_index=True)


def _column(pivoted: pd.DataFrame, value: str, role: str) -> pd.Series:
    return pivoted[(value, role)] if (value, role) in pivoted.columns else pd.Series(dtype=object)


def meeting_epa_evidence(t: dict, viewer: str, program: str, as_of: dt.date, config: ProgramConfig,
                         resident_id: str = "") -> pd.DataFrame:
    day = _day(as_of)
    r = t["residents"]
    r = _only(r[(r["program_id"] == program) & r["resident_id"].isin(visible_residents(t, viewer))], resident_id)
    stage = _stage_on(t, r["resident_id"], as_of)[["resident_id", "stage"]]
    epas = t["epas"][t["epas"]["program_id"] == program]
    plan = stage.merge(epas, on="stage")[["resident_id", "epa_code", "target_entrustment", "required_observations"]]
    x = _rows(t["assessments"], r["resident_id"])
    x = x[(x["form_type"] == "epa_observation") & ~x["expired"] & x["entrustment"].notna()
          & (x["assessment_date"] <= day)]
    o = x.merge(plan, on=["resident_id", "epa_code"])
    o = o.assign(case_type=o["context"].fillna(o["setting"]), has_narrative=_narrative(o),
                 actionable=o["improvement"].fillna("").str.strip().str.len() >= config.actionable_min_chars,
                 achieved=o["entrustment"] >= o["target_entrustment"],
                 recent=o["assessment_date"] > day - pd.Timedelta(weeks=config.recent_weeks))
    groups = o.groupby(["resident_id", "epa_code"])
    per_epa = groups.agg(observations=("entrustment", "size"), assessors=("assessor_id", "nunique"),
                         assessor_roles=("assessor_role", "nunique"), recent_observations=("recent", "sum"),
                         contexts=("case_type", "nunique"), narratives=("has_narrative", "sum"),
                         actionable=("actionable", "sum"), achieved=("achieved", "sum"))
    newest = o.sort_values(["assessment_date", "assessment_id"]).groupby(["resident_id", "epa_code"]).tail(
        config.recent_ratings)
    per_epa["current_level"] = _round(newest.groupby(["resident_id", "epa_code"])["entrustment"].mean(), 2)
    per_assessor = o.groupby(["resident_id", "epa_code", "assessor_id"])["entrustment"].agg(["mean", "size"])
    per_assessor = per_assessor[per_assessor["size"] >= 2].groupby(["resident_id", "epa_code"])["mean"]
    per_epa["assessor_spread"] = _round(per_assessor.std()[per_assessor.size() >= 3], 2)
    recent = o[o["assessment_date"] > day - pd.DateOffset(months=config.trend_months)]
    months = (recent["assessment_date"] - day).dt.days / 30.44
    xy = pd.DataFrame({"resident_id": recent["resident_id"], "x": months, "y": recent["entrustment"],
                       "xy": months * recent["entrustment"], "xx": months * months}).groupby("resident_id")
    sums, n = xy.sum(), xy.size()
    slope = (sums["xy"] - sums["x"] * sums["y"] / n) / (sums["xx"] - sums["x"] ** 2 / n)
    trend = pd.DataFrame({"stage_trend_per_month": _round(slope.replace([np.inf, -np.inf], np.nan), 3),
                          "stage_trend_ratings": n})
    evidence = plan.join(per_epa, on=["resident_id", "epa_code"]).join(trend, on="resident_id")
    counted = ["achieved", "observations", "assessors", "assessor_roles", "recent_observations", "contexts",
               "narratives", "actionable", "stage_trend_ratings"]
    evidence[counted] = evidence[counted].fillna(0).astype(int)
    ordered = evidence.assign(order=_epa_rank(evidence["epa_code"])).sort_values(["resident_id", "order"])
    return ordered.drop(columns="order").reset_index(drop=True)


def coaching_pairs(t: dict, viewer: str, program: str, as_of: dt.date, cadence_days: int,
                   coach_id: str = "", resident_id: str = "") -> pd.DataFrame:
    day = _day(as_of)
    r = t["residents"]
    r = _only(r[(r["program_id"] == program) & r["resident_id"].isin(visible_residents(t, viewer))], resident_id)
    pairs = _pairs_on(t, as_of).merge(r[["resident_id", "name"]], on="resident_id")
    if coach_id:
        pairs = pairs[pairs["coach_id"] == coach_id]
    pairs = pairs.rename(columns={"name": "resident_name", "start_date": "pairing_start"}).assign(
        coach_name=pairs["coach_id"].map(_names(t)))
    s = _rows(t["coaching_sessions"], pairs["resident_id"]).merge(pairs[["resident_id", "coach_id", "pairing_start"]],
                                                                  on=["resident_id", "coach_id"])
    past = s[s["scheduled_date"] <= day]
    held = past[past["status"] == "held"].groupby(["resident_id", "coach_id"])["scheduled_date"].max()
    counts = pd.crosstab([past["resident_id"], past["coach_id"]], past["status"]).reindex(
        columns=["held", *MISSED], fill_value=0)
    counts.columns = ["held", "cancelled_by_resident", "cancelled_by_coach", "no_show"]
    planned = s[s["scheduled_date"] > day].groupby(["resident_id", "coach_id"])["scheduled_date"].min()
    pairs = pairs.join(held.rename("last_held"), on=["resident_id", "coach_id"]).join(
        planned.rename("next_planned"), on=["resident_id", "coach_id"]).join(counts, on=["resident_id", "coach_id"])
    pairs[counts.columns] = pairs[counts.columns].fillna(0).astype(int)
    pairs["next_due"] = pairs["last_held"].fillna(pairs["pairing_start"]) + pd.Timedelta(days=cadence_days)
    start = past["resident_id"].map(pairs.set_index("resident_id")["last_held"].fillna(
        pairs.set_index("resident_id")["pairing_start"] - pd.Timedelta(days=1)))
    missed = past[past["status"].isin(MISSED) & (past["scheduled_date"] > start)]
    missed_total = counts[["cancelled_by_resident", "cancelled_by_coach", "no_show"]].sum(axis=1)
    all_total = missed_total + counts["held"]
    share = _round(missed_total / all_total.where(all_total > 0), 3)
    return pairs.assign(
        days_since_last_held=(day - pairs["last_held"]).dt.days,
        days_overdue=(day - pairs["next_due"]).dt.days.clip(lower=0),
        missed_since_last_held=pairs["resident_id"].map(missed.groupby("resident_id").size()).fillna(0).astype(int),
        missed_share=pairs.join(share.rename("share"), on=["resident_id", "coach_id"])["share"],
    ).sort_values(["days_overdue", "coach_name", "resident_name"], ascending=[False, True, True], ignore_index=True)


def agenda(t: dict, viewer: str, program: str, as_of: dt.date, resident_id: str = "") -> tuple[pd.DataFrame, dict]:
    """The built agenda with every resident's status (what reads.meeting_agenda gives the pages), or one
    resident's row and status (reads.resident_review)."""
    config = program_config(program)
    return meeting.build_agenda(meeting_agenda(t, viewer, program, as_of, resident_id),
                                meeting_epa_evidence(t, viewer, program, as_of, config, resident_id),
                                coaching_pairs(t, viewer, program, as_of, config.coaching_cadence_days,
                                               resident_id=resident_id), config, as_of)


def viewer_residents(t: dict, viewer: str, program: str, as_of: dt.date) -> pd.DataFrame:
    r = _in_program(t, viewer, program, as_of)[["resident_id", "name", "training_start_date"]]
    coach = _pairs_on(t, as_of)
    return r.assign(stage=r["resident_id"].map(_stage_on(t, r["resident_id"], as_of).set_index("resident_id")["stage"]),
                    pgy=_pgy(r["training_start_date"], as_of),
                    coach_name=r["resident_id"].map(coach.set_index("resident_id")["coach_id"].map(_names(t)))
                    ).sort_values("name")


def resident_profile(t: dict, resident_id: str, as_of: dt.date) -> dict:
    day = _day(as_of)
    r = t["residents"].set_index("resident_id").loc[resident_id]
    stage = _stage_on(t, [resident_id], as_of)
    coach = _pairs_on(t, as_of)
    coach = coach[coach["resident_id"] == resident_id]
    coach_id = coach["coach_id"].iloc[0] if not coach.empty else None
    x = _rows(t["assessments"], [resident_id])
    coach_assessments = int(((x["assessor_id"] == coach_id) & (x["assessment_date"] <= day)).sum())
    roles = t["roles"]
    on_committee = bool(((roles["person_id"] == coach_id) & (roles["program_id"] == r["program_id"])
                         & roles["role"].isin(COMMITTEE)).any())
    d = t["committee_decisions"]
    d = d[(d["resident_id"] == resident_id) & (d["meeting_date"] <= day)].sort_values("meeting_date")
    return {"name": r["name"], "status": r["status"], "training_start_date": r["training_start_date"],
            "pgy": int(_pgy(pd.Series([r["training_start_date"]]), as_of).iloc[0]),
            "stage": stage["stage"].iloc[0] if not stage.empty else None,
            "stage_start_date": stage["start_date"].iloc[0] if not stage.empty else None,
            "coach_name": _names(t).get(coach_id), "coach_assessments": coach_assessments,
            "coach_on_committee": on_committee,
            "coaching_model": None if coach_id is None else "supervises" if coach_assessments else
            "committee" if on_committee else "no assessor role",
            "last_decision_status": d["status"].iloc[-1] if not d.empty else None,
            "last_decision_date": d["meeting_date"].iloc[-1] if not d.empty else None}


def resident_epa_progress(t: dict, program: str, resident_id: str, as_of: dt.date) -> pd.DataFrame:
    x = _rows(t["assessments"], [resident_id])
    o = x[(x["form_type"] == "epa_observation") & (x["assessment_date"] <= _day(as_of))]
    done = o[~o["expired"]]
    epas = t["epas"][t["epas"]["program_id"] == program].set_index("epa_code")
    achieved = done[done["entrustment"] >= done["epa_code"].map(epas["target_entrustment"])]
    progress = epas.assign(
        observations=done.groupby("epa_code").size(), achieved=achieved.groupby("epa_code").size(),
        expired=o[o["expired"]].groupby("epa_code").size(), assessors=done.groupby("epa_code")["assessor_id"].nunique(),
        last_observed=done.groupby("epa_code")["assessment_date"].max(),
        mean_entrustment=_round(o.groupby("epa_code")["entrustment"].mean(), 2))
    counted = ["observations", "achieved", "expired", "assessors"]
    progress[counted] = progress[counted].fillna(0).astype(int)
    progress["complete"] = progress["achieved"] >= progress["required_observations"]
    progress = progress.reset_index()
    ordered = progress.assign(s=progress["stage"].map(STAGE_ORDER), o=_epa_rank(progress["epa_code"]))
    return ordered.sort_values(["s", "o"]).drop(columns=["s", "o"])


def resident_entrustment(t: dict, program: str, resident_id: str, as_of: dt.date) -> pd.DataFrame:
    x = _rows(t["assessments"], [resident_id])
    o = x[(x["form_type"] == "epa_observation") & ~x["expired"] & x["entrustment"].notna()
          & (x["assessment_date"] <= _day(as_of))]
    epas = t["epas"][t["epas"]["program_id"] == program].set_index("epa_code")
    return pd.DataFrame({
        "assessment_date": o["assessment_date"], "epa_code": o["epa_code"],
        "epa_title": o["epa_code"].map(epas["title"]), "epa_stage": o["epa_code"].map(epas["stage"]),
        "entrustment": o["entrustment"], "recent_mean": _round(o.groupby("epa_code")["entrustment"].rolling(
            5, min_periods=1).mean().droplevel(0), 2),
        "directly_observed": o["directly_observed"], "assessor_name": o["assessor_id"].map(_names(t))})


def resident_stage_history(t: dict, resident_id: str, as_of: dt.date) -> pd.DataFrame:
    s = t["resident_stages"]
    return s[(s["resident_id"] == resident_id) & (s["start_date"] <= _day(as_of))].sort_values("start_date")


def resident_decisions(t: dict, resident_id: str, as_of: dt.date) -> pd.DataFrame:
    d = t["committee_decisions"]
    d = d[(d["resident_id"] == resident_id) & (d["meeting_date"] <= _day(as_of))]
    names = _names(t)

    def listed(ids) -> str:
        return ", ".join(sorted(names.get(p, p) for p in ids.split(";"))) if isinstance(ids, str) else ""

    return d.assign(actions=d["actions"].str.replace(";", ", "), members_present=d["members_present"].map(listed),
                    members_recused=d["members_recused"].map(listed), recorded_by=d["recorded_by"].map(names),
                    ).sort_values("meeting_date", ascending=False)


def resident_narratives(t: dict, resident_id: str, date_from: dt.date, date_to: dt.date) -> pd.DataFrame:
    x = _rows(t["assessments"], [resident_id])
    x = x[(x["assessment_date"] >= _day(date_from)) & (x["assessment_date"] <= _day(date_to))
          & (_narrative(x) | x["flag"].notna())]
    return x.assign(assessor_name=x["assessor_id"].map(_names(t))).sort_values(
        ["assessment_date", "assessment_id"], ascending=False)


def resident_coaching_sessions(t: dict, resident_id: str, as_of: dt.date) -> pd.DataFrame:
    s = _rows(t["coaching_sessions"], [resident_id])
    return s.assign(status=s["status"].where(s["scheduled_date"] <= _day(as_of), "upcoming"),
                    coach_name=s["coach_id"].map(_names(t))).sort_values(["scheduled_date", "session_id"])


def meeting_reviewer_notes(t: dict, program: str, as_of: dt.date) -> pd.DataFrame:
    v, n = t["meeting_reviewers"], t["reviewer_notes"]
    v = v[(v["program_id"] == program) & (v["meeting_date"] == _day(as_of))]
    n = n[(n["program_id"] == program) & (n["meeting_date"] == _day(as_of))].sort_values("written_at")
    latest = n.groupby(["resident_id", "reviewer_id"]).tail(1).rename(columns={"reviewer_id": "person_id"})
    return v.assign(name=v["person_id"].map(_names(t))).merge(
        latest[["resident_id", "person_id", "note", "written_at"]], how="left", on=["resident_id", "person_id"])


def program_committee(t: dict, program: str) -> pd.DataFrame:
    g = t["roles"]
    g = g[(g["program_id"] == program) & g["role"].isin(COMMITTEE)]
    members = g.assign(is_chair=g["role"] == "committee_chair").groupby("person_id")["is_chair"].max().reset_index()
    return members.assign(name=members["person_id"].map(_names(t)), attending=False).sort_values(
        ["is_chair", "name"], ascending=[False, True])  # (no export holds attendance: nobody recorded)


def residents_without_coach(t: dict, viewer: str, program: str, as_of: dt.date) -> pd.DataFrame:
    r = _in_program(t, viewer, program, as_of)
    r = r[r["status"].isin(("active", "on leave")) & ~r["resident_id"].isin(_pairs_on(t, as_of)["resident_id"])]
    stage = _stage_on(t, r["resident_id"], as_of).set_index("resident_id")["stage"]
    return r.assign(stage=r["resident_id"].map(stage)).sort_values("name")


def coach_workload(t: dict, program: str, as_of: dt.date, ceiling: int) -> pd.DataFrame:
    day = _day(as_of)
    g = t["roles"]
    coaches = g.loc[(g["program_id"] == program) & (g["role"] == "coach"), ["person_id"]].rename(
        columns={"person_id": "coach_id"})
    residents = t["residents"].loc[t["residents"]["program_id"] == program, "resident_id"]
    pairs = _pairs_on(t, as_of)
    coachees = pairs[pairs["resident_id"].isin(residents)].groupby("coach_id").size()
    s = _rows(t["coaching_sessions"], residents)
    s = s[(s["scheduled_date"] <= day) & (s["scheduled_date"] > day - pd.DateOffset(months=12))
          & (s["status"] != "upcoming")]
    counts = pd.crosstab(s["coach_id"], s["status"]).reindex(columns=["held", *MISSED], fill_value=0)
    counts.columns = ["held", "cancelled_by_resident", "cancelled_by_coach", "no_show"]
    missed = counts[["cancelled_by_resident", "cancelled_by_coach", "no_show"]].sum(axis=1)
    workload = coaches.join(counts, on="coach_id").fillna(0)
    workload = workload.assign(coach_name=workload["coach_id"].map(_names(t)),
                               coachees=workload["coach_id"].map(coachees).fillna(0).astype(int),
                               missed_share=workload["coach_id"].map(
                                   _round(missed / (missed + counts["held"]).where(lambda n: n > 0), 3)))
    return workload.assign(over_ceiling=workload["coachees"] > ceiling).sort_values(
        ["coachees", "coach_name"], ascending=[False, True])


def program_coaching_sessions(t: dict, program: str, as_of: dt.date) -> pd.DataFrame:
    day = _day(as_of)
    residents = t["residents"][t["residents"]["program_id"] == program].set_index("resident_id")["name"]
    s = _rows(t["coaching_sessions"], residents.index)
    s = s[s["scheduled_date"] > day - pd.DateOffset(months=12)]
    return s.assign(status=s["status"].where(s["scheduled_date"] <= day, "upcoming"),
                    coach_name=s["coach_id"].map(_names(t)), resident_name=s["resident_id"].map(residents)
                    ).sort_values(["coach_name", "scheduled_date"])


def coachee_outcomes(t: dict, program: str, coach_id: str, as_of: dt.date) -> pd.DataFrame:
    day = _day(as_of)
    pairs = _pairs_on(t, as_of)
    coachees = pairs.loc[pairs["coach_id"] == coach_id, "resident_id"]
    d = t["committee_decisions"]
    d = d[d["resident_id"].isin(coachees) & (d["meeting_date"] <= day)].sort_values("meeting_date")
    latest = d.groupby("resident_id").tail(1).set_index("resident_id")
    m = t["committee_meetings"]
    upcoming = m.loc[(m["program_id"] == program) & (m["meeting_date"] > day), "meeting_date"]
    return pd.DataFrame({"resident_id": coachees}).assign(
        decision_status=coachees.map(latest["status"]), decision_actions=coachees.map(latest["actions"]),
        follow_up_date=coachees.map(latest["follow_up_date"]), next_meeting_date=upcoming.min())


def coachee_since_session(t: dict, program: str, resident_id: str, as_of: dt.date, since: dt.date) -> pd.DataFrame:
    stage = _stage_on(t, [resident_id], as_of)["stage"]
    epas = t["epas"][t["epas"]["program_id"] == program].set_index("epa_code")
    x = _rows(t["assessments"], [resident_id])
    o = x[(x["form_type"] == "epa_observation") & ~x["expired"] & x["entrustment"].notna()
          & (x["assessment_date"] <= _day(as_of))]
    o = o.assign(achieved=o["entrustment"] >= o["epa_code"].map(epas["target_entrustment"]),
                 after=o["assessment_date"] > _day(since))
    after, before = o[o["after"]], o[~o["after"]]
    per_epa = epas.assign(
        observations_since=after.groupby("epa_code").size(),
        mean_since=_round(after.groupby("epa_code")["entrustment"].mean(), 2),
        mean_before=_round(before.groupby("epa_code").tail(5).groupby("epa_code")["entrustment"].mean(), 2),
        achieved_before=before[before["achieved"]].groupby("epa_code").size(),
        achieved_now=o[o["achieved"]].groupby("epa_code").size())
    counted = ["observations_since", "achieved_before", "achieved_now"]
    per_epa[counted] = per_epa[counted].fillna(0).astype(int)
    reached = per_epa["achieved_now"] >= per_epa["required_observations"]
    return per_epa.assign(newly_achieved=reached & (per_epa["achieved_before"] < per_epa["required_observations"]),
                          needs_exposure=(per_epa["stage"] == (stage.iloc[0] if not stage.empty else None)) & ~reached
                          ).reset_index()

