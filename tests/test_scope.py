"""Access scope in the data layer: every query returning resident data answers only within the
viewer's scope, and nothing for a viewer without a role (default deny)."""

import pytest

from cbme.store.db import QUERIES, query
from tests.conftest import AS_OF
from tests.test_queries import NO_FILTER

RESIDENT_QUERIES = sorted(p.stem for p in QUERIES.glob("resident_*.sql"))
EXTRA = {"resident_feedback_summary": dict(actionable_min_chars=20), "resident_narratives": NO_FILTER}


def visible(con, viewer):
    return sorted(r[0] for r in con.execute("select resident_id from visible_residents($v)", {"v": viewer})
                  .fetchall())


@pytest.mark.parametrize(("viewer", "expected"), [
    ("L1", ["R1", "R2"]),  # program lead: the whole program
    ("M1", ["R1", "R2"]),  # committee member: the whole program
    ("C1", ["R1", "R2"]),  # coach of both now
    ("C2", ["R2"]),  # past coachee only
    ("X1", ["R3"]),  # lead of another program
    ("A1", []),  # assesses, but holds no role
    ("nobody", []),
])
def test_visible_residents(tiny, viewer, expected):
    assert visible(tiny, viewer) == expected


def test_every_resident_query_is_scoped():
    # Guard against a new resident query that forgets the scope.
    for name in RESIDENT_QUERIES:
        assert "visible_residents($viewer)" in (QUERIES / f"{name}.sql").read_text(), name


def test_resident_queries_use_the_viewer_only_to_refuse_residents_outside_scope():
    for path in QUERIES.glob("*.sql"):
        sql = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        if "$resident_id" in sql and "$viewer" in sql:
            assert sql.count("$viewer") == 1, path.name
            assert "in (select resident_id from visible_residents($viewer))" in sql, path.name


@pytest.mark.parametrize("first", ["L1", "C2"])
def test_two_scopes_never_share_a_cached_result(tiny_file, monkeypatch, first):
    """The viewer is part of every cache key: whoever asks first, each viewer's result is their own query's."""
    from cbme.app import reads
    from cbme.store import db

    monkeypatch.setenv("CBME_DATABASE", str(tiny_file))
    computed, run = [], db.query
    monkeypatch.setattr(db, "query", lambda con, name, **params: computed.append(params.get("viewer"))
                        or run(con, name, **params))
    reads.clear_caches()
    names = {viewer: list(reads.fetch("resident_profile", viewer=viewer, resident_id="R1", as_of=AS_OF)["name"])
             for viewer in (first, "C2" if first == "L1" else "L1", "M1", "X1", "A1")}
    assert names == {"L1": ["Avery Stone"], "M1": ["Avery Stone"], "C2": [], "X1": [], "A1": []}
    assert sorted(computed) == ["A1", "C2", "L1", "M1", "X1"]  # one query each, none reused across viewers
    assert list(reads.fetch("resident_profile", viewer="L1", resident_id="R1", as_of=AS_OF)["name"]) == ["Avery Stone"]
    assert len(computed) == 5  # the same viewer again is served from the cache
    reads.clear_caches()


@pytest.mark.parametrize("name", RESIDENT_QUERIES)
def test_resident_queries_answer_inside_scope(tiny, name):
    result = query(tiny, name, viewer="C1", resident_id="R1", as_of=AS_OF, **EXTRA.get(name, {}))
    assert not result.empty


@pytest.mark.parametrize("name", RESIDENT_QUERIES)
@pytest.mark.parametrize(("viewer", "resident"), [("C2", "R1"), ("X1", "R1"), ("A1", "R1"), ("", "R1"),
                                                  ("L1", "R3")])
def test_resident_queries_return_nothing_outside_scope(tiny, name, viewer, resident):
    result = query(tiny, name, viewer=viewer, resident_id=resident, as_of=AS_OF, **EXTRA.get(name, {}))
    assert result.empty


def test_viewer_residents_is_scoped(tiny):
    result = query(tiny, "viewer_residents", viewer="C2", program_id="P1", as_of=AS_OF)
    assert list(result["resident_id"]) == ["R2"]
    assert query(tiny, "viewer_residents", viewer="X1", program_id="P1", as_of=AS_OF).empty


# A value for every parameter any query takes, so that each query can be run by a stranger.
PARAMETERS = {**NO_FILTER, **dict(
    program_id="P1", as_of=AS_OF, resident_id="R1", person_id="L1", coach_id="", since=AS_OF, cadence_days=60,
    ceiling=5, min_ratings=1, actionable_min_chars=20, recent_weeks=8, recent_ratings=5, trend_months=6,
    min_trend_ratings=12, actions=[],
    actor_search="", resident_search="", max_rows=100)}
UNSCOPED = {"demo_users", "dashboard_meta", "person", "sign_in_person",  # who may sign in, settings, a name
            # read by writes, never shown: which agendas to keep and whether one is kept, program ids
            "summary_dates", "summary_scope", "agenda_summary_settings", "program_ids", "program_of_resident"}


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES.glob("*.sql") if p.stem not in UNSCOPED))
@pytest.mark.parametrize("viewer", ["nobody", "X1", "A1"])
def test_every_query_answers_nothing_outside_the_viewers_roles(tiny, name, viewer):
    """Default deny: someone with no role in P1 (nobody, another program's lead, an assessor) gets no
    row from any query about P1."""
    import re

    wanted = set(re.findall(r"\$(\w+)", (QUERIES / f"{name}.sql").read_text()))
    assert "viewer" in wanted, f"{name} does not take the viewer"
    params = {k: v for k, v in {**PARAMETERS, "viewer": viewer}.items() if k in wanted}
    result = query(tiny, name, **params)
    if name == "viewer_programs":  # lists the viewer's own programs, whichever they are
        assert "P1" not in set(result["program_id"])
    else:
        assert result.empty
