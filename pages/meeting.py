"""Committee meeting: the agenda ordered by concern, presenting residents one by one, the packet."""

import streamlit as st

from cbme import decisions, meeting, packet, ui
from cbme.config import program_config
from cbme.downloads import csv_text
from cbme.status import LIGHT_BACKGROUNDS, LIGHT_LABELS

view = ui.view()
config = program_config(view.program_id)
st.title("Committee meeting")
st.caption(f"Meeting date {view.as_of:%Y-%m-%d} (the as-of date in the sidebar): everything is shown as the "
           "data stood that day. Everyone who opens this page's address sees the same agenda.")

agenda_mode = ui.linked_selectbox(
    "Agenda", {"due": "Residents due for review", "all": "All residents"}, param="agenda", key="meeting_agenda",
    refused="The link names an unknown agenda; showing the residents due for review.",
    help=f"Due: no decision in the last {config.review_due_months} months, a flag since the last review, a red "
         "or amber status, or added by hand.")
everyone, statuses = ui.meeting_agenda(view, config)
agenda = meeting.due_only(everyone) if agenda_mode == "due" else everyone

counts = agenda["light"].value_counts()
cols = st.columns(5)
cols[0].metric("On the agenda", len(agenda))
for col, light in zip(cols[1:], LIGHT_LABELS):
    col.metric(LIGHT_LABELS[light], int(counts.get(light, 0)))

if agenda.empty:
    st.info("No resident is due for review at this meeting. Choose “All residents” to see everyone.")
else:
    shown = ["status", "name", "stage", "reasons", "since_last_review", "due", "coach_name", "coach_on_committee",
             "decision_this_meeting"]
    table = agenda.assign(
        status=agenda["status"].map(lambda label: [label]),  # a coloured label (a styled table costs 7 ms a run)
        stage=agenda["stage"].fillna("-") + " · PGY" + agenda["pgy"].astype(str),
        coach_on_committee=agenda["coach_on_committee"].map({True: "yes", False: "no"}).fillna("-"),
        decision_this_meeting=agenda["decision_this_meeting"].fillna("—"))[shown]
    picked = st.dataframe(
        table, hide_index=True, on_select="rerun", selection_mode="single-row", key="meeting_table",
        column_config={
            "status": st.column_config.MultiselectColumn(
                "Status", width="small", options=list(LIGHT_LABELS.values()),
                color=[LIGHT_BACKGROUNDS[light] for light in LIGHT_LABELS]),
            "name": "Resident",
            "stage": "Stage", "reasons": st.column_config.TextColumn("Why", width="large"),
            "since_last_review": st.column_config.TextColumn("Since last review", width="medium"),
            "due": "Due because", "coach_name": "Coach", "coach_on_committee": "Coach on committee",
            "decision_this_meeting": "Decision at this meeting"})
    rows = picked.selection.rows if picked else []
    index = rows[0] if rows else 0
    chosen = agenda.iloc[index]
    if st.button(f"Present {chosen['name']}", type="primary", icon=":material/slideshow:", key="meeting_present"):
        # The as-of date travels in the address by itself (the sidebar's date widget keeps it there).
        st.switch_page("pages/resident.py", query_params={
            "resident": chosen["resident_id"], "meeting": f"{view.as_of:%Y-%m-%d}", "agenda": agenda_mode,
            "program": view.program_id})
    st.caption("Select a row, then present: the resident page opens in meeting view, with previous and next.")

with st.expander("Add a resident to this meeting's agenda"):
    others = everyone[~everyone["resident_id"].isin(agenda["resident_id"])]
    if others.empty:
        st.caption("Every resident is already on the agenda.")
    else:
        names = dict(zip(others["resident_id"], others["name"]))
        extra = st.selectbox("Resident", list(names), format_func=names.get, key="meeting_add_resident")
        if st.button("Add to agenda", key="meeting_add"):
            try:
                decisions.add_to_agenda(ui.connection(), view.viewer_id, view.program_id, view.as_of, extra)
                st.rerun()
            except decisions.NotAllowed as error:
                st.error(str(error))


def exported_agenda() -> None:
    ui.audit("export agenda", meeting=f"{view.as_of:%Y-%m-%d}", rows=len(agenda))


st.download_button(
    "Agenda with statuses and decisions (CSV)", key="meeting_csv", icon=":material/download:",
    data=agenda[["name", "resident_id", "stage", "pgy", "status", "reasons", "since_last_review", "due",
                 "coach_name", "coach_on_committee", "previous_decision_status", "decision_this_meeting"]]
    .pipe(csv_text),  # (written when clicked, it raced with the rerun of the click in a browser test)
    file_name=f"agenda-{view.program_id}-{view.as_of:%Y-%m-%d}.csv", mime="text/csv", on_click=exported_agenda)

st.subheader("Meeting packet")
st.caption("For the chair to send before the meeting and archive after it: one page per resident on this agenda "
           "(status and reasons, since the last review, EPA progress, entrustment and feedback charts, recent "
           "narratives, coaching) and the decisions taken, as PDF and HTML. It reads well printed in greyscale.")
packet_key = (view.program_id, f"{view.as_of:%Y-%m-%d}", agenda_mode, tuple(agenda["resident_id"]),
              tuple(agenda["decision_this_meeting"].fillna("")))
if st.button(f"Build the packet ({len(agenda)} residents)", key="meeting_packet", icon=":material/picture_as_pdf:",
             disabled=agenda.empty):
    bar = st.progress(0.0, text="Starting")
    pdf, html = packet.build(ui.fetch, view.viewer_id, view.program_id, view.program_name, view.as_of, config,
                             agenda, statuses, lambda share, text: bar.progress(share, text=f"Drawing {text}"))
    bar.empty()
    st.session_state["meeting_packet_built"] = (packet_key, pdf, html)
    ui.audit("build packet", meeting=packet_key[1], residents=len(agenda))
built = st.session_state.get("meeting_packet_built")
if built and built[0] == packet_key:
    _, pdf, html = built
    name = f"packet-{view.program_id}-{view.as_of:%Y-%m-%d}"
    cols = st.columns(2)
    cols[0].download_button("Download the packet (PDF)", pdf, file_name=f"{name}.pdf", mime="application/pdf",
                            icon=":material/download:", key="meeting_packet_pdf",
                            on_click=lambda: ui.audit("export packet", meeting=packet_key[1], format="pdf"))
    cols[1].download_button("Download the packet (HTML)", html, file_name=f"{name}.html", mime="text/html",
                            icon=":material/download:", key="meeting_packet_html",
                            on_click=lambda: ui.audit("export packet", meeting=packet_key[1], format="html"))
