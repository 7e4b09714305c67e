"""Importing: formats, real-world mess, validation in words, reconciliation, idempotent re-import,
corrections without twins, rollback, atomicity under a real kill, and the command line."""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cbme import imports
from cbme.imports import ImportFailed, rollback_import, run_import
from cbme.store import db
from tests.conftest import FIXTURES

IMPORTS = FIXTURES / "imports"
HEADER = ("assessment_id,resident_id,assessor_id,assessor_role,form_type,assessment_date,epa_code,entrustment,"
          "directly_observed,stakes,setting,context,strengths,improvement,flag,flag_comment,expired")
ROWS = [
    'n01,R1,A1,faculty,epa_observation,2026-05-01,E2,4,yes,low,Clinic,"adult, chest pain",Calm.,'
    '"Say the plan, then act.",,,no',
    "n02,R1,A2,resident,field_note,05/22/2026,,,no,low,Clinic,,Kind with families.,,,,no",  # month first
    "n03,R1,A1,faculty,EPA observation,46144,E3,5,TRUE,low,ICU,,Café visit: très bien.,,,,false",
]


def count(con, table="assessments"):
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def canonical(rows=ROWS, newline="\n", delimiter=",", encoding="utf-8", bom=False) -> bytes:
    text = newline.join([HEADER.replace(",", delimiter)] + [r.replace(",", delimiter) if delimiter != "," else r
                                                             for r in rows]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def test_canonical_assessments_load_and_reconcile(tiny_rw):
    report = run_import(tiny_rw, canonical(), "assessments.csv", "P1", "AD1")
    assert report.format == "canonical assessments"
    assert (report.rows_read, report.loaded, report.rejected, report.duplicates) == (3, 3, 0, 0)
    assert report.reconciles()
    stored = tiny_rw.execute("select assessment_id, assessment_date, form_type, entrustment, directly_observed, "
                             "strengths, import_id from assessments where assessment_id like 'n0%' order by 1"
                             ).fetchall()
    assert [r[:6] for r in stored] == [
        ("n01", dt.date(2026, 5, 1), "epa_observation", 4, True, "Calm."),
        ("n02", dt.date(2026, 5, 22), "field_note", None, False, "Kind with families."),
        ("n03", dt.date(2026, 5, 2), "epa_observation", 5, True, "Café visit: très bien."),  # Excel day 46144
    ]
    assert {r[6] for r in stored} == {report.import_id}
    history = tiny_rw.execute("select file_name, rows_read, rows_loaded, status, imported_by from imports").fetchall()
    assert history == [("assessments.csv", 3, 3, "committed", "AD1")]
    assert tiny_rw.execute("select value from dashboard_meta where key = 'demo_data'").fetchone() == ("false",)


@pytest.mark.parametrize("variant", [
    dict(bom=True), dict(encoding="cp1252"), dict(newline="\r\n"), dict(delimiter=";"),
])
def test_real_world_encodings_and_layouts(tiny_rw, variant):
    report = run_import(tiny_rw, canonical(**variant), "export.csv", "P1", "AD1")
    assert (report.loaded, report.rejected) == (3, 0)
    assert tiny_rw.execute("select strengths from assessments where assessment_id = 'n03'").fetchone() == (
        "Café visit: très bien.",)


def test_blank_rows_trailing_spaces_and_quoted_line_breaks(tiny_rw):
    rows = [ROWS[0] + "   ", "", " , , ",
            'n04 ,R1 , A1,faculty,field_note,2026-05-03,,,no,low,,,"Line one\nline two",,,,no', "",
            "b1,R1,A1,faculty,epa_observation,2026-05-04,E2,9,yes,low,,,,,,,no"]
    report = run_import(tiny_rw, canonical(rows), "assessments.csv", "P1", "AD1")
    assert (report.rows_read, report.loaded, report.rejected) == (3, 2, 1)
    # Numbered as a spreadsheet shows the file: blank lines count, a cell's line break does not.
    assert [r.row_number for r in report.rejections] == [7]
    assert tiny_rw.execute("select assessor_id, strengths from assessments where assessment_id = 'n04'").fetchone() \
        == ("A1", "Line one\nline two")


def test_each_rejected_row_is_reported_in_words_and_the_rest_loads(tiny_rw):
    rows = ROWS + [
        "b1,R1,A1,faculty,epa_observation,2026-05-04,E2,9,yes,low,,,,,,,no",  # rating out of range
        "b2,R1,A1,faculty,epa_observation,,E2,4,yes,low,,,,,,,no",  # no date
        "b3,R1,A1,faculty,epa_observation,2026-13-45,E2,4,yes,low,,,,,,,no",  # not a date
        "b4,R9,A1,faculty,epa_observation,2026-05-04,E2,4,yes,low,,,,,,,no",  # unknown resident
        "b5,R1,A1,faculty,epa_observation,2026-05-04,X1,4,yes,low,,,,,,,no",  # EPA not in the catalogue
        "b6,R1,A1,faculty,telepathy,2026-05-04,E2,4,yes,low,,,,,,,no",  # unknown form type
        "b7,R1,A1,faculty,epa_observation,2026-05-04,E2,,yes,low,,,,,,,no",  # completed but unrated
    ]
    report = run_import(tiny_rw, canonical(rows), "assessments.csv", "P1", "AD1")
    assert (report.rows_read, report.loaded, report.rejected) == (10, 3, 7)
    assert report.reconciles()
    reasons = {(r.row_number, r.column, r.value, r.reason) for r in report.rejections}
    assert reasons == {
        (5, "entrustment", "9", "entrustment rating out of range (1-5)"),
        (6, "assessment_date", "", "required value missing"),
        (7, "assessment_date", "2026-13-45",
         "not a date (expected YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY, or an Excel date)"),
        (8, "resident_id", "R9", "unknown resident in program P1: import the residents first, or in the same workbook"),
        (9, "epa_code", "X1", "EPA not in the program's catalogue: set the catalogue up first (python -m cbme.admin "
                              "catalogue, docs/importing.md), or import it in the same workbook"),
        (10, "form_type", "telepathy", "not one of: epa_observation, mini_cex, iter, field_note, multisource"),
        (11, "entrustment", "", "a completed EPA observation needs its rating (an entrustment level or, on the "
                                  "ePortfolio, its achievement)"),
    }
    quarantined = tiny_rw.execute("select row_number, file_name, reason from import_rejections order by 1").fetchall()
    assert [q[0] for q in quarantined] == [5, 6, 7, 8, 9, 10, 11]
    assert report.rejections_frame().shape[0] == 7


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "empty.csv", "empty.csv is empty."),
    (b"   \n\n", "blank.csv", "blank.csv is empty."),
    (b"PK\x03\x04binary zip content", "renamed.csv", r"is not a text \(CSV\) file"),
    (b"\x00\x01\x02binary", "photo.csv", r"is not a text \(CSV\) file"),
    (b"Name,Favourite colour\nA,blue\nB,red\n", "wrong.csv", "match no format the dashboard reads"),
    (b"not a workbook", "book.xlsx", "is not a readable Excel workbook"),
])
def test_a_file_that_cannot_be_read_gets_one_clear_message(tiny_rw, data, name, message):
    with pytest.raises(ImportFailed, match=message):
        run_import(tiny_rw, data, name, "P1", "AD1")
    assert count(tiny_rw, "imports") == 0 and count(tiny_rw) == 13


