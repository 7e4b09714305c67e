"""Resident progression: where one resident stands and how they got there, as of the chosen date; in
meeting view, the committee's evidence on the resident and its decision."""

import datetime as dt

import pandas as pd
import streamlit as st

from cbme.app import charts, frame, meeting_view, panels, reads, widgets
from cbme.config import program_config
from cbme.rules import meeting
from cbme.rules.coaching import coaching_status, last_learning_plan
from cbme.rules.status import epas_to_chart
from cbme.store import committee
from cbme.vocabulary import (
    COACHING_MODELS,
    ENTRUSTMENT,
    FORM_TYPES,
    MEETING_ROLES,
    OPPORTUNITIES,
    RESIDENT_TABS,
    STAGES,
)

view = frame.view()
config = program_config(view.program_id)
scope = dict(viewer=view.viewer_id, as_of=view.as_of)
in_meeting = (st.query_params.get("meeting") == f"{view.as_of:%Y-%m-%d}"
              and bool(view.roles & set(MEETING_ROLES)))
presenting = in_meeting and "committee_chair" in view.roles

residents = reads.fetch("viewer_residents", program_id=view.program_id, **scope)
if residents.empty:
    st.info("There are no residents you may see in this program on this date.")
    st.stop()

labels = {r.resident_id: f"{r.name} · {r.stage if isinstance(r.stage, str) else 'no stage'} · PGY{r.pgy}"
          for r in residents.itertuples()}
names = dict(zip(residents["resident_id"], residents["name"]))


def picked() -> None:
    """A resident chosen in the picker while the one shown has an unsaved decision: ask first."""
    shown = st.session_state.get("resident_shown")
    if in_meeting and shown and meeting_view.has_draft(shown, view.as_of):
        wanted = st.session_state["resident"]
        st.session_state["resident"] = shown
        meeting_view.ask_before_leaving(shown, wanted, view.as_of)


meeting_view.open_requested()
resident_id = widgets.linked_selectbox(
    "Resident", labels, param="resident", key="resident", placeholder="Type a name to search",
    refused="The link names a resident who is not available to you in this program. Choose one of your "
            "residents.", on_refused=frame.refusal_audit("resident"), none_when_refused=True, on_change=picked,
    help="The residents your role lets you see. The page address links to the chosen resident.")
if resident_id is None:
    st.stop()
st.session_state["resident_shown"] = resident_id
params = dict(resident_id=resident_id, **scope)
frame.audit_once("open resident", resident_id=resident_id)

review, status = reads.resident_review(view.viewer_id, view.program_id, view.as_of, config, resident_id)
if in_meeting:
    meeting_view.drawn_with_data_version()  # the watch below redraws the page when the data move on
    everyone, _ = reads.meeting_agenda(view.viewer_id, view.program_id, view.as_of, config)
    agenda = meeting.due_only(everyone) if st.query_params.get("agenda", "due") == "due" else everyone
    order = st.query_params.get("order", "concern")
    agenda = meeting.order_agenda(agenda, order if order in meeting.ORDERS else "concern")  # as the agenda shows it
    meeting_view.leaving_dialog(names, view.as_of)
    meeting_view.bar(agenda, resident_id, view, presenting)
    if presenting and st.session_state.get("meeting_presented") != (view.as_of, resident_id):
        committee.present_resident(reads.connection(), view.viewer_id, view.program_id, view.as_of, resident_id)
        st.session_state["meeting_presented"] = (view.as_of, resident_id)
    meeting_view.watch(view, resident_id, names, presenting)
since = review.review_since.date() if in_meeting and review is not None else None
profile = reads.fetch("resident_profile", **params).iloc[0]

# Header
stage_since = f"since {profile['stage_start_date']:%Y-%m-%d}" if profile["stage"] else "no stage recorded"
widgets.facts_card([
    ("Resident", profile["name"], profile["status"]),
    ("Stage", STAGES.get(profile["stage"], "Not started"), stage_since),
    ("PGY", str(profile["pgy"]), f"training started {profile['training_start_date']:%Y-%m-%d}"),
    ("Coach", profile["coach_name"] or "No coach assigned",
     COACHING_MODELS.get(profile["coaching_model"], "") + (" · sits on the committee" if
                                                           profile["coach_on_committee"] and
                                                           profile["coaching_model"] != "committee" else "")),
    ("Last committee decision", profile["last_decision_status"] or "No decision yet",
     f"{profile['last_decision_date']:%Y-%m-%d}" if profile["last_decision_status"] else ""),
])

