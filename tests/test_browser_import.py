"""Uploading an export through the import page in a real browser, reading the reconciliation, and the
administrator's downloads."""

import shutil

import pandas as pd
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from cbme.imports import tables
from cbme.store import db
from tests.conftest import FIXTURES
from tests.server import CHROMIUM_FLAGS, PROXY_SIGN_IN, chromium_path, dashboard_server, download, wait_for_script


def test_upload_an_export_and_see_the_reconciliation(tiny_file, tmp_path):
    header = "X-Forwarded-Email"
    with dashboard_server(tiny_file, env=PROXY_SIGN_IN) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = browser.new_context(extra_http_headers={header: "admin@example.org"},
                                      viewport={"width": 1400, "height": 1200})
        page = context.new_page()
        page.goto(f"{url}/imports")
        wait_for_script(page)
        expect(page.get_by_role("heading", name="Imports")).to_be_visible()
        export = tmp_path / "elentra_export.csv"
        shutil.copy(FIXTURES / "imports" / "elentra_export.csv", export)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(export))
        wait_for_script(page)
        expect(page.get_by_text("Detected: Elentra assessment export · 7 rows")).to_be_visible()
        page.get_by_role("button", name="Import into Tiny Program").click()
        wait_for_script(page)
        expect(page.get_by_text("7 rows read = 3 loaded + 0 updated + 4 rejected + 0 duplicates skipped (7).")
               ).to_be_visible()
        expect(page.get_by_text("Created 1 new resident: Jordan New")).to_be_visible()
        expect(page.get_by_role("button", name="Download the rejected rows (CSV)")).to_be_visible()
        browser.close()
    con = db.connect(tiny_file)
    assert con.execute("select rows_read, rows_loaded, rows_rejected, imported_by from imports").fetchall() == [
        (7, 3, 4, "AD1")]
    con.close()


def test_template_and_audit_downloads_are_written_when_clicked(tiny_file, tmp_path):
    """Both files are made on the click (not on every run of the page): the workbook template opens as
    the canonical workbook, and the audit trail's export holds the events shown and is itself audited."""
    header = "X-Forwarded-Email"
    with dashboard_server(tiny_file, env=PROXY_SIGN_IN) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = browser.new_context(extra_http_headers={header: "admin@example.org"}, accept_downloads=True,
                                      viewport={"width": 1400, "height": 1200})
        page = context.new_page()
        page.goto(f"{url}/imports")
        wait_for_script(page)
        workbook = download(page, "Workbook template (XLSX)", tmp_path)
        page.goto(f"{url}/audit")
        wait_for_script(page)
        trail = download(page, "Download these events (CSV)", tmp_path)
        wait_for_script(page)
        browser.close()
    assert workbook.name == "dashboard-template.xlsx"
    assert load_workbook(workbook, read_only=True).sheetnames == list(tables())
    events = pd.read_csv(trail)
    assert trail.name == "audit-trail.csv" and "sign in" in set(events["action"])
    con = db.connect(tiny_file)
    assert con.execute("select count(*) from audit_log where action = 'export audit trail' and actor_id = 'AD1'"
                       ).fetchone() == (1,)
    con.close()


def test_a_scheduled_import_through_the_inbox_while_the_dashboard_serves(tiny_file, tmp_path):
    """The dashboard holds the database and nobody has opened a page since it started (as after a
    restart at night): the command line hands the file to it through the inbox, with the date order it
    was given, and prints the result the dashboard wrote, with the command line's exit status."""
    import os
    import subprocess
    import sys

    export = tmp_path / "elentra_export.csv"
    shutil.copy(FIXTURES / "imports" / "elentra_export.csv", export)
    env = {"CBME_INBOX": str(tmp_path / "inbox")}
    with dashboard_server(tiny_file, env=env):
        done = subprocess.run([sys.executable, "-m", "cbme.imports", str(export), "--program", "P1", "--database",
                               str(tiny_file), "--date-order", "day-first", "--inbox-wait", "60"],
                              capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert done.returncode == 1, done.stderr
    # 05/06/2026, refused when nothing tells its order, is read as 5 June: 4 loaded, 3 rejected.
    assert "rows read 7 = loaded 4 + updated 0 + rejected 3 + duplicates skipped 0" in done.stdout
    assert "exit status 1" in done.stdout
    assert (tmp_path / "inbox" / "P1" / "done" / "elentra_export.csv").exists()
    assert not list((tmp_path / "inbox" / "P1").glob("*.options.json"))
    con = db.connect(tiny_file)
    assert con.execute("select rows_loaded, imported_by like '%(command line)' from imports").fetchall() == [
        (4, True)]
    con.close()
