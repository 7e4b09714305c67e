"""Files the dashboard hands out, safe to open in a spreadsheet.

A cell whose text begins with =, +, -, @, a tab or a carriage return is read by spreadsheet programs as a
formula (OWASP, "CSV injection"): a resident's name or a comment imported from an export could then run
when a coordinator opens the download. Every CSV the dashboard writes goes through csv_text(), which
puts a single quote before such text, so the cell shows the text as it was and runs nothing.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """value unchanged, unless it is text a spreadsheet would read as a formula: then quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of frame with every text cell and column name made spreadsheet-safe; numbers and dates stay."""
    safe = frame.rename(columns=lambda name: spreadsheet_safe(str(name)))
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            safe[column] = values.map(spreadsheet_safe, na_action="ignore")
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """frame as CSV text (no index) with every cell spreadsheet-safe. Lines end in CRLF (RFC 4180), which
    also makes the writer quote a cell holding a lone carriage return instead of breaking the row there."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n")
