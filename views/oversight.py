"""Program oversight: coaching that has quietly stopped, coach workload, dual roles, the feedback mix,
assessor calibration, relational continuity, and the competency board."""

import streamlit as st

from cbme.app import charts, frame, reads, widgets
from cbme.app.markup import escape_markdown
from cbme.config import program_config
from cbme.vocabulary import OPPORTUNITIES, OVERSIGHT_TABS

view = frame.view()
config = program_config(view.program_id)
common = dict(viewer=view.viewer_id, program_id=view.program_id, as_of=view.as_of)
st.title("Program oversight")
st.caption(f"As of {view.as_of:%Y-%m-%d}. Coaching cadence {config.coaching_cadence_days} days; at most "
           f"{config.coach_max_coachees} coachees a coach (data/program_config.toml).")


def coaching_section():
    workload_params = dict(ceiling=config.coach_max_coachees, **common)
    pairs = reads.fetch("coaching_pairs", resident_id="",
                        cadence_days=config.coaching_cadence_days, coach_id="", **common)
    overdue = pairs[pairs["days_overdue"] > 0]
    cols = st.columns(4)
    cols[0].metric("Coaching pairs", len(pairs))
    cols[1].metric("Overdue", len(overdue))
    cols[2].metric("Coaches with overdue coachees", overdue["coach_id"].nunique())
    uncoached = reads.fetch("residents_without_coach", **common)
    cols[3].metric("Residents without a coach", len(uncoached))
    st.subheader("Overdue coaching, longest first")
    if overdue.empty:
        st.success("No coaching pair is overdue.")
    else:
        by_coach = overdue["coach_name"].value_counts()
        st.text("Coaches with overdue coachees: " + ", ".join(f"{name} ({n})" for name, n in by_coach.items()))
        st.dataframe(overdue, hide_index=True, placeholder="—", column_order=[
            "coach_name", "resident_name", "days_overdue", "last_held", "missed_since_last_held", "next_planned"],
            column_config={"coach_name": "Coach", "resident_name": "Coachee",
                           "days_overdue": st.column_config.ProgressColumn(
                               "Days overdue", format="%d", min_value=0, max_value=int(overdue["days_overdue"].max())),
                           "last_held": st.column_config.DateColumn("Last held"),
                           "missed_since_last_held": "Missed since", "next_planned": st.column_config.DateColumn(
                               "Next planned")})
    if not uncoached.empty:
        st.warning("Residents without a coach: " + escape_markdown(", ".join(uncoached["name"])),
                   icon=":material/person_off:")
    st.subheader("Coach workload and missed sessions (last 12 months)")
    workload = reads.fetch("coach_workload", **workload_params)
    # The chart has the page's width: a label of a bar over the ceiling ran past a half-width column.
    st.plotly_chart(charts.coach_workload(workload, config.coach_max_coachees), key="oversight_workload",
                    config={"displayModeBar": False})
    st.dataframe(workload, hide_index=True, placeholder="—", column_order=[
        "coach_name", "held", "cancelled_by_resident", "cancelled_by_coach", "no_show", "missed_share"],
        column_config={"coach_name": "Coach", "held": "Held", "cancelled_by_resident": "Cancelled by resident",
                       "cancelled_by_coach": "Cancelled by coach", "no_show": "No-show",
                       "missed_share": st.column_config.ProgressColumn("Missed", format="percent")})
    st.subheader("Sessions across the program")
    st.plotly_chart(charts.program_sessions(reads.fetch("program_coaching_sessions", **common), view.as_of),
                    key="oversight_sessions", config={"displayModeBar": False})
    with st.expander("Missed, cancelled and no-show rates per resident"):
        st.dataframe(pairs, hide_index=True, placeholder="—", column_order=[
            "resident_name", "coach_name", "held", "cancelled_by_resident", "cancelled_by_coach", "no_show",
            "missed_share"], column_config={
            "resident_name": "Resident", "coach_name": "Coach", "held": "Held",
            "cancelled_by_resident": "Cancelled by resident", "cancelled_by_coach": "Cancelled by coach",
            "no_show": "No-show", "missed_share": st.column_config.ProgressColumn("Missed", format="percent")})


