"""My coachees: prepare a coaching session in five minutes, and log it."""

import datetime as dt

import pandas as pd
import streamlit as st

from cbme.app import frame, panels, reads, widgets
from cbme.app.markup import escape_markdown
from cbme.config import program_config
from cbme.rules.coaching import before_next_meeting, coaching_status, last_learning_plan
from cbme.rules.status import LIGHT_LABELS
from cbme.store import coaching
from cbme.vocabulary import LEARNING_PLAN, SESSION_OUTCOMES

view = frame.view()
config = program_config(view.program_id)
st.title("My coachees")
pairs = reads.fetch("coaching_pairs", viewer=view.viewer_id, program_id=view.program_id, as_of=view.as_of,
                    cadence_days=config.coaching_cadence_days, coach_id=view.viewer_id, resident_id="")
if pairs.empty:
    st.info("You have no coachees in this program on this date.")
    st.stop()
_, statuses = reads.meeting_agenda(view.viewer_id, view.program_id, view.as_of, config)
outcomes = reads.fetch("coachee_outcomes", viewer=view.viewer_id, program_id=view.program_id, as_of=view.as_of,
                    coach_id=view.viewer_id).set_index("resident_id")
glance = pairs.assign(
    status=[LIGHT_LABELS[statuses[r].light] if r in statuses else "not in training" for r in pairs["resident_id"]],
    overdue=pairs["days_overdue"].map(lambda d: f"{d} days overdue" if d else "no"),
    decision=pairs["resident_id"].map(outcomes["decision_status"]),
    actions=pairs["resident_id"].map(outcomes["decision_actions"]),
    follow_up=pairs["resident_id"].map(outcomes["follow_up_date"]))
next_meeting = outcomes["next_meeting_date"].dropna()
st.caption("The committee's next meeting: " + (f"{next_meeting.iloc[0]:%Y-%m-%d}." if not next_meeting.empty else
                                               "none scheduled yet."))
st.dataframe(glance, hide_index=True, placeholder="—",
             column_order=["resident_name", "status", "decision", "actions", "follow_up", "last_held", "next_due",
                           "overdue", "next_planned", "missed_since_last_held"],
             column_config={"resident_name": "Coachee", "status": "Committee status now",
                            "decision": "Committee's last decision", "actions": "Its actions",
                            "follow_up": st.column_config.DateColumn("Its follow-up date"),
                            "last_held": st.column_config.DateColumn("Last session held"),
                            "next_due": st.column_config.DateColumn("Next session due"), "overdue": "Overdue",
                            "next_planned": st.column_config.DateColumn("Next planned"),
                            "missed_since_last_held": "Missed since"})

names = dict(zip(pairs["resident_id"], pairs["resident_name"]))
resident_id = widgets.linked_selectbox("Prepare a session with", names, param="coachee", key="coaching_coachee",
                                  refused="The link names someone who is not your coachee; choose one of yours.",
                                  on_refused=frame.refusal_audit("coachee"), none_when_refused=True)
if resident_id is None:
    st.stop()
frame.audit_once("open coachee", resident_id=resident_id)
pair = pairs[pairs["resident_id"] == resident_id].iloc[0]
status = coaching_status(pair, view.as_of, config.coaching_cadence_days)  # the coaching's, not the committee's
{"overdue": st.warning, "due soon": st.info, "on track": st.success}[status.verdict](
    f"**Coaching {status.verdict}.** {' '.join(status.reasons)}")
st.page_link("views/resident.py", label="Open the full progression page", icon=":material/person:",
             query_params=frame.frame_link_params(resident=resident_id))
outcome = outcomes.loc[resident_id] if resident_id in outcomes.index else None
with st.container(border=True):
    st.markdown("**What the committee decided, and what is due before its next meeting**")
    st.text("\n".join(before_next_meeting(outcome, status, view.as_of)))

since = pair["last_held"].date() if pd.notna(pair["last_held"]) else pair["pairing_start"].date()
params = dict(viewer=view.viewer_id, resident_id=resident_id, as_of=view.as_of)
since_params = dict(since=since, **params)
narrative_params = dict(epa_codes=[], form_types=[], date_from=since + dt.timedelta(days=1), date_to=view.as_of,
                        search="", **params)
