"""The committee status rules, each at its thresholds (defaults as in the domain primer)."""

import pytest

from cbme.config import ProgramConfig
from cbme.rules.status import (
    AMBER,
    GREEN,
    NO_EVIDENCE,
    RED,
    epa_verdict,
    epas_to_chart,
    expected_level,
    growth_direction,
    missing_evidence,
    resident_status,
)

CONFIG = ProgramConfig()
# An EPA with exactly enough evidence, at its target, rising, assessors agreeing.
# (Its plan needs 6 achieved observations; 2 are, so the plan is not complete.)
READY = dict(epa_code="C 1", target_entrustment=4, required_observations=6, achieved=2, observations=4, assessors=2,
             assessor_roles=2, recent_observations=2, contexts=2, narratives=2, actionable=1, current_level=4.0,
             assessor_spread=0.5, stage_trend_per_month=0.2, stage_trend_ratings=20)


def evidence(**changes):
    return {**READY, **changes}


def test_exactly_enough_evidence_is_decision_ready():
    assert missing_evidence(READY, CONFIG) == []


@pytest.mark.parametrize(("column", "words"), [
    ("observations", "3 of 4 observations"),
    ("assessors", "1 of 2 different assessors"),
    ("assessor_roles", "1 of 2 assessor roles"),
    ("recent_observations", "1 of 2 observations in the last 8 weeks"),
    ("contexts", "1 of 2 settings or case types"),
    ("narratives", "1 of 2 narrative comments"),
    ("actionable", "0 of 1 actionable comments"),
])
def test_one_short_on_any_requirement_is_not_ready_and_says_what_is_missing(column, words):
    row = evidence(**{column: READY[column] - 1})
    assert missing_evidence(row, CONFIG) == [words]
    verdict = epa_verdict(row, "COD", 40, CONFIG)
    assert (verdict.decision_ready, verdict.light) == (False, NO_EVIDENCE)
    assert verdict.reasons[0].text == f"C 1: not enough evidence yet ({words})."


def test_requirements_come_from_configuration():
    stricter = ProgramConfig(min_observations=6)
    assert missing_evidence(READY, stricter) == ["4 of 6 observations"]


@pytest.mark.parametrize(("months", "expected"), [(0, 2.0), (17, 3.0), (34, 4.0), (50, 4.0), (-1, 2.0)])
def test_expected_level_rises_over_the_stage(months, expected):
    assert expected_level(months, "COD", 4, CONFIG) == expected


def test_expected_level_never_starts_above_the_target():
    assert expected_level(0, "TTD", 1, CONFIG) == 1.0


@pytest.mark.parametrize(("level", "light"), [
    (3.5, GREEN),  # exactly at the expected level (3.5 at 25.5 months into COD)
    (3.01, GREEN),  # 0.49 below
    (3.0, AMBER),  # 0.5 below: amber threshold, inclusive
    (2.51, AMBER),  # 0.99 below
    (2.5, RED),  # 1.0 below: red threshold, inclusive
])
def test_gap_to_the_expected_level(level, light):
    assert expected_level(25.5, "COD", 4, CONFIG) == 3.5
    assert epa_verdict(evidence(current_level=level), "COD", 25.5, CONFIG).light == light


@pytest.mark.parametrize(("trend", "ratings", "level", "light"), [
    (0.05, 20, 3.4, GREEN),  # rising: the documented minimum slope
    (0.049, 20, 3.4, AMBER),  # within +/- 0.05 a month: flat
    (0.0, 20, 3.4, AMBER),  # flat
    (-0.01, 20, 3.4, AMBER),  # -0.01 a month is flat, not declining
    (-0.2, 20, 3.4, AMBER),  # declining
    (-0.2, 11, 3.4, GREEN),  # too few ratings to judge growth
    (-0.2, 12, 3.4, AMBER),  # just enough
    (-0.2, 20, 3.5, GREEN),  # declining but at the expected level is fine
    (None, 0, 3.5, GREEN),  # no recent ratings
])
def test_stalled_growth_across_the_stage(trend, ratings, level, light):
    # 25.5 months into COD the expected level is 3.5: 3.4 is below it, but not enough for amber by itself.
    row = evidence(stage_trend_per_month=trend, stage_trend_ratings=ratings, current_level=level)
    status = resident_status([row], "COD", 25.5, 0, "2026-06-15", CONFIG)
    assert status.light == light
    if light == AMBER:
        assert status.reasons[0].text.startswith("Growth is ")
        assert "while C 1 is below the expected level" in status.reasons[0].text


@pytest.mark.parametrize(("slope", "words"), [(-0.01, "flat"), (-0.05, "declining"), (0.049, "flat"),
                                              (0.05, "rising"), (-0.3, "declining")])
def test_growth_is_named_only_past_the_minimum_slope(slope, words):
    assert growth_direction(slope, 12, CONFIG) == words
    assert growth_direction(slope, 11, CONFIG) is None


@pytest.mark.parametrize(("spread", "light"), [(0.99, GREEN), (1.0, AMBER), (None, GREEN)])
def test_spread_between_assessors(spread, light):
    assert epa_verdict(evidence(assessor_spread=spread), "COD", 40, CONFIG).light == light


def resident(rows, flags=0, months=34):  # the end of COD: the expected level is the target
    return resident_status(rows, "COD", months, flags, "2026-06-15", CONFIG)


def test_green_resident_with_reason():
    status = resident([evidence(), evidence(epa_code="C 2")])
    assert status.light == GREEN
    assert [r.text for r in status.reasons] == [
        "All 2 EPAs of the stage decision-ready, at or above the expected level, no flags."]
    assert status.headline == "evidence met, on track"