def roles_section():
    roles = reads.fetch("coaching_dual_roles", **common)
    collide = roles[roles["roles_collide"]]
    st.markdown(f"**{len(collide)} pair(s) where roles collide**: the coach assesses the coachee and sits on the "
                "committee that decides on them. The committee records these coaches as recused from those "
                "decisions.")
    st.dataframe(roles, hide_index=True, placeholder="—", column_order=[
        "coach_name", "resident_name", "coaching_model", "share_by_coach", "by_coach", "coach_on_committee",
        "roles_collide"], column_config={
        "coach_name": "Coach", "resident_name": "Coachee", "coaching_model": "Coaching model",
        "share_by_coach": st.column_config.ProgressColumn("Coachee's assessments by the coach", format="percent",
                                                          max_value=max(0.05, float(roles["share_by_coach"].max()))),
        "by_coach": "Written by the coach", "coach_on_committee": "Coach on committee",
        "roles_collide": "Roles collide"})


def feedback_section():
    mix_params = dict(actionable_min_chars=config.actionable_min_chars, **common)
    monthly = reads.fetch("program_feedback_by_month", **mix_params)
    st.plotly_chart(charts.feedback_mix(monthly, None, view.as_of), key="oversight_mix",
                    config={"displayModeBar": False})
    by_setting = reads.fetch("program_feedback_by_setting", **mix_params)
    st.caption("By form type (all settings) and by setting, last 12 months. Low stakes are formative; high stakes "
               "(ITERs) are summative.")
    st.dataframe(by_setting.assign(form_type=by_setting["form_type"].map(OPPORTUNITIES)), hide_index=True,
                 placeholder="—",
                 column_config={
                     "form_type": "Form type", "setting": "Setting", "stakes": "Stakes", "items": "Completed",
                     "directly_observed_share": st.column_config.ProgressColumn("Directly observed", format="percent"),
                     "narrative_share": st.column_config.ProgressColumn("With narrative", format="percent"),
                     "actionable_share": st.column_config.ProgressColumn("Actionable", format="percent"),
                     "expired": "Expired"})


def assessors_section():
    st.subheader("Assessor calibration")
    calibration = reads.fetch("assessor_calibration", min_ratings=config.calibration_min_ratings, **common)
    beyond = calibration[calibration["z_score"].abs() >= config.calibration_z]
    st.caption(f"Assessors with at least {config.calibration_min_ratings} EPA ratings. |z| ≥ {config.calibration_z} "
               f"suggests calibration ({len(beyond)} assessor(s)); use it to interpret ratings, never to discard them.")
    st.plotly_chart(charts.calibration(calibration, config.calibration_z), key="oversight_calibration",
                    config={"displayModeBar": False})
    st.subheader("Relational continuity (last 12 months)")
    st.dataframe(reads.fetch("relational_continuity", **common), hide_index=True, placeholder="—", column_config={
        "resident_id": None, "name": "Resident", "stage": "Stage", "assessments": "Assessments",
        "assessors": "Distinct assessors", "repeated_assessors": "Assessors seen 3+ times",
        "repeated_share": st.column_config.ProgressColumn("From repeated assessors", format="percent"),
        "pairing_months": st.column_config.NumberColumn("Coach pairing (months)", format="%.0f")})


def board_section():
    measure = st.segmented_control("Show", ["level", "growth"], default="level", key="oversight_measure",
                                   format_func={"level": "Current level (1-5)",
                                                "growth": f"Growth (points a month, last {config.trend_months} "
                                                          "months)"}.get,
                                   required=True)
    board = reads.fetch("competency_board", recent_ratings=config.recent_ratings, trend_months=config.trend_months,
                     min_trend_ratings=config.min_trend_ratings, **common)
    st.caption("Residents by stage (most senior first), EPAs by stage. Empty cells: not yet rated"
               + (f", or fewer than {config.min_trend_ratings} ratings in {config.trend_months} months (the "
                  "status rules' threshold for judging growth)." if measure == "growth" else "."))
    st.plotly_chart(charts.competency_board(board, measure), key="oversight_board")


frame.audit_once("open oversight", tab=st.query_params.get("oversight_section", OVERSIGHT_TABS[0]))
widgets.lazy_tabs(dict(zip(OVERSIGHT_TABS, [coaching_section, roles_section, feedback_section, assessors_section,
                                        board_section])), key="oversight_section")
