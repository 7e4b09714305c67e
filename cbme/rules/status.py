"""Committee status rules: pure functions from a resident's evidence to a light and its reasons.

Per EPA of the resident's current stage: is the evidence sufficient to decide (decision-ready), and if
so, how does the current level compare with the level expected at this point of the stage, and do
assessors agree. Per resident: flags, the EPAs, growth across the stage and time in the stage give one
of red, amber, not enough evidence or green, with every reason that contributed. Green means what it
says: every EPA of the stage decision-ready, all at or above the expected level, no flags.
docs/status-rules.md explains the rules; thresholds come from the program configuration.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from cbme.config import ProgramConfig
from cbme.vocabulary import STAGES, counted

GREEN, AMBER, RED, NO_EVIDENCE = "green", "amber", "red", "not enough evidence"
CONCERN = {RED: 0, AMBER: 1, NO_EVIDENCE: 2, GREEN: 3}  # agenda order: most concern first
LIGHT_LABELS = {RED: "Red", AMBER: "Amber", NO_EVIDENCE: "Not enough evidence", GREEN: "Green"}
# Light backgrounds in Okabe-Ito hues for the status cell; the label always says the status in words.
LIGHT_BACKGROUNDS = {RED: "#F5C6B4", AMBER: "#FBE0A1", NO_EVIDENCE: "#E4E4E4", GREEN: "#BDE5D8"}


@dataclass(frozen=True)
class Reason:
    light: str  # the light this reason pushes towards
    text: str  # the reason in a sentence, as the status box shows it
    short: str  # the same in a few words, for the agenda
    epa_code: str | None = None
    at_risk: bool = False  # the EPA's level is below expected: counts towards "several EPAs at risk"


@dataclass(frozen=True)
class EpaVerdict:
    epa_code: str
    decision_ready: bool
    light: str
    expected_level: float
    current_level: float | None
    complete: bool = False  # the assessment plan is achieved
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class ResidentStatus:
    light: str
    reasons: list[Reason]
    epas: list[EpaVerdict]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ResidentStatus:
        kept = json.loads(text)
        return cls(kept["light"], [Reason(**r) for r in kept["reasons"]],
                   [EpaVerdict(**{**e, "reasons": [Reason(**r) for r in e["reasons"]]}) for e in kept["epas"]])

    @property
    def summary(self) -> str:
        return " ".join(r.text for r in self.reasons)

    @property
    def headline(self) -> str:
        """The reasons in a few words each, for a line of the agenda."""
        return "; ".join(r.short for r in self.reasons)

    def needing_attention(self) -> list[str]:
        """The stage's EPAs the committee should look at first: red, then amber, then not decision-ready."""
        order = {RED: 0, AMBER: 1, NO_EVIDENCE: 2}
        return [v.epa_code for v in sorted(self.epas, key=lambda v: order.get(v.light, 3)) if v.light in order]


def epas_to_chart(status: ResidentStatus | None, stage_epas: Iterable[str], ratings: Mapping[str, int],
                  most: int = 4) -> list[str]:
    """The EPAs the entrustment chart opens on: the current stage's EPAs needing attention, then the
    stage's most rated; when none of those is rated, the most rated of all. ratings counts each rated
    EPA's ratings, most rated first (a value_counts)."""
    attention = [c for c in (status.needing_attention() if status else []) if c in ratings]
    rest = sorted((c for c in stage_epas if c in ratings and c not in attention), key=lambda c: -ratings[c])
    return (attention + rest)[:most] or list(ratings.keys())[:most]


def expected_level(months_in_stage: float, stage: str, target: int, config: ProgramConfig) -> float:
    """The entrustment expected on a current-stage EPA: config.expected_start_level on entering the
    stage, rising in a straight line to the EPA's target over the stage's nominal months."""
    months = config.stage_months.get(stage)
    if not months:
        return float(target)
    progress = min(1.0, max(0.0, months_in_stage / months))
    start = min(config.expected_start_level, target)
    return round(start + (target - start) * progress, 2)


def missing_evidence(row: Mapping, config: ProgramConfig) -> list[str]:
    """What an EPA lacks to be decision-ready, in words; empty when it is ready."""
    checks = [
        ("observations", config.min_observations, "observations"),
        ("assessors", config.min_assessors, "different assessors"),
        ("assessor_roles", config.min_assessor_roles, "assessor roles"),
        ("recent_observations", config.min_recent_observations,
         f"observations in the last {config.recent_weeks} weeks"),
        ("contexts", config.min_contexts, "settings or case types"),
        ("narratives", config.min_narratives, "narrative comments"),
        ("actionable", config.min_actionable, "actionable comments"),
    ]
    return [f"{row[column]} of {needed} {words}" for column, needed, words in checks if row[column] < needed]


