"""The attacks tried against the dashboard, replayed in a real browser against the running server
(docs/security.md lists them and what each must get):

- imported and typed text carrying Markdown, HTML and formulas, shown on every page and in the packet:
  no request ever reaches the attacker's host (a beacon), no markup renders, no download holds a cell
  a spreadsheet would run;
- every page's address opened by a role that may not open it, and every link naming a resident,
  coachee or program outside the viewer's scope: refused, nothing shown, and the refusal audited;
- injection strings in every text input: stored and searched as text, nothing else changes;
- an administrator giving themself a role or attaching their own sign-in to another person: refused;
- upload bombs (a zip bomb workbook, a CSV of a million columns): refused in seconds, memory bounded;
- the network: demo users and trusted-header sign-in refused from any other computer than their own.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect, sync_playwright

from cbme.store import db
from cbme.store.committee import assign_reviewers, write_reviewer_note
from cbme.store.decisions import Decision, record_decision
from tests.conftest import AS_OF
from tests.server import (
    CHROMIUM_FLAGS,
    HEADER,
    PROXY_SIGN_IN,
    chromium_path,
    dashboard_server,
    download,
    free_port,
    wait_for_script,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INJECTIONS = ["'; drop table assessments; --", "\" or 1=1 --", "%' union select * from audit_log --", "$viewer"]


class Beacon:
    """An attacker's web server on loopback: counts every request, from the browser or the server."""

    def __init__(self):
        self.hits: list[str] = []
        beacon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                beacon.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def payloads(url: str) -> dict[str, str]:
    """Hostile text an export or a user could bring, each pointing at the beacon."""
    return {
        "resident": f"Avery ![i]({url}/resident.png) [l]({url}/link) <img src='{url}/html.png'> :red[x] $x$",
        "formula_resident": f'=HYPERLINK("{url}/formula","open")',
        "assessor": f"Dr. <b>Bold</b> ![a]({url}/assessor.png)",
        "title": f"Resuscitation ![t]({url}/title.png) <script>fetch('{url}/script')</script>",
        "program": f"Tiny ![p]({url}/program.png)",
        "comment": f"+cmd|' /C calc'!A0 ![c]({url}/comment.png) <iframe src='{url}/frame'></iframe>",
        "coach": f"@Coach ![k]({url}/coach.png)",
    }


@pytest.fixture(scope="module")
def attacked(tiny_path_factory):
    """The tiny program, with hostile text everywhere an export or a user can put it."""
    beacon = Beacon()
    path = tiny_path_factory()
    text = payloads(beacon.url)
    con = db.connect(path)
    con.execute("update residents set name = $n where resident_id = 'R1'", {"n": text["resident"]})
    con.execute("update residents set name = $n where resident_id = 'R2'", {"n": text["formula_resident"]})
    con.execute("update people set name = $n where person_id = 'A1'", {"n": text["assessor"]})
    con.execute("update people set name = $n where person_id = 'C1'", {"n": text["coach"]})
    con.execute("update epas set title = $t where epa_code = 'E2'", {"t": text["title"]})
    con.execute("update programs set name = $n where program_id = 'P1'", {"n": text["program"]})
    con.execute("update assessments set strengths = $c where assessment_id = 'a02'", {"c": text["comment"]})
    assign_reviewers(con, "L1", "P1", AS_OF, {"R1": ("M1", None), "R2": ("M1", None)})
    write_reviewer_note(con, "M1", "P1", AS_OF, "R1", text["comment"])
    record_decision(con, "M1", Decision("R2", AS_OF, "Not progressing as expected", ["monitor"], text["comment"],
                                        members_present=("M1",)), based_on_version=None)
    con.close()
    yield dict(path=path, beacon=beacon, text=text)
    beacon.close()


@pytest.fixture(scope="module")
def tiny_path_factory(tmp_path_factory):
    from cbme.store.load import load_canonical
    from tests.conftest import FIXTURES

    def make() -> Path:
        path = tmp_path_factory.mktemp("security") / "tiny.duckdb"
        con = db.connect(path)
        load_canonical(con, FIXTURES / "tiny")
        con.close()
        return path

    return make


@contextlib.contextmanager
def served(database: Path, **server_args):
    """The dashboard running on the database, and a headless Chromium to visit it."""
    with dashboard_server(database, **server_args) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield url, browser
        finally:
            browser.close()


def signed_in(browser, url: str, email: str):
    return browser.new_context(extra_http_headers={HEADER: email}, viewport={"width": 1300, "height": 2600},
                               accept_downloads=True).new_page()