def test_a_row_with_more_cells_than_the_header_is_rejected_not_the_file(tiny_rw):
    report = run_import(tiny_rw, canonical([ROWS[0], ROWS[1] + ",surplus"]), "ragged.csv", "P1", "AD1")
    assert (report.rows_read, report.loaded, report.rejected) == (2, 1, 1)
    assert [(r.row_number, r.column, r.reason) for r in report.rejections] == [
        (3, None, "more cells than the header names (17): a delimiter inside a value needs the value in quotes")]


def test_reimport_adds_nothing_and_overlap_loads_only_what_is_new(tiny_rw):
    run_import(tiny_rw, canonical(ROWS[:2]), "april.csv", "P1", "AD1")
    again = run_import(tiny_rw, canonical(ROWS[:2]), "april.csv", "P1", "AD1")
    assert (again.loaded, again.duplicates) == (0, 2)
    overlap = run_import(tiny_rw, canonical(ROWS), "may.csv", "P1", "AD1")
    assert (overlap.loaded, overlap.duplicates, overlap.updated) == (1, 2, 0)
    assert count(tiny_rw) == 16


def test_a_corrected_row_replaces_its_content_without_a_twin_and_rolls_back(tiny_rw):
    first = run_import(tiny_rw, canonical(ROWS), "april.csv", "P1", "AD1")
    corrected = [ROWS[0].replace(",4,yes,", ",5,yes,")] + ROWS[1:]
    second = run_import(tiny_rw, canonical(corrected), "april-fixed.csv", "P1", "AD1")
    assert (second.loaded, second.updated, second.duplicates) == (0, 1, 2)
    assert tiny_rw.execute("select count(*), max(entrustment) from assessments where assessment_id = 'n01'"
                           ).fetchone() == (1, 5)
    rollback_import(tiny_rw, "AD1", second.import_id)
    assert tiny_rw.execute("select entrustment, import_id from assessments where assessment_id = 'n01'"
                           ).fetchone() == (4, first.import_id)
    rollback_import(tiny_rw, "AD1", first.import_id)
    assert count(tiny_rw) == 13
    assert tiny_rw.execute("select status from imports order by imported_at").fetchall() == [
        ("rolled back",), ("rolled back",)]
    actions = [r[0] for r in tiny_rw.execute("select action from audit_log order by event_id").fetchall()]
    assert actions == ["import", "import", "roll back import", "roll back import"]
    with pytest.raises(ImportFailed, match="No committed import"):
        rollback_import(tiny_rw, "AD1", first.import_id)


