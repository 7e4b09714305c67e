"""Sign-in identities, role changes and the audit trail in the data layer."""

import datetime as dt
import re
from functools import partial
from pathlib import Path

import pytest

from cbme.store import access, db
from cbme.store.db import query

TODAY = dt.date.today()
AUDIT = dict(actions=[], actor_search="", resident_search="", date_from=TODAY - dt.timedelta(days=1),
             date_to=TODAY + dt.timedelta(days=1), max_rows=100)


def visible(con, viewer):
    return sorted(r[0] for r in con.execute("select resident_id from visible_residents($v)", {"v": viewer}).fetchall())


def events(con):
    return con.execute("select actor_id, action, program_id, resident_id, detail from audit_log "
                       "order by event_id").fetchall()


def test_identity_maps_by_email_case_insensitively_then_subject(tiny):
    assert access.person_for_identity(partial(query, tiny), "  Hale@Example.ORG ") == "L1"
    assert access.person_for_identity(partial(query, tiny), None, "sub-c1") == "C1"
    assert access.person_for_identity(partial(query, tiny), "unknown@example.org", "sub-c1") == "C1"
    assert access.person_for_identity(partial(query, tiny), "unknown@example.org", None) is None
    assert access.person_for_identity(partial(query, tiny), "' or 1=1 --") is None


def waiting(con):
    return con.execute("select request_id, person_id, kind, value, requested_by from access_requests "
                       "where status = 'waiting' order by requested_at").fetchall()


def test_a_role_waits_for_a_second_persons_confirmation_and_is_audited_at_each_step(tiny_rw):
    version = db.data_version(tiny_rw)
    assert access.grant_role(tiny_rw, "AD1", "P1", "A1", "committee_member") == "requested"
    assert visible(tiny_rw, "A1") == []  # nothing opens until a second person confirms
    assert access.grant_role(tiny_rw, "AD1", "P1", "A1", "committee_member") == "waiting"  # asked once
    [(request_id, person, kind, value, asked_by)] = waiting(tiny_rw)
    assert (person, kind, value, asked_by) == ("A1", "role", "committee_member", "AD1")
    with pytest.raises(access.NotAllowed, match="second person"):
        access.decide_request(tiny_rw, "AD1", request_id, confirm=True)  # not by who asked
    with pytest.raises(access.NotAllowed):
        access.decide_request(tiny_rw, "M1", request_id, confirm=True)  # a member confirms nothing
    access.decide_request(tiny_rw, "L1", request_id, confirm=True)  # the program lead confirms
    assert visible(tiny_rw, "A1") == ["R1", "R2"] and waiting(tiny_rw) == []
    assert [e[:2] for e in events(tiny_rw)] == [("AD1", "request access"), ("L1", "confirm access")]
    assert events(tiny_rw)[1][4] == '{"person": "A1", "requested_by": "AD1", "role": "committee_member"}'
    assert db.data_version(tiny_rw) == version + 3  # (asking a second time was a transaction too)
    assert access.grant_role(tiny_rw, "AD1", "P1", "A1", "committee_member") == "already"
    with pytest.raises(ValueError, match="no longer waiting"):
        access.decide_request(tiny_rw, "L1", request_id, confirm=True)


def test_nobody_gives_a_role_to_themself_nor_confirms_one_about_themself(tiny_rw):
    with pytest.raises(access.NotAllowed, match="yourself"):
        access.grant_role(tiny_rw, "AD1", "P1", "AD1", "program_lead")
    access.grant_role(tiny_rw, "AD1", "P1", "L1", "coach")
    [(request_id, *_)] = waiting(tiny_rw)
    with pytest.raises(access.NotAllowed):
        access.decide_request(tiny_rw, "L1", request_id, confirm=True)  # the lead is who it is about
    assert visible(tiny_rw, "AD1") == []


def test_a_declined_request_gives_nothing(tiny_rw):
    access.grant_role(tiny_rw, "AD1", "P1", "A1", "program_lead")
    [(request_id, *_)] = waiting(tiny_rw)
    access.decide_request(tiny_rw, "L1", request_id, confirm=False)
    assert visible(tiny_rw, "A1") == [] and waiting(tiny_rw) == []
    assert events(tiny_rw)[-1][:2] == ("L1", "decline access")


