"""Committee meeting: the agenda ordered by concern, preparing the meeting (schedule, attendance,
reviewers), presenting residents one by one, and the packet."""

import datetime as dt

import pandas as pd
import streamlit as st

from cbme.app import frame, jobs, meeting_view, packet, reads, widgets
from cbme.app.markup import escape_markdown
from cbme.config import program_config
from cbme.downloads import csv_text
from cbme.rules import meeting
from cbme.rules.status import LIGHT_BACKGROUNDS, LIGHT_LABELS
from cbme.store import committee, db
from cbme.vocabulary import ORGANISER_ROLES, counted

view = frame.view()
config = program_config(view.program_id)
organiser = bool(view.roles & set(ORGANISER_ROLES))
st.title("Committee meeting")

meetings = reads.fetch("committee_meetings", viewer=view.viewer_id, program_id=view.program_id)
scheduled = [d.date() for d in meetings["meeting_date"]]


def open_meeting() -> None:
    st.session_state["as_of"] = st.session_state["meeting_scheduled"]


cols = st.columns([2, 3])
if scheduled:
    cols[0].selectbox("Scheduled meetings", sorted(scheduled, reverse=True), key="meeting_scheduled",
                      index=sorted(scheduled, reverse=True).index(view.as_of) if view.as_of in scheduled else None,
                      format_func=lambda d: f"{d:%Y-%m-%d}" + (" (next)" if d == min(
                          (m for m in scheduled if m >= dt.date.today()), default=None) else ""),
                      placeholder="Open a scheduled meeting", on_change=open_meeting)
if view.as_of in scheduled:
    cols[1].caption(f"Meeting of {view.as_of:%Y-%m-%d}: everything is shown as the data stood that day (the as-of "
                    "date in the sidebar). Everyone who opens this page's address sees the same agenda, and each "
                    "decision as soon as it is saved.")
else:
    cols[1].caption(f"No meeting is scheduled on {view.as_of:%Y-%m-%d} (the as-of date): the agenda shows the data "
                    "as of that day. Open a scheduled meeting, or schedule this one below.")

agenda_mode = widgets.linked_selectbox(
    "Agenda", {"due": "Residents due for review", "all": "All residents"}, param="agenda", key="meeting_agenda",
    refused="The link names an unknown agenda; showing the residents due for review.",
    on_refused=frame.refusal_audit("agenda"),
    help=f"Due: no decision in the last {config.review_due_months} months, a flag since the last review, a red "
         "or amber status, a follow-up date reached, or added by hand.")
linked_order = st.query_params.get("order")
order = st.segmented_control("Order", list(meeting.ORDERS), format_func=meeting.ORDERS.get, key="meeting_order",
                             default=linked_order if linked_order in meeting.ORDERS else "concern", required=True)
st.query_params["order"] = order  # the link to the meeting names its order; presenting follows it


