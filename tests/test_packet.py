"""The meeting packet: a cover and one PDF page per resident on the agenda, with the full minutes; the
HTML is the same packet, self-contained, showing data as text only."""

import datetime as dt
import shutil
import subprocess

import pandas as pd
import pytest
from pypdf import PdfReader

from cbme.app import packet
from cbme.config import ProgramConfig
from cbme.store import db
from cbme.store.committee import assign_reviewers, write_reviewer_note
from cbme.store.db import query
from cbme.store.decisions import Decision, record_decision
from cbme.store.load import load_canonical
from tests.conftest import FIXTURES
from tests.test_meeting import MEETING, agenda


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    con = db.connect(":memory:")
    load_canonical(con, FIXTURES / "tiny")
    con.execute("update residents set name = 'Blake <b>Rivers</b>' where resident_id = 'R2'")
    # R2 has no coach and no stage on the meeting date: the packet must still build a whole page for them.
    con.execute("update coach_assignments set end_date = '2026-06-01' where resident_id = 'R2' and coach_id = 'C1'")
    con.execute("delete from resident_stages where resident_id = 'R2'")
    assign_reviewers(con, "L1", "P1", MEETING, {"R1": ("M1", "L1")})
    write_reviewer_note(con, "M1", "P1", MEETING, "R1", "E2 has stalled since October.")
    record_decision(con, "M1", Decision("R1", MEETING, "Not progressing as expected", ["modify learning plan"],
                                        "E2 below expected.", members_present=("M1", "L1"),
                                        follow_ups=(("modify learning plan", "carried over"), ("monitor", "done"))),
                    based_on_version=None)
    table, statuses = agenda(con)
    steps = []
    pdf, html = packet.build(lambda name, **p: query(con, name, **p), "M1", "P1", "Tiny Program", MEETING,
                             ProgramConfig(), table, statuses, lambda share, text: steps.append((share, text)))
    path = tmp_path_factory.mktemp("packet") / "packet.pdf"
    path.write_bytes(pdf)
    con.close()
    return path, html, steps, list(table["name"])


def test_one_page_per_resident_after_the_cover_with_full_minutes(built):
    path, _, steps, names = built
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert len(pages) == 1 + len(names) == 3  # the cover, then one page per resident on the agenda
    assert [page.splitlines()[0] for page in pages[1:]] == names == ["Avery Stone", "Blake <b>Rivers</b>"]
    avery, blake = pages[1], pages[2]
    assert "Status: Amber" in avery and "EPAs achieved against the assessment plan" in avery
    minutes = " ".join(avery.split())
    for line in ["Not progressing as expected", "Actions: modify learning plan",
                 "Last decision's actions: modify learning plan: carried over; monitor: done",
                 "Members present: Dr. Jordan Pike, Dr. Morgan Hale", "Recused: Dr. Riley Chen",
                 "Rationale: E2 below expected.", "E2 has stalled since October."]:
        assert line in minutes
    assert "No stage recorded on this date" in " ".join(blake.split())
    assert "1 of 2 decided" in " ".join(pages[0].split())
    assert steps[-1] == (1.0, "Done") and [s for s, _ in steps] == sorted(s for s, _ in steps)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is installed by make test")
def test_pdf_pages_render(built, tmp_path):
    path = built[0]
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-gray", str(path), str(tmp_path / "page")], check=True)
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == 3 and all(p.stat().st_size > 1000 for p in rendered)


def test_html_is_the_same_packet_self_contained_without_script_and_escapes_data(built):
    _, html, _, _ = built
    assert html.count("<svg") >= 4 and html.count("data:image/png;base64,") == 2  # mix charts are pictures
    assert "Blake &lt;b&gt;Rivers&lt;/b&gt;" in html and "<b>Rivers</b>" not in html
    assert "<script" not in html  # the charts are drawn once, in the browser that printed the PDF
    assert "http://" not in html.replace("http://www.w3.org/", "") and "https://" not in html
    assert html.count('<section class="resident"') == 2


def test_narratives_leave_out_recent_flags_which_have_their_own_list():
    narratives = pd.DataFrame({
        "assessment_date": pd.to_datetime(["2026-06-01", "2026-05-01", "2026-04-01", "2026-03-01", "2026-02-01",
                                           "2025-01-01"]),
        "flag": [None, None, None, None, "professionalism", "patient safety"]})
    picked = packet._recent_narratives(narratives, pd.Timestamp(dt.date(2025, 12, 15)))
    assert list(picked["assessment_date"].dt.strftime("%m-%d")) == ["06-01", "05-01", "04-01"]
