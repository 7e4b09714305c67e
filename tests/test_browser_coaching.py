"""Coaching journeys in a real browser, signed in through the trusted-header mode: a program lead
finds the overdue coaches; a coach logs a session and the lead then sees the pair no longer overdue."""

import re
import shutil

from playwright.sync_api import expect, sync_playwright

from cbme.store import db
from tests.conftest import DEMO_END
from tests.server import CHROMIUM_FLAGS, PROXY_SIGN_IN, chromium_path, dashboard_server, wait_for_script


def identities(database):
    """The program lead's sign-in, and the coach and coachee of the most overdue pair."""
    con = db.connect(database)
    try:
        lead_id, lead = con.execute("""select g.person_id, min(i.identity) from roles as g
                                       join sign_in_identities as i using (person_id)
                                       where g.role = 'program_lead' group by g.person_id""").fetchone()
        pairs = db.query(con, "coaching_pairs", resident_id="",
                         viewer=lead_id, program_id="EM", as_of=DEMO_END, cadence_days=60,
                         coach_id="")
        worst = pairs.iloc[0]  # ordered by days overdue
        coach = con.execute("select min(identity) from sign_in_identities where person_id = $p",
                            {"p": worst["coach_id"]}).fetchone()[0]
    finally:
        con.close()
    return lead, coach, worst["resident_id"], worst["days_overdue"]


def overdue_count(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Overdue").first
    return int(re.search(r"(\d+)\s*$", metric.inner_text()).group(1))


def test_lead_finds_overdue_coaches_and_a_logged_session_clears_one(demo_database, tmp_path):
    database = tmp_path / "coaching.duckdb"
    shutil.copy(demo_database, database)
    lead, coach, coachee, days_overdue = identities(database)
    assert days_overdue > 0
    header = "X-Forwarded-Email"
    with dashboard_server(database, env=PROXY_SIGN_IN) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        as_lead = browser.new_context(extra_http_headers={header: lead}, viewport={"width": 1400, "height": 1100})
        page = as_lead.new_page()
        page.goto(f"{url}/oversight?as_of={DEMO_END.isoformat()}")
        wait_for_script(page)
        coaches_line = page.locator('[data-testid="stText"]').filter(has_text="Coaches with overdue coachees")
        expect(coaches_line).to_be_visible()
        assert coaches_line.inner_text().count("(") >= 2  # at least two coaches have overdue coachees
        before = overdue_count(page)
        assert before >= 2

        as_coach = browser.new_context(extra_http_headers={header: coach}, viewport={"width": 1400, "height": 1100})
        coach_page = as_coach.new_page()
        coach_page.goto(f"{url}/coaching?as_of={DEMO_END.isoformat()}&coachee={coachee}")
        wait_for_script(coach_page)
        expect(coach_page.get_by_text("Coaching overdue.")).to_be_visible()
        form = coach_page.locator('[data-testid="stForm"]')
        happened = form.get_by_label("What happened")  # never assumed: chosen
        happened.click()
        happened.press_sequentially("held")  # typing opens the list even when the click's opening is lost
        coach_page.get_by_role("option", name="held", exact=True).click()
        form.get_by_label("Strengths").fill("Clear plan for the night shift.")
        form.get_by_label("Areas for improvement").fill("Delegate tasks by name during resuscitations.")
        form.get_by_role("button", name=re.compile("^Log the session with ")).click()
        wait_for_script(coach_page)
        expect(coach_page.get_by_text(f"Session of {DEMO_END.isoformat()} logged (held).")).to_be_visible()
        expect(coach_page.get_by_text("Coaching on track.")).to_be_visible()

        page.reload()
        wait_for_script(page)
        expect(page.locator('[data-testid="stMetric"]').filter(has_text="Overdue").first).to_be_visible()
        assert overdue_count(page) == before - 1

        page.get_by_role("tab", name="Competency board").click()  # built when opened, named in the link
        wait_for_script(page)
        expect(page.locator(".js-plotly-plot .main-svg").first).to_be_attached()
        expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
        assert "oversight_section=Competency+board" in page.url
        browser.close()