def current_agenda() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(everyone, the agenda shown) in the chosen order."""
    everyone, _ = reads.meeting_agenda(view.viewer_id, view.program_id, view.as_of, config)
    shown = meeting.due_only(everyone) if agenda_mode == "due" else everyone
    return everyone, meeting.order_agenda(shown, order)


@frame.fragment(run_every=5)
def agenda_table() -> None:
    """The agenda, refreshed every few seconds so that each decision shows as soon as it is saved."""
    _, agenda = current_agenda()
    counts = agenda["light"].value_counts()
    cols = st.columns(6)
    cols[0].metric("On the agenda", len(agenda))
    cols[1].metric("Decided", f"{meeting.decided_count(agenda)} of {len(agenda)}")
    for col, light in zip(cols[2:], LIGHT_LABELS):
        col.metric(LIGHT_LABELS[light], int(counts.get(light, 0)))
    if agenda.empty:
        st.info("No resident is due for review at this meeting. Choose “All residents” to see everyone.")
        return
    reviewers = agenda["primary_reviewer"].fillna("not assigned") + " / " + agenda["secondary_reviewer"].fillna(
        "not assigned")
    table = pd.DataFrame({
        "status": agenda["status"].map(lambda label: [label]),  # a coloured label (a styled table costs 7 ms a run)
        "name": agenda["name"], "stage": agenda["stage"].fillna("no stage") + " · PGY" + agenda["pgy"].astype(str),
        "reasons": agenda["headline"], "flags": agenda["new_flags"], "since": agenda["since_last_review"],
        "coaching": agenda["coaching"], "due": agenda["due"], "reviewers": reviewers.where(
            agenda["primary_reviewer"].notna() | agenda["secondary_reviewer"].notna()),
        "recused": agenda["coach_name"].where(agenda["coach_on_committee"].fillna(False)),
        "decision": agenda["decision_this_meeting"]})
    picked = st.dataframe(
        table, hide_index=True, on_select="rerun", selection_mode="single-row", key="meeting_table", placeholder="",
        column_config={
            "status": st.column_config.MultiselectColumn(
                "Status", width="small", options=list(LIGHT_LABELS.values()),
                color=[LIGHT_BACKGROUNDS[light] for light in LIGHT_LABELS]),
            "name": st.column_config.TextColumn("Resident", pinned=True),
            "stage": "Stage",
            "reasons": st.column_config.TextColumn("Why (the status's reasons)", width="large"),
            "flags": st.column_config.NumberColumn("Flags since last review", width="small"),
            "since": st.column_config.TextColumn("Since the last review", width="large"),
            "coaching": "Coaching", "due": st.column_config.TextColumn("Due for review because", width="medium"),
            "reviewers": "Reviewers (primary / secondary)", "recused": "Recused (coaches the resident)",
            "decision": "Decision at this meeting"})
    rows = picked.selection.rows if picked else []
    chosen = agenda.iloc[rows[0] if rows else 0]
    if st.button(f"Present {escape_markdown(chosen['name'])}", type="primary", icon=":material/slideshow:",
                 key="meeting_present"):
        # The as-of date travels in the address by itself (the sidebar's date widget keeps it there).
        st.session_state[meeting_view.FOLLOW] = False  # the resident asked for, not the chair's
        frame.switch_page("views/resident.py", resident=chosen["resident_id"], meeting=f"{view.as_of:%Y-%m-%d}",
                       agenda=agenda_mode, order=order)
    if "committee_chair" not in view.roles:
        chair = reads.fetch_fresh("meeting_presenting", viewer=view.viewer_id, program_id=view.program_id,
                               as_of=view.as_of)
        if st.button("Follow the chair", icon=":material/cast:", key="meeting_follow_chair",
                     disabled=chair.empty, help="The resident the chair presents, on your screen as the chair moves "
                                                "on." if not chair.empty else "The chair has not started presenting."):
            st.session_state[meeting_view.FOLLOW] = True
            frame.switch_page("views/resident.py", resident=chair["resident_id"].iloc[0],
                           meeting=f"{view.as_of:%Y-%m-%d}", agenda=agenda_mode, order=order)
    st.caption("Select a row, then present: the resident page opens in meeting view, with previous and next. "
               "Follow the chair to see the resident the chair presents, on your own screen.")


agenda_table()
everyone, agenda = current_agenda()
frame.audit_once("open agenda", meeting=f"{view.as_of:%Y-%m-%d}", residents=tuple(agenda["resident_id"]))

with st.expander("Add a resident to this meeting's agenda"):
    others = everyone[~everyone["resident_id"].isin(agenda["resident_id"])]
    if others.empty:
        st.caption("Every resident is already on the agenda.")
    else:
        names = dict(zip(others["resident_id"], others["name"]))
        extra = st.selectbox("Resident", list(names), format_func=names.get, key="meeting_add_resident")
        if st.button("Add to agenda", key="meeting_add"):
            try:
                committee.add_to_agenda(reads.connection(), view.viewer_id, view.program_id, view.as_of, extra)
                st.rerun()
            except committee.NotAllowed as error:
                st.error(escape_markdown(error))

if organiser:
    prepare = st.expander("Prepare the meeting: schedule, attendance, reviewers", key="meeting_prepare",
                          on_change="rerun")
    if prepare.open:  # built only when opened
        with prepare:
            if view.as_of not in scheduled and st.button(f"Schedule a meeting on {view.as_of:%Y-%m-%d}",
                                                         key="meeting_schedule"):
                committee.schedule_meeting(reads.connection(), view.viewer_id, view.program_id, view.as_of)
                st.rerun()
            attendance = reads.fetch("meeting_attendance", viewer=view.viewer_id, program_id=view.program_id,
                                  as_of=view.as_of)
            members = dict(zip(attendance["person_id"], attendance["name"]))
            recorded = list(attendance.loc[attendance["attending"], "person_id"])
            with st.form(f"meeting_attendance_{view.as_of:%Y%m%d}", border=False):
                present = st.multiselect("Members attending", list(members), format_func=members.get,
                                         default=recorded, key=f"meeting_attending_{view.as_of:%Y%m%d}",
                                         help="Each decision is taken by the members attending, less any member "
                                              "recused because they coach the resident.")
                if st.form_submit_button("Save attendance"):
                    committee.record_attendance(reads.connection(), view.viewer_id, view.program_id, view.as_of,
                                                present)
                    st.session_state["meeting_attendance_saved"] = len(present)
                    st.rerun()
            if "meeting_attendance_saved" in st.session_state:
                st.success(f"Attendance saved: {counted(st.session_state.pop('meeting_attendance_saved'), 'member')}.")
            else:
                st.caption(f"Recorded: {counted(len(recorded), 'member')} attending." if recorded else
                           "No attendance recorded yet: each decision's members present start from it.")
            st.markdown("**Reviewers**: a primary and a secondary reviewer prepare each resident and present them.")
            names = {"": "not assigned", **members}
            editor = st.data_editor(
                pd.DataFrame({"resident_id": agenda["resident_id"], "name": agenda["name"],
                              "coach": agenda["coach_name"].where(agenda["coach_on_committee"].fillna(False)),
                              "primary": agenda["primary_reviewer_id"].fillna(""),
                              "secondary": agenda["secondary_reviewer_id"].fillna("")}),
                hide_index=True, disabled=["resident_id", "name", "coach"],
                key=f"meeting_reviewers_{view.as_of:%Y%m%d}", placeholder="", column_config={
                    "resident_id": None, "name": "Resident", "coach": "Recused (coaches the resident)",
                    "primary": st.column_config.SelectboxColumn("Primary reviewer", options=list(names),
                                                                format_func=names.get),
                    "secondary": st.column_config.SelectboxColumn("Secondary reviewer", options=list(names),
                                                                  format_func=names.get)})
            if st.button("Save reviewers", key="meeting_reviewers_save"):
                try:
                    changed = committee.assign_reviewers(
                        reads.connection(), view.viewer_id, view.program_id, view.as_of,
                        {r.resident_id: (r.primary or None, r.secondary or None) for r in editor.itertuples()})
                    st.success(f"Reviewers saved ({counted(changed, 'resident')} changed).")
                except (committee.NotAllowed, ValueError) as error:
                    st.error(escape_markdown(error))


def exported_agenda() -> None:
    frame.audit("export agenda", meeting=f"{view.as_of:%Y-%m-%d}", residents=list(agenda["resident_id"]))


st.download_button(
    "Agenda with statuses and decisions (CSV)", key="meeting_csv", icon=":material/download:",
    data=csv_text(agenda[["name", "resident_id", "stage", "pgy", "status", "reasons", "since_last_review", "due",
                          "coaching", "primary_reviewer", "secondary_reviewer", "coach_name", "coach_on_committee",
                          "previous_decision_status", "decision_this_meeting"]]),
    file_name=f"agenda-{view.program_id}-{view.as_of:%Y-%m-%d}.csv", mime="text/csv", on_click=exported_agenda)

st.subheader("Meeting packet")
st.caption("For the chair to send before the meeting and archive after it: one page per resident on this agenda "
           "(status and reasons, since the last review, EPA progress, entrustment and feedback charts, recent "
           "narratives, coaching, reviewers' notes) and the minutes of each decision taken, as PDF and HTML. It is "
           "built in the background while the meeting goes on, and reads well printed in greyscale.")


@frame.fragment(run_every=1)
def packet_progress(job: jobs.Job) -> None:
    """The packet's progress while it is built; the page shows the downloads once it is done."""
    st.progress(job.share, text=escape_markdown(job.words))  # (the words name residents)
    if job.done.is_set():
        st.rerun(scope="app")


