"""Shared fixtures: a tiny hand-written program, and the full demo program built once per run."""

import datetime as dt
from pathlib import Path

import pytest

from cbme import db, demo
from cbme.load import load_canonical

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2026, 6, 30)  # the as-of date the tiny fixture's expected values are written for
DEMO_END = dt.date(2026, 11, 21)  # fixed so demo-based tests do not move with the calendar


@pytest.fixture(scope="session")
def tiny():
    """A connection to an in-memory database loaded with tests/fixtures/tiny."""
    con = db.connect(":memory:")
    load_canonical(con, FIXTURES / "tiny")
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The embedded demo program, generated with a fixed end date, as a database file."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.duckdb"
    demo.build_database(path, demo.DemoSpec(end_date=DEMO_END), folder / "exports")
    return path
