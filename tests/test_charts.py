"""Chart builders on the tiny fixture's query results."""

import datetime as dt

import pandas as pd

from cbme.app import charts
from cbme.store.db import query
from cbme.vocabulary import OKABE_ITO
from tests.conftest import AS_OF

R1 = dict(viewer="C1", resident_id="R1", as_of=AS_OF)


def test_epa_progress_bars_carry_counts_as_text(tiny):
    fig = charts.epa_progress(query(tiny, "resident_epa_progress", **R1))
    plan, achieved = fig.data
    # Drawn bottom-up: E3, E2, E1; grouped by stage name.
    assert list(achieved.y[1]) == ["E3", "E2", "E1"]
    assert list(achieved.y[0]) == ["Foundations of Discipline", "Foundations of Discipline",
                                   "Transition to Discipline"]
    assert list(achieved.text) == ["0 of 1 achieved", "1 of 3 achieved", "✓ 2 achieved, 2 required"]
    assert [round(x, 1) for x in achieved.x] == [0.0, 33.3, 100.0]
    assert list(plan.x) == [100, 100, 100]
    # Complete, in progress and not started differ in colour as well as text.
    assert len(set(achieved.marker.color)) == 3


def test_entrustment_chart_marks_stages_and_decisions(tiny):
    observations = query(tiny, "resident_entrustment", **R1)
    stages = query(tiny, "resident_stage_history", **R1)
    decisions = query(tiny, "resident_decisions", **R1)
    fig = charts.entrustment_over_time(observations, stages, decisions, ["E1", "E2"], AS_OF)
    names = [t.name for t in fig.data]
    assert names == ["E1", "E1 trend", "E2", "E2 trend", "Committee decision"]
    assert list(fig.data[1].y) == [3.0, 3.5, 4.0]
    assert len(fig.data[4].x) == 2
    labels = [a.text for a in fig.layout.annotations]
    assert labels == ["TTD starts", "FOD starts"]
    assert list(fig.layout.yaxis.ticktext)[3] == "4 · I needed to be there just in case"


def test_entrustment_chart_marks_only_the_version_in_force_of_an_amended_decision(tiny):
    decisions = query(tiny, "resident_decisions", **R1)
    superseded = decisions.iloc[[0]].assign(in_force=False, version=0, status="Failure to progress")
    fig = charts.entrustment_over_time(query(tiny, "resident_entrustment", **R1),
                                       query(tiny, "resident_stage_history", **R1),
                                       pd.concat([decisions, superseded], ignore_index=True), ["E1"], AS_OF)
    marks = next(t for t in fig.data if t.name == "Committee decision")
    assert len(marks.x) == 2 and "Failure to progress" not in [c[0] for c in marks.customdata]


def test_entrustment_chart_switches_to_webgl_for_many_points(tiny):
    observations = query(tiny, "resident_entrustment", **R1)
    many = observations.loc[observations.index.repeat(400)].reset_index(drop=True)
    stages = query(tiny, "resident_stage_history", **R1)
    decisions = query(tiny, "resident_decisions", **R1)
    fig = charts.entrustment_over_time(many, stages, decisions, ["E1"], AS_OF)
    assert fig.data[0].type == "scattergl"


def test_feedback_mix_stacks_opportunities_and_plots_shares(tiny):
    fig = charts.feedback_mix(query(tiny, "resident_feedback_monthly", **R1))
    bars = [t.name for t in fig.data if t.type == "bar"]
    assert bars == ["EPA observation", "Field note", "Mini-CEX", "ITER", "Coaching session"]
    # Fill patterns (for greyscale print) lie over each bar's colour rather than replacing it.
    patterned = [t for t in fig.data if t.type == "bar" and t.marker.pattern.shape]
    assert len(patterned) == 4 and all(t.marker.pattern.fillmode == "overlay" for t in patterned)
    observed = next(t for t in fig.data if t.name == "Directly observed (%)")
    # May 2025: 1 of 3 items directly observed.
    may = [y for x, y in zip(observed.x, observed.y) if str(x).startswith("2025-05")]
    assert may == [33.0]


