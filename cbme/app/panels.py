"""Layout pieces that several pages show: the committee status of a resident, the narrative cards and
what changed since the last review. Streamlit layout only; the verdicts come from cbme.rules.status and
cbme.rules.meeting. The meeting view's own pieces are in cbme.app.meeting_view.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import pandas as pd
import streamlit as st

from cbme.app.markup import escape_markdown
from cbme.rules.status import LIGHT_BACKGROUNDS, LIGHT_LABELS, ResidentStatus
from cbme.vocabulary import OPPORTUNITIES

NARRATIVE_CSS = """
.narrative {border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.6rem 0.9rem;
            margin-bottom: 0.5rem; white-space: pre-wrap;}
.narrative .about {font-size: 0.85rem; color: #444; margin-bottom: 0.3rem;}
.narrative .flag {display: inline-block; background: #F5C6B4; color: #5a1a00; font-weight: 600;
                  padding: 0 0.4rem; border-radius: 0.25rem; margin-bottom: 0.3rem;}
.narrative p {margin: 0.15rem 0;}
"""
STATUS_CSS = """
.status-box {border: 1px solid rgba(49, 51, 63, 0.35); border-radius: 0.5rem; padding: 0.7rem 1rem;}
.status-box .status-title {font-weight: 700; font-size: 1.05rem;}
.status-box ul {margin: 0.3rem 0 0 0; padding-left: 1.2rem;}
"""
# The decision form's fields, each with its empty value; each widget's key is decision_key(field, resident,
# meeting), and the outcome of the last decision's i-th action is field outcome_i (empty: None).
EMPTY_FORM = {"status": None, "actions": [], "other": "", "rationale": "", "follow_up": None, "reason": ""}
DRAFT_FIELDS = list(EMPTY_FORM)


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
                                 ("improvement", "To improve", item.improvement),
                                 ("comment", "Feedback", item.comment)):
            if isinstance(text, str) and text.strip():
                parts.append(f'<p class="{css}">{label}: {escape(text)}</p>')
        cards.append(f'<div class="narrative">{"".join(parts)}</div>')
    st.html(f"<style>{NARRATIVE_CSS}</style>{''.join(cards)}")


def status_panel(status: ResidentStatus, as_of: dt.date, flags: pd.DataFrame, coaching: str | None) -> None:
    """The light, every reason behind it and the coaching in a line, in a box of the light's colour; the
    flags behind a red light; the evidence per EPA of the current stage. flags has resident_narratives.sql
    rows with a flag. The reasons name EPAs from the data, so the box is escaped HTML, not Markdown."""
    lines = [r.text for r in status.reasons] + ([f"Coaching: {coaching}."] if coaching else [])
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    st.html(f"<style>{STATUS_CSS}</style><div class='status-box' style='background: {LIGHT_BACKGROUNDS[status.light]}'>"
            f"<div class='status-title'>Committee status on {as_of:%Y-%m-%d}: {LIGHT_LABELS[status.light]}</div>"
            f"<ul>{items}</ul></div>")
    if not flags.empty:
        st.markdown(f"**Flags since the last review ({len(flags)})**")
        narrative_cards(flags)
    if not status.epas:
        return
    evidence = st.expander("Evidence per EPA of the current stage", key="status_evidence", on_change="rerun")
    if evidence.open:  # built only when opened: most readers step past it
        evidence.dataframe(pd.DataFrame([{
            "EPA": v.epa_code, "Decision-ready": "yes" if v.decision_ready else "no",
            "Light": LIGHT_LABELS[v.light], "Current level": v.current_level, "Expected": v.expected_level,
            "Why": " ".join(r.text.split(": ", 1)[-1] for r in v.reasons) or
                   ("assessment plan complete" if v.complete else "at or above the expected level")}
            for v in status.epas]),
            hide_index=True, placeholder="not rated", column_config={"Why": st.column_config.TextColumn(width="large")})


def since_metrics(row) -> None:
    """What changed since the resident's last review, and where their coaching stands."""
    since = "the start of training" if pd.isna(row.previous_decision_date) else \
        f"the last review ({row.previous_decision_date:%Y-%m-%d}: {row.previous_decision_status})"
    st.markdown(f"**Since {escape_markdown(since)}**")
    cols = st.columns([1, 1.3, 0.7, 1, 1, 1.4])  # the widest for the coaching verdict ("due soon", "overdue")
    cols[0].metric("Observations", int(row.new_observations))
    cols[1].metric("EPAs newly achieved", int(row.epas_newly_achieved),
                   ", ".join(row.epas_newly_achieved_list) or None, delta_color="off", delta_arrow="off")
    cols[2].metric("Flags", int(row.new_flags))
    cols[3].metric("Narratives", int(row.new_narratives))
    cols[4].metric("Coaching held", int(row.coaching_held), f"{int(row.coaching_missed)} missed",
                   delta_color="off", delta_arrow="off")
    cols[5].metric("Coaching now", "overdue" if row.coaching_overdue_days else row.coaching.split(",")[0],
                   row.coaching if row.coaching_overdue_days else None, delta_color="inverse", delta_arrow="off")
