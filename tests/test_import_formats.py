"""Exports as the platforms write them (tests/fixtures/imports/README.md says where each layout fact
comes from): the ePortfolio Observation Summary Report with offset headers, same-day repeats and its
whole rating vocabulary; a home-made spreadsheet with no id column imported twice and then a
superset; program set-up from the command line. Expected counts are written out."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from cbme.imports import ImportFailed, load_mapping, run_import
from cbme.imports.validation import MONTH_FIRST
from cbme.store import db
from cbme.store.load import load_canonical

HEADER = ["Observer Name", "Observer Type", "Rating Given", "Type", "Situation/Context", "Feedback",
          "Professional and Safety Comments", "Date of Completion", "Date of Expiration"]


def eportfolio_report(path: Path, swap: dict[str, str] | None = None) -> bytes:
    """One learner's Observation Summary Report: two EPA blocks (a Core EPA and a Transition to
    Discipline one, the learner being in Core), seven observations of which two pairs share observer,
    EPA and day (one pair identical in every cell), one expired, and a Narratives sheet whose header
    starts in column B, one of its narratives repeating an observation's feedback. swap replaces cell
    texts (a variant of the same report)."""
    swap = swap or {}
    book = Workbook()
    sheet = book.active
    sheet.title = "EPA Observations"
    for row in [
        ["Observation Summary Report"], ["Avery Stone - Core of Discipline"], [],
        ["C 1", "Resuscitating and stabilizing a critically ill patient"],
        ["", "EPA Observation Form - Resuscitation\nCollect 4 observations of achievement\n"
             "At least 2 different observers\nAt least 1 in the emergency department"],
        [], [],
        ["Snapshot:", 'Total "Required" (4)', 'Total "Observations" (5)', 'Total "Achieved" observations (3)',
         'Total "In progress" observations (1)', 'Total "Expired" observations (1)'],
        ["", *HEADER],
        ["", "Dr. Alex Kim", "Faculty", "4 - I needed to be there just in case", "Direct observation",
         "adult, chest pain", "Called for help early.", "", "06/01/2026", ""],
        ["", "Dr. Alex Kim", "Faculty", "Achieved", "Direct observation", "adult, sepsis",
         "Clear roles at the bedside.", "", "06/01/2026", ""],
        ["", "Dr. Rae Lin", "Faculty", "I didn't need to be there", "Direct observation", "pediatric",
         "Calm and thorough.", "", "06/14/2026", ""],
        ["", "Dr. Rae Lin", "Faculty", "In Progress", "Case review", "adult",
         "Work on the handover.", "Left before handover.", "06/20/2026", ""],
        ["", "Dr. Sam Ortiz", "Faculty", "", "", "", "", "", "", "06/25/2026"],
        ["TTD 1", "Performing the basic assessment of a patient"],
        ["", "EPA Observation Form - Assessment\nCollect 2 observations of achievement"],
        [],
        ["Snapshot:", 'Total "Required" (2)', 'Total "Observations" (2)', 'Total "Achieved" observations (0)',
         'Total "In progress" observations (2)', 'Total "Expired" observations (0)'],
        ["", *HEADER],
        ["", "Dr. Rae Lin", "Resident", "3", "Direct observation", "", "Good history.", "", "06/03/2026", ""],
        ["", "Dr. Rae Lin", "Resident", "3", "Direct observation", "", "Good history.", "", "06/03/2026", ""],
    ]:
        sheet.append([swap.get(cell, cell) for cell in row])
    narratives = book.create_sheet("Narratives")
    for row in [["Observation Summary Report"], ["Avery Stone - Core of Discipline"], [],
                ["", "Observer Name", "Observer Type", "Feedback", "Professional and Safety Comments",
                 "Date of Observation", "Date of Completion"],
                ["", "Dr. Rae Lin", "Faculty", "Calm and thorough.", "", "06/14/2026", "06/14/2026"],
                ["", "Dr. Lee Park", "Faculty", "Thoughtful family meeting.", "", "06/10/2026", "06/11/2026"],
                ["", "Dr. Lee Park", "Faculty", "Owned a missed result.", "", "06/12/2026", "06/12/2026"]]:
        narratives.append(row)
    book.save(path)
    return path.read_bytes()


def test_eportfolio_report_read_as_the_platform_lays_it_out(tiny_rw, tmp_path):
    data = eportfolio_report(tmp_path / "avery.xlsx")
    report = run_import(tiny_rw, data, "avery.xlsx", "P1", "AD1")
    assert report.format == "Royal College ePortfolio observation summary"
    # Read: 2 catalogue entries + 1 stage + 7 observations + 3 narratives = 13. The repeated
    # narrative is a duplicate; the identical same-day pair are two observations, not one.
    assert (report.rows_read, report.loaded, report.updated, report.duplicates, report.rejected) == (13, 12, 0, 1, 0)
    assert report.reconciles() and report.checks == []
    assert tiny_rw.execute("select epa_code, stage, required_observations, contextual_requirements from epas "
                           "where epa_code in ('C 1', 'TTD 1') order by 1").fetchall() == [
        ("C 1", "COD", 4, "At least 2 different observers; At least 1 in the emergency department"),
        ("TTD 1", "TTD", 2, None)]
    assert tiny_rw.execute("select stage, start_date from resident_stages where resident_id = 'R1' "
                           "order by start_date").fetchall()[-1] == ("COD", dt.date(2026, 6, 1))
    rows = tiny_rw.execute("""
        select x.epa_code, p.name, x.assessment_date, x.entrustment, x.achievement, x.expired, x.flag
        from assessments as x join people as p on p.person_id = x.assessor_id
        where x.resident_id = 'R1' and x.form_type = 'epa_observation' and x.epa_code in ('C 1', 'TTD 1')
        order by x.epa_code, x.assessment_date, x.entrustment nulls last""").fetchall()
    assert rows == [
        ("C 1", "Dr. Alex Kim", dt.date(2026, 6, 1), 4, None, False, None),
        ("C 1", "Dr. Alex Kim", dt.date(2026, 6, 1), None, "achieved", False, None),  # "Achieved": no level
        ("C 1", "Dr. Rae Lin", dt.date(2026, 6, 14), 5, None, False, None),
        ("C 1", "Dr. Rae Lin", dt.date(2026, 6, 20), None, "in progress", False, "professionalism"),
        ("C 1", "Dr. Sam Ortiz", dt.date(2026, 6, 25), None, None, True, None),
        ("TTD 1", "Dr. Rae Lin", dt.date(2026, 6, 3), 3, None, False, None),
        ("TTD 1", "Dr. Rae Lin", dt.date(2026, 6, 3), 3, None, False, None),
    ]
    # The dashboard's own counts per EPA, as the resident page shows them, are the report's Snapshot
    # totals: observations (expired included), achieved, in progress, expired.
    progress = db.query(tiny_rw, "resident_epa_progress", viewer="L1", resident_id="R1", as_of=dt.date(2026, 6, 30))
    assert {r.epa_code: (r.observations + r.expired, r.achieved, r.observations - r.achieved, r.expired)
            for r in progress.itertuples() if r.epa_code in ("C 1", "TTD 1")} == {
        "C 1": (5, 3, 1, 1), "TTD 1": (2, 0, 2, 0)}
    # The mean entrustment is that of the levels observers gave (4 and 5): no level is made up for
    # "Achieved" or "In Progress".
    assert progress.set_index("epa_code").loc["C 1", "mean_entrustment"] == 4.5
    # The platform's one Feedback column is a comment, not strengths: it does not say which it is.
    notes = tiny_rw.execute("select comment from assessments where resident_id = 'R1' and form_type = 'field_note' "
                            "and import_id = $i order by assessment_date", {"i": report.import_id}).fetchall()
    assert notes == [("Thoughtful family meeting.",), ("Owned a missed result.",)]
    again = run_import(tiny_rw, data, "avery.xlsx", "P1", "AD1")
    assert (again.loaded, again.duplicates, again.rejected) == (0, 13, 0)


def test_eportfolio_summary_differences_are_explained_per_epa(tiny_rw, tmp_path):
    """An unknown rating word rejects its row with the word named; the snapshot then disagrees with
    the rows kept, and the check names the rejected row."""
    data = eportfolio_report(tmp_path / "avery.xlsx", {"In Progress": "Almost there"})
    report = run_import(tiny_rw, data, "avery.xlsx", "P1", "AD1")
    assert [(r.sheet, r.row_number, r.column, r.reason) for r in report.rejections] == [
        ("EPA Observations", 13, "entrustment",
         "not a rating the dashboard knows: 'Almost there' (1-5, or the scale's words; see docs/importing.md)")]
    assert report.checks == [
        "C 1: the report says 5 observations (expired included), the dashboard keeps 4; rejected rows of this EPA: 13.",
        "C 1: the report says 1 in progress, the dashboard keeps 0; rejected rows of this EPA: 13."]


def test_an_epa_code_without_its_stage_needs_the_catalogue(tiny_rw, tmp_path):
    """'EPA 1.1' does not say its stage: unknown to the catalogue, the block is refused in words."""
    data = eportfolio_report(tmp_path / "avery.xlsx", {"TTD 1": "EPA 1.1"})
    report = run_import(tiny_rw, data, "avery.xlsx", "P1", "AD1")
    assert {(r.row_number, r.column) for r in report.rejections} == {(15, "stage"), (20, "epa_code"),
                                                                      (21, "epa_code")}
    assert report.reconciles()


def homemade_observations(path: Path, rows: int) -> bytes:
    """A program's own observation sheet: no id column, the program's column names, day-first dates, a
    flag column written 0/1, a Y/N column; rows 3 and 4 are the same observer's two observations of one
    EPA on one day, rows 5 and 6 identical in every cell."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Obs"
    sheet.append(["Resident", "Assessor", "When", "EPA", "Level", "Seen?", "Prof concern", "Comments"])
    lines = [
        ["R1", "Dr. Alex Kim", "03/09/2025", "E2", 3, "Y", 0, "Good start."],
        ["R1", "Dr. Alex Kim", "03/09/2025", "E2", 4, "Y", 0, "Much better the second time."],
        ["R1", "Dr. Lee Park", "14/09/2025", "E3", 5, "N", 1, "Excellent family meeting."],
        ["R1", "Dr. Lee Park", "14/09/2025", "E3", 5, "N", 1, "Excellent family meeting."],
        ["R2", "Dr. Alex Kim", "20/09/2025", "E1", 2, "Y", 0, ""],
        ["R2", "Dr. Alex Kim", "21/09/2025", "E1", 3, "Y", 0, "Steady."],
    ]
    for line in lines[:rows]:
        sheet.append(line)
    book.save(path)
    return path.read_bytes()


