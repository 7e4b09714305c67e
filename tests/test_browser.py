"""Key journeys in a real browser: Debian's Chromium driven by Playwright against a served dashboard."""

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from cbme.store import db
from tests.conftest import DEMO_END
from tests.server import CHROMIUM_FLAGS, chromium_path, dashboard_server, wait_for_script

PAYLOAD = '<img src=x onerror="window.injected=1"><b>bold</b> **stars** [link](https://example.org)'
NAME = 'Dr. <i>Italic</i> **Stars** :red[Red] [x](https://example.org/name)'
RESIDENT = "Jo <script>window.injected=2</script> _Under_ [y](https://example.org/resident)"


@pytest.fixture(scope="module")
def served(demo_database, tmp_path_factory):
    # The server process needs its own copy: DuckDB lets one process at a time write a database file.
    copy = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    shutil.copy(demo_database, copy)
    con = db.connect(copy)
    struggling = con.execute("""
        select d.resident_id, r.name from committee_decisions as d join residents as r using (resident_id)
        where d.status = 'Not progressing as expected' order by d.meeting_date desc, d.resident_id limit 1
    """).fetchone()
    # A resident's name, a narrative and an assessor's name carrying markup, as a hostile or careless
    # export could: all must show as text.
    con.execute("update residents set name = $name where resident_id = $r", {"name": RESIDENT, "r": struggling[0]})
    struggling = (struggling[0], RESIDENT)
    con.execute("insert into people (person_id, name) values ('markup-person', $name)", {"name": NAME})
    con.execute("""
        insert into assessments (assessment_id, resident_id, assessor_id, assessor_role, form_type,
            assessment_date, directly_observed, stakes, strengths, expired)
        values ('markup-1', $resident, 'markup-person', 'faculty', 'field_note', $day, false, 'low', $payload, false)
    """, {"day": DEMO_END, "payload": PAYLOAD, "resident": struggling[0]})
    con.close()
    log = copy.with_name("server.log")
    with dashboard_server(copy, log_path=log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield dict(url=url, browser=browser, struggling=struggling, log=log)
        browser.close()


def expect_charts_drawn(page, count: int) -> None:
    """count plotly charts on the page, each with its SVG layers and at least one trace drawn."""
    charts = page.locator(".js-plotly-plot")
    expect(charts).to_have_count(count, timeout=30_000)
    for i in range(count):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
        assert charts.nth(i).locator(".trace, .barlayer .point, .scatterlayer .trace").count() > 0


def test_deep_link_renders_the_resident_and_every_tab_with_its_charts(served):
    resident_id, name = served["struggling"]
    page = served["browser"].new_page(viewport={"width": 1280, "height": 1000})
    errors, elsewhere = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A hospital network may reach nothing outside: the page asks only its own server for anything.
    page.on("request", lambda request: None if request.url.startswith((served["url"], "data:"))
            else elsewhere.append(request.url))
    page.goto(f"{served['url']}/resident?resident={resident_id}&as_of={DEMO_END.isoformat()}")
    wait_for_script(page)
    expect(page.locator(".facts .value").first).to_have_text(name)
    expect_charts_drawn(page, 2)  # EPAs against the plan, entrustment over time: only the open tab is drawn
    tables = page.locator('[data-testid="stDataFrame"]')
    expect(tables).to_have_count(0)  # the plan details are built when opened
    page.get_by_text("Assessment plan details").click()
    wait_for_script(page)
    expect(tables).to_have_count(1)
    expect(tables.first).to_be_visible()
    for tab, charts, shown in (("Feedback opportunities", 1, "Assessments completed"),
                               ("Narrative feedback", 0, "comments, newest first"),
                               ("Coaching", 1, "Coaching "), ("Decision history", 0, "Recorded by")):
        page.get_by_role("tab", name=tab).click()
        wait_for_script(page)
        expect(page.get_by_text(shown).first).to_be_visible()
        expect_charts_drawn(page, charts)
        assert "section=" + tab.replace(" ", "+") in page.url  # a link reopens the same tab
        expect(page.locator(".facts .value").first).to_have_text(name)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "resident=" + resident_id in page.url
    assert not errors and not elsewhere


def test_narratives_render_as_text_not_markup(served):
    page = served["browser"].new_page(viewport={"width": 1280, "height": 1000})
    resident_id, _ = served["struggling"]
    page.goto(f"{served['url']}/resident?resident={resident_id}&as_of={DEMO_END.isoformat()}"
              "&section=Narrative+feedback")
    wait_for_script(page)
    # (The status box lists the resident's flagged comments first; the payload is in the Narrative tab.)
    newest = page.locator(".narrative .strengths", has_text="onerror").first
    expect(newest).to_have_text(f"Strengths: {PAYLOAD}")
    assert page.evaluate("window.injected") is None
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("img[src='x']").count() == 0
    assert main.locator("a[href='https://example.org']").count() == 0
    assert main.locator("b", has_text="bold").count() == 0
    header = page.locator(".narrative .about").filter(has_text="Italic").first
    expect(header).to_contain_text(NAME)
    assert main.locator("i, em", has_text="Italic").count() == 0
    assert main.locator("a[href='https://example.org/name']").count() == 0
    assert page.locator("a[href='https://example.org/resident']").count() == 0
    assert page.locator("em", has_text="Under").count() == 0


def test_server_log_holds_no_names_or_narratives(served):
    """Runs last in this module: after the journeys above, the server's own output names no resident
    and quotes no narrative."""
    log = served["log"].read_text()
    assert "Local URL" in log or "You can now view" in log  # the log is the server's
    for secret in (RESIDENT, "Jo <script>", PAYLOAD, "bold", "Rotation summary", "Strengths:"):
        assert secret not in log


@pytest.mark.parametrize("database", ["missing", "damaged"])
def test_a_database_that_cannot_open_is_named_and_nothing_else_is_offered(database, tmp_path, served):
    path = tmp_path / "dashboard.duckdb"
    if database == "damaged":
        path.write_bytes(b"not a database at all" * 100)
    with dashboard_server(path) as url:
        for address in ("", "meeting"):
            page = served["browser"].new_page()
            page.goto(f"{url}/{address}")
            wait_for_script(page)
            said = ("There is no database file dashboard.duckdb where CBME_DATABASE points" if database == "missing"
                    else "The database file dashboard.duckdb cannot be opened: it is damaged")
            expect(page.get_by_test_id("stAlert").filter(has_text=said)).to_be_visible()
            # No page is listed and no "page not found".
            assert page.get_by_test_id("stSidebarNav").count() == 0
            assert page.get_by_text("Page not found").count() == 0
            assert page.get_by_test_id("stException").count() == 0
            page.close()
    assert path.exists() == (database == "damaged")