def visit(page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    wait_for_script(page)
    page.wait_for_timeout(300)  # (st.html elements are drawn a moment after the script ends)


def assert_no_markup(page, beacon_url: str) -> None:
    """Nothing on the page came from the payloads as markup: no image, link, frame or bold of theirs."""
    main = page.get_by_test_id("stMain")
    for selector in (f"img[src^='{beacon_url}']", f"a[href^='{beacon_url}']", f"iframe[src^='{beacon_url}']",
                     "b:text('Bold')", "strong:text('Bold')"):
        assert main.locator(selector).count() == 0, selector
    assert page.get_by_test_id("stException").count() == 0


def assert_spreadsheet_safe(path: Path) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    cells = [str(c) for c in table.columns] + [str(v) for v in table.to_numpy().ravel()]
    assert cells and not [c for c in cells if c.startswith(FORMULA_STARTS)], path.name


def test_hostile_text_never_renders_never_calls_out_and_never_runs_in_a_download(attacked, tmp_path):
    beacon, text = attacked["beacon"], attacked["text"]
    elsewhere = []
    with served(attacked["path"], env=PROXY_SIGN_IN) as (url, browser):
        as_of = f"as_of={AS_OF.isoformat()}"
        journeys = {
            "hale@example.org": [f"meeting?{as_of}&agenda=all", f"oversight?{as_of}"] + [
                f"oversight?{as_of}&oversight_section={tab}" for tab in
                ("Coaching+and+assessing+roles", "Feedback+mix", "Assessors+and+continuity", "Competency+board")] + [
                f"resident?{as_of}&resident={r}&meeting={AS_OF.isoformat()}&agenda=all&section={tab}"
                for r in ("R1", "R2") for tab in ("EPAs+and+entrustment", "Feedback+opportunities",
                                                   "Narrative+feedback", "Coaching", "Decision+history")],
            "pike@example.org": [f"resident?{as_of}&resident=R1&meeting={AS_OF.isoformat()}&agenda=all"],
            "chen@example.org": [f"coaching?{as_of}&coachee=R1", f"coaching?{as_of}&coachee=R2"],
            "admin@example.org": [f"access?{as_of}", f"audit?{as_of}", f"imports?{as_of}"],
        }
        for email, paths in journeys.items():
            page = signed_in(browser, url, email)
            page.on("request", lambda request: None if request.url.startswith((url, "data:", "blob:", "about:"))
                    else elsewhere.append(request.url))
            for path in paths:
                visit(page, url, path)
                assert_no_markup(page, beacon.url)
            if email == "hale@example.org":
                visit(page, url, f"meeting?{as_of}&agenda=all")
                assert_spreadsheet_safe(download(page, "Agenda with statuses and decisions (CSV)", tmp_path))
                page.get_by_role("button", name=re.compile("^Build the packet")).click()
                expect(page.get_by_role("button", name="Download the packet (HTML)")).to_be_visible(timeout=120_000)
                packet = download(page, "Download the packet (HTML)", tmp_path).read_text()
                # The payloads are in the packet as text (escaped), never as markup.
                assert "Avery ![i](" in packet and "&lt;img src=" in packet
                for markup in (f"<img src='{beacon.url}", "<iframe", "<script", "<b>Bold</b>"):
                    assert markup not in packet, markup
            if email == "admin@example.org":
                hostile = tmp_path / "[open](javascript:alert(1)) ![x](x.png) <b>Bold.csv"  # (no / in a name)
                hostile.write_text("Date,Resident Name,EPA,Observer Name,Observer Type,Rating,Type,Situation Context,"
                                   "Feedback,Professionalism Safety,EPA Expired\n"
                                   f"2026-05-04,{text['resident']},E2,=cmd|calc,Faculty,nonsense,Direct,,"
                                   "\"@SUM(A1)\",,No\n")
                page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(hostile))
                wait_for_script(page)
                assert_no_markup(page, beacon.url)
                if page.get_by_role("button", name=re.compile("^Import into")).count():
                    page.get_by_role("button", name=re.compile("^Import into")).click()
                    wait_for_script(page)
                    assert_spreadsheet_safe(download(page, "Download the rejected rows (CSV)", tmp_path))
                visit(page, url, f"audit?as_of={time.strftime('%Y-%m-%d')}")
                assert_spreadsheet_safe(download(page, "Download these events (CSV)", tmp_path))
            page.context.close()
    assert beacon.hits == [], beacon.hits  # not one request from a browser or from the server
    assert elsewhere == [], elsewhere


