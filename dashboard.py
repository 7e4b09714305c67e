"""The frame: page set-up, sign-in, shared controls (program, as-of date), role-aware navigation."""

import datetime as dt
import os

import duckdb
import streamlit as st

from cbme import signin, ui
from cbme.db import DatabaseLocked, OutdatedDatabase

# Each page with the roles that may open it; a page is listed only for those roles.
COMMITTEE = {"program_lead", "committee_chair", "committee_member"}
PAGES = [
    ("pages/meeting.py", "Committee meeting", ":material/groups:", "meeting", COMMITTEE),
    ("pages/resident.py", "Resident progression", ":material/person:", "resident", COMMITTEE | {"coach"}),
    ("pages/coaching.py", "My coachees", ":material/diversity_3:", "coaching", {"coach"}),
    ("pages/oversight.py", "Program oversight", ":material/monitoring:", "oversight", {"program_lead"}),
    ("pages/access.py", "People and access", ":material/manage_accounts:", "access", {"admin"}),
    ("pages/imports.py", "Imports", ":material/upload_file:", "imports", {"admin"}),
    ("pages/audit.py", "Audit trail", ":material/policy:", "audit", {"admin"}),
]

ui.leave_folder_multipage_mode()
# The tab's icon is an emoji, which the browser draws itself: a material icon there is fetched from
# Google's servers, which a hospital network may not reach.
st.set_page_config(page_title="Competence committee dashboard", page_icon="🎓", layout="wide")

if "CBME_DATABASE" in os.environ and not ui.database_path().is_file():  # only the default builds the demo
    st.error(f"There is no database file {ui.database_path().name} where CBME_DATABASE points. An administrator "
             "must correct the setting before the dashboard can open.")
    st.stop()
try:
    ui.connection()
except (DatabaseLocked, OutdatedDatabase) as error:
    st.error(f"{error} An administrator must resolve this before the dashboard can open.")
    st.stop()
except duckdb.Error:
    st.error(f"The database file {ui.database_path().name} cannot be opened: it is damaged or not a dashboard "
             "database. An administrator must restore it from a backup.")
    st.stop()

viewer = signin.sign_in()
with st.sidebar:
    if viewer.mode != "demo":
        st.caption(f"Signed in as {viewer.name}")
    signin.sign_out_button()
    programs = ui.fetch("viewer_programs", viewer=viewer.person_id)
    if programs.empty:
        st.warning("You hold no role in any program, so there is nothing to show. Ask your program's "
                   "administrator for access.")
        st.stop()
    names = dict(zip(programs["program_id"], programs["name"]))
    program_id = ui.linked_selectbox(
        "Program", names, param="program", key="frame_program", persist_state="session",
        refused="The link names a program you hold no role in; showing one of yours.")
    as_of = st.date_input("As of", value=dt.date.today(), key="as_of", bind="query-params",
                          format="YYYY-MM-DD",
                          help="Everything is computed with the data up to this date, as a committee "
                               "sees it on its meeting day.")

roles = frozenset(dict(zip(programs["program_id"], programs["roles"]))[program_id])
ui.set_view(ui.View(viewer.person_id, viewer.name, roles, program_id, names[program_id], as_of))
pages = [st.Page(path, title=title, icon=icon, url_path=url_path)
         for path, title, icon, url_path, allowed in PAGES if roles & allowed]
page = st.navigation(pages)
try:
    page.run()
except Exception as error:  # control-flow exceptions (rerun, stop) are not Exceptions
    ui.show_error(error)
ui.settle_process()
