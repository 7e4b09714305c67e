"""Each query on the tiny fixture program, with the expected rows written out."""

import datetime as dt

import pandas as pd
import pytest

from cbme.store.db import query
from tests.conftest import AS_OF

D = dt.date
R1 = dict(viewer="C1", resident_id="R1", as_of=AS_OF)


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The frame's rows as plain tuples, dates as dates, missing values as None."""
    out = []
    for record in frame[columns].itertuples(index=False):
        values = []
        for value in record:
            if isinstance(value, pd.Timestamp):
                value = value.date()
            elif hasattr(value, "tolist"):
                value = value.tolist()
            elif value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                value = None
            values.append(value)
        out.append(tuple(values))
    return out


def test_demo_users_offers_one_person_per_kind(tiny):
    result = query(tiny, "demo_users")
    # The committee member and the coach offered are ones who hold no other role.
    assert rows(result, ["kind", "person_id"]) == [
        ("Program lead", "L1"), ("Committee chair", "L1"), ("Committee member", "M1"), ("Coach", "C2"),
        ("Administrator", "AD1")]


def test_viewer_programs(tiny):
    assert rows(query(tiny, "viewer_programs", viewer="C1"), ["program_id"]) == [("P1",)]
    assert query(tiny, "viewer_programs", viewer="A1").empty


def test_viewer_residents_gives_stage_pgy_and_current_coach(tiny):
    result = query(tiny, "viewer_residents", viewer="L1", program_id="P1", as_of=AS_OF)
    assert rows(result, ["resident_id", "name", "stage", "pgy", "coach_name"]) == [
        ("R1", "Avery Stone", "FOD", 2, "Dr. Riley Chen"),
        ("R2", "Blake Rivers", "TTD", 1, "Dr. Riley Chen"),
    ]


def test_viewer_residents_as_of_before_a_coach_change_and_before_a_start(tiny):
    result = query(tiny, "viewer_residents", viewer="L1", program_id="P1", as_of=D(2025, 8, 1))
    assert rows(result, ["resident_id", "stage", "pgy", "coach_name"]) == [
        ("R1", "FOD", 2, "Dr. Riley Chen"), ("R2", "TTD", 1, "Dr. Sam Ortiz")]
    result = query(tiny, "viewer_residents", viewer="L1", program_id="P1", as_of=D(2025, 6, 30))
    assert list(result["resident_id"]) == ["R1"]


def test_resident_profile(tiny):
    result = query(tiny, "resident_profile", **R1)
    assert rows(result, ["name", "program_name", "pgy", "stage", "stage_start_date", "coach_id",
                         "coach_since", "coach_assessments", "coach_on_committee", "coaching_model",
                         "last_decision_status", "last_decision_date"]) == [
        ("Avery Stone", "Tiny Program", 2, "FOD", D(2024, 9, 1), "C1", D(2024, 7, 1), 1, True, "supervises",
         "Not progressing as expected", D(2025, 12, 15))]


def test_resident_profile_coaching_model_without_assessments(tiny):
    # Before C1 assessed R1 (2025-03-01), C1 sat on the committee only.
    result = query(tiny, "resident_profile", **{**R1, "as_of": D(2025, 2, 1)})
    assert rows(result, ["coach_assessments", "coaching_model", "last_decision_status"]) == [
        (0, "committee", None)]
    # C2 coached R2 without an assessor role.
    result = query(tiny, "resident_profile", viewer="L1", resident_id="R2", as_of=D(2025, 10, 1))
    assert rows(result, ["coach_id", "coaching_model"]) == [("C2", "no assessor role")]


def test_resident_epa_progress(tiny):
    result = query(tiny, "resident_epa_progress", **R1)
    assert rows(result, ["stage", "epa_code", "required_observations", "observations", "achieved", "expired",
                         "assessors", "last_observed", "mean_entrustment", "complete"]) == [
        ("TTD", "E1", 2, 3, 2, 0, 2, D(2024, 8, 5), 4.0, True),
        ("FOD", "E2", 3, 2, 1, 1, 2, D(2025, 1, 15), 3.0, False),
        # Rated 4 against a target of 5: observed, not achieved.
        ("FOD", "E3", 1, 1, 0, 0, 1, D(2025, 3, 1), 4.0, False),
    ]


