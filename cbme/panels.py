"""Layout pieces that several pages show: the committee status of a resident, the narrative cards, and
the meeting view (the bar for stepping through the agenda and following the chair, the reviewers'
notes, the decision form). Streamlit layout only; the verdicts come from cbme.status and cbme.meeting,
the writes from cbme.decisions and cbme.committee.

State about a resident is keyed by that resident and the meeting (decision_key), so nothing chosen or
typed for one resident is ever shown, kept or saved for another.
"""

from __future__ import annotations

import datetime as dt
import functools
from html import escape

import pandas as pd
import streamlit as st

from cbme import committee, decisions, ui
from cbme.labels import OPPORTUNITIES
from cbme.markup import escape_markdown
from cbme.status import LIGHT_BACKGROUNDS, LIGHT_LABELS, ResidentStatus

FLASH = "panels_flash"
LEAVING = "meeting_leaving"  # (resident with an unsaved decision, resident asked for)
GO_TO = "resident_go_to"  # the resident to open on the next run
SAVED = "decision_saved"  # the resident whose decision was just saved
FOLLOW = "meeting_follow"
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
                                 ("improvement", "To improve", item.improvement)):
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
    cols = st.columns(6)
    cols[0].metric("Observations", int(row.new_observations))
    cols[1].metric("EPAs newly achieved", int(row.epas_newly_achieved),
                   ", ".join(row.epas_newly_achieved_list) or None, delta_color="off", delta_arrow="off")
    cols[2].metric("Flags", int(row.new_flags))
    cols[3].metric("Narratives", int(row.new_narratives))
    cols[4].metric("Coaching held", int(row.coaching_held), f"{int(row.coaching_missed)} missed",
                   delta_color="off", delta_arrow="off")
    cols[5].metric("Coaching now", "overdue" if row.coaching_overdue_days else row.coaching.split(",")[0],
                   row.coaching if row.coaching_overdue_days else None, delta_color="inverse", delta_arrow="off")


def decision_key(field: str, resident_id: str, meeting: dt.date) -> str:
    return f"decision_{field}_{resident_id}_{meeting:%Y%m%d}"


def _draft_keys(resident_id: str, meeting: dt.date) -> list[str]:
    """The session-state keys of the resident's decision form that hold what was entered."""
    outcomes = decision_key("outcome_", resident_id, meeting).split("outcome_")
    return [key for key in list(st.session_state.keys())
            if key in {decision_key(field, resident_id, meeting) for field in DRAFT_FIELDS}
            or (key.startswith(outcomes[0] + "outcome_") and key.endswith(outcomes[1]))]


def has_draft(resident_id: str | None, meeting: dt.date) -> bool:
    """Whether anything has been entered in the resident's decision form and not saved."""
    return bool(resident_id) and any(st.session_state[key] not in (None, "", [], ())
                                     for key in _draft_keys(resident_id, meeting))


def discard_draft(resident_id: str, meeting: dt.date) -> None:
    for key in _draft_keys(resident_id, meeting):
        del st.session_state[key]


def go_to(resident_id: str) -> None:
    """Open resident_id on the resident page's next run (the page applies it before its picker is drawn:
    open_requested_resident)."""
    st.session_state[GO_TO] = resident_id


def open_requested_resident() -> None:
    """Call before the resident picker is drawn: the resident asked for by go_to() becomes the choice."""
    if GO_TO in st.session_state:
        st.session_state["resident"] = st.session_state.pop(GO_TO)


def ask_before_leaving(resident_id: str, target: str | None, meeting: dt.date) -> bool:
    """Go to target unless the shown resident has an unsaved decision: then ask first (True when asked)."""
    if target is None or target == resident_id:
        return False
    if has_draft(resident_id, meeting):
        st.session_state[LEAVING] = (resident_id, target)
        return True
    go_to(target)
    return False


def leaving_dialog(names: dict[str, str], meeting: dt.date) -> None:
    """Ask what to do with an unsaved decision when the user asked for another resident."""
    if LEAVING not in st.session_state:
        return
    current, target = st.session_state[LEAVING]

    @st.dialog("Unsaved decision", dismissible=False)
    def confirm():
        st.text(f"The decision for {names.get(current, current)} is not saved.")
        if st.button(f"Stay with {escape_markdown(names.get(current, current))}", type="primary",
                     key="meeting_leaving_stay"):
            del st.session_state[LEAVING]
            st.rerun()
        if st.button(f"Discard it and open {escape_markdown(names.get(target, target))}",
                     key="meeting_leaving_discard"):
            del st.session_state[LEAVING]
            discard_draft(current, meeting)
            go_to(target)
            st.rerun()

    confirm()