HOMEMADE = """
name = "Our observation sheet"
date_format = "%d/%m/%Y"
[[sheets]]
sheet = "Obs"
table = "assessments"
  [sheets.columns]
  resident_id = "Resident"
  assessor_id = "Assessor"
  assessment_date = "When"
  epa_code = "EPA"
  entrustment = "Level"
  directly_observed = "Seen?"
  flag = "Prof concern"
  strengths = "Comments"
  [sheets.constants]
  form_type = "epa_observation"
  [sheets.values.flag]
  "1" = "professionalism"
  [sheets.match_names]
  assessor_id = true
"""


def test_a_spreadsheet_without_an_id_imported_twice_then_a_superset(tiny_rw, tmp_path):
    mapping = load_mapping(HOMEMADE, "ours.toml")
    first = run_import(tiny_rw, homemade_observations(tmp_path / "sept.xlsx", 4), "sept.xlsx", "P1", "AD1",
                       mapping=mapping)
    assert (first.rows_read, first.loaded, first.duplicates, first.rejected) == (4, 4, 0, 0)
    again = run_import(tiny_rw, homemade_observations(tmp_path / "sept.xlsx", 4), "sept.xlsx", "P1", "AD1",
                       mapping=mapping)
    assert (again.rows_read, again.loaded, again.duplicates, again.rejected) == (4, 0, 4, 0)
    later = run_import(tiny_rw, homemade_observations(tmp_path / "oct.xlsx", 6), "oct.xlsx", "P1", "AD1",
                       mapping=mapping)
    assert (later.rows_read, later.loaded, later.duplicates, later.rejected) == (6, 2, 4, 0)
    per_resident = tiny_rw.execute("select resident_id, epa_code, count(*), count(flag) from assessments "
                                   "where import_id in ($a, $b) group by all order by all",
                                   {"a": first.import_id, "b": later.import_id}).fetchall()
    assert per_resident == [("R1", "E2", 2, 0), ("R1", "E3", 2, 2), ("R2", "E1", 2, 0)]
    assert tiny_rw.execute("select min(assessment_date) from assessments where import_id = $a",
                           {"a": first.import_id}).fetchone() == (dt.date(2025, 9, 3),)


