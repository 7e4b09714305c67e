"""Serving the dashboard: the inbox watcher, then Streamlit's own command line, in one process.

    python -m cbme.serve run dashboard.py [streamlit options]      (what `make run` does)

Takes exactly the arguments of `streamlit run`. It first starts the inbox watcher (cbme.imports.inbox)
on the database the dashboard serves (CBME_DATABASE, else data/dashboard.duckdb), then hands the
command line to Streamlit's, in the same process, so that a scheduled import dropped into the inbox is
taken from the moment the dashboard serves, whether or not anyone has opened a page: Streamlit runs
the app's script only when a browser opens a session, and has no public hook at the server's start.
The watcher and the dashboard share the process, so they share the database (DuckDB lets one process
write it). docs/importing.md explains the choice.
"""

import sys

from streamlit.web.cli import main

from cbme.imports import cli, inbox
from cbme.store import db

if __name__ == "__main__":
    database = cli.database_path(None)
    if not db.is_url(database):  # a shared database takes imports from the command line directly
        inbox.watch(database)
    sys.exit(main(prog_name="streamlit"))