def test_roles_and_scope_cannot_be_reached_by_address_and_each_refusal_is_audited(tiny_path_factory):
    path = tiny_path_factory()
    refused = {  # who, what they asked for, a text that must not appear
        "ortiz@example.org": ["meeting", "oversight", "access", "imports", "audit"],  # a coach only
        "admin@example.org": ["meeting", "resident", "oversight", "coaching"],  # an administrator only
    }
    with served(path, env=PROXY_SIGN_IN) as (url, browser):
        for email, pages in refused.items():
            page = signed_in(browser, url, email)
            for name in pages:
                visit(page, url, f"{name}?as_of={AS_OF.isoformat()}")
                expect(page.get_by_text("is not open to your roles").first).to_be_visible()
                assert page.get_by_text("Avery Stone").count() == 0
        coach = signed_in(browser, url, "ortiz@example.org")  # C2 coached R2 until 2026-01-01: not R1, not P2
        for link in (f"resident?resident=R1&as_of={AS_OF}", f"coaching?coachee=R1&as_of={AS_OF}",
                     f"resident?program=P2&as_of={AS_OF}", "resident?resident=R3&as_of=2025-12-01"):
            visit(coach, url, link)
            assert coach.get_by_text("Avery Stone").count() == 0, link
            expect(coach.get_by_test_id("stAlert").first).to_be_visible()
        lead = signed_in(browser, url, "hale@example.org")
        visit(lead, url, f"resident?resident=R3&as_of={AS_OF}")  # another program's resident
        expect(lead.get_by_text("not available to you").first).to_be_visible()
    con = db.connect(path, read_only=True)
    audit = con.execute("select actor_id, action, detail from audit_log where action in ('refuse page', "
                        "'refuse link') order by event_id").fetchall()
    con.close()
    pages_refused = {(actor, re.search(r'"page": "(\w+)"', detail).group(1)) for actor, action, detail in audit
                     if action == "refuse page"}
    assert pages_refused == {("C2", name) for name in refused["ortiz@example.org"]} | {
        ("AD1", name) for name in refused["admin@example.org"]}
    links = [(actor, detail) for actor, action, detail in audit if action == "refuse link"]
    assert {(actor, re.search(r'"requested": "(\w+)"', d).group(1)) for actor, d in links} >= {
        ("C2", "R1"), ("C2", "P2"), ("L1", "R3")}


def test_injections_in_every_text_input_change_nothing(tiny_path_factory):
    path = tiny_path_factory()
    with served(path, env=PROXY_SIGN_IN) as (url, browser):
        lead = signed_in(browser, url, "hale@example.org")
        visit(lead, url, f"resident?resident=R1&as_of={AS_OF}&section=Narrative+feedback")
        admin = signed_in(browser, url, "admin@example.org")
        visit(admin, url, f"audit?as_of={AS_OF}")
        for attack in INJECTIONS:
            lead.get_by_label("Search the comments").fill(attack)
            lead.get_by_label("Search the comments").press("Enter")
            wait_for_script(lead)
            expect(lead.get_by_text(re.compile("^0 comments"))).to_be_visible()
            for field in ("Person", "Resident"):
                admin.get_by_test_id("stMain").get_by_label(field, exact=True).fill(attack)
                admin.get_by_test_id("stMain").get_by_label(field, exact=True).press("Enter")
                wait_for_script(admin)
            assert admin.get_by_test_id("stException").count() == 0
    con = db.connect(path, read_only=True)
    assert con.execute("select count(*) from assessments").fetchone() == (13,)
    con.close()


def test_an_administrator_cannot_give_themself_a_role_or_lend_their_sign_in(tiny_path_factory):
    path = tiny_path_factory()
    with served(path, env=PROXY_SIGN_IN) as (url, browser):
        admin = signed_in(browser, url, "admin@example.org")
        visit(admin, url, f"access?as_of={AS_OF}")
        main = admin.get_by_test_id("stMain")
        for label, typed, option in (("Person", "Ada Admin", "Dr. Ada Admin"), ("Role", "Program", "Program lead")):
            choice = main.get_by_label(label, exact=True).first
            choice.click()
            choice.press_sequentially(typed)  # typing opens the list even when the click's opening is lost
            admin.get_by_role("option", name=option).click()
        main.get_by_role("button", name="Ask for the role").click()
        wait_for_script(admin)
        expect(main.get_by_text("You cannot give yourself a role")).to_be_visible()
        main.get_by_role("tab", name="Sign-in identity").click()
        identity_form = main.get_by_test_id("stForm").filter(has_text="Email or subject")
        person = identity_form.get_by_label("Person", exact=True)
        person.click()
        person.press_sequentially("Morgan Hale")
        admin.get_by_role("option", name="Dr. Morgan Hale").click()
        identity_form.get_by_label("Email or subject").fill("admin@example.org")
        identity_form.get_by_role("button", name="Add identity").click()
        wait_for_script(admin)
        expect(main.get_by_text("That is your own sign-in")).to_be_visible()
    con = db.connect(path, read_only=True)
    assert con.execute("select count(*) from roles where person_id = 'AD1'").fetchone() == (1,)  # admin only
    assert con.execute("select count(*) from access_requests").fetchone() == (0,)
    con.close()