def test_same_key_twice_in_one_file(tiny_rw):
    rows = [ROWS[0], ROWS[0], ROWS[0].replace("Calm.", "Different.")]
    report = run_import(tiny_rw, canonical(rows), "dupes.csv", "P1", "AD1")
    assert (report.loaded, report.duplicates, report.rejected) == (1, 1, 1)
    assert report.rejections[0].reason == "same key as row 2 with different content"


def test_elentra_export(tiny_rw):
    report = run_import(tiny_rw, (IMPORTS / "elentra_export.csv").read_bytes(), "elentra_export.csv", "P1", "AD1")
    assert report.format == "Elentra assessment export"
    assert (report.rows_read, report.loaded, report.rejected) == (7, 3, 4) and report.reconciles()
    # 05/06/2026 is the column's only slashed date: nothing tells day from month, so the row is refused.
    assert [(r.row_number, r.column, r.value) for r in report.rejections][:1] == [(3, "assessment_date", "05/06/2026")]
    assert report.rejections[0].reason.startswith("ambiguous date")
    assert [c[2] for c in report.created["residents"]] == ["Jordan New"]
    assert [c[1] for c in report.created["people"]] == ["Dr. Nina Novak"]
    rows = tiny_rw.execute("""
        select r.name, p.name, x.assessment_date, x.epa_code, x.entrustment, x.directly_observed, x.expired, x.flag,
            x.comment
        from assessments as x join residents as r using (resident_id) join people as p on p.person_id = x.assessor_id
        where x.assessment_id like 'EL-%' order by x.assessment_date""").fetchall()
    assert rows == [
        ("Avery Stone", "Dr. Alex Kim", dt.date(2026, 5, 4), "E2", 4, True, False, None,
         "Clear, calm leadership; next time call for help sooner."),
        ("Avery Stone", "Dr. Alex Kim", dt.date(2026, 5, 7), "E3", None, True, True, None, None),
        ("Jordan New", "Dr. Nina Novak", dt.date(2026, 5, 8), "E1", 2, True, False, "professionalism",
         "Kind with the family.\nWork on the handover structure."),
    ]
    # The new resident starts training on their first observation; the new observer is faculty.
    assert tiny_rw.execute("select training_start_date from residents where name = 'Jordan New'").fetchone() == (
        dt.date(2026, 5, 8),)
    again = run_import(tiny_rw, (IMPORTS / "elentra_export.csv").read_bytes(), "elentra_export.csv", "P1", "AD1")
    assert (again.loaded, again.duplicates, again.created["residents"]) == (0, 3, [])