def test_resident_epa_progress_orders_codes_numerically(tiny):
    con = tiny.cursor()
    con.execute("begin transaction")
    try:
        con.execute("insert into epas (program_id, epa_code, stage, title, required_observations, "
                    "target_entrustment, contextual_requirements) values ('P1', 'E10', 'FOD', 'Tenth', 1, 4, null), "
                    "('P1', 'E9', 'FOD', 'Ninth', 1, 4, null)")
        codes = list(con.execute(open("queries/resident_epa_progress.sql").read(), R1).df()["epa_code"])
    finally:
        con.execute("rollback")
    assert codes == ["E1", "E2", "E3", "E9", "E10"]


def test_resident_entrustment_with_trend(tiny):
    result = query(tiny, "resident_entrustment", **R1)
    assert rows(result, ["assessment_date", "epa_code", "entrustment", "recent_mean", "assessor_name"]) == [
        (D(2024, 7, 10), "E1", 3, 3.0, "Dr. Alex Kim"),
        (D(2024, 7, 20), "E1", 4, 3.5, "Taylor Reed"),
        (D(2024, 8, 5), "E1", 5, 4.0, "Dr. Alex Kim"),
        (D(2024, 10, 1), "E2", 4, 4.0, "Dr. Alex Kim"),
        (D(2025, 1, 15), "E2", 2, 3.0, "Taylor Reed"),
        (D(2025, 3, 1), "E3", 4, 4.0, "Dr. Riley Chen"),
    ]


def test_resident_stage_history_and_decisions(tiny):
    assert rows(query(tiny, "resident_stage_history", **R1), ["stage", "start_date"]) == [
        ("TTD", D(2024, 7, 1)), ("FOD", D(2024, 9, 1))]
    result = query(tiny, "resident_decisions", **R1)
    assert rows(result, ["meeting_date", "status", "actions", "rationale", "follow_up_date", "recorded_by"]) == [
        (D(2025, 12, 15), "Not progressing as expected", "monitor, modify learning plan", "E2 ratings fell.",
         D(2026, 3, 15), "Dr. Jordan Pike"),
        (D(2025, 6, 15), "Progressing as expected", "monitor", None, None, "Dr. Jordan Pike"),
    ]
    assert len(query(tiny, "resident_decisions", **{**R1, "as_of": D(2025, 12, 14)})) == 1


def test_resident_feedback_summary(tiny):
    result = query(tiny, "resident_feedback_summary", actionable_min_chars=20, **R1)
    assert rows(result, ["opportunity", "stakes", "items", "expired", "directly_observed_share",
                         "narrative_share", "actionable_share", "words_per_narrative"]) == [
        ("all assessments", "high and low", 9, 1, 0.667, 0.778, 0.222, 5.3),
        ("epa_observation", "low", 6, 1, 0.833, 0.833, 0.167, 4.6),
        ("coaching", "low", 2, 0, 0.0, 1.0, 0.5, 10.0),
        ("field_note", "low", 1, 0, 0.0, 1.0, 1.0, 11.0),
        ("iter", "high", 1, 0, 0.0, 1.0, 0.0, 3.0),
        ("mini_cex", "low", 1, 0, 1.0, 0.0, 0.0, None),
    ]


def test_resident_feedback_summary_actionable_threshold_is_inclusive(tiny):
    # "Read about sepsis." has 18 characters: actionable at 18, not at 19.
    at_18 = query(tiny, "resident_feedback_summary", actionable_min_chars=18, **R1).set_index("opportunity")
    at_19 = query(tiny, "resident_feedback_summary", actionable_min_chars=19, **R1).set_index("opportunity")
    assert at_18.at["coaching", "actionable_share"] == 1.0
    assert at_19.at["coaching", "actionable_share"] == 0.5


