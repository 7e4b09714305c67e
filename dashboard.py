"""The frame: page set-up, who is looking, shared controls, and role-aware navigation."""

import datetime as dt

import streamlit as st

from cbme import ui
from cbme.db import DatabaseLocked

ui.leave_folder_multipage_mode()
# Each page with the roles that may open it; a page is listed only for those roles.
COMMITTEE = {"program_lead", "committee_chair", "committee_member"}
PAGES = [
    ("pages/resident.py", "Resident progression", ":material/person:", "resident", COMMITTEE | {"coach"}),
]

st.set_page_config(page_title="Competence committee dashboard", page_icon=":material/school:",
                   layout="wide")

try:
    ui.connection()
except DatabaseLocked as error:
    st.error(str(error))
    st.stop()

with st.sidebar:
    users = ui.fetch("demo_users")
    st.caption("DEMO MODE: no sign-in yet. Choose whose view to see; access follows that person's roles.")
    choice = st.selectbox("Viewing as (demo user)", users.index,
                          format_func=lambda i: f"{users.at[i, 'kind']}: {users.at[i, 'name']}",
                          key="frame_demo_user")
    viewer = users.loc[choice]
    programs = ui.fetch("viewer_programs", viewer=viewer["person_id"])
    if programs.empty:
        st.warning("This person holds no role in any program, so there is nothing to show.")
        st.stop()
    program_id = ui.linked_selectbox(
        "Program", dict(zip(programs["program_id"], programs["name"])), param="program", key="frame_program",
        refused="The link names a program you hold no role in; showing one of yours.")
    as_of = st.date_input("As of", value=dt.date.today(), key="as_of", bind="query-params",
                          format="YYYY-MM-DD",
                          help="Everything is computed with the data up to this date, as a committee "
                               "sees it on its meeting day.")

ui.set_view(ui.View(viewer["person_id"], viewer["name"], viewer["kind"], program_id, as_of))

roles = set(programs.loc[programs["program_id"] == program_id, "roles"].iloc[0])
pages = [st.Page(path, title=title, icon=icon, url_path=url_path)
         for path, title, icon, url_path, allowed in PAGES if roles & allowed]
if not pages:
    st.info("Your roles in this program give access to no page.")
    st.stop()
page = st.navigation(pages)
try:
    page.run()
except Exception as error:  # control-flow exceptions (rerun, stop) are not Exceptions
    ui.show_error(error)
