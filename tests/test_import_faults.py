"""Bad files and faults: each refused with a clear message in seconds, or each bad row rejected with
file, row, column and reason while the rest loads; nothing else changes."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
import zipfile

import pandas as pd
import pytest

from cbme.imports import ImportFailed, run_import, tables
from cbme.store import db
from tests.test_importer import ROWS, canonical, count


def test_a_zip_bomb_workbook_is_refused_from_its_directory_in_well_under_a_second(tiny_rw):
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 30_000_000)  # 180 MB that packs to a few hundred KB
    data = book.getvalue()
    assert len(data) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(ImportFailed, match="bomb.xlsx would unpack to 172 MiB, more than the 64 MiB"):
        run_import(tiny_rw, data, "bomb.xlsx", "P1", "AD1")
    assert time.perf_counter() - started < 1
    assert count(tiny_rw, "imports") == 0


def test_a_csv_with_a_million_columns_is_refused_in_seconds(tiny_rw):
    data = (",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "," * 999_999 + "\n").encode()
    started = time.perf_counter()
    with pytest.raises(ImportFailed, match="wide.csv has 1,000,000 columns; an export has at most 500"):
        run_import(tiny_rw, data, "wide.csv", "P1", "AD1")
    assert time.perf_counter() - started < 5


def test_utf16_with_its_byte_order_mark_is_read(tiny_rw):
    report = run_import(tiny_rw, canonical(delimiter="\t").decode().encode("utf-16"), "unicode.txt.csv", "P1", "AD1")
    assert (report.loaded, report.rejected) == (3, 0)
    assert tiny_rw.execute("select strengths from assessments where assessment_id = 'n03'").fetchone() == (
        "Café visit: très bien.",)


def test_a_header_alone_is_not_an_import(tiny_rw):
    with pytest.raises(ImportFailed, match="holds no rows \\(a header alone is not an import\\)"):
        run_import(tiny_rw, canonical([]), "assessments.csv", "P1", "AD1")
    assert count(tiny_rw, "imports") == 0
    assert tiny_rw.execute("select value from dashboard_meta where key = 'demo_data'").fetchone() is None


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("epas.csv", "program_id,epa_code,stage,title,required_observations,target_entrustment\n"
                 "P1,E7,COD,Fine,3,4\nP1,E8,COD,None required,0,4\nP1,E9,COD,Too many,4294967296,4\n",
     [(3, "required_observations", "0", "must be more than 0"),
      (4, "required_observations", "4294967296", "too large a number (at most 2,147,483,647)")]),
    ("coaching_sessions.csv", "session_id,resident_id,coach_id,scheduled_date,status,duration_minutes\n"
                              "S9,R1,C1,2026-05-01,held,0\n",
     [(2, "duration_minutes", "0", "must be more than 0")]),
    # Rules joining two columns, in words naming both: an EPA observation without its EPA; expired, yet rated.
    ("assessments.csv", canonical(["x1,R1,A1,faculty,epa_observation,2026-05-04,,4,yes,low,,,,,,,no",
                                   "x2,R1,A1,faculty,epa_observation,2026-05-04,E2,4,yes,low,,,,,,,yes"]).decode(),
     [(2, "epa_code", "", "when form_type is epa_observation, epa_code must be filled"),
      (3, "entrustment", "4", "when expired is yes, entrustment must be empty")]),
    ("committee_decisions.csv", "decision_id,resident_id,meeting_date,version,status,recorded_by,recorded_at\n"
                                "D9,R1,2026-06-01,2,Progressing as expected,L1,2026-06-01 10:00\n",
     [(2, "amendment_reason", "", "when version is not 1, amendment_reason must be filled")]),
])
def test_values_the_schema_refuses_reject_their_row_not_the_file(tiny_rw, name, text, expected):
    report = run_import(tiny_rw, text.encode(), name, "P1", "AD1")
    assert [(r.row_number, r.column, r.value, r.reason) for r in report.rejections] == expected
    assert report.loaded == report.rows_read - len(expected)


def test_a_quote_left_open_is_detected_and_its_row_rejected(tiny_rw):
    broken = [ROWS[0], 'n05,R1,A1,faculty,field_note,2026-05-03,,,no,low,,,"Opened and never closed,,,,no',
              ROWS[1], ROWS[2], 'n06,R1,A1,faculty,field_note,2026-05-04,,,no,low,,,"Closes here",,,,no']
    report = run_import(tiny_rw, canonical(broken), "assessments.csv", "P1", "AD1")
    assert (report.rows_read, report.loaded, report.rejected) == (2, 1, 1) and report.reconciles()
    assert report.rejections[0].row_number == 3
    assert "a quote opened in this row is probably never closed" in report.rejections[0].reason


def test_a_column_of_day_first_dates_is_read_day_first_and_an_undecided_one_refused(tiny_rw):
    day_first = [ROWS[0].replace("2026-05-01", "03/05/2026"), ROWS[1].replace("05/22/2026", "25/05/2026")]
    report = run_import(tiny_rw, canonical(day_first), "assessments.csv", "P1", "AD1")
    assert report.rejected == 0
    assert tiny_rw.execute("select assessment_date from assessments where assessment_id = 'n01'").fetchone()[0] \
        .isoformat() == "2026-05-03"
    undecided = [ROWS[2].replace("46144", "01/02/2026")]
    report = run_import(tiny_rw, canonical(undecided), "more.csv", "P1", "AD1")
    assert [(r.value, r.reason[:15]) for r in report.rejections] == [("01/02/2026", "ambiguous date:")]


def test_an_older_export_never_silently_reverts_a_newer_correction(tiny_rw):
    april = canonical(ROWS)
    corrected = canonical([ROWS[0].replace(",4,yes,", ",5,yes,")] + ROWS[1:])
    run_import(tiny_rw, april, "april.csv", "P1", "AD1")
    run_import(tiny_rw, corrected, "april-corrected.csv", "P1", "AD1")
    older = run_import(tiny_rw, april, "april.csv", "P1", "AD1")
    assert (older.updated, older.duplicates, older.held_back) == (0, 2, [("assessments", "n01")])
    assert older.reconciles()
    assert tiny_rw.execute("select entrustment from assessments where assessment_id = 'n01'").fetchone() == (5,)
    confirmed = run_import(tiny_rw, april, "april.csv", "P1", "AD1", allow_reverts=True)
    assert (confirmed.updated, confirmed.held_back) == (1, [])
    assert tiny_rw.execute("select entrustment from assessments where assessment_id = 'n01'").fetchone() == (4,)


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "cbme.imports", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_the_command_line_refuses_a_missing_or_damaged_database_and_creates_nothing(tmp_path):
    export = tmp_path / "assessments.csv"
    export.write_bytes(canonical())
    missing = tmp_path / "typo.duckdb"
    done = cli(export, "--program", "P1", env={"CBME_DATABASE": str(missing)})
    assert done.returncode == 2 and f"There is no database file {missing}" in done.stderr
    assert not missing.exists()
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"this is not a database" * 1000)
    done = cli(export, "--program", "P1", "--database", damaged)
    assert done.returncode == 2 and "is not a database the dashboard can open: it may be damaged" in done.stderr


def test_rejected_rows_file_keeps_the_whole_row_under_the_files_names(tiny_file, tmp_path):
    export = tmp_path / "elentra.csv"
    export.write_text("Date,Resident Name,EPA,Observer Name,Observer Type,Rating,Type,Situation Context,Feedback,"
                      "Professionalism Safety,EPA Expired\n"
                      "2026-05-04,Avery Stone,E2,Dr. Alex Kim,Faculty,I needed to prompt,Direct observation,,"
                      "=HYPERLINK(\"http://x\"),,No\n"
                      "2026-05-05,Avery Stone,E2,Dr. Alex Kim,Faculty,Superb,Direct observation,,Fine.,,No\n")
    quiet = cli(export, "--program", "P1", "--database", tiny_file)
    assert quiet.returncode == 1 and "1 rows rejected; give --rejections FILE" in quiet.stdout
    written = cli(export, "--program", "P1", "--database", tiny_file, "--rejections", tmp_path / "rejected.csv")
    assert f"rejected rows (1) written to {tmp_path / 'rejected.csv'}" in written.stdout
    rejected = pd.read_csv(tmp_path / "rejected.csv", dtype=str, keep_default_na=False)
    assert list(rejected.columns)[:11] == ["Date", "Resident Name", "EPA", "Observer Name", "Observer Type", "Rating",
                                           "Type", "Situation Context", "Feedback", "Professionalism Safety",
                                           "EPA Expired"]
    assert rejected.loc[0, "Rating"] == "Superb" and rejected.loc[0, "rejected: row"] == "3"
    assert rejected.loc[0, "rejected: reason"].startswith("Rating: not a rating the dashboard knows")
    con = db.connect(tiny_file)
    try:
        assert con.execute("select count(*) from import_rejections").fetchone() == (2,)
    finally:
        con.close()


def test_every_rule_of_the_schema_is_given_in_words_naming_its_columns():
    """A rule joining two columns reads as the administrator's words, not as SQL (the rejections above)."""
    for table in tables().values():
        for check in table.checks:
            assert not re.search(r"[()]|\b(OR|AND|NOT|IS|NULL|BETWEEN)\b", check.reason), check.reason
            assert len(check.columns) == 1 or all(column in check.reason for column in check.columns)