if review is not None:
    flags = pd.DataFrame()
    if review.new_flags:
        narratives_since = reads.fetch("resident_narratives", epa_codes=[], form_types=[],
                                    date_from=review.review_since.date() + dt.timedelta(days=1),
                                    date_to=view.as_of, search="", **params)
        flags = narratives_since[narratives_since["flag"].notna()]
    panels.status_panel(status, view.as_of, flags, review.coaching)
    if in_meeting:
        panels.since_metrics(review)
        notes = reads.fetch("meeting_reviewer_notes", viewer=view.viewer_id, program_id=view.program_id,
                            as_of=view.as_of)
        meeting_view.reviewers_panel(view, resident_id, notes[notes["resident_id"] == resident_id])

# The sections, one tab each (widgets.lazy_tabs: only the open one runs). Widgets are keyed by the resident.


def progress_section():
    progress = reads.fetch("resident_epa_progress", **params)
    current = progress[progress["stage"] == profile["stage"]]
    st.subheader("EPAs achieved against the assessment plan")
    st.markdown(
        f"**{int(progress['complete'].sum())} of {len(progress)}** EPAs complete overall; "
        f"**{int(current['complete'].sum())} of {len(current)}** in the current stage. A bar shows the "
        f"share of the EPA's required observations achieved at its target entrustment "
        f"(✓ marks a complete EPA).")
    later_stages = list(STAGES)[list(STAGES).index(profile["stage"]) + 1:] if profile["stage"] else []
    shown = progress
    if later_stages and not st.toggle("Include later stages", key=f"resident_later_stages_{resident_id}",
                                      help="EPAs of stages the resident has not reached yet."):
        shown = progress[~progress["stage"].isin(later_stages)]
    st.plotly_chart(charts.epa_progress(shown), key="resident_epa_progress",
                    config={"displayModeBar": False})
    details = st.expander("Assessment plan details", key="resident_plan_details", on_change="rerun")
    if details.open:  # built only when opened
        details.dataframe(
            progress[["stage", "epa_code", "title", "required_observations", "achieved", "observations",
                      "expired", "assessors", "last_observed", "contextual_requirements"]],
            hide_index=True, placeholder="—",
            column_config={"stage": "Stage", "epa_code": "EPA", "title": "Title",
                           "required_observations": "Required", "achieved": "Achieved",
                           "observations": "Observations", "expired": "Expired", "assessors": "Assessors",
                           "last_observed": st.column_config.DateColumn("Last observed"),
                           "contextual_requirements": "Contextual requirements"})
    entrustment_section(progress, current)


@frame.fragment
def entrustment_section(progress: pd.DataFrame, current: pd.DataFrame):
    observations = reads.fetch("resident_entrustment", **params)
    st.subheader("Entrustment over time")
    counts = observations["epa_code"].value_counts()
    ordered = [c for c in progress["epa_code"] if c in counts]
    default = epas_to_chart(status, current["epa_code"], counts[counts.index.isin(ordered)])  # among the choices
    chosen = st.multiselect("EPAs to show", ordered, default=default, key=f"resident_epas_{resident_id}",
                            format_func=lambda c: f"{c} ({counts[c]} ratings)")
    if not chosen:
        st.info("Choose one or more EPAs to see their ratings.")
        return
    figure = charts.entrustment_over_time(observations, reads.fetch("resident_stage_history", **params),
                                          reads.fetch("resident_decisions", **params), chosen, view.as_of, since)
    st.plotly_chart(figure, key="resident_entrustment")
    st.caption("Each point is one rated observation; the line is the mean of the EPA's last five. "
               f"The dotted line marks entrustment 4 ({ENTRUSTMENT[4]}). Shaded bands are stages; "
               "diamonds along the top are committee decisions (hover for the status).")


def feedback_section():
    summary = reads.fetch("resident_feedback_summary", actionable_min_chars=config.actionable_min_chars, **params)
    total = summary[summary["opportunity"] == "all assessments"]
    if total.empty or not total.iloc[0]["items"]:
        st.info("No feedback recorded up to this date.")
        return
    total = total.iloc[0]
    cols = st.columns(4)
    cols[0].metric("Assessments completed", f"{total['items']:,}", f"{total['expired']} expired unanswered",
                   delta_color="off", delta_arrow="off")
    cols[1].metric("Directly observed", f"{total['directly_observed_share']:.0%}")
    cols[2].metric("With narrative", f"{total['narrative_share']:.0%}")
    cols[3].metric("With actionable improvement", f"{total['actionable_share']:.0%}",
                   f"comment of {config.actionable_min_chars}+ characters", delta_color="off", delta_arrow="off")
    monthly = reads.fetch("resident_feedback_monthly", **params)
    st.plotly_chart(charts.feedback_mix(monthly, since, view.as_of), key="resident_feedback_mix")
    st.dataframe(
        summary.assign(opportunity=summary["opportunity"].map({**OPPORTUNITIES, "all assessments": "All assessments"})),
        hide_index=True, placeholder="—",
        column_config={
            "opportunity": "Feedback opportunity", "stakes": "Stakes", "items": "Completed", "expired": "Expired",
            "directly_observed_share": st.column_config.ProgressColumn("Directly observed", format="percent"),
            "narrative_share": st.column_config.ProgressColumn("With narrative", format="percent"),
            "actionable_share": st.column_config.ProgressColumn("Actionable", format="percent"),
            "words_per_narrative": st.column_config.NumberColumn("Words per narrative", format="%.0f")})