def test_never_green_while_an_epa_of_the_stage_is_not_decision_ready():
    status = resident([evidence(), evidence(epa_code="C 2", observations=0)])
    assert status.light == NO_EVIDENCE
    assert status.reasons[-1].text == ("1 of 2 EPAs of the stage decision-ready, all at or above the expected level; "
                                       "not yet decision-ready: C 2 (data action: request observations).")
    assert status.headline == "1 of 2 EPAs lack evidence"


def test_an_epa_whose_plan_is_complete_is_decision_ready_without_recent_observations():
    complete = evidence(epa_code="C 2", achieved=6, recent_observations=0, narratives=0)
    verdict = epa_verdict(complete, "COD", 40, CONFIG)
    assert (verdict.decision_ready, verdict.complete, verdict.light) == (True, True, GREEN)
    assert resident([evidence(), complete]).light == GREEN


@pytest.mark.parametrize(("months", "light"), [(34, GREEN), (34.5, AMBER)])
def test_time_in_the_stage_beyond_its_nominal_months_is_amber(months, light):
    status = resident([evidence()], months=months)
    assert status.light == light
    if light == AMBER:
        assert status.reasons[0].text == "34.5 months in Core of Discipline, beyond the stage's expected 34 months."
        assert status.reasons[0].short == "34.5 months in stage (34 expected)"


def test_a_resident_without_a_stage_is_not_enough_evidence_and_says_so():
    status = resident_status([], None, 0.0, 0, "2026-06-15", CONFIG)
    assert status.light == NO_EVIDENCE
    assert status.reasons[0].text.startswith("No stage recorded on this date")


def test_a_flag_makes_a_resident_red_even_without_a_stage():
    status = resident_status([], None, 0.0, 1, "2026-06-15", CONFIG)
    assert status.light == RED
    assert [r.short for r in status.reasons] == ["1 flag", "no stage recorded"]


def test_needing_attention_lists_red_then_amber_then_unready_epas():
    status = resident([evidence(epa_code="C 1", observations=0), evidence(epa_code="C 2", current_level=3.4),
                       evidence(epa_code="C 3", current_level=2.9), evidence(epa_code="C 4")])
    assert status.needing_attention() == ["C 3", "C 2", "C 1"]


def test_the_entrustment_chart_opens_on_the_epas_needing_attention_then_the_stages_most_rated():
    status = resident([evidence(epa_code="C 1", observations=0), evidence(epa_code="C 2", current_level=3.4),
                       evidence(epa_code="C 3", current_level=2.9), evidence(epa_code="C 4")])
    ratings = {"F 1": 9, "C 5": 7, "C 4": 5, "C 3": 2, "C 2": 1}  # C 1 has no rating: not charted
    stage_epas = ["C 1", "C 2", "C 3", "C 4", "C 5"]
    assert epas_to_chart(status, stage_epas, ratings) == ["C 3", "C 2", "C 5", "C 4"]
    assert epas_to_chart(status, stage_epas, ratings, most=2) == ["C 3", "C 2"]
    assert epas_to_chart(None, stage_epas, ratings) == ["C 5", "C 4", "C 3", "C 2"]
    # None of the stage's EPAs rated (or no stage): the most rated of all.
    assert epas_to_chart(None, [], {"F 1": 9, "TTD 1": 3}) == ["F 1", "TTD 1"]
    assert epas_to_chart(None, [], {}) == []


def test_any_flag_makes_the_resident_red():
    status = resident([evidence()], flags=1)
    assert status.light == RED
    assert status.reasons[0].text == "1 professionalism or patient-safety flag since 2026-06-15."
    assert status.reasons[0].short == "1 flag"


def test_one_amber_epa_makes_the_resident_amber_and_names_it():
    status = resident([evidence(), evidence(epa_code="C 2", current_level=3.4)])
    assert status.light == AMBER
    assert status.reasons[0].epa_code == "C 2"
    assert status.reasons[0].text == "C 2: level 3.4, 0.6 below the expected 4.0."


def test_several_epas_below_expected_make_the_resident_red():
    two = [evidence(epa_code=f"C {i}", current_level=3.4) for i in (1, 2)]
    assert resident(two).light == AMBER
    three = [evidence(epa_code=f"C {i}", current_level=3.4) for i in (1, 2, 3)]
    status = resident(three)
    assert status.light == RED and status.reasons[-1].text == "3 EPAs at risk (below the expected level)."


def test_assessor_disagreement_alone_never_makes_a_resident_red():
    three = [evidence(epa_code=f"C {i}", assessor_spread=1.5) for i in (1, 2, 3)]
    assert resident(three).light == AMBER


def test_one_red_epa_makes_the_resident_red():
    assert resident([evidence(), evidence(epa_code="C 2", current_level=2.9)]).light == RED


def test_no_decision_ready_epa_is_not_enough_evidence():
    status = resident([evidence(observations=1), evidence(epa_code="C 2", narratives=0)])
    assert status.light == NO_EVIDENCE
    assert "data action" in status.reasons[-1].text
    assert [v.decision_ready for v in status.epas] == [False, False]


def test_a_resident_without_stage_evidence_is_not_enough_evidence():
    assert resident([]).light == NO_EVIDENCE


def test_unready_epas_are_listed_beside_a_verdict():
    status = resident([evidence(current_level=3.4), evidence(epa_code="C 2", observations=0)])
    assert status.light == AMBER
    assert status.reasons[-1].text == ("1 of 2 EPAs of the stage decision-ready; not yet decision-ready: C 2 "
                                       "(data action: request observations).")
