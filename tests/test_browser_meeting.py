"""The meeting in a real browser: a decision lands on the resident it was made for, whatever the
committee member does between residents; members follow the chair and see each decision at once;
the chair is recused from their own coachee."""

import contextlib
import re
import shutil

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from cbme.app.browser import CHROMIUM_FLAGS, chromium_path
from cbme.store import db
from tests.server import dashboard_server, download, script_run, wait_for_script

MEETING = "2026-12-15"  # the demo's next scheduled meeting after its last day (tests.conftest.DEMO_END)


@pytest.fixture
def served(demo_database, tmp_path):
    """start(): a served copy of the demo and a browser, as a context manager; the database file can be
    read once it has ended (the server holds it while it runs)."""
    database = tmp_path / "meeting.duckdb"
    shutil.copy(demo_database, database)

    @contextlib.contextmanager
    def start():
        with dashboard_server(database) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            yield dict(url=url, browser=browser)
            browser.close()

    start.database = database
    return start


def open_as(browser, user: str, path: str):
    """A new browser session (its own context) viewing the dashboard as the demo user."""
    page = browser["browser"].new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True).new_page()
    page.goto(f"{browser['url']}/{path}")
    wait_for_script(page)
    page.get_by_label("Viewing as (demo user)").click()
    page.get_by_role("option", name=user).click()
    wait_for_script(page)
    return page


def main(page):
    return page.get_by_test_id("stMain")


def present_first(page):
    main(page).get_by_role("button", name="Present ").click()
    expect(page).to_have_url(re.compile("/resident"))
    wait_for_script(page)
    expect(main(page).get_by_text("resident 1 of")).to_be_visible()


def facts(page):
    """The resident header's first value: the name of the resident shown."""
    return page.locator(".facts .value").first


def shown_name(page) -> str:
    return facts(page).inner_text()


def fill_decision(page, status: str, action: str, rationale: str) -> None:
    """Choose a status and an action, answer every follow-up of the last decision, write a rationale."""
    area = main(page)
    # (just after a step the previous resident's form can still be drawn beside this one's: wait it out)
    expect(area.get_by_role("radiogroup", name="Status")).to_have_count(1)
    with script_run(page):
        area.get_by_role("radiogroup", name="Status").get_by_text(status, exact=True).click()
    actions = area.get_by_label("Actions")
    actions.click()
    actions.press_sequentially(action)  # typing opens the list even when the click's opening is lost
    with script_run(page):
        page.get_by_role("option", name=action, exact=True).click()
    page.keyboard.press("Escape")
    done = area.get_by_role("radio", name="done", exact=True)  # each follow-up is a segmented control
    for i in range(done.count()):
        with script_run(page):
            done.nth(i).click()
    area.get_by_label(re.compile("^Rationale")).fill(rationale)
    with script_run(page):
        area.get_by_label(re.compile("^Rationale")).press("Tab")


def expect_empty_form(page) -> None:
    area = main(page)
    expect(area.get_by_role("radiogroup", name="Status").get_by_role("radio", checked=True)).to_have_count(0)
    expect(area.get_by_label(re.compile("^Rationale"))).to_have_value("")


def save(page, name: str) -> None:
    with script_run(page):
        main(page).get_by_role("button", name=f"Save the decision for {name}").click()
    expect(main(page).get_by_text(re.compile(f"Decision for {re.escape(name)} saved"))).to_be_visible()


def step(page, button: str) -> None:
    """Previous or Next, to a resident shown once the header has changed (it is drawn a moment after the
    script ends)."""
    before = shown_name(page)
    with script_run(page):
        main(page).get_by_role("button", name=button, exact=True).click()
    expect(facts(page)).not_to_have_text(before)


def decisions(database) -> list[tuple]:
    con = db.connect(database, read_only=True)
    try:
        return con.execute("select r.name, d.status, d.rationale from committee_decisions as d join residents as r "
                           "using (resident_id) where d.meeting_date = $m order by r.name", {"m": MEETING}).fetchall()
    finally:
        con.close()


