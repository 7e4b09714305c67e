"""Deterministic demo residency programs, written as the canonical export files a program imports.

Everything comes from one seed, so the same spec always yields the same files. The generator is
vectorised with numpy so that benchmark datasets of millions of assessments build in reasonable time.

Residents follow individual learning curves: most progress as expected, a few struggle, some plateau,
a few are accelerated. Assessors differ in leniency and in how much they write. Coaches work under the
three coaching models, and two coaches per program let their coachees' sessions lapse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cbme.vocabulary import COMMITTEE_ROLES, SESSION_OUTCOMES, STAGES

DAY = np.timedelta64(1, "D")

# (code, stage, title, required observations, contextual requirements)
EPA_CATALOGUE = [
    ("TTD 1", "TTD", "Performing and documenting a focused history and physical examination", 3, None),
    ("TTD 2", "TTD", "Recognizing an unwell patient and asking for help early", 2, None),
    ("TTD 3", "TTD", "Handing over the care of a patient at the end of a shift", 2, None),
    ("F 1", "FOD", "Assessing and managing a patient with a common acute presentation", 6,
     "At least 3 different presentations"),
    ("F 2", "FOD", "Initiating resuscitation of the unstable patient", 4, "At least 2 different observers"),
    ("F 3", "FOD", "Performing common bedside procedures", 5, "May be simulated"),
    ("F 4", "FOD", "Discussing a diagnosis and plan with a patient and family", 3, None),
    ("F 5", "FOD", "Writing clear admission and discharge orders", 4, None),
    ("F 6", "FOD", "Consulting another service with a focused question", 3, None),
    ("C 1", "COD", "Leading the resuscitation of a critically ill patient", 8,
     "At least 3 different observers; at least 1 in the intensive care unit"),
    ("C 2", "COD", "Managing a patient with an undifferentiated complex presentation", 8, None),
    ("C 3", "COD", "Managing patients with acute chest pain or shortness of breath", 6, None),
    ("C 4", "COD", "Performing advanced procedures safely", 6, "May be simulated"),
    ("C 5", "COD", "Managing the care of several patients at once", 5, None),
    ("C 6", "COD", "Leading a goals-of-care conversation", 4, None),
    ("C 7", "COD", "Recognizing and managing an adverse event", 3, None),
    ("C 8", "COD", "Supervising and teaching junior learners", 4, "At least 2 different observers"),
    ("C 9", "COD", "Managing the older adult with delirium or falls", 4, None),
    ("C 10", "COD", "Managing acute mental health and substance use presentations", 4, None),
    ("C 11", "COD", "Managing pregnancy-related emergencies", 3, "May be simulated"),
    ("C 12", "COD", "Managing the injured patient", 6, None),
    ("TP 1", "TTP", "Running a clinical team for a whole shift", 4, None),
    ("TP 2", "TTP", "Managing the flow of a department under pressure", 3, None),
    ("TP 3", "TTP", "Coordinating care across services and settings", 3, None),
    ("TP 4", "TTP", "Leading quality improvement from a patient case", 2, None),
]
STAGE_CODES = list(STAGES)
# Month of training at which each stage starts, for a resident who progresses as expected.
STAGE_START_MONTH = np.array([0.0, 2.0, 14.0, 48.0])
# Months for a typical resident to close about two thirds of the gap to their ceiling on a stage's EPAs.
STAGE_LEARNING_MONTHS = np.array([0.8, 4.8, 13.6, 4.8])

SETTINGS = np.array(["Emergency department", "Inpatient ward", "Intensive care unit", "Clinic",
                     "Simulation"])
SETTING_WEIGHTS = np.array([0.42, 0.26, 0.14, 0.10, 0.08])
AGE_GROUPS = np.array(["adult", "older adult", "pediatric"])
PRESENTATIONS = np.array(["chest pain", "shortness of breath", "abdominal pain", "altered mental status",
                          "trauma", "sepsis", "syncope", "headache", "fever"])

STRENGTHS = np.array([
    "Organized, focused history that went straight to the red flags.",
    "Clear and concise presentation to the team.",
    "Recognized deterioration early and escalated appropriately.",
    "Calm leadership at the bedside; closed-loop communication throughout.",
    "Explained the plan to the family in plain language and checked understanding.",
    "Safe, well-prepared procedure with good sterile technique.",
    "Thoughtful differential diagnosis that included the dangerous causes.",
    "Excellent documentation; the note told the story.",
    "Prioritized tasks well during a busy shift.",
    "Supported the junior learner with useful teaching points.",
    "Good rapport with a distressed patient.",
    "Followed up on results without being reminded.",
])
STRENGTH_FILLERS = np.array(["Good job.", "Solid work.", "Nice shift.", "Great to work with."])
IMPROVEMENTS = np.array([
    "Next time, state your working diagnosis before listing investigations.",
    "Commit to a disposition earlier; you had the information you needed.",
    "Review the weight-based dosing for sedation before the next procedure.",
    "When handing over, lead with the sickest patient and the pending tasks.",
    "Ask the family what matters most to them before discussing options.",
    "Re-examine the patient after each intervention and say out loud what changed.",
    "Practise the airway checklist in the simulation lab before your next resuscitation.",
    "Delegate tasks by name so that nothing is left unassigned.",
    "Check goals of care on admission for every frail older patient.",
    "Summarize the plan for the nurse before leaving the bedside.",
])
IMPROVEMENT_FILLERS = np.array(["Keep reading.", "Keep it up.", "More practice.", "None."])
FLAG_COMMENTS = {
    "professionalism": [
        "Arrived late to handover repeatedly and did not inform the team.",
        "Dismissive tone with nursing staff during a busy shift; discussed afterwards.",
    ],
    "patient safety": [
        "Ordered a medication the patient had a documented allergy to; caught by pharmacy.",
        "Did not escalate a falling blood pressure for over an hour.",
    ],
}
FIRST_NAMES = np.array([
    "Amara", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonah", "Keiko", "Liam",
    "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Uma", "Victor", "Wen", "Xavier",
    "Yara", "Zoe", "Aisha", "Bruno", "Carmen", "Daniel", "Esther", "Felix", "Gita", "Hamza", "Isla",
    "Jules", "Kofi", "Lena", "Mateo", "Nadia",
])
LAST_NAMES = np.array([
    "Abara", "Bergeron", "Chen", "Dubois", "Eriksen", "Fontaine", "Gagnon", "Haddad", "Ito", "Jensen",
    "Kaur", "Lavoie", "Morin", "Nguyen", "Okafor", "Patel", "Quispe", "Roy", "Singh", "Tremblay",
    "Usman", "Valdez", "Wong", "Yilmaz", "Zhang", "Amini", "Bouchard", "Costa", "Desai", "Ellis",
])
ASSESSOR_ROLES = np.array(["faculty", "resident", "fellow", "nurse", "allied health"])
ASSESSOR_ROLE_WEIGHTS = np.array([0.74, 0.12, 0.06, 0.05, 0.03])


@dataclass(frozen=True)
class DemoSpec:
    """What to generate. The defaults are the embedded demo program."""

    seed: int = 7
    residents: int = 48
    programs: int = 1
    end_date: dt.date = field(default_factory=dt.date.today)


@dataclass
class _Program:
    """Per-program frames being assembled."""

    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def add(self, name: str, frame: pd.DataFrame) -> None:
        self.tables.setdefault(name, []).append(frame)


def _dates(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


def _academic_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month >= 7 else day.year - 1, 7, 1)


def _names(rng: np.random.Generator, n: int, prefix: str = "") -> list[str]:
    """Distinct names while the name pools allow it."""
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    pick = rng.choice(combos, n, replace=n > combos)
    return [f"{prefix}{FIRST_NAMES[k // len(LAST_NAMES)]} {LAST_NAMES[k % len(LAST_NAMES)]}" for k in pick]


def _join_sentences(rng, pool, counts) -> list[str | None]:
    """Up to three distinct sentences from pool per item."""
    picks = np.argsort(rng.random((len(counts), len(pool))), axis=1)[:, :3]
    return [" ".join(pool[row[:c]]) if c else None for row, c in zip(picks, counts)]


def generate(spec: DemoSpec, out_dir: Path) -> dict[str, int]:
    """Write one CSV per table into out_dir; return the number of rows of each."""
    rng = np.random.default_rng(spec.seed)
    out = _Program()
    per_program = np.full(spec.programs, spec.residents // spec.programs)
    per_program[: spec.residents % spec.programs] += 1
    for index, n_residents in enumerate(per_program):
        _generate_program(rng, spec, index, int(n_residents), out)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, frames in out.tables.items():
        table = pd.concat(frames, ignore_index=True)
        table.to_csv(out_dir / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        counts[name] = len(table)
    return counts


def _generate_program(rng, spec: DemoSpec, index: int, n_residents: int, out: _Program) -> None:
    code = "EM" if spec.programs == 1 else f"EM{index + 1:03d}"
    end = np.datetime64(spec.end_date, "D")
    out.add("programs", pd.DataFrame({
        "program_id": [code], "name": [f"Emergency Medicine{'' if spec.programs == 1 else f' {index + 1}'}"],
        "discipline": ["Emergency Medicine"]}))
    out.add("epas", pd.DataFrame({
        "program_id": code, "epa_code": [e[0] for e in EPA_CATALOGUE], "stage": [e[1] for e in EPA_CATALOGUE],
        "title": [e[2] for e in EPA_CATALOGUE], "required_observations": [e[3] for e in EPA_CATALOGUE],
        "target_entrustment": 4, "contextual_requirements": [e[4] for e in EPA_CATALOGUE]}))

    residents = _residents(rng, code, n_residents, spec.end_date)
    staff = _staff(rng, code, n_residents)
    out.add("people", staff["people"])
    out.add("sign_in_identities", staff["people"][["email", "person_id"]].rename(columns={"email": "identity"}))
    out.add("roles", staff["roles"])
    out.add("residents", residents[["resident_id", "program_id", "name", "email", "training_start_date",
                                    "status"]])
    out.add("resident_stages", _stage_history(residents, end))
    assignments = _coach_assignments(rng, residents, staff, end)
    out.add("coach_assignments", assignments)
    out.add("assessments", _assessments(rng, code, residents, staff, assignments, end))
    out.add("coaching_sessions", _coaching_sessions(rng, code, residents, staff, assignments, end))
    decisions = _decisions(code, residents, staff, assignments, end)
    out.add("committee_decisions", decisions)
    meetings = _meeting_calendar(residents, end)
    out.add("committee_meetings", pd.DataFrame({"program_id": code, "meeting_date": meetings}))
    reviewers, notes = _reviewers(rng, code, residents, staff, assignments, meetings[-1])
    out.add("meeting_reviewers", reviewers)
    out.add("reviewer_notes", notes)


def _residents(rng, code: str, n: int, end_date: dt.date) -> pd.DataFrame:
    """Five cohorts (PGY1-5), each with its own learning curve parameters."""
    this_year = _academic_year_start(end_date).year
    cohort = np.arange(n) % 5
    start = np.array([np.datetime64(dt.date(this_year - c, 7, 1), "D") for c in cohort])
    # Two of the newest cohort started off-cycle last month (a transfer, a return from leave).
    off_cycle = np.flatnonzero(cohort == 0)[-2:] if n >= 10 else []
    start[off_cycle] = np.datetime64(end_date.replace(day=1), "M").astype("datetime64[D]") - 31 * DAY
    start[off_cycle] = start[off_cycle].astype("datetime64[M]").astype("datetime64[D]")
    kind = np.full(n, "expected", dtype=object)
    # Fixed positions so every program has each trajectory; which cohort they fall in varies by n.
    special = {"struggling": max(1, round(n * 0.07)), "plateau": max(1, round(n * 0.02)),
               "accelerated": max(1, round(n * 0.02))}
    order = rng.permutation(np.flatnonzero(cohort > 0))  # not the newest cohort: too early to tell
    taken = 0
    for name, count in special.items():
        kind[order[taken: taken + count]] = name
        taken += count
    pace = rng.normal(1.0, 0.15, n).clip(0.7, 1.4)  # multiplies how long each stage's EPAs take to learn
    ceiling = rng.normal(4.7, 0.12, n).clip(4.4, 4.95)
    stage_scale = np.ones(n)
    plateau_month = np.full(n, np.inf)
    struggling, plateau, fast = kind == "struggling", kind == "plateau", kind == "accelerated"
    pace[struggling], ceiling[struggling], stage_scale[struggling] = 2.0, 3.6, 1.25
    plateau_month[plateau] = 16.0
    pace[fast], ceiling[fast], stage_scale[fast] = 0.55, 4.9, 0.8
    return pd.DataFrame({
        "resident_id": [f"{code}-R{i + 1:04d}" for i in range(n)], "program_id": code,
        "name": _names(rng, n), "email": [f"resident{i + 1}@{code.lower()}.example.org" for i in range(n)],
        "training_start_date": _dates(start), "status": "active", "trajectory": kind, "pace": pace,
        "ceiling": ceiling, "stage_scale": stage_scale, "plateau_month": plateau_month,
    })


def _stage_starts(residents: pd.DataFrame) -> np.ndarray:
    """Stage start dates, one column per stage."""
    months = STAGE_START_MONTH[None, :] * residents["stage_scale"].to_numpy()[:, None]
    start = residents["training_start_date"].to_numpy().astype("datetime64[D]")
    return start[:, None] + np.round(months * 30.44).astype(int) * DAY


def _stage_history(residents: pd.DataFrame, end) -> pd.DataFrame:
    starts = _stage_starts(residents)
    rows = [(rid, STAGE_CODES[s], starts[i, s]) for i, rid in enumerate(residents["resident_id"])
            for s in range(4) if starts[i, s] <= end]
    return pd.DataFrame(rows, columns=["resident_id", "stage", "start_date"])


def _staff(rng, code: str, n_residents: int) -> dict:
    """Assessors (about 1.25 per resident), coaches (one per four residents), committee, lead."""
    n_assessors = max(12, round(n_residents * 1.25))
    role = rng.choice(ASSESSOR_ROLES, n_assessors, p=ASSESSOR_ROLE_WEIGHTS)
    leniency = rng.normal(0.0, 0.28, n_assessors)
    leniency[:2], leniency[2:4] = 0.95, -0.95  # two lenient and two stringent outliers
    verbosity = rng.beta(2.2, 1.6, n_assessors)  # how much an assessor writes
    verbosity[4:7] = 0.08  # a few who almost never write
    ids = [f"{code}-P{i + 1:04d}" for i in range(n_assessors)]
    faculty = np.flatnonzero(role == "faculty")
    n_coaches = max(3, round(n_residents / 4))
    coaches = faculty[7: 7 + n_coaches] if len(faculty) >= 7 + n_coaches else faculty[:n_coaches]
    # Coaching model by position: supervises and assesses / sits on committee / no assessor role.
    model = np.array(["supervises", "committee", "no assessor role"])[np.arange(len(coaches)) % 3]
    extra_committee = [i for i in faculty if i not in coaches][:5]
    # One supervising coach also sits on the committee: the dual role the oversight page must surface.
    committee = list(coaches[model == "committee"]) + extra_committee + list(coaches[model == "supervises"][:1])
    # The program lead and the program administrator do not assess.
    lead, admin = f"{code}-P{n_assessors + 1:04d}", f"{code}-P{n_assessors + 2:04d}"
    names = _names(rng, n_assessors + 1, prefix="Dr. ") + ["Sam Fournier"]
    people = pd.DataFrame({
        "person_id": ids + [lead, admin], "name": names,
        "email": [f"staff{i + 1}@{code.lower()}.example.org" for i in range(n_assessors + 2)],
        "default_role": list(role) + ["faculty", "other"]})
    roles = [(ids[c], code, "coach") for c in coaches]
    roles += [(ids[committee[0]], code, "committee_chair")]
    roles += [(ids[c], code, "committee_member") for c in committee[1:]]
    roles += [(lead, code, "program_lead"), (admin, code, "admin")]
    return {
        "people": people, "ids": np.array(ids), "role": role, "leniency": leniency,
        "verbosity": verbosity, "coaches": coaches, "model": model, "chair": ids[committee[0]],
        "roles": pd.DataFrame(roles, columns=["person_id", "program_id", "role"]),
        # Coaches without an assessor role never assess; committee coaches never assess their coachees.
        "assessor_pool": np.setdiff1d(np.arange(n_assessors), coaches[model == "no assessor role"]),
        "lapsed": coaches[[1, 2]] if len(coaches) > 2 else coaches[:1],
    }


def _coach_assignments(rng, residents, staff, end) -> pd.DataFrame:
    """Each resident has a current coach (3-6 coachees each); about one in eight changed coach once."""
    n, coaches = len(residents), staff["coaches"]
    sizes = np.full(len(coaches), min(3, n // len(coaches)))
    for _ in range(n - sizes.sum()):  # spread the rest unevenly, at most six each while possible
        open_coaches = np.flatnonzero(sizes < 6) if (sizes < 6).any() else np.arange(len(coaches))
        sizes[rng.choice(open_coaches)] += 1
    while n >= 40 and sizes.max() < 6:  # one coach carries six: over the default ceiling of five
        donor = int(np.argmax(np.where(np.arange(len(sizes)) == 0, -1, sizes)))
        sizes[donor] -= 1
        sizes[0] += 1
    current = rng.permutation(np.repeat(coaches, sizes))
    start = residents["training_start_date"].to_numpy().astype("datetime64[D]")
    rows = []
    changed = rng.random(n) < 0.125
    # The newest off-cycle resident has no coach yet: the oversight page must show them.
    uncoached = int(residents["training_start_date"].to_numpy().argmax()) if n >= 10 else -1
    for i in range(n):
        if i == uncoached:
            continue
        rid, coach = residents["resident_id"].iat[i], staff["ids"][current[i]]
        if changed[i] and (end - start[i]) > 400 * DAY:
            previous = staff["ids"][coaches[(list(coaches).index(current[i]) + 1) % len(coaches)]]
            switch = start[i] + int((end - start[i]) / DAY * 0.5) * DAY
            rows += [(rid, previous, start[i], switch), (rid, coach, switch, None)]
        else:
            rows.append((rid, coach, start[i], None))
    return pd.DataFrame(rows, columns=["resident_id", "coach_id", "start_date", "end_date"])


def _assessments(rng, code, residents, staff, assignments, end) -> pd.DataFrame:
    """Every feedback item since each resident's start of training."""
    n = len(residents)
    start = residents["training_start_date"].to_numpy().astype("datetime64[D]")
    days = ((end - start) / DAY).astype(int) + 1
    per_year = rng.uniform(100, 235, n)  # ITERs below add about 13 a year
    counts = rng.poisson(per_year * days / 365.25)
    who = np.repeat(np.arange(n), counts)
    date = start[who] + (rng.random(len(who)) * days[who]).astype(int) * DAY
    form = rng.choice(np.array(["epa_observation", "field_note", "mini_cex"]), len(who), p=[0.70, 0.22, 0.08])

    # One ITER at the end of each completed four-week rotation block.
    blocks = [(i, start[i] + k * 28 * DAY) for i in range(n) for k in range(1, days[i] // 28 + 1)]
    who = np.concatenate([who, np.array([b[0] for b in blocks], dtype=int)])
    date = np.concatenate([date, np.array([b[1] for b in blocks], dtype="datetime64[D]")])
    form = np.concatenate([form, np.full(len(blocks), "iter")])
    order = np.lexsort((date, who))
    who, date, form = who[order], date[order], form[order]
    m = len(who)

    # Months into training and stage on each date.
    training_start = residents["training_start_date"].to_numpy().astype("datetime64[D]")
    stage_starts = _stage_starts(residents)
    stage_idx = (date[:, None] >= stage_starts[who]).sum(axis=1) - 1

    # EPA: mostly the current stage, some earlier stages, a few from the next stage.
    epa_stage = np.array([STAGE_CODES.index(e[1]) for e in EPA_CATALOGUE])
    shift = rng.choice(np.array([0, -1, 1]), m, p=[0.72, 0.2, 0.08])
    target_stage = np.clip(stage_idx + shift, 0, 3)
    target_stage = np.where((shift == -1) & (stage_idx == 0), 0, target_stage)
    epa = np.empty(m, dtype=int)
    for s in range(4):
        members = np.flatnonzero(epa_stage == s)
        weights = np.array([EPA_CATALOGUE[k][3] for k in members], dtype=float)
        mask = target_stage == s
        epa[mask] = rng.choice(members, mask.sum(), p=weights / weights.sum())
    has_epa = form == "epa_observation"

    # Entrustment follows the resident's curve from the start of the EPA's stage, shifted by the
    # assessor's leniency and by noise.
    pool = staff["assessor_pool"]
    assessor = pool[rng.integers(0, len(pool), m)]
    regular = np.array([rng.choice(pool, 12) for _ in range(n)])  # relational continuity
    use_regular = rng.random(m) < 0.45
    assessor[use_regular] = regular[who[use_regular], rng.integers(0, 12, use_regular.sum())]
    coach_of = _current_coach_index(residents, staff, assignments)
    supervising = np.isin(coach_of, staff["coaches"][staff["model"] == "supervises"])
    by_coach = supervising[who] & (rng.random(m) < 0.08)
    assessor[by_coach] = coach_of[who[by_coach]]
    faculty = pool[staff["role"][pool] == "faculty"]
    iter_rows = np.flatnonzero(form == "iter")
    assessor[iter_rows] = faculty[rng.integers(0, len(faculty), len(iter_rows))]
    committee_coach = np.isin(coach_of, staff["coaches"][staff["model"] == "committee"])
    conflict = committee_coach[who] & (assessor == coach_of[who])
    assessor[conflict] = pool[0] if pool[0] not in staff["coaches"] else faculty[0]

    months_in = ((date - stage_starts[who, epa_stage[epa]]) / DAY) / 30.44
    months_in = np.minimum(months_in, residents["plateau_month"].to_numpy()[who] -
                           ((stage_starts[who, epa_stage[epa]] - training_start[who]) / DAY) / 30.44)
    ceiling = residents["ceiling"].to_numpy()[who]
    tau = residents["pace"].to_numpy()[who] * STAGE_LEARNING_MONTHS[epa_stage[epa]]
    curve = 1.4 + (ceiling - 1.4) * (1 - np.exp(-np.maximum(months_in, 0) / tau))
    curve = np.where(months_in < 0, 1.6 + 0.08 * np.maximum(months_in + 6, 0), curve)
    raw = curve + staff["leniency"][assessor] + rng.normal(0, 0.5, m)
    rated = has_epa | (form == "mini_cex")
    entrustment = np.where(rated, np.clip(np.round(raw), 1, 5), np.nan)

    expired = has_epa & (rng.random(m) < rng.uniform(0.03, 0.14, n)[who])
    entrustment[expired] = np.nan
    observed_p = np.select([form == "epa_observation", form == "mini_cex", form == "field_note"],
                           [0.8, 1.0, 0.45], 0.0)
    directly_observed = (rng.random(m) < observed_p) & ~expired

    # Narrative: length depends on the assessor; empty for expired forms.
    verbosity = staff["verbosity"][assessor]
    writes = (rng.random(m) < 0.25 + 0.75 * verbosity) & ~expired
    long_form = rng.random(m) < verbosity
    strength_n = np.where(writes, np.where(long_form, rng.integers(1, 4, m), 0), 0)
    strengths = _join_sentences(rng, STRENGTHS, strength_n)
    filler = writes & (strength_n == 0)
    strengths = np.where(filler, rng.choice(STRENGTH_FILLERS, m), np.array(strengths, dtype=object))
    improve_kind = np.where(writes, rng.choice(3, m, p=[0.2, 0.25, 0.55]), 0)
    improve_kind = np.where(writes & (verbosity > 0.5) & (improve_kind == 1), 2, improve_kind)
    improvement = np.select([improve_kind == 1, improve_kind == 2],
                            [rng.choice(IMPROVEMENT_FILLERS, m), rng.choice(IMPROVEMENTS, m)], None)
    iter_form = form == "iter"
    strengths = np.where(iter_form, "Rotation summary: " + rng.choice(STRENGTHS, m), strengths)

    flag_rate = np.where(residents["trajectory"].to_numpy()[who] == "struggling", 0.03, 0.0004)
    flagged = (rng.random(m) < flag_rate) & ~expired & ~iter_form
    flag = np.where(flagged, rng.choice(np.array(["professionalism", "patient safety"]), m), None)
    flag_comment = np.array([rng.choice(FLAG_COMMENTS[f]) if f else None for f in flag], dtype=object)

    setting = rng.choice(SETTINGS, m, p=SETTING_WEIGHTS)
    context = np.char.add(np.char.add(rng.choice(AGE_GROUPS, m, p=[0.7, 0.2, 0.1]), ", "),
                          rng.choice(PRESENTATIONS, m))
    return pd.DataFrame({
        "assessment_id": [f"{code}-A{i + 1:08d}" for i in range(m)],
        "resident_id": residents["resident_id"].to_numpy()[who],
        "assessor_id": staff["ids"][assessor], "assessor_role": staff["role"][assessor],
        "form_type": form, "assessment_date": date,
        "epa_code": np.where(has_epa, np.array([e[0] for e in EPA_CATALOGUE], dtype=object)[epa], None),
        "entrustment": pd.array(entrustment, dtype="Int64"),
        "directly_observed": directly_observed, "stakes": np.where(iter_form, "high", "low"),
        "setting": np.where(iter_form, None, setting), "context": np.where(has_epa, context, None),
        "strengths": strengths, "improvement": improvement, "flag": flag, "flag_comment": flag_comment,
        "expired": expired,
    })


def _current_coach_index(residents, staff, assignments) -> np.ndarray:
    """Each resident's current coach as an index into staff ids; -1 for a resident without a coach."""
    current = assignments[assignments["end_date"].isna()].set_index("resident_id")["coach_id"]
    position = {pid: i for i, pid in enumerate(staff["ids"])}
    return np.array([position[current[rid]] if rid in current.index else -1 for rid in residents["resident_id"]])


def _coaching_sessions(rng, code, residents, staff, assignments, end) -> pd.DataFrame:
    """Sessions near the program cadence; a held session records a learning plan."""
    lapsed = set(staff["ids"][staff["lapsed"]])
    stage_starts = dict(zip(residents["resident_id"], _stage_starts(residents)))
    struggling = set(residents.loc[residents["trajectory"] == "struggling", "resident_id"])
    rows = []
    for pair in assignments.itertuples(index=False):
        stop = end if pd.isna(pair.end_date) else np.datetime64(pair.end_date, "D")
        if pair.coach_id in lapsed and pd.isna(pair.end_date):
            stop = end - int(rng.integers(95, 160)) * DAY  # sessions quietly stopped
        day = np.datetime64(pair.start_date, "D") + int(rng.integers(10, 40)) * DAY
        no_show_p = 0.09 if pair.resident_id in struggling else 0.03
        while day <= stop:
            status = rng.choice(SESSION_OUTCOMES,
                                p=[0.86 - no_show_p, 0.06, 0.08, no_show_p])
            held = status == "held"
            stage = int((day >= stage_starts[pair.resident_id]).sum()) - 1
            plan = _learning_plan(rng, STAGE_CODES[stage]) if held else (None, None, None)
            gap = int(rng.normal(60, 7)) if held else int(rng.integers(14, 30))
            rows.append((pair.resident_id, pair.coach_id, day, status,
                         int(rng.choice([20, 30, 30, 45, 60])) if held else None,
                         bool(rng.random() < 0.85) if held else None, *plan, day + gap * DAY))
            day = day + gap * DAY
        if pd.isna(pair.end_date) and pair.coach_id not in lapsed:
            rows.append((pair.resident_id, pair.coach_id, day, "upcoming", None, None, None, None, None, None))
    frame = pd.DataFrame(rows, columns=[
        "resident_id", "coach_id", "scheduled_date", "status", "duration_minutes", "assessments_reviewed",
        "plan_strengths", "plan_improvement", "plan_exposure", "next_planned_date"])
    frame.insert(0, "session_id", [f"{code}-S{i + 1:06d}" for i in range(len(frame))])
    frame["duration_minutes"] = frame["duration_minutes"].astype("Int64")
    frame["next_planned_date"] = frame["next_planned_date"].where(frame["status"] != "upcoming")
    return frame


def _learning_plan(rng, stage: str) -> tuple[str, str, str]:
    """Strengths, areas for improvement and areas needing exposure, about the stage's EPAs."""
    epas = [e for e in EPA_CATALOGUE if e[1] == stage]
    picks = rng.choice(len(epas), 3, replace=len(epas) < 3)
    return (
        f"Strong on {epas[picks[0]][0]}: {rng.choice(STRENGTHS)}",
        f"Work on {epas[picks[1]][0]}: {rng.choice(IMPROVEMENTS)}",
        f"Seek more cases for {epas[picks[2]][0]} ({epas[picks[2]][2].lower()}).",
    )


def _meeting_calendar(residents, end) -> list:
    """The committee meets every June 15 and December 15: the meetings since the first resident began,
    and the next one after the end of the history."""
    first = residents["training_start_date"].min()
    meetings = [np.datetime64(dt.date(y, m, 15), "D")
                for y in range(first.year, end.astype(object).year + 2) for m in (6, 12)]
    past = [d for d in meetings if np.datetime64(first, "D") < d < end]
    return past + [next(d for d in meetings if d >= end)]


def _committee_members(staff) -> list[str]:
    return list(staff["roles"].loc[staff["roles"]["role"].isin(COMMITTEE_ROLES),
                                   "person_id"])


def _coach_on(assignments, day) -> dict[str, str]:
    """Each resident's coach on a day."""
    started = assignments["start_date"].to_numpy().astype("datetime64[D]") <= day
    ends = assignments["end_date"].to_numpy().astype("datetime64[D]")
    going = np.isnat(ends) | (ends > day)
    pairs = assignments[started & going]
    return dict(zip(pairs["resident_id"], pairs["coach_id"]))


def _decisions(code, residents, staff, assignments, end) -> pd.DataFrame:
    """A decision on every resident in training at each past meeting, taken by the committee members
    present; a member who coaches the resident is recused."""
    meetings = _meeting_calendar(residents, end)[:-1]
    stage_starts = _stage_starts(residents)
    members = _committee_members(staff)
    rows = []
    for meeting in meetings:
        coach_of = _coach_on(assignments, meeting)
        for i, r in enumerate(residents.itertuples(index=False)):
            if np.datetime64(r.training_start_date, "D") + 90 * DAY > meeting:
                continue
            promoted = any(meeting - 183 * DAY < stage_starts[i, s] <= meeting + 30 * DAY for s in range(1, 4))
            if r.trajectory == "struggling":
                status, actions = "Not progressing as expected", ["modify learning plan"]
                rationale = "Entrustment below the expected level on several EPAs; learning plan revised with coach."
            elif r.trajectory == "plateau" and meeting > np.datetime64(r.training_start_date, "D") + 540 * DAY:
                status, actions = "Not progressing as expected", ["monitor", "modify learning plan"]
                rationale = "Entrustment has not risen over the last two reviews."
            elif r.trajectory == "accelerated":
                status, actions = "Progress is accelerated", ["monitor"]
                rationale = "Achieving EPAs well ahead of the expected timeline."
            else:
                status, actions, rationale = "Progressing as expected", ["monitor"], None
            if promoted and status != "Not progressing as expected":
                actions = actions + ["promote to next stage"]
            recused = [m for m in members if coach_of.get(r.resident_id) == m]
            present = [m for m in members if m not in recused]
            rows.append((r.resident_id, meeting, status, ";".join(actions), rationale, None, ";".join(present),
                         ";".join(recused), staff["chair"] if staff["chair"] not in recused else present[0],
                         f"{meeting} 17:00:00"))
    frame = pd.DataFrame(rows, columns=["resident_id", "meeting_date", "status", "actions", "rationale",
                                        "follow_up_date", "members_present", "members_recused", "recorded_by",
                                        "recorded_at"])
    frame.insert(0, "decision_id", [f"{code}-D{i + 1:06d}" for i in range(len(frame))])
    return frame


REVIEWER_NOTES = {
    "struggling": "Ratings on the core EPAs have not moved since the last review and the narratives return to "
                  "the same concern about escalating early. Propose a modified learning plan with the coach and "
                  "a follow-up in three months.",
    "plateau": "Steady volume of observations but entrustment has levelled off. Worth asking the coach what the "
               "last learning plan targeted.",
    "accelerated": "Achieving EPAs ahead of the expected timeline, with rich narratives from several assessors. "
                   "Consider whether the next stage's EPAs can start.",
    "expected": "Progressing as expected on the EPAs with evidence; a few EPAs still need observations before we "
                "can decide on them.",
}


def _reviewers(rng, code, residents, staff, assignments, meeting) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A primary and a secondary reviewer for each resident in training at the next meeting (never the
    resident's coach), and the primary reviewer's pre-meeting note on about two residents in three."""
    members = _committee_members(staff)
    coach_of = _coach_on(assignments, meeting)
    assigned_at = f"{meeting - 14 * DAY} 09:00:00"
    rows, notes = [], []
    for i, r in enumerate(residents.itertuples(index=False)):
        if np.datetime64(r.training_start_date, "D") > meeting:
            continue
        eligible = [m for m in members if m != coach_of.get(r.resident_id)]
        primary, secondary = eligible[i % len(eligible)], eligible[(i + 1 + len(eligible) // 2) % len(eligible)]
        rows += [(code, meeting, r.resident_id, "primary", primary, staff["chair"], assigned_at),
                 (code, meeting, r.resident_id, "secondary", secondary, staff["chair"], assigned_at)]
        if rng.random() < 0.67:
            notes.append((code, meeting, r.resident_id, primary, REVIEWER_NOTES[r.trajectory],
                          f"{meeting - int(rng.integers(2, 10)) * DAY} 20:00:00"))
    columns = ["program_id", "meeting_date", "resident_id"]
    return (pd.DataFrame(rows, columns=[*columns, "reviewer_role", "person_id", "assigned_by", "assigned_at"]),
            pd.DataFrame(notes, columns=[*columns, "reviewer_id", "note", "written_at"]))


def build_database(path: Path, spec: DemoSpec, export_dir: Path) -> dict[str, int]:
    """Generate the demo exports into export_dir and load them into a new database at path.

    The database is built beside path and moved into place only when complete, so an interrupted
    build never leaves a half-loaded database behind.
    """
    from cbme.store.db import connect, execute
    from cbme.store.load import load_canonical
    from cbme.store.summaries import keep_every_program

    generate(spec, export_dir)
    partial = path.with_name(path.name + ".building")
    for stale in (partial, _wal(partial)):
        stale.unlink(missing_ok=True)
    con = connect(partial)
    try:
        counts = load_canonical(con, export_dir)
        execute(con, "mark_demo_data")
        keep_every_program(con)
        con.execute("checkpoint")
    finally:
        con.close()
    _wal(path).unlink(missing_ok=True)  # a write-ahead log left by the database being replaced
    partial.replace(path)
    return counts


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Generate a demo residency program and load it.")
    parser.add_argument("--database", type=Path, required=True, help="database file to create (replaced)")
    parser.add_argument("--exports", type=Path, required=True, help="folder for the generated export files")
    parser.add_argument("--residents", type=int, default=DemoSpec.residents)
    parser.add_argument("--programs", type=int, default=DemoSpec.programs)
    parser.add_argument("--seed", type=int, default=DemoSpec.seed)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="last day of generated history, YYYY-MM-DD (default: today)")
    args = parser.parse_args(argv)
    spec = DemoSpec(seed=args.seed, residents=args.residents, programs=args.programs, end_date=args.end_date)
    counts = build_database(args.database, spec, args.exports)
    for table, rows in counts.items():
        print(f"{table:<22}{rows:>12,}")


if __name__ == "__main__":
    main()
