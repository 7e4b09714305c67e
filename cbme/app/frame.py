"""The frame's state shared by every page: who is looking at which program on which date, the
audit of what they do, page addresses that keep the frame's choices, and errors shown without a traceback."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from cbme.app import reads
from cbme.store import access, db

log = logging.getLogger("cbme")


@dataclass(frozen=True)
class View:
    """Who is looking, at which program, as of which date: set by the frame, read by pages."""

    viewer_id: str
    viewer_name: str
    roles: frozenset[str]
    program_id: str
    program_name: str
    as_of: dt.date


def set_view(view: View) -> None:
    st.session_state["frame_view"] = view


def audit(action: str, **fields) -> None:
    """Record that the viewer did something (an export, a packet) in the audit trail."""
    viewer = view()
    access.audit(reads.connection(), viewer.viewer_id, action, program_id=viewer.program_id, **fields)


def refusal_audit(param: str) -> Callable[[str], None]:
    """For linked_selectbox: record a refused link's value in the audit trail, once per session."""
    return lambda requested: audit_once("refuse link", parameter=param, requested=requested)


def audit_once(action: str, **fields) -> None:
    """Record that the viewer did something (opened a resident...) once, not on every rerun."""
    viewer = view()
    key = f"frame_audited_{action}"
    if st.session_state.get(key) != (viewer.viewer_id, fields):
        access.audit(reads.connection(), viewer.viewer_id, action, program_id=viewer.program_id, **fields)
        st.session_state[key] = (viewer.viewer_id, fields)


def stop_before_pages() -> None:
    """End a run that shows only a message (no database, no sign-in). The navigation is hidden and every
    page's address leads to the message, so no "page not found" shows."""
    silent = [st.Page(lambda: None, title="Competence committee dashboard", default=True)] + [
        st.Page(lambda: None, title="Competence committee dashboard", url_path=page.stem)
        for page in sorted((db.ROOT / "views").glob("*.py"))]
    st.navigation(silent, position="hidden")
    st.stop()


def view() -> View:
    return st.session_state["frame_view"]


# The frame's choices, kept in every page's address so that a link or a reload reproduces the view.
FRAME_PARAMS = ("program", "as_of", "demo_user")


def switch_page(page: str, **params) -> None:
    """st.switch_page to page with params in its address, keeping the frame's choices there too."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in FRAME_PARAMS}
    st.switch_page(page, query_params={**keep, **params})


def frame_link_params(**params) -> dict[str, str]:
    """Query parameters for st.page_link: the frame's choices and params."""
    return {**{k: v for k, v in st.query_params.to_dict().items() if k in FRAME_PARAMS}, **params}


def fragment(func=None, *, run_every: float | None = None):
    """st.fragment (rerun every run_every seconds when given) whose errors get the frame's friendly
    message instead of Streamlit's own handling."""
    if func is None:
        return functools.partial(fragment, run_every=run_every)

    @st.fragment(run_every=run_every)
    @functools.wraps(func)
    def guarded(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as error:  # control-flow exceptions (rerun, stop) are not Exceptions
            show_error(error)

    return guarded


def show_error(error: BaseException) -> None:
    """A friendly message with a reference; the log gets the reference, the error's type and where it
    happened, but not its message, which may quote resident data."""
    reference = uuid.uuid4().hex[:8]
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-6:]))
    log.error("error %s: %s at %s", reference, type(error).__name__, where)
    st.error(f"Something went wrong while showing this page. Please try again; if it persists, give "
             f"your administrator this reference: {reference}.")
