"""Audit trail: who opened which resident, changed what, exported what, and when (administrators)."""

import datetime as dt

import pandas as pd
import streamlit as st

from cbme.app import frame, reads
from cbme.downloads import csv_text
from cbme.store import access
from cbme.vocabulary import AUDIT_ACTIONS

MAX_ROWS = 5000

view = frame.view()
st.title("Audit trail")
st.caption("Append-only: events are added, never changed or removed. Every record shown, every change, every "
           "export and every refusal is here, with who, when and from where (docs/security.md).")

cols = st.columns([1.2, 1.2, 1.6, 1.4])
actor = cols[0].text_input("Person", key="audit_actor", max_chars=200, placeholder="name, id or email")
resident = cols[1].text_input("Resident", key="audit_resident", max_chars=200, placeholder="name or id")
actions = cols[2].multiselect("Actions", list(AUDIT_ACTIONS), key="audit_actions", placeholder="All actions",
                              help="What each action means is listed below the table.")
dates = cols[3].date_input("Between", (view.as_of - dt.timedelta(days=90), view.as_of), key="audit_dates",
                           format="YYYY-MM-DD")
date_from, date_to = (dates[0], dates[-1]) if dates else (view.as_of, view.as_of)

events = reads.fetch_fresh("audit_events", viewer=view.viewer_id, program_id=view.program_id, actions=actions,
                        actor_search=actor.strip(), resident_search=resident.strip(), date_from=date_from,
                        date_to=date_to, max_rows=MAX_ROWS)
shown = f"{len(events):,} events" + (f" (the newest {MAX_ROWS:,}; narrow the search)" if len(events) == MAX_ROWS
                                     else "")
st.caption(shown)
st.dataframe(events, hide_index=True, placeholder="—", column_config={
    "event_id": "Event", "occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "action": "Action", "actor_id": "Person id", "actor_name": "Person", "identity": "Signed in as",
    "resident_id": "Resident id", "resident_name": "Resident", "detail": "Detail", "origin": "From"})
with st.expander("What each action means"):
    st.dataframe(pd.DataFrame({"Action": list(AUDIT_ACTIONS), "Meaning": list(AUDIT_ACTIONS.values())}),
                 hide_index=True)


def exported() -> None:
    access.audit(reads.connection(), view.viewer_id, "export audit trail", program_id=view.program_id,
                 rows=len(events), date_from=date_from, date_to=date_to)


st.download_button("Download these events (CSV)", lambda: csv_text(events),  # written when clicked
                   file_name="audit-trail.csv", mime="text/csv", on_click=exported, icon=":material/download:")
