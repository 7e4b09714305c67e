"""Layout pieces that several pages show: the committee status of a resident, the meeting bar for
presenting residents one after another, and the decision form. Streamlit layout only; the verdicts
come from cbme.status and the writes from cbme.decisions."""

from __future__ import annotations

import datetime as dt
from html import escape

import pandas as pd
import streamlit as st

from cbme import decisions, ui
from cbme.labels import OPPORTUNITIES
from cbme.status import AMBER, GREEN, LIGHT_LABELS, NO_EVIDENCE, RED, ResidentStatus

BOX = {RED: st.error, AMBER: st.warning, NO_EVIDENCE: st.info, GREEN: st.success}
FLASH = "panels_flash"
NARRATIVE_CSS = """
.narrative {border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.6rem 0.9rem;
            margin-bottom: 0.5rem; white-space: pre-wrap;}
.narrative .about {font-size: 0.85rem; color: #444; margin-bottom: 0.3rem;}
.narrative .flag {display: inline-block; background: #F5C6B4; color: #5a1a00; font-weight: 600;
                  padding: 0 0.4rem; border-radius: 0.25rem; margin-bottom: 0.3rem;}
.narrative p {margin: 0.15rem 0;}
"""


def narrative_cards(items: pd.DataFrame) -> None:
    """Narrative comments (rows of resident_narratives.sql), one card each, flags first in red words.
    One HTML block for all of them (a page of cards as separate elements costs a message each), with
    every value from the data HTML-escaped: shown exactly as written, never as markup."""
    cards = []
    for item in items.itertuples():
        about = [f"{item.assessment_date:%Y-%m-%d}", OPPORTUNITIES[item.form_type]]
        about += [item.epa_code] if pd.notna(item.epa_code) else []
        about += [f"entrustment {item.entrustment}"] if pd.notna(item.entrustment) else []
        about += [f"{item.assessor_name} ({item.assessor_role})", f"{item.stakes} stakes"]
        about += ["directly observed"] if item.directly_observed else []
        parts = [f'<div class="about">{escape(" · ".join(str(a) for a in about))}</div>']
        if isinstance(item.flag, str):
            parts.append(f'<div class="flag">⚑ {escape(item.flag.capitalize())} concern</div>')
            if isinstance(item.flag_comment, str):
                parts.append(f'<p class="flag-comment">{escape(item.flag_comment)}</p>')
        for css, label, text in (("strengths", "Strengths", item.strengths),
                                 ("improvement", "To improve", item.improvement)):
            if isinstance(text, str) and text.strip():
                parts.append(f'<p class="{css}">{label}: {escape(text)}</p>')
        cards.append(f'<div class="narrative">{"".join(parts)}</div>')
    st.html(f"<style>{NARRATIVE_CSS}</style>{''.join(cards)}")


def status_panel(status: ResidentStatus, as_of: dt.date) -> None:
    """The light, every reason behind it, and the evidence per EPA of the current stage."""
    reasons = "\n".join(f"- {r.text}" for r in status.reasons)
    BOX[status.light](f"**Committee status on {as_of:%Y-%m-%d}: {LIGHT_LABELS[status.light]}**\n\n{reasons}")
    if not status.epas:
        return
    evidence = st.expander("Evidence per EPA of the current stage", key="status_evidence", on_change="rerun")
    if evidence.open:  # built only when opened: most readers step past it
        evidence.dataframe(pd.DataFrame([{
            "EPA": v.epa_code, "Decision-ready": "yes" if v.decision_ready else "no",
            "Light": LIGHT_LABELS[v.light], "Current level": v.current_level, "Expected": v.expected_level,
            "Why": " ".join(r.text.split(": ", 1)[-1] for r in v.reasons)} for v in status.epas]),
            hide_index=True, column_config={"Why": st.column_config.TextColumn(width="large")})


def since_metrics(row) -> None:
    since = "the start of training" if pd.isna(row.previous_decision_date) else \
        f"the last review ({row.previous_decision_date:%Y-%m-%d}: {row.previous_decision_status})"
    st.markdown(f"**Since {since}**")
    cols = st.columns(6)
    cols[0].metric("Observations", int(row.new_observations))
    cols[1].metric("EPAs newly achieved", int(row.epas_newly_achieved),
                   ", ".join(row.epas_newly_achieved_list) or None, delta_color="off", delta_arrow="off")
    cols[2].metric("Flags", int(row.new_flags))
    cols[3].metric("Narratives", int(row.new_narratives))
    cols[4].metric("Coaching held", int(row.coaching_held))
    cols[5].metric("Coaching missed", int(row.coaching_missed))


