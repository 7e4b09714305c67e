"""Shared fixtures: a tiny hand-written program, and the full demo program built once per run."""

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.postgres_server import postgres_server
from cbme.store import db, demo
from cbme.store.load import load_canonical
from tests.apptest import AUTH  # importing it also makes AppTest start runs in navigation mode

FIXTURES = Path(__file__).parent / "fixtures"
# Browser assertions wait up to 20 s: a loaded CI machine is slower than a developer's.
expect.set_options(timeout=20_000)


AS_OF = dt.date(2026, 6, 30)  # the as-of date the tiny fixture's expected values are written for
DEMO_END = dt.date(2026, 11, 21)  # fixed so demo-based tests do not move with the calendar


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the run (in a folder of /tmp, which its own user can reach)."""
    folder = Path(tempfile.mkdtemp(prefix="cbme-postgres-"))
    try:
        with postgres_server(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres) -> str:
    """The URL of a new, empty database on the run's PostgreSQL server."""
    return postgres.database()


@pytest.fixture(scope="session")
def tiny():
    """A connection to an in-memory database loaded with tests/fixtures/tiny."""
    con = db.connect(":memory:")
    load_canonical(con, FIXTURES / "tiny")
    yield con
    con.close()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def tiny_rw(request):
    """A fresh, writable copy of the tiny program for a test that changes data, on each back end: an
    in-memory DuckDB, and a new database of the run's PostgreSQL server."""
    con = db.connect(request.getfixturevalue("postgres_url") if request.param == "postgres" else ":memory:")
    load_canonical(con, FIXTURES / "tiny")
    yield con
    con.close()


@pytest.fixture
def tiny_file(tmp_path) -> Path:
    """The tiny program as a database file (not the demo program: demo users are off)."""
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    load_canonical(con, FIXTURES / "tiny")
    con.close()
    return path


@pytest.fixture
def signed_in(tiny_file, monkeypatch):
    """start(email, page=None, auth=True, **query_params): the app on the tiny program, run once as the
    person signed in with email (None: nobody), then switched to page; start.database is its file."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CBME_DATABASE", str(tiny_file))

    def start(email=None, page=None, auth=True, **query_params):
        at = AppTest.from_file("../dashboard.py", default_timeout=60)
        if auth:
            at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": email is not None, **({"email": email} if email else {})}
        at.query_params.update({"as_of": AS_OF.isoformat(), **query_params})
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception
        return at

    start.database = tiny_file
    return start


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The embedded demo program, generated with a fixed end date, as a database file."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.duckdb"
    demo.build_database(path, demo.DemoSpec(end_date=DEMO_END), folder / "exports")
    return path