def test_no_resident_or_observer_is_created_for_rows_that_are_rejected(tiny_rw):
    """A name that only rejected rows carry (here an EPA the catalogue lacks) creates no one."""
    export = (IMPORTS / "elentra_export.csv").read_text() + (
        "2026-05-11,Pat Ghost,E9,Dr. Ghost Observer,Faculty,I needed to prompt,Direct observation,,Fine.,,No\n")
    report = run_import(tiny_rw, export.encode(), "elentra_export.csv", "P1", "AD1")
    assert (report.rows_read, report.loaded, report.rejected) == (8, 3, 5) and report.reconciles()
    assert [c[2] for c in report.created["residents"]] == ["Jordan New"]
    assert [c[1] for c in report.created["people"]] == ["Dr. Nina Novak"]
    ghost = [r for r in report.rejections if r.row_number == 9]  # records, the header being row 1
    assert [(r.column, r.value) for r in ghost] == [("epa_code", "E9")]
    assert tiny_rw.execute("select count(*) from residents where name = 'Pat Ghost'").fetchone() == (0,)
    assert tiny_rw.execute("select count(*) from people where name = 'Dr. Ghost Observer'").fetchone() == (0,)
    created = tiny_rw.execute("select created from imports where import_id = $i", {"i": report.import_id}).fetchone()
    assert "Ghost" not in created[0]