def test_resident_feedback_monthly(tiny):
    result = query(tiny, "resident_feedback_monthly", **R1)
    columns = ["month", "opportunity", "items", "directly_observed", "with_narrative", "expired",
               "month_items", "month_directly_observed", "month_with_narrative"]
    by_month = {m: rows(g, columns) for m, g in result.groupby(result["month"].dt.date)}
    assert by_month[D(2024, 7, 1)] == [(D(2024, 7, 1), "epa_observation", 2, 2, 2, 0, 2, 2, 2)]
    assert by_month[D(2024, 11, 1)] == [(D(2024, 11, 1), "epa_observation", 0, 0, 0, 1, 0, 0, 0)]
    assert by_month[D(2025, 5, 1)] == [
        (D(2025, 5, 1), "field_note", 1, 0, 1, 0, 3, 1, 2),
        (D(2025, 5, 1), "iter", 1, 0, 1, 0, 3, 1, 2),
        (D(2025, 5, 1), "mini_cex", 1, 1, 0, 0, 3, 1, 2),
    ]
    assert by_month[D(2026, 2, 1)] == [(D(2026, 2, 1), "coaching", 1, 0, 1, 0, 1, 0, 1)]
    assert result["items"].sum() == 11  # 9 assessments completed by the as-of date + 2 sessions held


NO_FILTER = dict(epa_codes=[], form_types=[], date_from=D(2000, 1, 1), date_to=D(2100, 1, 1), search="")


def narrative_ids(tiny, **filters):
    result = query(tiny, "resident_narratives", **{**R1, **NO_FILTER, **filters})
    # Identify rows by date and form, since the query does not return internal ids.
    return [(r.assessment_date.date(), r.form_type) for r in result.itertuples()]


def test_resident_narratives_newest_first_with_flags(tiny):
    assert narrative_ids(tiny) == [
        (D(2025, 5, 2), "iter"), (D(2025, 5, 1), "field_note"), (D(2025, 3, 1), "epa_observation"),
        (D(2024, 10, 1), "epa_observation"), (D(2024, 8, 5), "epa_observation"),
        (D(2024, 7, 20), "epa_observation"), (D(2024, 7, 10), "epa_observation")]
    flagged = query(tiny, "resident_narratives", **R1, **NO_FILTER).dropna(subset=["flag"])
    assert rows(flagged, ["flag", "flag_comment"]) == [("professionalism", "Late to handover.")]


@pytest.mark.parametrize(("filters", "expected"), [
    (dict(search="nurse"), [(D(2025, 5, 1), "field_note")]),
    (dict(search="LATE"), [(D(2024, 10, 1), "epa_observation")]),  # case-insensitive, in flag comments
    (dict(search="50%_"), []),  # literal, not a LIKE pattern
    (dict(epa_codes=["E1"]), [(D(2024, 8, 5), "epa_observation"), (D(2024, 7, 20), "epa_observation"),
                              (D(2024, 7, 10), "epa_observation")]),
    (dict(form_types=["field_note", "iter"]), [(D(2025, 5, 2), "iter"), (D(2025, 5, 1), "field_note")]),
    (dict(date_from=D(2024, 7, 15), date_to=D(2024, 10, 1)),
     [(D(2024, 10, 1), "epa_observation"), (D(2024, 8, 5), "epa_observation"),
      (D(2024, 7, 20), "epa_observation")]),
])
def test_resident_narratives_filters(tiny, filters, expected):
    assert narrative_ids(tiny, **filters) == expected


def test_resident_narratives_search_is_never_sql(tiny):
    for attack in ["'; drop table assessments; --", "' or 1=1 --", "%", "_", "\\"]:
        assert narrative_ids(tiny, search=attack) == []
    assert tiny.execute("select count(*) from assessments").fetchone()[0] == 13


