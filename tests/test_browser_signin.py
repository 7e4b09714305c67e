"""Single sign-on in a real browser: the whole OpenID Connect flow against a mock provider on
loopback, then sign-out; and the trusted-header mode."""

import re
import shutil

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import expect, sync_playwright

from cbme.store import db
from tests.server import CHROMIUM_FLAGS, PROXY_SIGN_IN, chromium_path, dashboard_server, free_port, wait_for_script


@pytest.fixture(scope="module")
def database(demo_database, tmp_path_factory):
    copy = tmp_path_factory.mktemp("signin") / "demo.duckdb"
    shutil.copy(demo_database, copy)
    return copy


def people(database):
    con = db.connect(database)
    try:
        lead = con.execute("""
            select i.identity, p.name from roles as g join people as p using (person_id)
            join sign_in_identities as i using (person_id) where g.role = 'program_lead'""").fetchone()
        coach = con.execute("""
            select min(i.identity) from roles as g join sign_in_identities as i using (person_id)
            where g.role = 'coach' and g.person_id not in (select person_id from roles where role <> 'coach')
        """).fetchone()[0]
        sign_ins = con.execute("select count(*) from audit_log where action = 'sign in'").fetchone()[0]
    finally:
        con.close()
    return lead, sign_ins, coach


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_sign_in_and_sign_out_with_openid_connect(database, browser, tmp_path):
    (lead_email, lead_name), _, coach = people(database)
    users = [User(sub="lead-subject", claims={"email": lead_email, "name": lead_name}),
             User(sub="stranger-subject", claims={"email": "stranger@example.org"})]
    port = free_port()
    with run_server_in_thread(user_claims=users) as provider:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-long-random-cookie-secret-for-tests-only"\n'
            'client_id = "dashboard"\nclient_secret = "dashboard-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n')
        with dashboard_server(database, port=port, args=["--secrets.files", str(secrets)]) as url:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            wait_for_script(page)
            assert page.locator(".js-plotly-plot").count() == 0
            page.get_by_role("button", name="Sign in").click()
            # The provider's authorization page: choose the predefined user.
            page.get_by_role("button", name="lead-subject").click()
            page.wait_for_url(f"{url}/**")
            wait_for_script(page)
            expect(page.get_by_text(f"Signed in as {lead_name}")).to_be_visible()
            expect(page.get_by_role("heading", name="Committee meeting")).to_be_visible()
            page.get_by_role("link", name="Resident progression").click()
            wait_for_script(page)
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)  # the open tab's charts
            assert page.get_by_text("Demo mode").count() == 0

            page.get_by_role("button", name="Sign out").click()
            # The dashboard ends the session at the provider too, which asks to confirm.
            page.get_by_role("button", name="End session").click()
            page.wait_for_url(f"{url}/**")
            wait_for_script(page)
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            assert page.locator(".js-plotly-plot").count() == 0

            # An account the dashboard does not know is told so and sees nothing.
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="stranger-subject").click()
            page.wait_for_url(f"{url}/**")
            wait_for_script(page)
            expect(page.get_by_text("no one has given this account access")).to_be_visible()
            assert page.locator(".js-plotly-plot").count() == 0
    _, sign_ins, _ = people(database)
    assert sign_ins == 1


def test_trusted_header_mode(database, browser):
    (lead_email, lead_name), _, coach = people(database)
    with dashboard_server(database, env=PROXY_SIGN_IN) as url:
        context = browser.new_context(extra_http_headers={"X-Forwarded-Email": lead_email})
        page = context.new_page()
        page.goto(url)
        wait_for_script(page)
        expect(page.get_by_text(f"Signed in as {lead_name}")).to_be_visible()
        context.close()
        # A coach typing the administrators' page addresses gets their own page, not those.
        context = browser.new_context(extra_http_headers={"X-Forwarded-Email": coach})
        page = context.new_page()
        for path, title in (("access", "People and access"), ("audit", "Audit trail")):
            page.goto(f"{url}/{path}")
            wait_for_script(page)
            expect(page.get_by_text("EPAs achieved against the assessment plan")).to_be_visible()
            expect(page.get_by_text(f"The page “{title}” is not open to your roles")).to_be_visible()
            assert page.get_by_role("heading", name=title).count() == 0
            assert page.get_by_text("Page not found").count() == 0
        context.close()
        anonymous = browser.new_page()
        anonymous.goto(url)
        wait_for_script(anonymous)
        expect(anonymous.get_by_text("did not say who you are")).to_be_visible()


def test_sessions_arriving_together_on_a_fresh_server_each_get_their_page(database, browser):
    # Several first runs of a server process at the same moment each go through the frame.
    (lead_email, lead_name), _, _ = people(database)
    with dashboard_server(database, env=PROXY_SIGN_IN) as url:
        context = browser.new_context(extra_http_headers={"X-Forwarded-Email": lead_email})
        pages = [context.new_page() for _ in range(4)]
        for page in pages:
            page.goto(f"{url}/resident", wait_until="commit")
        for page in pages:
            wait_for_script(page)
            expect(page.get_by_text(f"Signed in as {lead_name}")).to_be_visible()
            expect(page.get_by_text("EPAs achieved against the assessment plan")).to_be_visible()
        context.close()


def test_every_page_opens_at_its_own_address(database, browser):
    """Each page's link works for whoever may open it (signed in by the trusted header), and the app's
    root opens the viewer's first page under that page's address."""
    con = db.connect(database)
    try:
        person = dict(con.execute("""
            select g.role, min(i.identity) from roles as g join sign_in_identities as i using (person_id)
            where g.role in ('program_lead', 'admin') group by g.role""").fetchall())
    finally:
        con.close()
    _, _, coach = people(database)
    header = "X-Forwarded-Email"
    pages = {person["program_lead"]: [("meeting", "Committee meeting"), ("resident", "Resident"),
                                      ("oversight", "Program oversight")],
             coach: [("resident", "Resident"), ("coaching", "My coachees")],
             person["admin"]: [("access", "People and access"), ("imports", "Imports"), ("audit", "Audit trail")]}
    with dashboard_server(database, env=PROXY_SIGN_IN) as url:
        for identity, paths in pages.items():
            context = browser.new_context(extra_http_headers={header: identity})
            page = context.new_page()
            page.goto(url)
            wait_for_script(page)
            expect(page).to_have_url(re.compile(f"^{re.escape(url)}/{paths[0][0]}([?].*)?$"))
            for path, shown in paths:
                page.goto(f"{url}/{path}")
                wait_for_script(page)
                expect(page.get_by_test_id("stMain").get_by_text(shown).first).to_be_visible()
                assert page.get_by_text("Page not found").count() == 0, path
                assert page.url.split("?")[0] == f"{url}/{path}"
            context.close()
