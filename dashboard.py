"""The frame: page set-up, sign-in, shared controls (program, as-of date), role-aware navigation."""

import datetime as dt
import os

import duckdb
import streamlit as st

from cbme.app import frame, reads, signin, widgets
from cbme.app.markup import escape_markdown
from cbme.store import access, db
from cbme.store.db import DatabaseLocked, OutdatedDatabase
from cbme.vocabulary import MEETING_ROLES

# Each page with the roles that may open it; a page is listed only for those roles.
COMMITTEE = set(MEETING_ROLES)
PAGES = [
    ("views/meeting.py", "Committee meeting", ":material/groups:", "meeting", COMMITTEE),
    ("views/resident.py", "Resident progression", ":material/person:", "resident", COMMITTEE | {"coach"}),
    ("views/coaching.py", "My coachees", ":material/diversity_3:", "coaching", {"coach"}),
    ("views/oversight.py", "Program oversight", ":material/monitoring:", "oversight", {"program_lead"}),
    ("views/access.py", "People and access", ":material/manage_accounts:", "access", {"admin", "program_lead"}),
    ("views/imports.py", "Imports", ":material/upload_file:", "imports", {"admin"}),
    ("views/audit.py", "Audit trail", ":material/policy:", "audit", {"admin"}),
]



def default_as_of() -> dt.date:
    """Today, or the meeting date that a meeting view's address names (it is the as-of date there)."""
    try:
        return dt.date.fromisoformat(st.query_params.get("meeting", ""))
    except ValueError:
        return dt.date.today()


# The tab's icon is an emoji, which the browser draws itself: a material icon there is fetched from
# Google's servers, which a hospital network may not reach.
st.set_page_config(page_title="Competence committee dashboard", page_icon="🎓", layout="wide")

database = reads.database()
# only the default builds the demo
if "CBME_DATABASE" in os.environ and not db.is_url(database) and not database.is_file():
    st.error(f"There is no database file {database.name} where CBME_DATABASE points. An administrator "
             "must correct the setting before the dashboard can open.")
    frame.stop_before_pages()
try:
    reads.connection()
except (DatabaseLocked, OutdatedDatabase) as error:
    st.error(f"{error} An administrator must resolve this before the dashboard can open.")
    frame.stop_before_pages()
except duckdb.Error:
    reason = ("cannot be reached, or is not a dashboard database. An administrator must check the setting and the "
              "database server" if db.is_url(database) else "cannot be opened: it is damaged or not a dashboard "
              "database. An administrator must restore it from a backup")
    st.error(f"{db.describe(database).capitalize()} {reason}.")
    frame.stop_before_pages()

access.acting_from(signin.client_address())  # every audit event of this run says where it came from
viewer = signin.sign_in()
with st.sidebar:
    if viewer.mode != "demo":
        st.caption(f"Signed in as {escape_markdown(viewer.name)}")
    signin.sign_out_button()
    programs = reads.fetch("viewer_programs", viewer=viewer.person_id)
    if programs.empty:
        signin.refuse("You hold no role in any program, so there is nothing to show. Ask your program's "
                      "administrator for access.", identity=viewer.identity, sign_out=False, reason="no role")
    names = dict(zip(programs["program_id"], programs["name"]))
    program_id = widgets.linked_selectbox(
        "Program", names, param="program", key="frame_program", persist_state="session",
        refused="The link names a program you hold no role in; showing one of yours.",
        on_refused=lambda requested: access.audit(reads.connection(), viewer.person_id, "refuse link",
                                                  parameter="program", requested=requested))
    as_of = widgets.linked_date("As of", "as_of", default_as_of(), key="as_of", format="YYYY-MM-DD",
                           help="Everything is computed with the data up to this date, as a committee sees it "
                                "on its meeting day.")

roles = frozenset(dict(zip(programs["program_id"], programs["roles"]))[program_id])
frame.set_view(frame.View(viewer.person_id, viewer.name, roles, program_id, names[program_id], as_of))
pages = [st.Page(path, title=title, icon=icon, url_path=url_path)
         for path, title, icon, url_path, allowed in PAGES if roles & allowed]
url = st.context.url
asked = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""  # the page the address names
if asked in {url_path for _, _, _, url_path, _ in PAGES} - {p.url_path for p in pages}:
    frame.audit_once("refuse page", page=asked)  # then the viewer's first page opens, saying why
    st.session_state["frame_refused_page"] = next(title for _, title, _, url_path, _ in PAGES if url_path == asked)

# The app's root address opens the viewer's first page under that page's own address (a default page
# would be served at the root only, and its own link would say "page not found"); so does the address of
# a page the viewer's roles do not open, which is refused above.
def first_page() -> None:
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


home = st.Page(first_page, title="Home", url_path="home", default=True, visibility="hidden")
refused = [st.Page(first_page, title=title, url_path=url_path, visibility="hidden")
           for _, title, _, url_path, allowed in PAGES if not roles & allowed]
page = st.navigation([home, *pages, *refused])
if page in pages and "frame_refused_page" in st.session_state:  # (said on the page the viewer lands on)
    st.warning(f"The page “{st.session_state.pop('frame_refused_page')}” is not open to your roles; here is "
               "your first page.", icon=":material/block:")
try:
    page.run()
except Exception as error:  # control-flow exceptions (rerun, stop) are not Exceptions
    frame.show_error(error)
