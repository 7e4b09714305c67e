"""What the frame and the pages share: the connection, cached queries, and the viewer's choices."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import hashlib
import logging
import os
import pickle
import traceback
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cbme.app.shared import SharedCache
from cbme.config import ProgramConfig
from cbme.rules import meeting
from cbme.store import access, db, demo

log = logging.getLogger("cbme")
FACTS_CSS = """
.facts {display: flex; flex-wrap: wrap; gap: 0.75rem 2.5rem; padding: 1rem 1.25rem;
        border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;}
.facts .label {font-size: 0.875rem; color: #555;}
.facts .value {font-size: 1.6rem; font-weight: 600; line-height: 1.3;}
.facts .note {font-size: 0.85rem; color: #555; min-height: 1.2em;}
"""
DATA = db.ROOT / "data"


def database_path() -> Path:
    return Path(os.environ.get("CBME_DATABASE", DATA / "dashboard.duckdb"))


def connection() -> duckdb.DuckDBPyConnection:
    """The process's one connection to the configured database; builds the demo program on first run."""
    return _open(str(database_path()))


def _open(database: str) -> duckdb.DuckDBPyConnection:
    return _connections.get(database, lambda: _connect(database))


def _connect(database: str) -> duckdb.DuckDBPyConnection:
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


# Query results, agendas and charts are kept as shared objects, not copies (st.cache_data pickles a
# result when storing it and unpickles a copy on every read, a tenth of a page's time). So they are
# read-only: no page or function changes a result in place (tests/test_app.py checks every page).
_connections: SharedCache[duckdb.DuckDBPyConnection] = SharedCache(max_entries=16)
_query_results: SharedCache[pd.DataFrame] = SharedCache(max_entries=5000)
_visible_sets: SharedCache[frozenset[str]] = SharedCache(max_entries=5000)
_agendas: SharedCache[tuple] = SharedCache(max_entries=500)
_charts: SharedCache[go.Figure] = SharedCache(max_entries=2000)


def _cached_query(database: str, version: int, name: str, params: dict, viewer: str | None = None) -> pd.DataFrame:
    """viewer (not part of the key) runs a resident's query for one viewer allowed to see them."""
    key = (database, version, name, *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _query_results.get(key, lambda: db.query(_open(database), name, **params,
                                                    **({"viewer": viewer} if viewer else {})))


def fetch(name: str, **params) -> pd.DataFrame:
    """A named query's result, cached per database, data version and parameters, and shared by every
    session: never change it in place (derive a new frame instead).

    A resident's data do not depend on who looks (the queries use $viewer only to refuse residents the
    viewer may not see: tests/test_scope.py checks this), so they are cached once for everyone allowed
    to see that resident: a committee opening a resident together computes it once, not once per member.
    """
    database = str(database_path())
    version = data_version(database)
    viewer = params.get("viewer")
    if viewer is not None and "resident_id" in params \
            and params["resident_id"] in _visible_residents(database, version, viewer):
        return _cached_query(database, version, name, {k: v for k, v in params.items() if k != "viewer"}, viewer)
    return _cached_query(database, version, name, params)


# One thread less than the cores: with the session's own thread, a page's queries run as many at a time as
# there are cores (a query this small is mostly planning, on one core).
_prefetcher = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="cbme-prefetch")


def prefetch(*requests: tuple[str, dict]) -> None:
    """Start fetch(name, **params) for each (name, params) on another thread and return at once: the
    page's own fetch of it later finds the result, or waits for it if it is still being computed, or
    computes it itself if no thread has started it yet (a busy server). Start the queries a page will
    need next while it works on the one it needs now; the database runs them on the other core."""
    for name, params in requests:
        _prefetcher.submit(fetch, name, **params)


def _visible_residents(database: str, version: int, viewer: str) -> frozenset[str]:
    return _visible_sets.get((database, version, viewer), lambda: frozenset(
        db.query(_open(database), "visible_resident_ids", viewer=viewer)["resident_id"]))


def fetch_fresh(name: str, **params) -> pd.DataFrame:
    """A named query's result read now, for data written without a change of the data version (the
    audit trail, appended on every page view)."""
    return db.query(connection(), name, **params)


_versions: dict[str, tuple[int, int]] = {}  # database -> (db.writes() when read, its data version)


def data_version(database: str) -> int:
    """The database's data version, read from the file again only after this process wrote to it."""
    writes = db.writes()  # before reading: a write committed meanwhile makes the next call read again
    known = _versions.get(database)
    if known is None or known[0] != writes:
        version = db.data_version(_open(database))
        if known is not None and known[1] != version:  # what was kept for the old version is never read again
            for cache in (_query_results, _visible_sets, _agendas):
                cache.clear()
        known = _versions[database] = (writes, version)
    return known[1]


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
    access.audit(connection(), viewer.viewer_id, action, program_id=viewer.program_id, **fields)


def refusal_audit(param: str) -> Callable[[str], None]:
    """For linked_selectbox: record a refused link's value in the audit trail, once per session."""
    return lambda requested: audit_once("refuse link", parameter=param, requested=requested)


def audit_once(action: str, **fields) -> None:
    """Record that the viewer did something (opened a resident...) once, not on every rerun."""
    viewer = view()
    key = f"frame_audited_{action}"
    if st.session_state.get(key) != (viewer.viewer_id, fields):
        access.audit(connection(), viewer.viewer_id, action, program_id=viewer.program_id, **fields)
        st.session_state[key] = (viewer.viewer_id, fields)


_settled = False


def settle_process() -> None:
    """After the process's first run, move what it holds then (modules, Streamlit, the libraries) out
    of reach of Python's cycle collector: a full collection scanned all of it in the middle of a page's
    work (4 ms of the agenda's 13 on the meeting page). Garbage is collected first, so none is kept."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)  # at exit all is collected, as without the freeze


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


def meeting_agenda(view: View, config: ProgramConfig):
    """Every resident on the meeting's agenda (as of the view's date) and their statuses; see cbme.rules.meeting.
    Built once per data version and viewer: the pages of a meeting all read the same agenda."""
    database = str(database_path())
    version = data_version(database)

    def build():
        prefetch(*meeting.agenda_queries(view.viewer_id, view.program_id, view.as_of, config)[1:])  # both at once
        return meeting.load_agenda(lambda name, **params: _cached_query(database, version, name, params),
                                   view.viewer_id, view.program_id, view.as_of, config)

    return _agendas.get(  # (the settings by their repr: they hold a dict, which has no hash)
        (database, version, view.viewer_id, view.program_id, view.as_of, repr(config)), build)


def chart(build: Callable[..., go.Figure], *args) -> go.Figure:
    """build(*args) from cbme.app.charts, built once per distinct input and shared by every session:
    building costs more than showing it. The figure is shared, so it must not be changed; nor may a
    frame passed here change afterwards (its content is read once)."""
    digest = hashlib.blake2b(f"{build.__module__}.{build.__qualname__}".encode(), digest_size=20)
    for arg in args:
        digest.update(_content(arg))
    return _charts.get(digest.digest(), lambda: build(*args))


def _content(value) -> bytes:
    """Bytes that differ when value's content differs. A DataFrame's are its columns, types and a hash
    of every row (its pickle depends on how it came to be: equal frames built differently pickle apart),
    computed once per frame: a shared query result is charted on every run and never changes."""
    if not isinstance(value, pd.DataFrame):
        return pickle.dumps(value)
    known = _frame_contents.get(id(value))
    if known is not None and known[0]() is value:
        return known[1]
    rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
    content = hashlib.blake2b(pickle.dumps((list(value.columns), [str(t) for t in value.dtypes], len(value))) + rows,
                              digest_size=20).digest()
    key = id(value)
    _frame_contents[key] = (weakref.ref(value, lambda _: _frame_contents.pop(key, None)), content)
    return content


# id(frame) -> (the frame, weakly; its content's digest). An entry leaves with its frame, before another
# object can take the frame's id.
_frame_contents: dict[int, tuple[weakref.ref, bytes]] = {}


def clear_caches() -> None:
    """Forget every cached query result, agenda and chart of this process (the connection stays open)."""
    for cache in (_query_results, _visible_sets, _agendas, _charts):
        cache.clear()


def linked_selectbox(label: str, options: dict[str, str], param: str, refused: str,
                     on_refused: Callable[[str], None], none_when_refused: bool = False, **kwargs) -> str | None:
    """A selectbox over options (value -> label) whose choice is kept in the query parameter param,
    so a link reproduces it. The URL carries the value, never the label. A value in the URL that is
    not among the options is refused with the given message and told to on_refused (which records it
    in the audit trail); then nothing is chosen when none_when_refused (a record the viewer did not ask
    for is not opened), else the first option."""
    values = list(options)
    key = kwargs["key"]
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # a choice from another program or date
    requested = st.query_params.get(param)
    was_refused = requested is not None and requested not in options and key not in st.session_state
    if was_refused:
        on_refused(requested)
        st.session_state[f"{key}_refused"] = True
    if st.session_state.get(f"{key}_refused"):  # said until the viewer chooses (a page switch may follow)
        st.warning(refused)
    user_change = kwargs.pop("on_change", None)

    def changed() -> None:
        st.session_state.pop(f"{key}_refused", None)
        if user_change:
            user_change()

    # The URL decides the first choice; afterwards the widget's own state (which buttons may set) does.
    index = values.index(requested) if requested in options and key not in st.session_state else \
        None if was_refused and none_when_refused else 0
    choice = st.selectbox(label, values, index=index, format_func=options.get, on_change=changed, **kwargs)
    if choice is not None:
        st.query_params[param] = choice
    return choice


# The frame's choices, kept in every page's address so that a link or a reload reproduces the view.
FRAME_PARAMS = ("program", "as_of", "demo_user")


def switch_page(page: str, **params) -> None:
    """st.switch_page to page with params in its address, keeping the frame's choices there too."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in FRAME_PARAMS}
    st.switch_page(page, query_params={**keep, **params})


def frame_link_params(**params) -> dict[str, str]:
    """Query parameters for st.page_link: the frame's choices and params."""
    return {**{k: v for k, v in st.query_params.to_dict().items() if k in FRAME_PARAMS}, **params}


def linked_date(label: str, param: str, default: dt.date, **kwargs) -> dt.date:
    """A date input whose date is kept in the query parameter param (YYYY-MM-DD): a link opens on it,
    afterwards the widget's own state decides (which callbacks may set)."""
    try:
        requested = dt.date.fromisoformat(st.query_params.get(param, ""))
    except ValueError:
        requested = None
    chosen = st.date_input(label, value=requested or default, **kwargs)
    st.query_params[param] = chosen.isoformat()
    return chosen


def facts_card(facts: list[tuple[str, str, str]]) -> None:
    """A row of large facts, each a (label, value, note), in a bordered card. Values may come from
    imported data, so every one is HTML-escaped: shown exactly as written, never as markup (the
    markdown elements, st.metric included, would render markup inside a name)."""
    cells = "".join(
        f'<div class="fact"><div class="label">{escape(label)}</div><div class="value">{escape(str(value))}</div>'
        f'<div class="note">{escape(str(note))}</div></div>' for label, value, note in facts)
    st.html(f"<style>{FACTS_CSS}</style><div class='facts'>{cells}</div>")


def lazy_tabs(sections: dict[str, Callable[[], None]], key: str) -> None:
    """A tab per section, of which only the open one runs and is sent to the browser (stepping to the
    next resident redraws one section, not all); the page address names the open tab, as key."""
    for tab, show in zip(st.tabs(list(sections), key=key, bind="query-params"), sections.values()):
        with tab:
            if tab.open:
                show()


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