def test_the_date_order_is_stated_on_the_command_line_for_any_format(tiny_file, tmp_path):
    """An Elentra export whose slashed dates never tell day from month: refused with the way to state
    the order, then read that way when it is stated."""
    export = tmp_path / "elentra.csv"
    export.write_text("Date,Resident Name,EPA,Observer Name,Observer Type,Rating,Type,Situation Context,Feedback,"
                      "Professionalism Safety,EPA Expired\n"
                      "04/05/2026,Avery Stone,E2,Dr. Alex Kim,Faculty,I needed to prompt,Direct observation,,,,No\n"
                      "11/05/2026,Avery Stone,E2,Dr. Alex Kim,Faculty,I needed to prompt,Direct observation,,,,No\n")
    refused = cli(export, "--program", "P1", "--database", tiny_file)
    assert refused.returncode == 1
    assert ("row 2, Date: '04/05/2026': ambiguous date: no date in the column tells whether it is day or "
            "month first; state the order when importing (--date-order day-first or month-first on the command line"
            in refused.stdout)
    stated = cli(export, "--program", "P1", "--database", tiny_file, "--date-order", "day-first")
    assert stated.returncode == 0, stated.stdout
    con = db.connect(tiny_file)
    try:
        assert con.execute("select assessment_date from assessments where assessment_id like 'EL-%' order by 1"
                           ).fetchall() == [(dt.date(2026, 5, 4),), (dt.date(2026, 5, 11),)]
    finally:
        con.close()


def test_a_workbook_declaring_thousands_of_columns_is_refused_before_its_rows_are_read(tiny_rw, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "assessments"
    book.active.cell(row=1, column=16_000, value="x")  # one cell, far right: the sheet declares 16,000 columns
    book.save(tmp_path / "wide.xlsx")
    started = time.perf_counter()
    with pytest.raises(ImportFailed, match="wide.xlsx, sheet assessments: 16,000 columns, more than an export holds"):
        run_import(tiny_rw, (tmp_path / "wide.xlsx").read_bytes(), "wide.xlsx", "P1", "AD1")
    assert time.perf_counter() - started < 2