def meeting_bar(agenda: pd.DataFrame, resident_id: str, view: ui.View, presenting: bool) -> None:
    """Where this resident sits on the agenda and how many are decided, with previous and next; the
    chair's steps are followed by members who choose to (follow_the_chair)."""
    ids = list(agenda["resident_id"])
    decided = int(agenda["decision_this_meeting"].notna().sum())
    with st.container(horizontal=True, vertical_alignment="center", border=True):
        if resident_id not in ids:
            st.markdown(f"**Meeting of {view.as_of:%Y-%m-%d}**: this resident is not on the agenda "
                        f"· {decided} of {len(ids)} decided")
            position = -1
        else:
            position = ids.index(resident_id)
            st.markdown(f"**Meeting of {view.as_of:%Y-%m-%d}** · resident {position + 1} of {len(ids)} on the agenda "
                        f"· {decided} of {len(ids)} decided")
        previous_id = ids[position - 1] if position > 0 else None
        next_id = ids[position + 1] if 0 <= position < len(ids) - 1 else (ids[0] if position < 0 and ids else None)
        st.button("Previous", icon=":material/arrow_back:", disabled=previous_id is None, key="meeting_previous",
                  on_click=_step, args=(resident_id, previous_id, view.as_of, presenting))
        st.button("Next", icon=":material/arrow_forward:", disabled=next_id is None, key="meeting_next",
                  on_click=_step, args=(resident_id, next_id, view.as_of, presenting), type="primary")
        st.page_link("pages/meeting.py", label="Agenda", icon=":material/list:",
                     query_params={k: v for k, v in st.query_params.items() if k in ("program", "as_of", "agenda")})
        if presenting:
            st.caption("You are presenting: members who follow the chair see this resident.")
        else:
            st.toggle("Follow the chair", key=FOLLOW, value=True,
                      help="Your view moves to the resident the chair presents, within a few seconds.")


def _step(resident_id: str, target: str | None, meeting: dt.date, presenting: bool) -> None:
    if not presenting:
        st.session_state[FOLLOW] = False  # a member who steps alone stops following the chair
    ask_before_leaving(resident_id, target, meeting)


@ui.fragment(run_every=3)
def follow_the_chair(view: ui.View, resident_id: str, names: dict[str, str]) -> None:
    """For a member following the chair: move to the resident the chair presents (unless this resident
    has an unsaved decision, which is never left without asking)."""
    if not st.session_state.get(FOLLOW, True):
        return
    presenting = ui.fetch_fresh("meeting_presenting", viewer=view.viewer_id, program_id=view.program_id,
                                as_of=view.as_of)
    if presenting.empty:
        st.caption("The chair has not started presenting.")
        return
    target = presenting["resident_id"].iloc[0]
    if target == resident_id:
        st.caption(f"Following the chair ({escape_markdown(presenting['presented_by'].iloc[0])}).")
    elif has_draft(resident_id, view.as_of):
        st.info(f"The chair is presenting {escape_markdown(names.get(target, 'another resident'))}; your "
                "decision for this resident is not saved.", icon=":material/info:")
        st.button(f"Go to {escape_markdown(names.get(target, 'them'))}", key="meeting_follow_go",
                  on_click=ask_before_leaving, args=(resident_id, target, view.as_of))
    elif target in names:
        go_to(target)
        st.rerun(scope="app")


def reviewers_panel(view: ui.View, resident_id: str, notes: pd.DataFrame) -> None:
    """The resident's reviewers for this meeting with their pre-meeting notes; a reviewer writes theirs."""
    if notes.empty:
        st.caption("No reviewers are assigned to this resident for this meeting (the chair assigns them on the "
                   "meeting page).")
        return
    with st.container(border=True):
        st.markdown("**Reviewers' pre-meeting notes**")
        for reviewer in notes.itertuples():
            written = f" · written {reviewer.written_at:%Y-%m-%d %H:%M}" if pd.notna(reviewer.written_at) else ""
            st.caption(f"{reviewer.reviewer_role.capitalize()} reviewer: {escape_markdown(reviewer.name)}{written}")
            st.text(reviewer.note if isinstance(reviewer.note, str) else "No note yet.")
        if view.viewer_id in set(notes["person_id"]):
            key = f"review_note_{resident_id}_{view.as_of:%Y%m%d}"
            mine = notes.loc[notes["person_id"] == view.viewer_id, "note"].iloc[0]
            note = st.text_area("Your note", value=mine if isinstance(mine, str) else "", key=key, max_chars=4000)
            if st.button("Save my note", key=f"{key}_save"):
                try:
                    committee.write_reviewer_note(ui.connection(), view.viewer_id, view.program_id, view.as_of,
                                                  resident_id, note)
                    st.rerun()
                except (committee.NotAllowed, ValueError) as error:
                    st.error(escape_markdown(error))