def run_cli(module: str, *args, env=None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_a_program_set_up_from_the_command_line_then_imported_into(tmp_path):
    database = tmp_path / "em.duckdb"
    catalogue = tmp_path / "epas.csv"
    catalogue.write_text("program_id,epa_code,stage,title,required_observations,target_entrustment\n"
                         "EM,TTD 1,TTD,Performing the basic assessment,2,4\n"
                         "EM,C 1,COD,Resuscitating a critically ill patient,4,4\n"
                         "EM,C 2,COD,Managing a full department,0,4\n")
    missing = run_cli("cbme.admin", "program", "--database", database, "--id", "EM", "--name", "Emergency Medicine")
    assert missing.returncode == 2 and "There is no database file" in missing.stderr and not database.exists()
    made = run_cli("cbme.admin", "program", "--database", database, "--new-database", "--id", "EM", "--name",
                   "Emergency Medicine")
    assert made.returncode == 0, made.stderr
    loaded = run_cli("cbme.admin", "catalogue", "--database", database, "--program", "EM", catalogue)
    assert loaded.returncode == 1
    assert "rows read 3 = loaded 2 + updated 0 + rejected 1 + duplicates skipped 0" in loaded.stdout
    assert "row 4, required_observations: '0': must be more than 0" in loaded.stdout
    report = tmp_path / "avery.xlsx"
    eportfolio_report(report)
    unknown = run_cli("cbme.imports", report, "--program", "XX", env={"CBME_DATABASE": str(database)})
    assert unknown.returncode == 2 and "There is no program 'XX' in this database" in unknown.stderr
    imported = run_cli("cbme.imports", report, "--program", "EM", env={"CBME_DATABASE": str(database)})
    assert imported.returncode == 0, imported.stdout + imported.stderr
    # The catalogue the program set up stands: its two EPAs in the report are duplicates, not corrections.
    assert "rows read 13 = loaded 10 + updated 0 + rejected 0 + duplicates skipped 3" in imported.stdout
    assert "rejected rows" not in imported.stdout
    con = db.connect(database)
    try:
        actors = con.execute("select action, actor_id, identity from audit_log order by event_id").fetchall()
        assert [a[0] for a in actors] == ["create program", "import", "import"]
        assert all(a[1] is None and a[2].endswith("(command line)") and "@" in a[2] for a in actors)
        assert con.execute("select count(*) from residents where name = 'Avery Stone'").fetchone() == (1,)
    finally:
        con.close()


def test_importing_into_a_program_that_does_not_exist_is_an_error(tiny_rw):
    with pytest.raises(ImportFailed, match="There is no program 'NOPE'"):
        run_import(tiny_rw, b"resident_id,stage,start_date\nR1,COD,2026-01-01\n", "resident_stages.csv", "NOPE",
                   None)


def test_epa_codes_sort_naturally(tiny):
    codes = ["EPA 1.10", "EPA 2.1", "EPA 1.2", "C 10", "C 2", "TTD 1"]
    ordered = [r[0] for r in tiny.execute("select code from unnest($codes) as t(code) order by epa_order(code)",
                                          {"codes": codes}).fetchall()]
    assert ordered == ["C 2", "C 10", "EPA 1.2", "EPA 1.10", "EPA 2.1", "TTD 1"]


def test_the_data_dictionary_lists_the_required_columns():
    from cbme.imports import tables
    from cbme.store.db import ROOT

    text = (ROOT / "docs" / "data-dictionary.md").read_text()
    for table in tables().values():
        assert f"| {table.name} | {', '.join(c.name for c in table.columns if c.required)} |" in text


BEFORE = Path(__file__).parent / "fixtures" / "imports" / "imported-before"


def observations(con, resident="R1"):
    return con.execute("select epa_code, assessor_id, assessment_date, form_type, count(*) from assessments "
                       "where resident_id = $r and (epa_code in ('C 1', 'TTD 1') or form_type = 'field_note') "
                       "group by all order by all", {"r": resident}).fetchall()


def test_exports_imported_by_the_earlier_importer_come_in_again_without_twins(tmp_path):
    """A database the importer before issue 18 built from the Elentra fixture and this ePortfolio report
    (fixtures/imports/imported-before, DuckDB's own export of it), opened by this version (which brings
    its schema up to date) and given the same exports again: every observation it holds is recognised
    by the id that importer gave it, so nothing comes in twice; what it lost comes in now."""
    path = tmp_path / "before.duckdb"
    old = duckdb.connect(str(path))
    old.execute(f"import database '{BEFORE}'")
    old.close()
    con = db.connect(path)
    try:
        ids = {r[0] for r in con.execute("select assessment_id from assessments").fetchall()}
        # The earlier importer read 05/06/2026 month first without a word: stated here, it is the same row.
        elentra = run_import(con, (Path(__file__).parent / "fixtures" / "imports" / "elentra_export.csv").read_bytes(),
                             "elentra_export.csv", "P1", "AD1", date_order=MONTH_FIRST)
        assert (elentra.rows_read, elentra.loaded, elentra.updated, elentra.duplicates, elentra.rejected) == (
            7, 0, 0, 4, 3)
        report = eportfolio_report(tmp_path / "avery.xlsx")
        again = run_import(con, report, "avery.xlsx", "P1", "AD1")
        # 13 read: the 2 catalogue entries and the 3 observations the earlier import kept are duplicates, as
        # is the narrative an observation carries; the learner's stage, the 4 observations it rejected or
        # merged (rated with achievement words, or a same-day repeat) and 2 narratives are new.
        assert (again.loaded, again.updated, again.duplicates, again.rejected) == (7, 0, 6, 0)
        assert {r[0] for r in con.execute("select assessment_id from assessments").fetchall()} >= ids
        fresh = db.connect(":memory:")
        load_canonical(fresh, Path(__file__).parent / "fixtures" / "tiny")
        run_import(fresh, report, "avery.xlsx", "P1", "AD1")
        assert observations(con) == observations(fresh)  # the same observations, none twice
        fresh.close()
        third = run_import(con, report, "avery.xlsx", "P1", "AD1")
        assert (third.loaded, third.duplicates) == (0, 13)
    finally:
        con.close()