@frame.fragment
def narratives_section():
    first_day = profile["training_start_date"].date() if hasattr(profile["training_start_date"], "date") \
        else profile["training_start_date"]
    cols = st.columns([2, 1.2, 1.2, 1.4])
    search = cols[0].text_input("Search the comments", key=f"resident_search_{resident_id}", max_chars=200)
    epa_codes = cols[1].multiselect("EPA", list(reads.fetch("resident_epa_progress", **params)["epa_code"]),
                                    key=f"resident_narrative_epas_{resident_id}")
    form_types = cols[2].multiselect("Form type", FORM_TYPES,
                                     format_func=OPPORTUNITIES.get, key=f"resident_narrative_forms_{resident_id}")
    dates = cols[3].date_input("Between", (first_day, view.as_of), min_value=first_day,
                               max_value=max(view.as_of, first_day), key=f"resident_narrative_dates_{resident_id}",
                               format="YYYY-MM-DD")
    date_from, date_to = (dates[0], dates[-1]) if dates else (first_day, view.as_of)
    narratives = reads.fetch("resident_narratives", epa_codes=epa_codes, form_types=form_types,
                          date_from=date_from, date_to=date_to, search=search.strip(), **params)
    flagged = narratives["flag"].notna().sum()
    st.caption(f"{len(narratives)} comments, newest first; {flagged} with a professionalism or "
               "patient-safety flag.")
    if narratives.empty:
        return
    per_page = 15
    pages = (len(narratives) - 1) // per_page + 1
    page = st.pagination(pages, key=f"resident_narrative_page_{resident_id}") if pages > 1 else 1
    panels.narrative_cards(narratives.iloc[(page - 1) * per_page: page * per_page])


def coaching_section():
    sessions = reads.fetch("resident_coaching_sessions", **params)
    pairs = reads.fetch("coaching_pairs", viewer=view.viewer_id, program_id=view.program_id, as_of=view.as_of,
                        cadence_days=config.coaching_cadence_days, coach_id="", resident_id=resident_id)
    pair = pairs.iloc[0] if not pairs.empty else None
    coaching = coaching_status(pair, view.as_of, config.coaching_cadence_days)
    {"overdue": st.warning, "due soon": st.info, "on track": st.success, "no coach": st.info}[coaching.verdict](
        f"**Coaching {coaching.verdict}.** {' '.join(coaching.reasons)}")
    if pair is not None or not sessions.empty:  # an empty timeline still shows how long coaching is overdue
        st.plotly_chart(charts.coaching_timeline(sessions, view.as_of, coaching.next_due),
                        key="resident_coaching", config={"displayModeBar": False})
    if sessions.empty:
        return
    plan = last_learning_plan(sessions, view.as_of)
    if plan is not None:
        st.markdown(f"**Learning plan from the session of {plan.session_date:%Y-%m-%d}**")
        for col, (heading, text) in zip(st.columns(3), plan.parts.items()):
            with col.container(border=True):
                st.markdown(f"**{heading}**")
                st.text(text or "Not recorded")


def decisions_section():
    decisions = reads.fetch("resident_decisions", **params)
    if decisions.empty:
        st.info("No committee decision recorded up to this date.")
    for decision in decisions.itertuples():
        with st.container(border=True):
            version = f" · version {decision.version}" + (" (in force)" if decision.in_force else " (amended later)") \
                if decision.version > 1 or not decision.in_force else ""
            st.markdown(f"**{decision.meeting_date:%Y-%m-%d} · {decision.status}**{version}")  # one of five statuses
            st.text("\n".join(meeting.minutes(decision)))


widgets.lazy_tabs(dict(zip(RESIDENT_TABS, [progress_section, feedback_section, narratives_section, coaching_section,
                                       decisions_section])), key="section")

if in_meeting and review is not None:
    st.subheader("The committee's decision", anchor=meeting_view.FORM_ANCHOR)
    meeting_view.decision_form(view, review, names[resident_id], status,
                               reads.fetch("program_committee", viewer=view.viewer_id, program_id=view.program_id),
                               reads.fetch("meeting_attendance", viewer=view.viewer_id, program_id=view.program_id,
                                        as_of=view.as_of),
                               reads.fetch("resident_decisions", **params))

