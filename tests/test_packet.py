"""The meeting packet: a PDF whose pages render and whose text names every resident on the agenda, and
an HTML file that shows data as text only."""

import datetime as dt
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from cbme import packet
from cbme.config import ProgramConfig
from cbme.db import query
from cbme.decisions import Decision, record_decision
from tests.test_meeting import MEETING, agenda


@pytest.fixture
def built(tiny_rw):
    tiny_rw.execute("update residents set name = 'Blake <b>Rivers</b>' where resident_id = 'R2'")
    # R2 has no coach on the meeting date: the packet must still build (it once failed on that).
    tiny_rw.execute("update coach_assignments set end_date = '2026-06-01' where resident_id = 'R2' and coach_id = 'C1'")
    record_decision(tiny_rw, "M1", Decision("R1", MEETING, "Not progressing as expected", ["modify learning plan"],
                                            "E2 below expected."), based_on_version=None)
    table, statuses = agenda(tiny_rw)
    steps = []
    pdf, html = packet.build(lambda name, **p: query(tiny_rw, name, **p), "M1", "P1", "Tiny Program", MEETING,
                             ProgramConfig(), table, statuses, lambda share, text: steps.append((share, text)))
    return pdf, html, steps


def test_pdf_names_every_resident_and_the_decisions(built, tmp_path):
    pdf, _, steps = built
    path = tmp_path / "packet.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    # A cover with the agenda, one page per resident, the decisions taken.
    assert len(reader.pages) == 4
    pages = [page.extract_text() for page in reader.pages]
    assert "Avery Stone" in pages[1] and "Status: Not enough evidence" in pages[1]
    assert "Blake <b>Rivers</b>" in pages[2]
    assert "EPAs achieved against the assessment plan" in pages[1]
    assert "Avery Stone: Not progressing as expected" in pages[3]
    assert [round(share, 2) for share, _ in steps] == [0.0, 0.5, 1.0]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is installed by make test")
def test_pdf_pages_render(built, tmp_path):
    path = tmp_path / "packet.pdf"
    path.write_bytes(built[0])
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-gray", str(path), str(tmp_path / "page")], check=True)
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == 4 and all(p.stat().st_size > 1000 for p in rendered)


def test_html_is_self_contained_and_escapes_data(built):
    _, html, _ = built
    assert html.count("data:image/png;base64,") == 6  # three charts for each of two residents
    assert "Blake &lt;b&gt;Rivers&lt;/b&gt;" in html and "<b>Rivers</b>" not in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    assert html.count("<section>") == 3


def test_narratives_put_recent_flags_first():
    import pandas as pd

    narratives = pd.DataFrame({
        "assessment_date": pd.to_datetime(["2026-06-01", "2026-05-01", "2026-04-01", "2026-03-01", "2026-02-01",
                                           "2025-01-01"]),
        "flag": [None, None, None, None, "professionalism", "patient safety"]})
    picked = packet._recent_narratives(narratives, pd.Timestamp(dt.date(2025, 12, 15)))
    assert list(picked["assessment_date"].dt.strftime("%m-%d")) == ["02-01", "06-01", "05-01", "04-01"]
