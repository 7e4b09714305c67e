"""Sign-in, roles and attacks through the app (AppTest), on the tiny program, which is real data as
far as the app knows: demo users are off and single sign-on decides who is looking."""

import datetime as dt

import pytest

from cbme.store import access, db

INJECTIONS = ["'; drop table assessments; --", "' or '1'='1", "%' union select * from people --", "\\", "%_"]


@pytest.fixture
def app(signed_in):
    return signed_in


def texts(at) -> str:
    kinds = ("title", "subheader", "markdown", "text", "caption", "warning", "info", "success", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def offered(at) -> list[str]:
    return [label.split(" · ")[0] for label in at.selectbox(key="resident").options]


def test_without_sign_in_nothing_is_shown(app):
    at = app(email=None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Avery Stone" not in texts(at) and not at.selectbox


def test_demo_users_are_off_once_real_data_is_loaded(app):
    at = app(auth=False)
    assert "Sign-in is not configured" in at.error[0].value
    assert not at.selectbox


@pytest.mark.parametrize(("email", "residents"), [
    ("hale@example.org", ["Avery Stone", "Blake Rivers"]),  # program lead
    ("pike@example.org", ["Avery Stone", "Blake Rivers"]),  # committee member
    ("CHEN@example.org", ["Avery Stone", "Blake Rivers"]),  # coach of both (email in another case)
    ("ortiz@example.org", ["Blake Rivers"]),  # past coach of one
])
def test_each_role_sees_its_residents(app, email, residents):
    at = app(email, page="views/resident.py")
    assert offered(at) == residents
    assert at.subheader[0].value == "EPAs achieved against the assessment plan"
    assert "Sign out" in [b.label for b in at.button]


def test_admin_sees_access_pages_and_no_resident(app):
    at = app("admin@example.org")
    assert at.title[0].value == "People and access"
    people = at.dataframe[0].value
    assert "Dr. Riley Chen" in set(people["name"])
    with pytest.raises(ValueError):
        at.switch_page("views/resident.py")  # not a page an administrator is given


def test_a_coach_cannot_open_admin_pages(app):
    at = app("ortiz@example.org")
    for page in ("views/access.py", "views/audit.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_an_unknown_account_is_told_and_sees_nothing(app):
    at = app("stranger@example.org")
    assert "no one has given this account access" in at.warning[0].value
    assert not at.selectbox


def test_an_account_given_access_signs_in_on_the_next_run(app):
    at = app("blake.new@example.org")  # the lookup's answer "no one" is cached until the data change
    assert "no one has given this account access" in at.warning[0].value
    con = db.connect(app.database)
    access.set_identity(con, "AD1", "P1", "C2", "Blake.New@example.org")  # asked for by an administrator,
    access.decide_request(con, "L1", con.execute("select request_id from access_requests").fetchone()[0], True)
    con.close()  # and confirmed by the program lead
    at.run()
    assert not at.warning and offered(at) == ["Blake Rivers"]


def test_an_account_without_roles_is_told(app):
    at = app("kim@example.org")  # an assessor: mapped, but no role
    assert "You hold no role in any program" in texts(at)
    assert not at.selectbox(key="frame_program") if at.selectbox else True


def test_deep_links_outside_scope_are_refused(app):
    at = app("ortiz@example.org", resident="R1", program="P2")  # a coach starts on the resident page
    warnings = " ".join(w.value for w in at.warning)
    assert "program you hold no role in" in warnings and "not available to you" in warnings
    assert offered(at) == ["Blake Rivers"] and "Avery Stone" not in texts(at)


def test_roles_removed_mid_session_take_effect_on_the_next_run(app):
    at = app("ortiz@example.org")
    assert offered(at) == ["Blake Rivers"]
    con = db.connect(app.database)
    access.revoke_role(con, "AD1", "P1", "C2", "coach")
    at.run()
    assert "You hold no role in any program" in texts(at)
    assert "Blake Rivers" not in texts(at) and not at.subheader


def test_opening_a_resident_and_signing_in_are_audited_once(app):
    at = app("hale@example.org", page="views/resident.py", resident="R2")
    at.run()
    at.selectbox(key="resident").set_value("R1").run()
    con = db.connect(app.database)
    rows = con.execute("select actor_id, action, resident_id from audit_log order by event_id").fetchall()
    # The lead's first page is the meeting: its agenda names both residents (Blake Rivers first, by
    # surname), then each is opened.
    assert rows == [("L1", "sign in", None), ("L1", "open agenda", "R2"), ("L1", "open agenda", "R1"),
                    ("L1", "open resident", "R2"), ("L1", "open resident", "R1")]


def test_the_audit_trail_shows_events_recorded_after_it_was_first_opened(app):
    today = dt.datetime.now(dt.UTC).date().isoformat()  # events are recorded at the time they happen
    admin = app("admin@example.org", page="views/audit.py", as_of=today)
    assert "R2" not in set(admin.dataframe[0].value["resident_id"])
    app("hale@example.org", page="views/resident.py", resident="R2")  # audited without a data change
    admin.run()
    assert "R2" in set(admin.dataframe[0].value["resident_id"])


def test_injection_strings_in_every_text_input(app):
    at = app("hale@example.org", page="views/resident.py", section="Narrative feedback")
    for attack in INJECTIONS:
        at.text_input(key=f"resident_search_{at.selectbox(key='resident').value}").input(attack).run()
        assert not at.exception
        assert any(c.value.startswith("0 comments") for c in at.caption)
    admin = app("admin@example.org")
    admin.switch_page("views/audit.py").run()
    for attack in INJECTIONS:
        admin.text_input(key="audit_actor").input(attack)
        admin.text_input(key="audit_resident").input(attack).run()
        assert not admin.exception
    admin = app("admin@example.org")  # the access page is an administrator's first page
    admin.selectbox(key="access_identity_person").set_value("C2")
    admin.text_input(key="access_identity_value").input(INJECTIONS[0])
    next(b for b in admin.button if b.label == "Add identity").click().run()
    assert not admin.exception
    con = db.connect(app.database)
    # The injection string was stored as the sign-in asked for, as text, and nothing else changed.
    assert con.execute("select count(*) from access_requests where value = $i",
                       {"i": INJECTIONS[0].lower()}).fetchone()[0] == 1
    assert con.execute("select count(*) from assessments").fetchone()[0] == 13
    assert con.execute("select count(*) from people").fetchone()[0] == 8
