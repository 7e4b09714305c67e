"""The vocabulary is the one list of each kind of code: the schema allows the same values, the code
writes no audit action and names no role the vocabulary lacks, and the audit page's filter finds every
action the code writes."""

import ast
import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from cbme.imports import rollback_import, run_import
from cbme.store import db
from cbme.store.db import QUERIES, SCHEMA
from cbme.vocabulary import (
    AUDIT_ACTIONS,
    DECISION_COLOURS,
    DECISION_STATUSES,
    FOLLOW_UP_OUTCOMES,
    FORM_TYPES,
    REVIEWER_ROLES,
    ROLES,
    SESSION_STATUSES,
    SESSION_STYLES,
    STAGES,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*(ROOT / "cbme").rglob("*.py"), *(ROOT / "views").glob("*.py"), ROOT / "dashboard.py"]


def schema_lists() -> dict[tuple[str, str], set[str]]:
    """Every `column in (...)` check of the schema: (table, column) -> the values it allows."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA.read_text())
        checks = con.execute("select table_name, expression from duckdb_constraints() "
                             "where constraint_type = 'CHECK'").fetchall()
    finally:
        con.close()
    found = {}
    for table, expression in checks:
        if listed := re.fullmatch(r"\(\"?(\w+)\"? IN \((.*)\)\)", expression):
            found[(table, listed.group(1))] = set(re.findall(r"'([^']*)'", listed.group(2)))
    return found


def test_the_schema_allows_the_vocabularys_values():
    assert schema_lists() == {
        ("roles", "role"): set(ROLES),
        ("resident_stages", "stage"): set(STAGES),
        ("epas", "stage"): set(STAGES),
        ("assessments", "form_type"): set(FORM_TYPES),
        ("coaching_sessions", "status"): set(SESSION_STATUSES),
        ("committee_decisions", "status"): set(DECISION_STATUSES),
        ("decision_action_reviews", "outcome"): set(FOLLOW_UP_OUTCOMES),
        ("meeting_reviewers", "reviewer_role"): set(REVIEWER_ROLES),
        # Codes no page lists or labels: the schema is their one spelling.
        ("people", "default_role"): {"faculty", "resident", "fellow", "nurse", "allied health", "other"},
        ("assessments", "assessor_role"): {"faculty", "resident", "fellow", "nurse", "allied health", "other"},
        ("assessments", "stakes"): {"low", "high"},
        ("assessments", "flag"): {"professionalism", "patient safety"},
        ("assessments", "achievement"): {"achieved", "in progress"},
        ("residents", "status"): {"active", "on leave", "graduated", "withdrawn"},
        ("access_requests", "kind"): {"role", "identity"},
        ("access_requests", "status"): {"waiting", "confirmed", "declined"},
        ("imports", "status"): {"committed", "rolled back"},
    }


def test_every_status_has_its_colour():
    assert set(DECISION_COLOURS) == set(DECISION_STATUSES)
    assert list(SESSION_STYLES) == SESSION_STATUSES


# The functions that write an audit event, and the position of their action argument.
AUDIT_WRITERS = {"access": {"record": 2, "audit": 2}, "frame": {"audit": 0, "audit_once": 0}}


def written_actions(path: Path) -> set[str]:
    """The actions the file's calls of an audit writer pass: literals, or either branch of `a if c else b`.
    Only the writers themselves pass an action on (a parameter named action); anything else fails."""
    own = "frame" if path == ROOT / "cbme" / "app" / "frame.py" else "access"  # what a bare name calls
    actions = set()
    for call in ast.walk(ast.parse(path.read_text())):
        if not isinstance(call, ast.Call):
            continue
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            module, name = call.func.value.id, call.func.attr
        elif isinstance(call.func, ast.Name):
            module, name = own, call.func.id
        else:
            continue
        position = AUDIT_WRITERS.get(module, {}).get(name)
        if position is None or len(call.args) <= position:
            continue
        pending = [call.args[position]]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.IfExp):
                pending += [node.body, node.orelse]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                actions.add(node.value)
            else:
                assert isinstance(node, ast.Name) and node.id == "action", (
                    f"{path.name}:{call.lineno}: an audit action the vocabulary cannot be checked against")
    return actions


def test_the_vocabulary_has_every_audit_action_the_code_writes_and_no_other():
    written = set().union(*map(written_actions, SOURCES))
    # Those the audit page's filter once missed, so their entries could not be found.
    assert {"import", "roll back import", "log coaching session", "export rejected rows"} <= written
    assert sorted(written - set(AUDIT_ACTIONS)) == []  # written, but not offered by the filter
    assert sorted(set(AUDIT_ACTIONS) - written) == []  # offered, but never written


def test_an_unknown_audit_action_is_refused(tiny_rw):
    from cbme.store import access

    with pytest.raises(ValueError, match="unknown audit action"):
        access.audit(tiny_rw, "AD1", "peek")


# Where SQL or Python names roles: holds_role(..., [...]), role = '...', role <> '...', role in (...).
ROLE_CLAUSES = re.compile(r"holds_role\([^\[\]()]*\[([^\]]*)\]|\brole\s*(?:=|<>)\s*('\w+')|\brole\s+in\s*\(([^)]*)\)")


def test_every_role_the_code_and_its_sql_name_is_in_the_vocabulary():
    files = [*SOURCES, SCHEMA, *QUERIES.rglob("*.sql")]
    named = {role for path in files for clause in ROLE_CLAUSES.findall(path.read_text())
             for role in re.findall(r"""['"](\w+)['"]""", "".join(clause))}
    assert {"admin", "coach", "committee_chair"} <= named
    assert sorted(named - set(ROLES)) == []


def test_the_audit_page_finds_an_import_and_its_rollback_by_action(signed_in):
    con = db.connect(signed_in.database)
    try:
        report = run_import(con, (ROOT / "tests/fixtures/imports/elentra_export.csv").read_bytes(),
                            "elentra_export.csv", "P1", "AD1")
        rollback_import(con, "AD1", report.import_id)
    finally:
        con.close()
    today = dt.datetime.now(dt.UTC).date().isoformat()  # events are recorded at the time they happen
    at = signed_in("admin@example.org", page="views/audit.py", as_of=today)
    picker = at.multiselect(key="audit_actions")
    assert {"import", "roll back import", "log coaching session", "export rejected rows"} <= set(picker.options)
    picker.set_value(["import"]).run()
    assert list(at.dataframe[0].value["action"]) == ["import"]
    at.multiselect(key="audit_actions").set_value(["import", "roll back import"]).run()
    assert list(at.dataframe[0].value["action"]) == ["roll back import", "import"]  # newest first