def test_feedback_mix_marks_a_month_not_yet_over():
    """On the 10th the month's bars hold ten days: paler and labelled, so they do not read as a drop."""
    monthly = pd.DataFrame({
        "month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01"]),
        "opportunity": ["epa_observation", "field_note", "epa_observation"], "items": [8, 2, 1],
        "month_items": [10, 10, 1], "month_directly_observed": [6, 6, 1], "month_with_narrative": [5, 5, 0]})
    fig = charts.feedback_mix(monthly, None, dt.date(2026, 2, 10))
    epa = next(t for t in fig.data if t.name == "EPA observation")
    assert list(epa.marker.opacity) == [1.0, 0.4]
    assert [(a.x, a.text) for a in fig.layout.annotations] == [(pd.Timestamp("2026-02-01"),
                                                                 "month so far (to 10 Feb)")]
    # The shares of the month so far are points apart from the lines of the months that are over.
    observed = [t for t in fig.data if t.name == "Directly observed (%)"]
    assert [(t.mode, list(t.x), list(t.y)) for t in observed] == [
        ("lines+markers", [pd.Timestamp("2026-01-01")], [60.0]), ("markers", [pd.Timestamp("2026-02-01")], [100.0])]
    assert [t.showlegend for t in observed] == [True, False]
    for over in (dt.date(2026, 2, 28), None):  # the month is over, or no date given
        fig = charts.feedback_mix(monthly, None, over)
        assert all(o == 1.0 for t in fig.data if t.type == "bar" for o in t.marker.opacity)
        assert not fig.layout.annotations
        assert [t.mode for t in fig.data if t.type == "scatter"] == ["lines+markers"] * 2


def test_coaching_timeline_shades_overdue_period(tiny):
    sessions = query(tiny, "resident_coaching_sessions", **R1)
    fig = charts.coaching_timeline(sessions, AS_OF, next_due=dt.date(2026, 4, 11))
    by_status = {t.name: len(t.x) for t in fig.data}
    assert by_status == {"Held": 2, "Cancelled by resident": 0, "Cancelled by coach": 1, "No-show": 1,
                         "Upcoming": 1}
    overdue = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(overdue) == 1 and str(overdue[0].x0).startswith("2026-04-11")
    not_overdue = charts.coaching_timeline(sessions, AS_OF, next_due=dt.date(2026, 8, 1))
    assert not [s for s in not_overdue.layout.shapes if s.type == "rect"]


def test_data_in_labels_is_escaped(tiny):
    """plotly renders tags such as <a> inside labels; names and codes from imports must not become markup."""
    observations = query(tiny, "resident_entrustment", **R1)
    observations["assessor_name"] = '<a href="https://example.org">Dr. Link</a>'
    observations["epa_code"] = observations["epa_code"].replace("E1", "<b>E1</b>")
    fig = charts.entrustment_over_time(observations, query(tiny, "resident_stage_history", **R1),
                                       query(tiny, "resident_decisions", **R1), ["<b>E1</b>"], AS_OF)
    assert fig.data[0].name == "&lt;b&gt;E1&lt;/b&gt;"
    assert fig.data[0].customdata[0][1] == "&lt;a href=&quot;https://example.org&quot;&gt;Dr. Link&lt;/a&gt;"
    assert fig.data[0].hovertemplate.startswith("<b>&lt;b&gt;E1&lt;/b&gt;</b>")


def test_the_period_since_the_last_review_is_shaded_only_when_given(tiny):
    monthly = query(tiny, "resident_feedback_monthly", **R1)
    since = dt.date(2026, 3, 1)
    for fig in (charts.feedback_mix(monthly, since, AS_OF),
                charts.entrustment_over_time(query(tiny, "resident_entrustment", **R1),
                                             query(tiny, "resident_stage_history", **R1),
                                             query(tiny, "resident_decisions", **R1), ["E1"], AS_OF, since)):
        band = [s for s in fig.layout.shapes if s.type == "rect" and s.fillcolor == OKABE_ITO["sky blue"]]
        assert [(b.x0, b.x1) for b in band] == [(pd.Timestamp(since), pd.Timestamp(AS_OF))]
        assert "since last review" in [a.text for a in fig.layout.annotations]
    assert not [a for a in charts.feedback_mix(monthly).layout.annotations if a.text == "since last review"]