def epa_verdict(row: Mapping, stage: str, months_in_stage: float, config: ProgramConfig) -> EpaVerdict:
    """The verdict on one EPA. row has the columns of meeting_epa_evidence.sql. An EPA whose assessment
    plan is achieved is decision-ready whatever its recent evidence: nothing is left to decide on it."""
    code = row["epa_code"]
    expected = expected_level(months_in_stage, stage, int(row["target_entrustment"]), config)
    level = None if _missing(row["current_level"]) else round(float(row["current_level"]), 2)
    complete = row["achieved"] >= row["required_observations"]
    missing = [] if complete else missing_evidence(row, config)
    if missing:
        return EpaVerdict(code, False, NO_EVIDENCE, expected, level, reasons=[
            Reason(NO_EVIDENCE, f"{code}: not enough evidence yet ({'; '.join(missing)}).",
                   f"{code} lacks evidence", code)])
    reasons = []
    gap = round(expected - level, 2) if level is not None else 0.0
    if gap >= config.red_gap:
        reasons.append(Reason(RED, f"{code}: level {level:.1f}, {gap:.1f} below the expected {expected:.1f}.",
                              f"{code} {gap:.1f} below expected", code))
    elif gap >= config.amber_gap:
        reasons.append(Reason(AMBER, f"{code}: level {level:.1f}, {gap:.1f} below the expected {expected:.1f}.",
                              f"{code} {gap:.1f} below expected", code, at_risk=True))
    spread = row["assessor_spread"]
    if not _missing(spread) and spread >= config.spread_sd:
        reasons.append(Reason(AMBER, f"{code}: assessors disagree (their mean ratings differ by SD {spread:.1f}).",
                              f"assessors disagree on {code}", code))
    light = RED if any(r.light == RED for r in reasons) else AMBER if reasons else GREEN
    return EpaVerdict(code, True, light, expected, level, complete, reasons)


def resident_status(evidence: list[Mapping], stage: str | None, months_in_stage: float, flags: int,
                    flags_since: str, config: ProgramConfig) -> ResidentStatus:
    """The resident's light. evidence holds one row per EPA of the current stage."""
    reasons: list[Reason] = []
    if flags:  # a flag sends the resident to the committee, whatever else is known
        reasons.append(Reason(RED, f"{counted(flags, 'professionalism or patient-safety flag')} since {flags_since}.",
                              counted(flags, "flag")))
    if not stage:
        return ResidentStatus(RED if flags else NO_EVIDENCE, reasons + [Reason(
            NO_EVIDENCE, "No stage recorded on this date, so there is no assessment plan to weigh the evidence "
                         "against (data action: record the resident's stage).", "no stage recorded")], [])
    verdicts = [epa_verdict(row, stage, months_in_stage, config) for row in evidence]
    ready = [v for v in verdicts if v.decision_ready]
    red = [v for v in ready if v.light == RED]
    amber = [v for v in ready if v.light == AMBER]
    at_risk = [v for v in amber if any(r.at_risk for r in v.reasons)]
    for verdict in red + amber:
        reasons.extend(verdict.reasons)
    if len(at_risk) >= config.several_epas_at_risk:
        reasons.append(Reason(RED, f"{len(at_risk)} EPAs at risk (below the expected level).",
                              f"{len(at_risk)} EPAs at risk"))
    slow = [r for r in (_stalled_growth(evidence, ready, config), _overdue_in_stage(stage, months_in_stage, config))
            if r]
    reasons.extend(slow)
    unready = [v for v in verdicts if not v.decision_ready]
    if flags or red or len(at_risk) >= config.several_epas_at_risk:
        light = RED
    elif amber or slow:
        light = AMBER
    elif unready or not verdicts:
        light = NO_EVIDENCE
    else:
        light = GREEN
        reasons.append(Reason(GREEN, f"All {counted(len(ready), 'EPA')} of the stage decision-ready, at or above the "
                                     "expected level, no flags.", "evidence met, on track"))
    if unready:
        codes = ", ".join(v.epa_code for v in unready)
        words = (f"{len(ready)} of {len(verdicts)} EPAs of the stage decision-ready"
                 + (", all at or above the expected level" if light == NO_EVIDENCE and ready else "")
                 + f"; not yet decision-ready: {codes} (data action: request observations).")
        reasons.append(Reason(NO_EVIDENCE, words, f"{len(unready)} of {len(verdicts)} EPAs lack evidence"))
    elif not verdicts:
        reasons.append(Reason(NO_EVIDENCE, "The stage has no EPA in the program's catalogue to weigh.",
                              "no EPAs in the stage"))
    return ResidentStatus(light, reasons, verdicts)


def growth_direction(slope: float | None, ratings: int, config: ProgramConfig) -> str | None:
    """'rising', 'flat' or 'declining' for a least-squares slope (entrustment points a month) over
    ratings ratings; None when too few ratings to say (fewer than config.min_trend_ratings)."""
    if _missing(slope) or ratings < config.min_trend_ratings:
        return None
    if slope <= -config.trend_slope_min:
        return "declining"
    return "rising" if slope >= config.trend_slope_min else "flat"


def _stalled_growth(evidence: list[Mapping], ready: list[EpaVerdict], config: ProgramConfig) -> Reason | None:
    """Amber when growth across the stage's EPAs is flat or declining while a decision-ready EPA is
    below the level expected by now. The trend pools the stage's ratings, steadier than one EPA's."""
    if not evidence:
        return None
    trend, ratings = evidence[0]["stage_trend_per_month"], int(evidence[0]["stage_trend_ratings"])
    direction = growth_direction(trend, ratings, config)
    below = [v.epa_code for v in ready if v.current_level is not None and v.current_level < v.expected_level]
    if direction not in ("flat", "declining") or not below:
        return None
    return Reason(AMBER, f"Growth is {direction} across the stage's EPAs ({trend:+.2f} a month over "
                         f"{config.trend_months} months, {ratings} ratings) while {', '.join(below)} "
                         f"{'is' if len(below) == 1 else 'are'} below the expected level.", f"growth {direction}")


def _overdue_in_stage(stage: str, months_in_stage: float, config: ProgramConfig) -> Reason | None:
    """Amber when the resident has been in the stage longer than its nominal months."""
    nominal = config.stage_months.get(stage)
    if not nominal or months_in_stage <= nominal:
        return None
    return Reason(AMBER, f"{months_in_stage:.1f} months in {STAGES.get(stage, stage)}, beyond the stage's "
                         f"expected {nominal:g} months.",
                  f"{months_in_stage:.1f} months in stage ({nominal:g} expected)")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
