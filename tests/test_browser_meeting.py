"""The meeting journey in a real browser: open the meeting, export its agenda, step to a red-status
resident, record a decision, and find it in the history after a reload."""

import shutil

import pandas as pd
from playwright.sync_api import expect, sync_playwright

from cbme import db
from tests.conftest import DEMO_END
from tests.server import CHROMIUM_FLAGS, chromium_path, dashboard_server, download, wait_for_script


def test_meeting_journey(demo_database, tmp_path):
    database = tmp_path / "meeting.duckdb"
    shutil.copy(demo_database, database)
    meeting = DEMO_END.isoformat()
    with dashboard_server(database) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        page.goto(f"{url}/meeting?as_of={meeting}")
        wait_for_script(page)
        page.get_by_label("Viewing as (demo user)").click()
        page.get_by_role("option", name="Committee member").click()
        wait_for_script(page)
        expect(page.get_by_role("heading", name="Committee meeting")).to_be_visible()

        # The agenda is ordered by concern: its first resident is red. Present it.
        present = page.get_by_role("button", name="Present ")
        name = present.inner_text().split("Present ")[-1].strip()  # after the icon's name
        on_agenda = int(page.get_by_test_id("stMetricValue").first.inner_text())

        # The agenda's export: the residents shown, in the same order.
        exported = pd.read_csv(download(page, "Agenda with statuses and decisions (CSV)", tmp_path))
        wait_for_script(page)
        assert len(exported) == on_agenda and (exported.at[0, "name"], exported.at[0, "status"]) == (name, "Red")
        present.click()
        wait_for_script(page)
        expect(page.get_by_text("resident 1 of")).to_be_visible()
        expect(page.get_by_text("Committee status on")).to_contain_text("Red")
        expect(page.locator(".facts .value").first).to_have_text(name)
        # The sidebar's demo user survived the switch to the resident page: the form is there.
        expect(page.get_by_role("button", name="Save decision")).to_be_visible()

        # Step forward and back again.
        page.get_by_role("button", name="Next", exact=True).click()
        wait_for_script(page)
        expect(page.get_by_text("resident 2 of")).to_be_visible()
        page.get_by_role("button", name="Previous", exact=True).click()
        wait_for_script(page)
        expect(page.get_by_text("resident 1 of")).to_be_visible()
        expect(page.locator(".facts .value").first).to_have_text(name)

        # Record the decision.
        form = page.locator('[data-testid="stForm"]')
        form.get_by_text("Not progressing as expected", exact=True).click()
        actions = form.get_by_label("Actions")
        actions.click()
        # Typing opens the list even when the click's opening is lost (seen on a loaded machine).
        actions.press_sequentially("modify learning")
        page.get_by_role("option", name="modify learning plan").click()
        page.keyboard.press("Escape")
        rationale = "Below the expected level on three core EPAs; learning plan revised with the coach."
        form.get_by_label("Rationale (required unless progressing as expected)").fill(rationale)
        form.get_by_role("button", name="Save decision").click()
        wait_for_script(page)
        expect(page.get_by_text("Decision saved (version 1).")).to_be_visible()

        # After a reload (a new session), the decision is in the history.
        page.reload()
        wait_for_script(page)
        expect(page.locator(".facts .value").first).to_have_text(name)
        page.get_by_role("tab", name="Decision history").click()
        wait_for_script(page)
        history = page.locator('[data-testid="stText"]').filter(has_text=rationale)
        expect(history).to_have_count(1)
        expect(page.get_by_text(f"{meeting} · Not progressing as expected").first).to_be_visible()
        browser.close()
    con = db.connect(database, read_only=True)
    assert con.execute("select count(*) from audit_log where action = 'export agenda'").fetchone() == (1,)
    con.close()