def _every_chart(tiny) -> dict:
    """Every chart the dashboard draws, on the tiny program, in each of its variants."""
    observations = query(tiny, "resident_entrustment", **R1)
    stages = query(tiny, "resident_stage_history", **R1)
    decisions = query(tiny, "resident_decisions", **R1)
    many = observations.loc[observations.index.repeat(400)].reset_index(drop=True)
    monthly = query(tiny, "resident_feedback_monthly", **R1)
    sessions = query(tiny, "resident_coaching_sessions", **R1)
    lead = dict(viewer="L1", program_id="P1", as_of=AS_OF)
    since = dt.date(2026, 3, 1)
    board = query(tiny, "competency_board", recent_ratings=5, trend_months=6, min_trend_ratings=3,
                  **{**lead, "as_of": dt.date(2025, 6, 30)})
    return {
        "EPA progress": lambda: charts.epa_progress(query(tiny, "resident_epa_progress", **R1), row_height=14),
        "entrustment": lambda: charts.entrustment_over_time(observations, stages, decisions, ["E1", "E2"], AS_OF,
                                                            since),
        "entrustment, WebGL, no decisions": lambda: charts.entrustment_over_time(many, stages, decisions.head(0),
                                                                                 ["E1"], AS_OF),
        "feedback mix": lambda: charts.feedback_mix(monthly, since, AS_OF),
        "feedback mix, month not over": lambda: charts.feedback_mix(monthly, None, dt.date(2026, 2, 10)),
        "program feedback mix": lambda: charts.feedback_mix(query(tiny, "program_feedback_by_month",
                                                                  actionable_min_chars=20, **lead)),
        "coaching timeline, overdue": lambda: charts.coaching_timeline(sessions, AS_OF, dt.date(2026, 4, 11)),
        "program sessions": lambda: charts.program_sessions(query(tiny, "program_coaching_sessions", **lead),
                                                            AS_OF),
        "coach workload": lambda: charts.coach_workload(query(tiny, "coach_workload", ceiling=1, **lead), 1),
        "calibration": lambda: charts.calibration(query(tiny, "assessor_calibration", min_ratings=2, **lead), 1.5),
        "competency board, level": lambda: charts.competency_board(board, "level"),
        "competency board, growth": lambda: charts.competency_board(board, "growth"),
    }


def test_every_chart_passes_plotlys_checks(tiny):
    """Every chart, in each variant, is built through plotly's property checks (it raises on a property it
    does not know or a value it refuses) and has data to draw."""
    for name, build in _every_chart(tiny).items():
        assert build().data, name


def test_competency_board_keeps_a_row_for_each_of_two_residents_of_one_name():
    board = pd.DataFrame({
        "resident_id": ["R1", "R1", "R2", "R2", "R3", "R3"],
        "name": ["Sam Lee", "Sam Lee", "Sam Lee", "Sam Lee", "Ana Diaz", "Ana Diaz"],
        "stage": ["FOD", "FOD", "FOD", "FOD", None, None],
        "epa_code": ["E1", "E2"] * 3,
        "level": [4.2, None, 2.0, 3.5, None, 1.0],
        "growth": [0.1, None, None, -0.2, None, None]})
    fig = charts.competency_board(board, "level")
    heatmap = fig.data[0]
    assert list(heatmap.y) == ["Sam Lee (R1) · FOD", "Sam Lee (R2) · FOD", "Ana Diaz · -"]
    assert list(heatmap.x) == ["E1", "E2"]
    assert [[None if pd.isna(v) else v for v in row] for row in heatmap.z] == [[4.2, None], [2.0, 3.5], [None, 1.0]]
    growth = charts.competency_board(board, "growth").data[0]
    assert [[None if pd.isna(v) else v for v in row] for row in growth.z] == [[0.1, None], [None, -0.2],
                                                                             [None, None]]