def test_a_decision_lands_on_the_resident_it_was_made_for(served, tmp_path):
    with served() as browser:
        page = open_as(browser, "Committee member", f"meeting?as_of={MEETING}")
        on_agenda = int(main(page).get_by_test_id("stMetricValue").first.inner_text())
        exported = pd.read_csv(download(page, "Agenda with statuses and decisions (CSV)", tmp_path))
        assert len(exported) == on_agenda and exported.at[0, "status"] == "Red"
        present_first(page)
        first = shown_name(page)

        # Resident A: a decision begun, then Next without saving. The dashboard asks; it is discarded.
        fill_decision(page, "Not progressing as expected", "modify learning plan", "Typed for the first resident only.")
        main(page).get_by_role("button", name="Next", exact=True).click()
        wait_for_script(page)
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text(f"The decision for {first} is not saved.")
        dialog.get_by_role("button", name=re.compile("^Discard it and open ")).click()
        wait_for_script(page)
        expect(main(page).get_by_text("resident 2 of")).to_be_visible()
        expect(facts(page)).not_to_have_text(first)
        second = shown_name(page)
        expect_empty_form(page)  # nothing of A's shows on B

        # Resident B: an empty save stores nothing; then B is decided.
        main(page).get_by_role("button", name=f"Save the decision for {second}").click()
        wait_for_script(page)
        expect(main(page).get_by_text("Choose a status.")).to_be_visible()
        expect(main(page).get_by_text(f"0 of {on_agenda} decided")).to_be_visible()
        fill_decision(page, "Progressing as expected", "monitor", "Decided for the second resident.")
        save(page, second)

        # Back to A: nothing of B's, and A's discarded draft is gone; A is decided now.
        step(page, "Previous")
        expect(main(page).get_by_text("resident 1 of")).to_be_visible()
        expect(facts(page)).to_have_text(first)
        expect_empty_form(page)
        fill_decision(page, "Not progressing as expected", "modify learning plan", "Decided for the first resident.")
        save(page, first)
        expect(main(page).get_by_text(f"2 of {on_agenda} decided")).to_be_visible()

        # After a reload (a new session), A's history has the minutes.
        page.reload()
        wait_for_script(page)
        page.get_by_role("tab", name="Decision history").click()
        wait_for_script(page)
        history = main(page).get_by_role("tabpanel")
        expect(history.locator('[data-testid="stText"]').filter(has_text="Decided for the first resident.")
               ).to_have_count(1)
        # The form shows the decision in force, with its minutes, above the form to amend it.
        expect(main(page).get_by_text("Amend the decision for")).to_be_visible()
    assert decisions(served.database) == sorted([
        (first, "Not progressing as expected", "Decided for the first resident."),
        (second, "Progressing as expected", "Decided for the second resident.")])


def test_members_follow_the_chair_and_see_each_decision_at_once(served):
    con = db.connect(served.database, read_only=True)
    chair_id = con.execute("select person_id from roles where role = 'committee_chair'").fetchone()[0]
    coachees = {r[0] for r in con.execute("select r.name from coach_assignments as a join residents as r "
                                          "using (resident_id) where a.coach_id = $c and a.end_date is null",
                                          {"c": chair_id}).fetchall()}
    con.close()
    with served() as browser:
        chair = open_as(browser, "Committee chair", f"meeting?as_of={MEETING}")
        member = open_as(browser, "Committee member", f"meeting?as_of={MEETING}")
        expect(main(member).get_by_role("button", name="Follow the chair")).to_be_disabled()  # not presenting yet

        present_first(chair)
        expect(main(chair).get_by_text("You are presenting")).to_be_visible()
        step(chair, "Next")
        step(chair, "Next")
        expect(main(chair).get_by_text("resident 3 of")).to_be_visible()
        presented = shown_name(chair)
        member.reload()  # (the agenda page learns that the chair presents)
        wait_for_script(member)
        main(member).get_by_role("button", name="Follow the chair").click()
        expect(member).to_have_url(re.compile("/resident"))
        wait_for_script(member)
        expect(facts(member)).to_have_text(presented)
        expect(member.get_by_role("switch", name="Follow the chair")).to_be_checked()
        step(chair, "Next")
        presented = shown_name(chair)
        # The member's screen moves to the chair's resident within a few seconds, without a click.
        expect(facts(member)).to_have_text(presented, timeout=20_000)
        expect(main(member).get_by_text("resident 4 of")).to_be_visible()

        # The chair steps on to a coachee of theirs: recused there, with no form; the member records it.
        for _ in range(60):
            if shown_name(chair) in coachees:
                break
            step(chair, "Next")
        coachee = shown_name(chair)
        assert coachee in coachees
        expect(main(chair).get_by_text("you are recused from this decision")).to_be_visible()
        expect(main(chair).get_by_role("button", name=re.compile("^Save the decision"))).to_have_count(0)
        expect(facts(member)).to_have_text(coachee, timeout=20_000)
        expect(main(member).get_by_text(re.compile("^Recused: "))).to_be_visible()
        fill_decision(member, "Not progressing as expected", "monitor", "Recorded while the chair was recused.")
        save(member, coachee)
        # The chair's screen shows the member's decision within seconds, without a reload.
        expect(main(chair).get_by_text("Decision at this meeting: Not progressing as expected")).to_be_visible(
            timeout=20_000)

        # The chair's agenda shows each decision as it is saved, without a reload.
        main(chair).get_by_role("button", name="Agenda", exact=True).click()
        expect(chair).to_have_url(re.compile("/meeting"))
        wait_for_script(chair)
        decided = chair.get_by_test_id("stMetric").filter(has_text="Decided")
        expect(decided).to_contain_text("1 of")
        step(member, "Next")  # stepping alone stops following the chair
        expect(member.get_by_role("switch", name="Follow the chair")).not_to_be_checked()
        second = shown_name(member)
        fill_decision(member, "Progressing as expected", "monitor", "A second decision while the agenda is open.")
        save(member, second)
        expect(decided).to_contain_text("2 of", timeout=20_000)  # refreshed by itself within seconds
    recorded = decisions(served.database)
    assert (coachee, "Not progressing as expected", "Recorded while the chair was recused.") in recorded
    assert len(recorded) == 2
    con = db.connect(served.database, read_only=True)
    assert con.execute("select list_contains(members_recused, $c) from committee_decisions as d join residents "
                       "as r using (resident_id) where r.name = $n", {"c": chair_id, "n": coachee}).fetchone()[0]
    con.close()