def test_an_administrators_own_sign_in_cannot_be_attached_to_another_person(tiny_rw):
    with pytest.raises(access.NotAllowed, match="your own sign-in"):
        access.set_identity(tiny_rw, "AD1", "P1", "L1", "Admin@Example.org")
    # A new sign-in for another person waits for confirmation, like a role.
    assert access.set_identity(tiny_rw, "AD1", "P1", "L1", "hale.personal@example.org") == "requested"
    assert access.person_for_identity(partial(query, tiny_rw), "hale.personal@example.org") is None
    [(request_id, _, kind, value, _)] = waiting(tiny_rw)
    assert (kind, value) == ("identity", "hale.personal@example.org")
    with pytest.raises(access.NotAllowed):
        access.decide_request(tiny_rw, "L1", request_id, confirm=True)  # not by whom it is about
    # An administrator's own record takes a new sign-in at once.
    assert access.set_identity(tiny_rw, "AD1", "P1", "AD1", "ada.second@example.org") == "added"
    assert access.person_for_identity(partial(query, tiny_rw), "ada.second@example.org") == "AD1"


@pytest.mark.parametrize("actor", ["L1", "M1", "C1", "X1", "nobody"])
def test_only_an_admin_of_the_program_changes_roles(tiny_rw, actor):
    with pytest.raises(access.NotAllowed):
        access.grant_role(tiny_rw, actor, "P1", "A1", "program_lead")
    with pytest.raises(access.NotAllowed):
        access.revoke_role(tiny_rw, actor, "P1", "C2", "coach")
    with pytest.raises(access.NotAllowed):
        access.set_identity(tiny_rw, actor, "P1", "C2", "new@example.org")
    assert visible(tiny_rw, "A1") == [] and visible(tiny_rw, "C2") == ["R2"]
    assert events(tiny_rw) == []


def test_admin_of_one_program_cannot_touch_another(tiny_rw):
    with pytest.raises(access.NotAllowed):
        access.grant_role(tiny_rw, "AD1", "P2", "A1", "program_lead")
    assert visible(tiny_rw, "A1") == []


def test_revoking_a_role_takes_access_away_at_once(tiny_rw):
    assert access.revoke_role(tiny_rw, "AD1", "P1", "C2", "coach") is True
    assert visible(tiny_rw, "C2") == []
    for name in ("resident_profile", "resident_narratives"):
        extra = dict(epa_codes=[], form_types=[], date_from=dt.date(2000, 1, 1), date_to=dt.date(2100, 1, 1),
                     search="") if name == "resident_narratives" else {}
        assert query(tiny_rw, name, viewer="C2", resident_id="R2", as_of=dt.date(2026, 6, 30), **extra).empty
    assert events(tiny_rw)[-1][:2] == ("AD1", "revoke role")
    assert access.revoke_role(tiny_rw, "AD1", "P1", "C2", "coach") is False


def test_an_admin_cannot_remove_their_own_admin_role(tiny_rw):
    with pytest.raises(access.NotAllowed, match="own administrator role"):
        access.revoke_role(tiny_rw, "AD1", "P1", "AD1", "admin")


def test_unknown_role_or_person_is_refused(tiny_rw):
    with pytest.raises(ValueError, match="unknown role"):
        access.grant_role(tiny_rw, "AD1", "P1", "A1", "superuser")
    with pytest.raises(ValueError, match="no person"):
        access.grant_role(tiny_rw, "AD1", "P1", "ghost", "coach")
    assert events(tiny_rw) == []


def test_sign_in_identities(tiny_rw):
    assert access.set_identity(tiny_rw, "AD1", "P1", "C2", "  Sam.Ortiz@Example.org ") == "requested"
    [(request_id, *_)] = waiting(tiny_rw)
    access.decide_request(tiny_rw, "L1", request_id, confirm=True)
    assert access.person_for_identity(partial(query, tiny_rw), "sam.ortiz@example.org") == "C2"
    with pytest.raises(ValueError, match="someone else"):
        access.set_identity(tiny_rw, "AD1", "P1", "C2", "hale@example.org")
    with pytest.raises(access.NotAllowed, match="not known to this program"):
        access.set_identity(tiny_rw, "AD1", "P1", "X1", "quinn2@example.org")
    with pytest.raises(ValueError, match="empty"):
        access.set_identity(tiny_rw, "AD1", "P1", "C2", "   ")
    # An assessor holds no role but assesses P1's residents: known to the program, so a sign-in can be asked for.
    assert access.set_identity(tiny_rw, "AD1", "P1", "A1", "kim2@example.org") == "requested"
    assert [e[1] for e in events(tiny_rw)] == ["request access", "confirm access", "request access"]