def zip_bomb(path: Path, gigabytes: float = 1.0) -> Path:
    """A workbook of a few megabytes that unzips to gigabytes: one sheet of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"0" * (16 << 20)
            for _ in range(int(gigabytes * 1024 / 16)):
                sheet.write(chunk)
    return path


def test_upload_bombs_are_refused_in_seconds_within_bounded_memory(tiny_path_factory, tmp_path):
    path = tiny_path_factory()
    bomb = zip_bomb(tmp_path / "results.xlsx")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    started = []
    with served(path, env=PROXY_SIGN_IN, started=started) as (url, browser):
        admin = signed_in(browser, url, "admin@example.org")
        visit(admin, url, f"imports?as_of={AS_OF}")
        for upload, refusal in ((bomb, "unpack"), (wide, "column")):
            begun = time.monotonic()
            admin.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(upload))
            expect(admin.get_by_test_id("stAlert").filter(has_text=re.compile(refusal, re.I)).first
                   ).to_be_visible(timeout=60_000)
            assert time.monotonic() - begun < 30, upload.name
        status = Path(f"/proc/{started[0].pid}/status").read_text()
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    assert peak < 1024, f"server peak {peak:.0f} MiB"


@pytest.fixture(scope="module")
def outside_address() -> str:
    """This computer's address on its network (not loopback): a request from it comes 'from elsewhere'."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent: it picks the interface that would be used
        address = s.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no network address besides loopback")
    return address


def test_demo_users_are_offered_only_on_this_computer(demo_database, tmp_path, outside_address):
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_database, copy)
    with served(copy, address="0.0.0.0") as (url, browser):
        page = browser.new_page()
        visit(page, url.replace("127.0.0.1", outside_address), "")
        expect(page.get_by_text("The demo users are offered only on the computer")).to_be_visible()
        assert page.get_by_label("Viewing as (demo user)").count() == 0
        local = browser.new_page()
        visit(local, url, "")
        expect(local.get_by_label("Viewing as (demo user)")).to_be_visible()
    con = db.connect(copy, read_only=True)
    assert con.execute("select origin from audit_log where action = 'refuse sign in'").fetchone() == (
        outside_address,)
    con.close()


def test_the_sign_in_header_is_believed_only_from_the_proxy(tiny_path_factory, outside_address):
    path = tiny_path_factory()
    with served(path, address="0.0.0.0", env=PROXY_SIGN_IN) as (url, browser):
        # From another computer, with the header and a forged forwarding address: refused.
        forged = browser.new_context(extra_http_headers={HEADER: "hale@example.org", "X-Forwarded-For": "127.0.0.1"})
        page = forged.new_page()
        visit(page, url.replace("127.0.0.1", outside_address), "")
        expect(page.get_by_text("accepts sign-ins only through its proxy")).to_be_visible()
        assert page.get_by_text("Committee meeting").count() == 0
        # From the proxy (this computer): believed.
        proxied = signed_in(browser, url, "hale@example.org")
        visit(proxied, url, "")
        expect(proxied.get_by_role("heading", name="Committee meeting")).to_be_visible()


def test_make_run_listens_on_loopback_unless_told_otherwise():
    """The README's run command, as make would run it: bound to 127.0.0.1 (and so is Streamlit's own
    default here, in .streamlit/config.toml)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    dry = subprocess.run(["make", "-n", "run"], cwd=root, capture_output=True, text=True, check=True).stdout
    command = next(line for line in dry.splitlines() if "cbme.serve run" in line)
    assert "--server.address 127.0.0.1" in command
    assert re.search(r'^address = "127\.0\.0\.1"$', (root / ".streamlit" / "config.toml").read_text(), re.M)