everyone_statuses = reads.meeting_agenda(view.viewer_id, view.program_id, view.as_of, config)[1]
packet_key = ("packet", str(reads.database()), reads.data_version(), view.viewer_id,
              view.program_id, view.as_of, tuple(agenda["resident_id"]))
job = jobs.find(packet_key)
if job is None:
    if st.button(f"Build the packet ({len(agenda)} residents)", key="meeting_packet", icon=":material/picture_as_pdf:",
                 disabled=agenda.empty):
        con = reads.connection()
        job = jobs.start(packet_key, lambda report: packet.build(
            lambda name, **params: db.query(con, name, **params), view.viewer_id, view.program_id,
            view.program_name, view.as_of, config, agenda, everyone_statuses, report))
        frame.audit("build packet", meeting=f"{view.as_of:%Y-%m-%d}", residents=list(agenda["resident_id"]))
if job is not None and not job.done.is_set():
    packet_progress(job)
elif job is not None and job.failed:
    st.error("The packet could not be built. Please try again; if it persists, tell your administrator (the "
             "server log says why).")
elif job is not None:
    pdf, html = job.result
    name = f"packet-{view.program_id}-{view.as_of:%Y-%m-%d}"
    cols = st.columns(2)
    cols[0].download_button("Download the packet (PDF)", pdf, file_name=f"{name}.pdf", mime="application/pdf",
                            icon=":material/download:", key="meeting_packet_pdf",
                            on_click=lambda: frame.audit("export packet", meeting=f"{view.as_of:%Y-%m-%d}",
                                                         format="pdf", residents=list(agenda["resident_id"])))
    cols[1].download_button("Download the packet (HTML)", html, file_name=f"{name}.html", mime="text/html",
                            icon=":material/download:", key="meeting_packet_html",
                            on_click=lambda: frame.audit("export packet", meeting=f"{view.as_of:%Y-%m-%d}",
                                                         format="html", residents=list(agenda["resident_id"])))