plan = last_learning_plan(reads.fetch("resident_coaching_sessions", **params), view.as_of)
left, right = st.columns(2)
with left:
    st.subheader("Our last learning plan")
    if plan is None:
        st.caption("No learning plan recorded yet.")
    else:
        st.caption(f"Session of {plan.session_date:%Y-%m-%d}")
        for heading, text in plan.parts.items():
            with st.container(border=True):
                st.markdown(f"**{heading}**")
                st.text(text or "Not recorded")
with right:
    st.subheader(f"Since then ({since:%Y-%m-%d})")
    epas = reads.fetch("coachee_since_session", **since_params)
    observed = epas[epas["observations_since"] > 0]
    newly = ", ".join(epas.loc[epas["newly_achieved"], "epa_code"]) or "none"
    exposure = ", ".join(epas.loc[epas["needs_exposure"] & (epas["observations_since"] == 0), "epa_code"]) or "none"
    st.markdown(f"**EPAs newly achieved:** {escape_markdown(newly)}  \n"
                f"**Current-stage EPAs with no observation since:** {escape_markdown(exposure)}")
    st.dataframe(observed, hide_index=True, placeholder="—",
                 column_order=["epa_code", "observations_since", "mean_before", "mean_since"],
                 column_config={"epa_code": "EPA", "observations_since": "Observations",
                                "mean_before": st.column_config.NumberColumn("Entrustment before", format="%.1f"),
                                "mean_since": st.column_config.NumberColumn("Entrustment since", format="%.1f")})
narratives = reads.fetch("resident_narratives", **narrative_params)
flags = narratives[narratives["flag"].notna()]
iters = narratives[narratives["form_type"] == "iter"]
st.subheader(f"New narratives since ({len(narratives)}; {len(flags)} flagged; {len(iters)} ITERs)")
panels.narrative_cards(pd.concat([flags, narratives[narratives["flag"].isna()]]).head(12))

st.subheader("Log a session")
# The form is keyed by the coachee: nothing typed for one coachee is shown or logged for another.
with st.form(f"coaching_log_{resident_id}"):
    st.caption(f"About {escape_markdown(names[resident_id])}.")
    cols = st.columns(3)
    day = cols[0].date_input("Date", value=view.as_of, max_value=view.as_of, key=f"coaching_day_{resident_id}",
                             format="YYYY-MM-DD")
    happened = cols[1].selectbox("What happened", SESSION_OUTCOMES, index=None, placeholder="Choose",
                                 key=f"coaching_status_{resident_id}")
    minutes = cols[2].number_input("Length (minutes)", min_value=0, max_value=240, value=30, step=5,
                                   key=f"coaching_minutes_{resident_id}")
    reviewed = st.checkbox("We reviewed the coachee's assessments", value=True,
                           key=f"coaching_reviewed_{resident_id}")
    strengths = st.text_area(LEARNING_PLAN["plan_strengths"], key=f"coaching_strengths_{resident_id}",
                             max_chars=2000)
    improvement = st.text_area(LEARNING_PLAN["plan_improvement"], key=f"coaching_improvement_{resident_id}",
                               max_chars=2000)
    exposure = st.text_area(LEARNING_PLAN["plan_exposure"], key=f"coaching_exposure_{resident_id}",
                            max_chars=2000)
    next_date = st.date_input("Next session planned for", value=None, key=f"coaching_next_{resident_id}",
                              format="YYYY-MM-DD")
    if st.form_submit_button(f"Log the session with {escape_markdown(names[resident_id])}", type="primary"):
        try:
            coaching.log_session(reads.connection(), view.viewer_id, coaching.Session(
                resident_id, day, happened, int(minutes) or None, reviewed, strengths, improvement, exposure,
                next_date), today=max(view.as_of, dt.date.today()))
            st.session_state["coaching_flash"] = (resident_id, f"Session of {day:%Y-%m-%d} logged ({happened}).")
            st.rerun()
        except (coaching.NotAllowed, ValueError) as error:
            st.error(escape_markdown(error))
if st.session_state.get("coaching_flash", ("",))[0] == resident_id:
    st.success(st.session_state.pop("coaching_flash")[1])
