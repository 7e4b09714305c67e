"""The resident page in meeting view: the bar for stepping through the agenda, the watch that keeps the
view current (another member's decision, the chair's resident for those who follow), the question
before leaving an unsaved decision, the reviewers' notes and the decision form. Streamlit layout only;
the writes come from cbme.store.decisions and cbme.store.committee.

State about a resident is keyed by that resident and the meeting (decision_key), so nothing chosen or
typed for one resident is ever shown, kept or saved for another.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import streamlit as st

from cbme.app import frame, reads
from cbme.app.markup import escape_markdown
from cbme.rules import meeting
from cbme.rules.status import LIGHT_LABELS, ResidentStatus
from cbme.store import committee, decisions
from cbme.vocabulary import COMMITTEE_ROLES, DECISION_ACTIONS, DECISION_STATUSES, FOLLOW_UP_OUTCOMES

FLASH = "meeting_flash"  # (resident, kind, message) said on the decision form's next run
LEAVING = "meeting_leaving"  # (resident with an unsaved decision, what was asked for)
GO_TO = "meeting_go_to"  # what to open on the next run: a resident, or AGENDA
AGENDA = "the agenda"
SAVED = "meeting_saved"  # the resident whose decision was just saved
FOLLOW = "meeting_follow"  # the toggle: follow the chair
SHOWN = "meeting_shown_version"  # the data version the page was drawn with
# The decision form's fields, each with its empty value; each widget's key is decision_key(field, resident,
# meeting), and the outcome of the last decision's i-th action is field outcome_i (empty: None).
EMPTY_FORM = {"status": None, "actions": [], "other": "", "rationale": "", "follow_up": None, "reason": ""}
FORM_ANCHOR = "the-committees-decision"


def decision_key(field: str, resident_id: str, meeting: dt.date) -> str:
    return f"decision_{field}_{resident_id}_{meeting:%Y%m%d}"


def _draft_keys(resident_id: str, meeting: dt.date) -> list[str]:
    """The session-state keys of the resident's decision form that hold what was entered."""
    outcomes = decision_key("outcome_", resident_id, meeting).split("outcome_")
    return [key for key in list(st.session_state.keys())
            if key in {decision_key(field, resident_id, meeting) for field in EMPTY_FORM}
            or (key.startswith(outcomes[0] + "outcome_") and key.endswith(outcomes[1]))]


def has_draft(resident_id: str | None, meeting: dt.date) -> bool:
    """Whether anything has been entered in the resident's decision form and not saved."""
    return bool(resident_id) and any(st.session_state[key] not in (None, "", [], ())
                                     for key in _draft_keys(resident_id, meeting))


def discard_draft(resident_id: str, meeting: dt.date) -> None:
    for key in _draft_keys(resident_id, meeting):
        del st.session_state[key]


def go_to(target: str) -> None:
    """Open target (a resident, or AGENDA) on the page's next run (open_requested applies it)."""
    st.session_state[GO_TO] = target


def open_requested() -> None:
    """Call before the resident picker is drawn: what go_to() asked for is opened."""
    target = st.session_state.pop(GO_TO, None)
    if target == AGENDA:
        frame.switch_page("views/meeting.py", **{k: v for k, v in st.query_params.to_dict().items()
                                              if k in ("agenda", "order")})
    elif target:
        st.session_state["resident"] = target


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
    """Ask what to do with an unsaved decision when the user asked for another resident or the agenda."""
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


def bar(agenda: pd.DataFrame, resident_id: str, view: frame.View, presenting: bool) -> None:
    """Where this resident sits on the agenda and how many are decided, with previous, next and the
    agenda (each asks first if a decision is unsaved), and a link down to the decision form."""
    ids = list(agenda["resident_id"])
    decided = meeting.decided_count(agenda)
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
        st.button("Agenda", icon=":material/list:", key="meeting_to_agenda",
                  on_click=ask_before_leaving, args=(resident_id, AGENDA, view.as_of))
        st.markdown(f"[The decision ↓](#{FORM_ANCHOR})")
        if presenting:
            st.caption("You are presenting: members who follow the chair see this resident.")
        else:
            st.toggle("Follow the chair", key=FOLLOW, value=True,
                      help="Your view moves to the resident the chair presents, within a few seconds.")