def test_canonical_workbook_with_catalogue_and_roster(tiny_rw, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    epas = book.active
    epas.title = "epas"
    epas.append(["program_id", "epa_code", "stage", "title", "required_observations", "target_entrustment"])
    epas.append(["P1", "E4", "FOD", "Running the board", 3, 4])
    residents = book.create_sheet("residents")
    residents.append(["resident_id", "program_id", "name", "training_start_date"])
    residents.append(["R7", "P1", "Sam New", dt.datetime(2026, 7, 1)])
    assessments = book.create_sheet("assessments")
    assessments.append(HEADER.split(","))
    assessments.append(["w1", "R7", "A1", "faculty", "epa_observation", dt.datetime(2026, 7, 3), "E4", 3, "yes",
                        "low", "", "", "", "", "", "", "no"])
    path = tmp_path / "program.xlsx"
    book.save(path)
    report = run_import(tiny_rw, path.read_bytes(), "program.xlsx", "P1", "AD1")
    assert report.format == "canonical workbook"
    assert (report.rows_read, report.loaded, report.rejected) == (3, 3, 0)
    assert tiny_rw.execute("select epa_code, entrustment from assessments where assessment_id = 'w1'").fetchone() \
        == ("E4", 3)


def test_command_line_import_and_exit_status(tiny_file, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(canonical())
    bad.write_bytes(canonical(ROWS + ["b1,R1,A1,faculty,epa_observation,2026-05-04,E2,9,yes,low,,,,,,,no"]))
    command = [sys.executable, "-m", "cbme.imports", "--program", "P1", "--database", str(tiny_file)]
    ok = subprocess.run([*command, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "rows read 3 = loaded 3 + updated 0 + rejected 0 + duplicates skipped 0" in ok.stdout
    rejected = subprocess.run([*command, str(bad), "--rejections", str(tmp_path / "rej.csv")],
                              capture_output=True, text=True)
    assert rejected.returncode == 1
    assert "row 5, entrustment: '9': entrustment rating out of range (1-5)" in rejected.stdout
    assert "entrustment rating out of range" in (tmp_path / "rej.csv").read_text()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(tiny_file)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        locked = subprocess.run([*command, str(good)], capture_output=True, text=True)
        assert locked.returncode == 2 and "open in another process" in locked.stderr
    finally:
        holder.kill()
        holder.wait()


def test_an_import_killed_midway_leaves_the_database_as_it_was(tiny_file, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write(HEADER + "\n")
        for i in range(800_000):
            out.write(f"k{i},R1,A1,faculty,field_note,2026-05-01,,,no,low,Clinic,,Note {i}.,,,,no\n")
    before = db.connect(tiny_file)
    counts = {t: count(before, t) for t in ("assessments", "imports", "audit_log")}
    before.close()
    process = subprocess.Popen([sys.executable, "-m", "cbme.imports", str(big), "--program", "P1", "--database",
                                str(tiny_file)], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in process.stdout:
        if "Writing" in line:
            time.sleep(0.3)  # well inside the write of 800,000 rows (over a second)
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL
    after = db.connect(tiny_file)
    assert {t: count(after, t) for t in counts} == counts
    after.close()


MAPPINGS = Path(__file__).resolve().parent.parent / "data" / "mappings"


def mapping(name):
    from cbme.imports import load_mapping

    return load_mapping((MAPPINGS / name).read_text(), name)


def test_worked_example_home_made_three_sheet_workbook(tiny_rw, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    learners = book.active
    learners.title = "Learners"
    learners.append(["Learner", "Learner ID", "Start date", "Status"])
    learners.append(["Robin Vale", "H-001", "01/07/2025", "Active"])
    learners.append(["Kim Ash", "H-002", "01/07/2025", "LOA"])
    catalogue = book.create_sheet("EPA list")
    catalogue.append(["Code", "Description", "Stage", "Number required", "Expected level"])
    catalogue.append(["H1", "Assessing chest pain", "Foundations", 4, 4])
    observations = book.create_sheet("Observations")
    observations.append(["Form #", "Learner ID", "Assessor", "Assessor role", "Date", "EPA", "Score",
                         "Seen directly?", "Setting", "Case features", "What went well", "Next steps",
                         "Concern type", "Concern"])
    observations.append(["F-1", "H-001", "Dr. Alex Kim", "Staff", "03/09/2025", "H1", "Indirect supervision", "Y",
                         "Emergency department", "adult / chest pain", "Thorough.", "Commit to a diagnosis sooner.",
                         "", ""])
    observations.append(["F-2", "H-002", "Dr. Lee Park", "Senior resident", "04/09/2025", "H1", "Observe only", "N",
                         "Ward", "", "", "", "Professionalism", "Left without handover."])
    observations.append(["F-3", "H-001", "Dr. Lee Park", "Staff", "31/02/2025", "H1", "Independent", "Y", "", "", "",
                         "", "", ""])
    path = tmp_path / "home-made.xlsx"
    book.save(path)
    report = run_import(tiny_rw, path.read_bytes(), path.name, "P1", "AD1", mapping=mapping("homemade-workbook.toml"))
    assert report.format == "mapped: Home-made program workbook"
    assert (report.rows_read, report.loaded, report.rejected) == (6, 5, 1) and report.reconciles()
    assert [(r.sheet, r.row_number, r.column, r.value) for r in report.rejections] == [
        ("Observations", 4, "assessment_date", "31/02/2025")]
    assert tiny_rw.execute("select resident_id, program_id, training_start_date, status from residents "
                           "where resident_id like 'H-%' order by 1").fetchall() == [
        ("H-001", "P1", dt.date(2025, 7, 1), "active"), ("H-002", "P1", dt.date(2025, 7, 1), "on leave")]
    assert tiny_rw.execute("select stage, required_observations, target_entrustment from epas where epa_code = 'H1'"
                           ).fetchone() == ("FOD", 4, 4)
    rows = tiny_rw.execute("""
        select x.assessment_id, p.name, x.assessor_role, x.assessment_date, x.entrustment, x.directly_observed,
            x.context, x.flag, x.flag_comment
        from assessments as x join people as p on p.person_id = x.assessor_id
        where x.assessment_id like 'F-%' order by 1""").fetchall()
    assert rows == [
        ("F-1", "Dr. Alex Kim", "faculty", dt.date(2025, 9, 3), 3, True, "adult, chest pain", None, None),
        ("F-2", "Dr. Lee Park", "resident", dt.date(2025, 9, 4), 1, False, None, "professionalism",
         "Left without handover."),
    ]
    assert [c[1] for c in report.created["people"]] == ["Dr. Lee Park"]


def test_worked_example_mini_cex_survey_csv(tiny_rw):
    export = ("Response ID;Resident;Evaluator;Date of encounter;Overall;Clinic or ward;Comments;Suggestions\n"
              "501;Avery Stone;Dr. Alex Kim;05/12/2026;Superior;Clinic;Clear plan.;Summarise for the patient.\n"
              "502;Casey New;Dr. Alex Kim;05/13/2026;Satisfactory;Ward;;\n"
              "503;Avery Stone;Dr. Alex Kim;05/14/2026;Brilliant;Ward;;\n").encode("cp1252")
    report = run_import(tiny_rw, export, "minicex.csv", "P1", "AD1", mapping=mapping("minicex-survey.toml"))
    assert (report.rows_read, report.loaded, report.rejected) == (3, 2, 1)
    assert report.rejections[0].reason == ("not a rating the dashboard knows: 'Brilliant' (1-5, or the scale's words; "
                                          "see docs/importing.md)")
    assert [c[2] for c in report.created["residents"]] == ["Casey New"]
    rows = tiny_rw.execute("""select r.name, x.form_type, x.entrustment, x.directly_observed, x.improvement
                              from assessments as x join residents as r using (resident_id)
                              where x.assessment_id in ('501', '502') order by 1""").fetchall()
    assert rows == [("Avery Stone", "mini_cex", 5, True, "Summarise for the patient."),
                    ("Casey New", "mini_cex", 3, True, None)]


@pytest.mark.parametrize(("text", "message"), [
    ('[[sheets]]\ntable = "grades"\n', "table 'grades' is not one of"),
    ('[[sheets]]\ntable = "assessments"\n[sheets.columns]\nshoe_size = "Size"\n', "names column\\(s\\) shoe_size"),
    ("name = 'nothing'\n", "maps no sheet"),
    ("[[sheets\n", "not a valid mapping file"),
])
def test_a_broken_mapping_is_refused_in_words(text, message):
    from cbme.imports import load_mapping

    with pytest.raises(ImportFailed, match=message):
        load_mapping(text, "bad.toml")


def test_a_mapping_reading_a_missing_column_gives_one_message(tiny_rw):
    with pytest.raises(ImportFailed, match="the mapping reads column\\(s\\) Response ID"):
        run_import(tiny_rw, b"Id;Resident\n1;A\n", "other.csv", "P1", "AD1", mapping=mapping("minicex-survey.toml"))


@pytest.mark.parametrize("actor", ["L1", "M1", "C1", "X1", "nobody"])
def test_only_an_administrator_imports_or_rolls_back(tiny_rw, actor):
    from cbme.store.access import NotAllowed

    with pytest.raises(NotAllowed):
        run_import(tiny_rw, canonical(), "assessments.csv", "P1", actor)
    report = run_import(tiny_rw, canonical(), "assessments.csv", "P1", "AD1")
    with pytest.raises(NotAllowed):
        rollback_import(tiny_rw, actor, report.import_id)
    assert count(tiny_rw) == 16


def test_the_workbook_template_has_a_sheet_per_table_headed_by_its_columns(tiny):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(imports.template_workbook()), read_only=True)
    assert book.sheetnames == list(imports.tables())
    header = next(book["assessments"].iter_rows(values_only=True))
    assert list(header) == imports.tables()["assessments"].names
    # Filled in and imported as it is, the template is read as the canonical workbook.
    assert imports.preview(tiny, imports.template_workbook(), "dashboard-template.xlsx", "P1").format == \
        "canonical workbook"


def test_several_files_import_in_order_each_all_or_nothing(tiny_rw):
    """import_files reads the next file while writing the one before, yet checks references only once
    the files before it are written: assessments of a resident imported by the previous file load."""
    residents = b"resident_id,program_id,name,training_start_date\nR9,P1,Robin New,2026-01-05\n"
    assessments = canonical(["n91,R9,A1,faculty,field_note,2026-05-02,,,no,low,Clinic,,Kind with families.,,,,no",
                             "n92,R8,A1,faculty,field_note,2026-05-02,,,no,low,Clinic,,Unknown resident.,,,,no"])
    results = list(imports.import_files(tiny_rw, [(residents, "residents.csv", "P1"), (b"", "empty.csv", "P1"),
                                                   (assessments, "assessments.csv", "P1")], "AD1"))
    first, empty, last = results
    assert first.committed and first.loaded == 1
    assert isinstance(empty, ImportFailed) and str(empty) == "empty.csv is empty."
    assert last.committed and (last.loaded, last.rejected) == (1, 1)
    assert [(r.row_number, r.column) for r in last.rejections] == [(3, "resident_id")]
    assert tiny_rw.execute("select resident_id from assessments where assessment_id like 'n9%'").fetchall() == [
        ("R9",)]
    assert count(tiny_rw, "imports") == 2


def test_command_line_imports_several_files(tiny_file, tmp_path):
    april, may = tmp_path / "april.csv", tmp_path / "may.csv"
    april.write_bytes(canonical(ROWS[:2]))
    may.write_bytes(canonical(ROWS + ["b1,R1,A1,faculty,epa_observation,2026-05-04,E2,9,yes,low,,,,,,,no"]))
    done = subprocess.run([sys.executable, "-m", "cbme.imports", str(april), str(may), "--program", "P1",
                           "--database", str(tiny_file), "--rejections", str(tmp_path / "rej.csv")],
                          capture_output=True, text=True)
    assert done.returncode == 1  # rows rejected in may.csv
    assert "april.csv: canonical assessments\nrows read 2 = loaded 2" in done.stdout
    assert "may.csv: canonical assessments\nrows read 4 = loaded 1 + updated 0 + rejected 1 + duplicates skipped 2" \
        in done.stdout
    assert pd.read_csv(tmp_path / "rej.csv")["rejected: file"].tolist() == ["may.csv"]


ELENTRA_HEADER = ("Date,Resident Name,EPA,Observer Name,Observer Type,Rating,Type,Situation Context,Feedback,"
                  "Professionalism Safety,EPA Expired")


def test_elentra_words_as_people_type_them(tiny_rw):
    """What real exports hold: a typographic apostrophe in the scale's words, a name typed with two
    spaces, and "N/A" (or "-", "none") for no concern."""
    rows = [
        "2026-05-04,Avery  Stone,E2,Dr. Alex Kim,Faculty,I didn’t need to be there,Direct observation,,Great.,N/A,No",
        "2026-05-05,avery stone,E2,Dr.  Alex Kim,Faculty,I needed to prompt,Direct observation,,Slow.,-,No",
        "2026-05-06,Avery Stone,E2,Dr. Alex Kim,Faculty,I had to talk them through,Direct,,Unsafe.,Left the bay "
        "unattended,No",
    ]
    report = run_import(tiny_rw, "\n".join([ELENTRA_HEADER, *rows]).encode(), "elentra.csv", "P1", "AD1")
    assert (report.loaded, report.rejected) == (3, 0) and not report.created["residents"]
    stored = tiny_rw.execute("""
        select resident_id, assessor_id, entrustment, flag, comment from assessments where assessment_id like 'EL-%'
        order by assessment_date""").fetchall()
    assert stored == [("R1", "A1", 5, None, "Great."), ("R1", "A1", 3, None, "Slow."),
                      ("R1", "A1", 2, "professionalism", "Unsafe.")]