def test_resident_coaching_sessions_status_as_of(tiny):
    result = query(tiny, "resident_coaching_sessions", **R1)
    assert rows(result, ["scheduled_date", "status", "coach_name", "duration_minutes"]) == [
        (D(2025, 11, 1), "held", "Dr. Riley Chen", 30),
        (D(2026, 1, 5), "no-show", "Dr. Riley Chen", None),
        (D(2026, 1, 20), "cancelled by coach", "Dr. Riley Chen", None),
        (D(2026, 2, 10), "held", "Dr. Riley Chen", 45),
        (D(2026, 7, 20), "upcoming", "Dr. Riley Chen", None),
    ]
    earlier = query(tiny, "resident_coaching_sessions", **{**R1, "as_of": D(2026, 2, 1)})
    assert list(earlier["status"]) == ["held", "no-show", "cancelled by coach", "upcoming", "upcoming"]


EVIDENCE = dict(recent_weeks=8, recent_ratings=5, trend_months=6, actionable_min_chars=20)


def test_meeting_epa_evidence(tiny):
    result = query(tiny, "meeting_epa_evidence", resident_id="",
                   viewer="L1", program_id="P1", as_of=D(2025, 3, 31), **EVIDENCE)
    columns = ["resident_id", "epa_code", "observations", "assessors", "assessor_roles", "recent_observations",
               "contexts", "narratives", "actionable", "current_level", "assessor_spread", "stage_trend_per_month",
               "stage_trend_ratings"]
    # R1 is in FOD (E2, E3); R2 has not started. E2: a04 (4, ICU) and a06 (2, ED), 106 days apart;
    # E3: a07 (4) on 2025-03-01, within 8 weeks. The trend pools E2 and E3 over six months.
    assert rows(result, columns) == [
        ("R1", "E2", 2, 2, 2, 0, 2, 1, 0, 3.0, None, -0.103, 3),
        ("R1", "E3", 1, 1, 1, 1, 1, 1, 0, 4.0, None, -0.103, 3),
    ]
    assert query(tiny, "meeting_epa_evidence", resident_id="", viewer="C2", program_id="P1", as_of=D(2025, 3, 31),
                 **EVIDENCE).empty


def test_meeting_agenda_since_last_review(tiny):
    columns = ["resident_id", "stage", "coach_name", "coach_on_committee", "previous_decision_date",
               "review_since", "new_observations", "epas_newly_achieved", "epas_newly_achieved_list", "new_flags",
               "new_narratives", "coaching_held", "coaching_missed"]
    # Before the first decision: everything since the start of training counts.
    before = query(tiny, "meeting_agenda", resident_id="", viewer="M1", program_id="P1", as_of=D(2025, 6, 14))
    assert rows(before, columns) == [
        ("R1", "FOD", "Dr. Riley Chen", True, None, D(2024, 6, 30), 6, 1, ["E1"], 1, 7, 0, 0)]
    # At a meeting after the 2025-12-15 decision: only what came after it.
    after = query(tiny, "meeting_agenda", resident_id="", viewer="M1", program_id="P1", as_of=AS_OF)
    assert rows(after, columns) == [
        ("R1", "FOD", "Dr. Riley Chen", True, D(2025, 12, 15), D(2025, 12, 15), 0, 0, [], 0, 0, 1, 2),
        ("R2", "TTD", "Dr. Riley Chen", True, None, D(2025, 6, 30), 1, 0, [], 0, 1, 2, 0)]
    # C2 coaches only R2, and only in the past: they see R2's line, whose coach is now C1.
    assert list(query(tiny, "meeting_agenda", resident_id="",
                      viewer="C2", program_id="P1", as_of=AS_OF)["resident_id"]) == ["R2"]


def test_meeting_agenda_says_no_for_a_resident_without_a_coach(tiny_rw):
    tiny_rw.execute("update coach_assignments set end_date = '2026-06-01' where resident_id = 'R2' and coach_id = 'C1'")
    agenda = query(tiny_rw, "meeting_agenda", resident_id="",
                   viewer="M1", program_id="P1", as_of=AS_OF).set_index("resident_id")
    assert pd.isna(agenda.at["R2", "coach_id"]) and not agenda.at["R2", "coach_on_committee"]
    assert agenda["coach_on_committee"].notna().all()