def _step(resident_id: str, target: str | None, meeting: dt.date, presenting: bool) -> None:
    if not presenting:
        st.session_state[FOLLOW] = False  # a member who steps alone stops following the chair
    ask_before_leaving(resident_id, target, meeting)


@frame.fragment(run_every=3)
def watch(view: frame.View, resident_id: str, names: dict[str, str], presenting: bool) -> None:
    """Every few seconds: the page drawn again when the data changed (another member's decision or note:
    what is typed stays, it is keyed by the resident), and, for a member following the chair, the move
    to the chair's resident (never away from an unsaved decision without asking)."""
    if reads.data_version() != st.session_state.get(SHOWN):
        st.rerun(scope="app")
    if presenting or not st.session_state.get(FOLLOW, True):
        return
    chair = reads.fetch_fresh("meeting_presenting", viewer=view.viewer_id, program_id=view.program_id, as_of=view.as_of)
    if chair.empty:
        st.caption("The chair has not started presenting.")
        return
    target = chair["resident_id"].iloc[0]
    if target == resident_id:
        st.caption(f"Following the chair ({escape_markdown(chair['presented_by'].iloc[0])}).")
    elif has_draft(resident_id, view.as_of):
        st.info(f"The chair is presenting {escape_markdown(names.get(target, 'another resident'))}; your "
                "decision for this resident is not saved.", icon=":material/info:")
        st.button(f"Go to {escape_markdown(names.get(target, 'them'))}", key="meeting_follow_go",
                  on_click=ask_before_leaving, args=(resident_id, target, view.as_of))
    elif target in names:
        go_to(target)
        st.rerun(scope="app")


def drawn_with_data_version() -> None:
    """Call as the page starts drawing: watch() redraws it when the data version moves on."""
    st.session_state[SHOWN] = reads.data_version()


def reviewers_panel(view: frame.View, resident_id: str, notes: pd.DataFrame) -> None:
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
                    committee.write_reviewer_note(reads.connection(), view.viewer_id, view.program_id, view.as_of,
                                                  resident_id, note)
                    st.rerun()
                except (committee.NotAllowed, ValueError) as error:
                    st.error(escape_markdown(error))


def decisions_here(history: pd.DataFrame, as_of: dt.date) -> None:
    """The decision in force at this meeting with its minutes, and a warning when two members saved
    different decisions at the same moment (both are kept)."""
    here = history[history["meeting_date"].dt.date == as_of]
    if here.empty:
        return
    in_force = here.iloc[0]  # newest version first
    with st.container(border=True):
        st.markdown(f"**Decision at this meeting: {escape_markdown(in_force['status'])}** (version "
                    f"{in_force['version']}, in force)")
        st.text("\n".join(meeting.minutes(in_force)))
        if pd.notna(in_force["saved_with_version"]):
            other = here[here["version"] == in_force["saved_with_version"]]
            if not other.empty:
                st.warning(f"Version {in_force['saved_with_version']} ({escape_markdown(other.iloc[0]['status'])}, "
                           f"recorded by {escape_markdown(other.iloc[0]['recorded_by'])}) was saved at the same "
                           f"moment as this one: both are kept. Review them, and amend if the committee decided "
                           "otherwise.", icon=":material/warning:")