def meeting_bar(agenda: pd.DataFrame, resident_id: str, as_of: dt.date) -> None:
    """Where this resident sits on the agenda, with previous and next."""
    ids = list(agenda["resident_id"])
    with st.container(horizontal=True, vertical_alignment="center", border=True):
        if resident_id not in ids:
            st.markdown(f"**Meeting of {as_of:%Y-%m-%d}**: this resident is not on the agenda.")
            position = -1
        else:
            position = ids.index(resident_id)
            st.markdown(f"**Meeting of {as_of:%Y-%m-%d}** · resident {position + 1} of {len(ids)} on the agenda")
        previous_id = ids[position - 1] if position > 0 else None
        next_id = ids[position + 1] if 0 <= position < len(ids) - 1 else (ids[0] if position < 0 and ids else None)
        st.button("Previous", icon=":material/arrow_back:", disabled=previous_id is None, key="meeting_previous",
                  on_click=_go_to, args=(previous_id,))
        st.button("Next", icon=":material/arrow_forward:", disabled=next_id is None, key="meeting_next",
                  on_click=_go_to, args=(next_id,), type="primary")
        st.page_link("pages/meeting.py", label="Agenda", icon=":material/list:",
                     query_params={k: v for k, v in st.query_params.items() if k in ("program", "as_of", "agenda")})


def _go_to(resident_id: str | None) -> None:
    if resident_id:
        st.session_state["resident"] = resident_id


def decision_form(view: ui.View, row, committee: pd.DataFrame) -> None:
    """Record or amend this meeting's decision about the resident, unless the viewer is recused."""
    if FLASH in st.session_state:
        kind, message = st.session_state.pop(FLASH)
        getattr(st, kind)(message)
    version = None if pd.isna(row.decision_version) else int(row.decision_version)
    if version:
        st.markdown(f"**Decision at this meeting (version {version}, in force):** {row.decision_this_meeting}")
    if row.coach_id == view.viewer_id:
        st.warning("You are this resident's coach, so you are recused from this decision: you may speak for "
                   "them, and another member records it.", icon=":material/front_hand:")
        return
    if not view.roles & {"committee_chair", "committee_member"}:
        st.info("Only committee members record decisions.")
        return
    members = dict(zip(committee["person_id"], committee["name"]))
    with st.form("decision_form", border=True):
        st.markdown("**Amend the decision**" if version else "**Record the decision**")
        status = st.radio("Status", decisions.STATUSES, key="decision_status", horizontal=True)
        actions = st.multiselect("Actions", decisions.ACTIONS, key="decision_actions")
        other = st.text_input("Other action", key="decision_other", max_chars=300)
        rationale = st.text_area("Rationale (required unless progressing as expected)", key="decision_rationale",
                                 max_chars=4000)
        cols = st.columns(2)
        follow_up = cols[0].date_input("Follow-up date", value=None, min_value=view.as_of,
                                       key="decision_follow_up", format="YYYY-MM-DD")
        present = cols[1].multiselect("Members present", list(members), format_func=members.get,
                                      default=[view.viewer_id] if view.viewer_id in members else [],
                                      key="decision_present")
        reason = st.text_input("Why it is amended", key="decision_reason", max_chars=1000) if version else ""
        if st.form_submit_button("Save decision", type="primary"):
            decision = decisions.Decision(row.resident_id, view.as_of, status, actions, rationale, follow_up,
                                          tuple(present), other)
            try:
                saved = decisions.record_decision(ui.connection(), view.viewer_id, decision, version, reason)
            except (decisions.NotAllowed, ValueError) as error:
                st.error(str(error))
                return
            if saved.concurrent:
                st.session_state[FLASH] = ("warning", f"Saved as version {saved.version}. Another member saved a "
                                           "decision at the same time: both are kept; review the history.")
            else:
                st.session_state[FLASH] = ("success", f"Decision saved (version {saved.version}).")
            st.rerun()
