"""Two dashboard instances (two server processes) on one PostgreSQL database, as docs/deployment.md runs
them: a decision saved in one is seen in the other on its next interaction; two saved at the same
moment on the same resident from both are both kept; an import killed with kill -9 in one leaves the
database as it was while the other keeps serving."""

import contextlib
import re
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from playwright.sync_api import expect, sync_playwright

from cbme.store import db, postgres
from cbme.store.load import load_canonical
from tests.conftest import FIXTURES
from tests.server import CHROMIUM_FLAGS, PROXY_SIGN_IN, chromium_path, dashboard_server, script_run, wait_for_script
from tests.test_browser_meeting import MEETING, fill_decision, main, open_as, present_first, save, shown_name, step
from tests.test_importer import HEADER

pytestmark = pytest.mark.postgres


@contextlib.contextmanager
def two_instances(url: str, env: dict | None = None):
    """Two servers on the shared database and a browser: (first's URL, second's URL, browser, processes)."""
    processes = []
    with dashboard_server(url, env=env, started=processes) as first, \
            dashboard_server(url, env=env, started=processes) as second, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield first, second, browser, processes
        browser.close()


def stored(url: str, sql: str, **params) -> list[tuple]:
    con = db.connect(url)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_a_meeting_held_on_two_instances(postgres_url, demo_database):
    """The demo moved into PostgreSQL with the administrator's command, then one member on each instance."""
    moved = subprocess.run([sys.executable, "-m", "cbme.admin", "move", str(demo_database), "--database",
                            postgres_url], capture_output=True, text=True)
    assert moved.returncode == 0, moved.stderr
    assert re.match(r"Copied 48 residents and \d+ assessments from ", moved.stdout)
    with two_instances(postgres_url) as (first, second, browser, _):
        one = open_as(dict(url=first, browser=browser), "Committee member", f"meeting?as_of={MEETING}")
        other = open_as(dict(url=second, browser=browser), "Committee member", f"meeting?as_of={MEETING}")
        present_first(one)
        present_first(other)
        name = shown_name(one)
        assert shown_name(other) == name

        # Saved on the first; the second, open on the same resident, shows it on its next step.
        fill_decision(one, "Not progressing as expected", "modify learning plan", "Saved on the first instance.")
        save(one, name)
        step(other, "Next")
        step(other, "Previous")
        expect(main(other).get_by_text(f"Amend the decision for {name}")).to_be_visible()
        other.get_by_role("tab", name="Decision history").click()
        expect(main(other).get_by_text("Saved on the first instance.")).to_be_visible()

        # The next resident, decided on both at the same moment: both saves are kept, as two versions.
        step(one, "Next")
        step(other, "Next")
        second_name = shown_name(one)
        assert shown_name(other) == second_name
        fill_decision(one, "Progressing as expected", "monitor", "From the first instance.")
        fill_decision(other, "Progressing as expected", "monitor", "From the second instance.")
        with script_run(one), script_run(other):
            for page in (one, other):
                main(page).get_by_role("button", name=f"Save the decision for {second_name}").click()
        said = [f"Decision for {re.escape(second_name)} saved",
                "Another member saved a decision at the same moment: both are kept"]
        for page in (one, other):
            expect(main(page).get_by_text(re.compile("|".join(said))).first).to_be_visible()
        # the one saved second says so
        assert sum(main(page).get_by_text(re.compile(said[1])).count() for page in (one, other)) == 1
    kept = stored(postgres_url, "select d.version, d.rationale from store.committee_decisions as d "
                  "join store.residents as r using (resident_id) where r.name = $name and d.meeting_date = $m "
                  "order by d.version", name=second_name, m=MEETING)
    assert [version for version, _ in kept] == [1, 2]
    assert {rationale for _, rationale in kept} == {"From the first instance.", "From the second instance."}


def copying_assessments(url: str) -> bool:
    """Whether a process is writing assessments into the shared database now (asked through the extension
    alone: a dashboard's connection would copy the tables)."""
    con = duckdb.connect()
    try:
        con.execute(f"load '{postgres.EXTENSION}'")
        con.execute(f"attach '{url}' as {postgres.STORE} (type postgres)")
        return con.execute("select count(*) from postgres_query($store, $q)", {"store": postgres.STORE, "q": (
            "select pid from pg_stat_activity where state = 'active' "
            "and query like 'COPY \"public\".\"assessments\"%FROM STDIN%'")}).fetchone()[0] > 0
    finally:
        con.close()


def test_an_import_killed_in_one_instance_leaves_the_database_as_it_was(postgres_url, tmp_path):
    con = db.connect(postgres_url)
    load_canonical(con, FIXTURES / "tiny")
    con.close()
    counts = "select (select count(*) from store.assessments), (select count(*) from store.imports)"
    before = stored(postgres_url, counts)
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write(HEADER + "\n")
        for i in range(300_000):
            out.write(f"k{i},R1,A1,faculty,field_note,2026-05-01,,,no,low,Clinic,,Note {i}.,,,,no\n")
    with two_instances(postgres_url, env=PROXY_SIGN_IN) as (first, second, browser, processes):
        pages = []
        for url in (first, second):
            page = browser.new_context(extra_http_headers={"X-Forwarded-Email": "admin@example.org"},
                                       viewport={"width": 1400, "height": 1200}).new_page()
            page.goto(f"{url}/imports")
            wait_for_script(page)
            pages.append(page)
        pages[0].locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(big))
        wait_for_script(pages[0], timeout_ms=120_000)
        pages[0].get_by_role("button", name="Import into Tiny Program").click()
        deadline = time.monotonic() + 120
        while not copying_assessments(postgres_url):
            assert time.monotonic() < deadline, "the import never began writing"
            time.sleep(0.05)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait()
        assert stored(postgres_url, counts) == before
        # The other instance serves on, and writes: its import of a small file goes through.
        small = tmp_path / "small.csv"
        small.write_text(HEADER + "\nsmall1,R1,A1,faculty,field_note,2026-05-02,,,no,low,Clinic,,One note.,,,,no\n")
        pages[1].reload()
        wait_for_script(pages[1])
        pages[1].locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(small))
        wait_for_script(pages[1])
        pages[1].get_by_role("button", name="Import into Tiny Program").click()
        wait_for_script(pages[1])
        expect(pages[1].get_by_text(re.compile(r"1 rows? read = 1 loaded"))).to_be_visible()
    assert stored(postgres_url, counts) == [(before[0][0] + 1, before[0][1] + 1)]