@frame.fragment
def decision_form(view: frame.View, row, name: str, status: ResidentStatus, committee_members: pd.DataFrame,
                  attendance: pd.DataFrame, history: pd.DataFrame) -> None:
    """Record or amend this meeting's decision about the resident, unless the viewer is recused. Every
    widget is keyed by the resident and the meeting; nothing is chosen in advance. history has the
    resident's resident_decisions.sql rows, read with the page."""
    if st.session_state.pop(SAVED, None) == row.resident_id:
        st.rerun(scope="app")  # the whole page again: the agenda's count of decisions has changed
    if st.session_state.get(FLASH, ("", "", ""))[0] == row.resident_id:
        _, kind, message = st.session_state.pop(FLASH)
        getattr(st, kind)(message)  # (Markdown made safe where it was written)
    decisions_here(history, view.as_of)
    here = history[history["meeting_date"].dt.date == view.as_of]
    version = int(here.iloc[0]["version"]) if not here.empty else None
    recused = [row.coach_id] if row.coach_on_committee and isinstance(row.coach_id, str) else []
    if view.viewer_id in recused:
        st.warning("You are this resident's coach, so you are recused from this decision: you may speak for "
                   "them, and another member records it.", icon=":material/front_hand:")
        return
    if not view.roles & set(COMMITTEE_ROLES):
        st.info("Only committee members record decisions.")
        return
    key = functools.partial(decision_key, resident_id=row.resident_id, meeting=view.as_of)
    members = dict(zip(committee_members["person_id"], committee_members["name"]))
    previous_actions = list(row.previous_actions) if row.previous_actions is not None else []
    with st.container(border=True):
        st.markdown(f"**{'Amend the decision' if version else 'Record the decision'} for {escape_markdown(name)}**")
        st.caption(f"The dashboard's status: {LIGHT_LABELS[status.light]}. A status that departs from it, or any "
                   "action beyond monitoring, needs a rationale.")
        chosen = st.radio("Status", DECISION_STATUSES, index=None, key=key("status"), horizontal=True)
        actions = st.multiselect("Actions", DECISION_ACTIONS, key=key("actions"))
        other = st.text_input("Other action", key=key("other"), max_chars=300)
        if previous_actions:
            st.markdown(f"**Actions of the last decision ({row.previous_decision_date:%Y-%m-%d})**")
            for i, action in enumerate(previous_actions):
                st.segmented_control(escape_markdown(action), FOLLOW_UP_OUTCOMES, key=key(f"outcome_{i}"))
        needed = decisions.Decision(row.resident_id, view.as_of, chosen, actions, other_action=other,
                                    light=status.light).rationale_needed() if chosen else ""
        st.text_area("Rationale" + (" (required)" if needed else ""), key=key("rationale"), max_chars=4000,
                     help=(f"Required: {needed}. " if needed else "") + "Up to 4,000 characters.")
        cols = st.columns(2)
        cols[0].date_input("Follow-up date", value=None, min_value=view.as_of, key=key("follow_up"),
                           format="YYYY-MM-DD")
        attending = [p for p in attendance.loc[attendance["attending"], "person_id"] if p not in recused]
        cols[1].multiselect("Members present for this decision", [p for p in members if p not in recused],
                            format_func=members.get, key=key("present"),
                            default=attending or ([view.viewer_id] if view.viewer_id in members else []),
                            help="Those recorded as attending the meeting, less any member recused.")
        if recused:
            st.caption(f"Recused: {escape_markdown(', '.join(members.get(p, p) for p in recused))} (coaches the "
                       "resident).")
        if version:
            st.text_input("Why it is amended", key=key("reason"), max_chars=1000)
        st.button(f"Save the decision for {escape_markdown(name)}", type="primary", key=key("save"),
                  on_click=_save, args=(view, row.resident_id, name, status.light, previous_actions, version))


def _save(view: frame.View, resident_id: str, name: str, light: str, previous_actions: list[str],
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
        saved = decisions.record_decision(reads.connection(), view.viewer_id, decision, version, value("reason", ""))
    except (decisions.NotAllowed, ValueError) as error:
        st.session_state[FLASH] = (resident_id, "error", escape_markdown(error))
        return
    message = (f"Saved as version {saved.version}. Another member saved a decision at the same moment: both are "
               "kept; review them below." if saved.concurrent else
               f"Decision for {escape_markdown(name)} saved (version {saved.version}).")
    st.session_state[FLASH] = (resident_id, "warning" if saved.concurrent else "success", message)
    st.session_state[SAVED] = resident_id
    empty = {decision_key(field, resident_id, view.as_of): blank for field, blank in EMPTY_FORM.items()}
    for key in _draft_keys(resident_id, view.as_of):  # drawn empty on the next run
        st.session_state[key] = empty.get(key)  # (the follow-ups' outcomes: None)