@ui.fragment
def decision_form(view: ui.View, row, name: str, status: ResidentStatus, committee_members: pd.DataFrame,
                  attendance: pd.DataFrame) -> None:
    """Record or amend this meeting's decision about the resident, unless the viewer is recused. Every
    widget is keyed by the resident and the meeting; nothing is chosen in advance."""
    if st.session_state.pop(SAVED, None) == row.resident_id:
        st.rerun(scope="app")  # the whole page again: the agenda's count of decisions has changed
    if st.session_state.get(FLASH, ("", "", ""))[0] == row.resident_id:
        _, kind, message = st.session_state.pop(FLASH)
        getattr(st, kind)(message)  # (Markdown made safe where it was written)
    version = None if pd.isna(row.decision_version) else int(row.decision_version)
    if version:
        st.markdown(f"**Decision at this meeting (version {version}, in force):**")
        st.text(row.decision_this_meeting)
    recused = [row.coach_id] if row.coach_on_committee and isinstance(row.coach_id, str) else []
    if view.viewer_id in recused:
        st.warning("You are this resident's coach, so you are recused from this decision: you may speak for "
                   "them, and another member records it.", icon=":material/front_hand:")
        return
    if not view.roles & {"committee_chair", "committee_member"}:
        st.info("Only committee members record decisions.")
        return
    key = functools.partial(decision_key, resident_id=row.resident_id, meeting=view.as_of)
    members = dict(zip(committee_members["person_id"], committee_members["name"]))
    previous_actions = list(row.previous_actions) if row.previous_actions is not None else []
    with st.container(border=True):
        st.markdown(f"**{'Amend the decision' if version else 'Record the decision'} for {escape_markdown(name)}**")
        st.caption(f"The dashboard's status: {LIGHT_LABELS[status.light]}. A status that departs from it, or any "
                   "action beyond monitoring, needs a rationale.")
        chosen = st.radio("Status", decisions.STATUSES, index=None, key=key("status"), horizontal=True)
        actions = st.multiselect("Actions", decisions.ACTIONS, key=key("actions"))
        other = st.text_input("Other action", key=key("other"), max_chars=300)
        if previous_actions:
            st.markdown(f"**Actions of the last decision ({row.previous_decision_date:%Y-%m-%d})**")
            for i, action in enumerate(previous_actions):
                st.segmented_control(escape_markdown(action), decisions.FOLLOW_UP_OUTCOMES, key=key(f"outcome_{i}"))
        needed = decisions.Decision(row.resident_id, view.as_of, chosen, actions, other_action=other,
                                    light=status.light).rationale_needed() if chosen else ""
        st.text_area("Rationale" + (" (required)" if needed else ""), key=key("rationale"), max_chars=4000,
                     help=f"Required: {needed}." if needed else None)
        cols = st.columns(2)
        cols[0].date_input("Follow-up date", value=None, min_value=view.as_of, key=key("follow_up"),
                           format="YYYY-MM-DD")
        attending = [p for p in attendance.loc[attendance["attending"], "person_id"] if p not in recused]
        cols[1].multiselect("Members present for this decision", [p for p in members if p not in recused],
                            format_func=members.get, key=key("present"),
                            default=attending or ([view.viewer_id] if view.viewer_id in members else []))
        if recused:
            st.caption(f"Recused: {escape_markdown(', '.join(members.get(p, p) for p in recused))} (coaches the "
                       "resident).")
        if version:
            st.text_input("Why it is amended", key=key("reason"), max_chars=1000)
        st.button(f"Save the decision for {escape_markdown(name)}", type="primary", key=key("save"),
                  on_click=_save, args=(view, row.resident_id, name, status.light, previous_actions, version))


def _save(view: ui.View, resident_id: str, name: str, light: str, previous_actions: list[str],
          version: int | None) -> None:
    """Save what the resident's form holds (read from its keys, as the click left them), then empty it.
    A callback, so the emptied widgets are drawn empty."""
    def value(field: str, empty=None):
        return st.session_state.get(decision_key(field, resident_id, view.as_of)) or empty

    decision = decisions.Decision(
        resident_id, view.as_of, value("status"), value("actions", []), value("rationale", ""), value("follow_up"),
        tuple(value("present", [])), value("other", ""), light,
        tuple((action, value(f"outcome_{i}")) for i, action in enumerate(previous_actions)))
    try:
        saved = decisions.record_decision(ui.connection(), view.viewer_id, decision, version, value("reason", ""))
    except (decisions.NotAllowed, ValueError) as error:
        st.session_state[FLASH] = (resident_id, "error", escape_markdown(error))
        return
    message = (f"Saved as version {saved.version}. Another member saved a decision at the same time: both are "
               "kept; review the history." if saved.concurrent else f"Decision for {escape_markdown(name)} saved "
                                                                   f"(version {saved.version}).")
    st.session_state[FLASH] = (resident_id, "warning" if saved.concurrent else "success", message)
    st.session_state[SAVED] = resident_id
    empty = {decision_key(field, resident_id, view.as_of): blank for field, blank in EMPTY_FORM.items()}
    for key in _draft_keys(resident_id, view.as_of):  # drawn empty on the next run
        st.session_state[key] = empty.get(key)  # (the follow-ups' outcomes: None)
