"""Data for pages: the connection, the named queries of queries/ cached by Streamlit, and the agenda.

Every cached result is keyed on the database, its data version and the query's whole parameters,
the viewer included: one viewer's rows can never be handed to another, and a write (which bumps the
data version) leaves nothing stale behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from cbme.config import ProgramConfig
from cbme.store import db, demo, summaries

DATA = db.ROOT / "data"


def database() -> Path | str:
    """The configured database (CBME_DATABASE): a file's path, or a shared PostgreSQL database's URL."""
    return db.configured(os.environ.get("CBME_DATABASE", DATA / "dashboard.duckdb"))


def connection() -> duckdb.DuckDBPyConnection:
    """The process's one connection to the configured database; builds the demo program on first run."""
    return _connection(str(database()))


@st.cache_resource(show_spinner=False, max_entries=16)
def _connection(database: str) -> duckdb.DuckDBPyConnection:
    if db.is_url(database):
        return db.connect(database)
    path = Path(database)
    if not path.exists():
        with st.spinner("First run: building the demo program (a few seconds)..."):
            demo.build_database(path, demo.DemoSpec(), DATA / "demo")
    try:
        return db.connect(path)
    except db.OutdatedDatabase as error:
        if not error.demo_only:
            raise
    with st.spinner("The demo database was made by an older version: rebuilding it (a few seconds)..."):
        demo.build_database(path, demo.DemoSpec(), DATA / "demo")
    return db.connect(path)


def data_version() -> int:
    return db.data_version(connection())


def fetch(name: str, **params) -> pd.DataFrame:
    """The named query's result for these parameters (the viewer among them), as of the data now."""
    return _query(str(database()), data_version(), name, **params)


@st.cache_data(show_spinner=False, max_entries=5000)
def _query(database: str, version: int, name: str, **params) -> pd.DataFrame:
    return db.query(_connection(database), name, **params)


def fetch_fresh(name: str, **params) -> pd.DataFrame:
    """A named query's result read now, for data written without a change of the data version (the
    audit trail, appended on every page view)."""
    return db.query(connection(), name, **params)


def meeting_agenda(viewer: str, program_id: str, as_of, config: ProgramConfig):
    """Every resident on the meeting's agenda whom the viewer may see, with their statuses (see
    cbme.rules.meeting): the kept agenda of the date (cbme.store.summaries), else built here."""
    return _agenda(str(database()), data_version(), viewer, program_id, as_of, config, "")


def resident_review(viewer: str, program_id: str, as_of, config: ProgramConfig, resident_id: str):
    """One resident's row of the agenda and their status (None, None when not in training on as_of):
    read by key from the kept agenda of the date, else computed from that resident's rows alone."""
    rows, statuses = _agenda(str(database()), data_version(), viewer, program_id, as_of, config, resident_id)
    return (rows.iloc[0], statuses[resident_id]) if not rows.empty else (None, None)


@st.cache_data(show_spinner=False, max_entries=5000)
def _agenda(database: str, version: int, viewer: str, program_id: str, as_of, config: ProgramConfig,
            resident_id: str):
    return summaries.agenda(_connection(database), viewer, program_id, as_of, config, resident_id)


def clear_caches() -> None:
    """Forget every cached query result and agenda of this process (the connection stays open)."""
    _query.clear()
    _agenda.clear()