def test_each_event_says_where_it_came_from(tiny_rw):
    access.audit(tiny_rw, "L1", "open resident", resident_id="R1")  # no browser here: the command line
    access.acting_from("203.0.113.7")
    try:
        access.audit(tiny_rw, "L1", "open resident", resident_id="R2")
    finally:
        access.acting_from(None)
    origins = [row[0] for row in tiny_rw.execute("select origin from audit_log order by event_id").fetchall()]
    assert origins[0].endswith("(command line)") and "@" in origins[0]
    assert origins[1] == "203.0.113.7"


def test_admin_queries_answer_only_admins(tiny):
    people = query(tiny, "program_people", viewer="AD1", program_id="P1")
    assert list(people["person_id"]) == ["AD1", "M1", "L1", "C1", "C2"]  # by name
    assert list(people.set_index("person_id").at["C1", "roles"]) == ["coach", "committee_member"]
    assert sorted(people.set_index("person_id").at["C1", "identities"]) == ["chen@example.org", "sub-c1"]
    staff = query(tiny, "program_staff", viewer="AD1", program_id="P1")
    assert sorted(staff["person_id"]) == ["A1", "A2", "AD1", "C1", "C2", "L1", "M1"]
    for viewer in ("L1", "M1", "C1", "X1", "nobody"):
        assert query(tiny, "program_people", viewer=viewer, program_id="P1").empty
        assert query(tiny, "program_staff", viewer=viewer, program_id="P1").empty
        assert query(tiny, "audit_events", viewer=viewer, program_id="P1", **AUDIT).empty


def test_audit_events_search(tiny_rw):
    access.audit(tiny_rw, "L1", "sign in", identity="hale@example.org")
    access.audit(tiny_rw, "L1", "open resident", program_id="P1", resident_id="R1")
    access.audit(tiny_rw, "X1", "open resident", program_id="P2", resident_id="R3")
    access.grant_role(tiny_rw, "AD1", "P1", "A1", "coach")
    found = query(tiny_rw, "audit_events", viewer="AD1", program_id="P1", **AUDIT)
    # Newest first; another program's events are not shown.
    assert list(found["action"]) == ["request access", "open resident", "sign in"]
    assert list(found["resident_name"].fillna("")) == ["", "Avery Stone", ""]
    by_resident = query(tiny_rw, "audit_events", viewer="AD1", program_id="P1", **{**AUDIT, "resident_search": "stone"})
    assert list(by_resident["action"]) == ["open resident"]
    by_actor = query(tiny_rw, "audit_events", viewer="AD1", program_id="P1", **{**AUDIT, "actor_search": "HALE"})
    assert list(by_actor["action"]) == ["open resident", "sign in"]
    by_action = query(tiny_rw, "audit_events", viewer="AD1", program_id="P1", **{**AUDIT, "actions": ["sign in"]})
    assert len(by_action) == 1
    for attack in ["'; delete from audit_log; --", "%", "_", "') or ('1'='1"]:
        assert query(tiny_rw, "audit_events", viewer="AD1", program_id="P1",
                     **{**AUDIT, "actor_search": attack, "resident_search": attack}).empty
    assert tiny_rw.execute("select count(*) from audit_log").fetchone()[0] == 4


def test_the_audit_log_is_only_ever_appended_to():
    root = Path(__file__).resolve().parent.parent
    sources = [p for d in ("cbme", "views", "queries") for p in (root / d).rglob("*") if p.suffix in (".py", ".sql")]
    sources.append(root / "dashboard.py")
    writes = [(p.name, m.group(0)) for p in sources
              for m in re.finditer(r"(update|delete\s+from|truncate|drop\s+table)\s+audit_log", p.read_text(), re.I)]
    assert writes == []


def test_first_administrator_from_the_command_line(tiny_file, capsys):
    from cbme import admin

    assert admin.main(["admin", "--database", str(tiny_file), "--program", "P2", "--person", "NEW", "--name",
                       "Dr. New", "--identity", "New@Example.org"]) == 0
    con = db.connect(tiny_file)
    assert access.person_for_identity(partial(query, con), "new@example.org") == "NEW"
    assert con.execute("select role from roles where person_id = 'NEW'").fetchall() == [("admin",)]
    assert con.execute("select identity, action, program_id from audit_log").fetchall() == [
        (admin.command_line_actor(), "grant role", "P2")]
    assert admin.command_line_actor().endswith("(command line)") and "@" in admin.command_line_actor()
    con.close()
    assert admin.main(["admin", "--database", str(tiny_file), "--program", "P9", "--person", "NEW",
                       "--identity", "x@example.org"]) == 2
    assert "no program 'P9'" in capsys.readouterr().err
