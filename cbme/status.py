"""Committee status rules: pure functions from a resident's evidence to a light and its reasons.

Per EPA of the resident's current stage: is the evidence sufficient to decide (decision-ready), and if
so, how does the current level compare with the level expected at this point of the stage, is it
rising, and do assessors agree. Per resident: flags, then the EPAs, give one of green, amber, red or
not enough evidence, with every reason that contributed. docs/status-rules.md explains the rules;
thresholds come from the program configuration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from cbme.config import ProgramConfig

GREEN, AMBER, RED, NO_EVIDENCE = "green", "amber", "red", "not enough evidence"
CONCERN = {RED: 0, AMBER: 1, NO_EVIDENCE: 2, GREEN: 3}  # agenda order: most concern first
LIGHT_LABELS = {RED: "Red", AMBER: "Amber", NO_EVIDENCE: "Not enough evidence", GREEN: "Green"}
# Light backgrounds in Okabe-Ito hues for the status cell; the label always says the status in words.
LIGHT_BACKGROUNDS = {RED: "#F5C6B4", AMBER: "#FBE0A1", NO_EVIDENCE: "#E4E4E4", GREEN: "#BDE5D8"}


@dataclass(frozen=True)
class Reason:
    light: str  # the light this reason pushes towards
    text: str
    epa_code: str | None = None
    at_risk: bool = False  # the EPA's level is below expected: counts towards "several EPAs at risk"


@dataclass(frozen=True)
class EpaVerdict:
    epa_code: str
    decision_ready: bool
    light: str
    expected_level: float
    current_level: float | None
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class ResidentStatus:
    light: str
    reasons: list[Reason]
    epas: list[EpaVerdict]

    @property
    def summary(self) -> str:
        return " ".join(r.text for r in self.reasons)


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
    """The verdict on one EPA. row has the columns of meeting_epa_evidence.sql."""
    code = row["epa_code"]
    expected = expected_level(months_in_stage, stage, int(row["target_entrustment"]), config)
    level = None if _missing(row["current_level"]) else round(float(row["current_level"]), 2)
    missing = missing_evidence(row, config)
    if missing:
        return EpaVerdict(code, False, NO_EVIDENCE, expected, level,
                          [Reason(NO_EVIDENCE, f"{code}: not enough evidence yet ({'; '.join(missing)}).", code)])
    reasons = []
    gap = round(expected - level, 2)
    if gap >= config.red_gap:
        reasons.append(Reason(RED, f"{code}: level {level:.1f}, {gap:.1f} below the expected {expected:.1f}.", code))
    elif gap >= config.amber_gap:
        reasons.append(Reason(AMBER, f"{code}: level {level:.1f}, {gap:.1f} below the expected {expected:.1f}.",
                              code, at_risk=True))
    spread = row["assessor_spread"]
    if not _missing(spread) and spread >= config.spread_sd:
        reasons.append(Reason(AMBER, f"{code}: assessors disagree (their mean ratings differ by SD {spread:.1f}).",
                              code))
    light = RED if any(r.light == RED for r in reasons) else AMBER if reasons else GREEN
    return EpaVerdict(code, True, light, expected, level, reasons)


def resident_status(evidence: list[Mapping], stage: str | None, months_in_stage: float, flags: int,
                    flags_since: str, config: ProgramConfig) -> ResidentStatus:
    """The resident's light. evidence holds one row per EPA of the current stage."""
    verdicts = [epa_verdict(row, stage, months_in_stage, config) for row in evidence]
    reasons: list[Reason] = []
    if flags:
        reasons.append(Reason(RED, f"{flags} professionalism or patient-safety flag(s) since {flags_since}."))
    ready = [v for v in verdicts if v.decision_ready]
    red = [v for v in ready if v.light == RED]
    amber = [v for v in ready if v.light == AMBER]
    at_risk = [v for v in amber if any(r.at_risk for r in v.reasons)]
    for verdict in red + amber:
        reasons.extend(verdict.reasons)
    trend = _stalled_growth(evidence, ready, config)
    if trend:
        reasons.append(trend)
    if len(at_risk) >= config.several_epas_at_risk:
        reasons.append(Reason(RED, f"{len(at_risk)} EPAs at risk (below the expected level)."))
    unready = [v for v in verdicts if not v.decision_ready]
    if flags or red or len(at_risk) >= config.several_epas_at_risk:
        light = RED
    elif amber or trend:
        light = AMBER
    elif not ready:
        light = NO_EVIDENCE
        reasons.append(Reason(NO_EVIDENCE, "No EPA of the current stage has enough evidence to decide "
                                           "(data action: request observations)."))
    else:
        light = GREEN
        reasons.append(Reason(GREEN, f"{len(ready)} EPA(s) decision-ready, all at or above the expected level, "
                                     "no flags."))
    if unready and light != NO_EVIDENCE:
        reasons.append(Reason(NO_EVIDENCE, f"{len(unready)} EPA(s) of the stage not yet decision-ready."))
    return ResidentStatus(light, reasons, verdicts)


def _stalled_growth(evidence: list[Mapping], ready: list[EpaVerdict], config: ProgramConfig) -> Reason | None:
    """Amber when growth across the stage's EPAs is flat or declining while a decision-ready EPA is
    below the level expected by now. The trend pools the stage's ratings, steadier than one EPA's."""
    if not evidence:
        return None
    trend, ratings = evidence[0]["stage_trend_per_month"], int(evidence[0]["stage_trend_ratings"])
    below = [v.epa_code for v in ready if v.current_level is not None and v.current_level < v.expected_level]
    if _missing(trend) or ratings < config.min_trend_ratings or trend > config.flat_trend_per_month or not below:
        return None
    direction = "declining" if trend < 0 else "flat"
    return Reason(AMBER, f"Growth is {direction} across the stage's EPAs ({trend:+.2f} a month over "
                         f"{config.trend_months} months, {ratings} ratings) while {', '.join(below)} "
                         f"{'is' if len(below) == 1 else 'are'} below the expected level.")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
