"""What an import did, and what counts as the same observation.

A report reconciles every row read: loaded + updated + rejected + duplicates skipped + held back
(a row that would revert a newer correction, loaded only when the user confirms). Exports without an
id column get one from their content (content_ids): the hash of the row's mapped values and its
occurrence among identical rows of the file, so that re-importing an export, or a later export
containing it, adds only what is new, while two real observations sharing learner, EPA, assessor and
date stay two. A platform's own totals (the ePortfolio's snapshot per EPA) are compared with the rows
kept, and each difference is explained by the rows rejected for that EPA.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from cbme.downloads import csv_text


@dataclass
class Rejection:
    file_name: str
    sheet: str | None
    row_number: int
    column: str | None  # the dashboard's column
    value: str | None
    reason: str
    raw: dict  # the whole row as the file has it, under the file's own column names


@dataclass
class Report:
    """What an import did; rows_read = loaded + updated + rejected + duplicates + held_back."""

    import_id: str
    file_name: str
    format: str
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    held_back: list[tuple[str, str]] = field(default_factory=list)  # (table, key) an older export would revert
    created: dict[str, list] = field(default_factory=lambda: {"residents": [], "people": []})
    committed: bool = False
    checks: list[str] = field(default_factory=list)  # the file's own totals against the rows kept

    @property
    def rejected(self) -> int:
        return len({(r.sheet, r.row_number) for r in self.rejections})

    def reconciles(self) -> bool:
        return self.rows_read == self.loaded + self.updated + self.rejected + self.duplicates + len(self.held_back)

    def rejections_frame(self) -> pd.DataFrame:
        """One line per rejected cell: file, sheet, row, column, value and reason (for the page)."""
        return pd.DataFrame([{"file": r.file_name, "sheet": r.sheet, "row": r.row_number, "column": r.column,
                              "value": r.value, "reason": r.reason} for r in self.sorted_rejections()],
                            columns=["file", "sheet", "row", "column", "value", "reason"])

    def rejected_rows(self) -> pd.DataFrame:
        """One line per rejected row, ready to fix and import again: the row as the file has it, under
        its own column names, then the row number and every reason."""
        rows: dict[tuple, dict] = {}
        for r in self.sorted_rejections():
            row = rows.setdefault((r.sheet, r.row_number), {**r.raw, "rejected: file": r.file_name,
                                                            "rejected: sheet": r.sheet, "rejected: row": r.row_number,
                                                            "rejected: reason": []})
            row["rejected: reason"].append(f"{r.column}: {r.reason}" if r.column else r.reason)
        frame = pd.DataFrame(list(rows.values()))
        if not frame.empty:
            frame["rejected: reason"] = frame["rejected: reason"].map("; ".join)
        return frame

    def sorted_rejections(self) -> list[Rejection]:
        return sorted(self.rejections, key=lambda r: (r.sheet or "", r.row_number))

    def equation(self) -> str:
        held = f" + held back {len(self.held_back)}" if self.held_back else ""
        return (f"rows read {self.rows_read} = loaded {self.loaded} + updated {self.updated} + "
                f"rejected {self.rejected} + duplicates skipped {self.duplicates}{held}")


def rejected_rows_csv(reports: list[Report]) -> str:
    """The rejected rows of several files as one CSV, spreadsheet-safe (cbme.downloads)."""
    return csv_text(pd.concat([r.rejected_rows() for r in reports if r.rejections], ignore_index=True))


def content_ids(frame: pd.DataFrame, columns: list[str], prefix: str, scope: str) -> pd.Series:
    """An id for each row from its content: prefix, the hash of scope (the program) and the values of
    columns, and the row's occurrence among identical rows ("-2" for the second). Stable across
    exports that repeat the row in the same order."""
    text = frame[columns].astype(str).agg("\x1f".join, axis=1) if len(frame) else pd.Series([], dtype=object)
    occurrence = text.groupby(text).cumcount() + 1
    digests = {t: hashlib.sha1(f"{scope}\x1f{t}".lower().encode()).hexdigest()[:16] for t in text.unique()}
    return pd.Series([f"{prefix}{digests[t]}" + (f"-{n}" if n > 1 else "") for t, n in zip(text, occurrence)],
                     index=frame.index, dtype=object)


def summary_checks(summary: dict[str, dict[str, int]], kept: pd.DataFrame, rejections: list[Rejection],
                   epa_column: str) -> list[str]:
    """The file's totals per EPA (observations, achieved, expired) against the rows kept, each
    difference explained by that EPA's rejected rows. kept has epa_code, expired and achieved."""
    lines = []
    for code, totals in summary.items():
        rows = kept[kept["epa_code"] == code]
        counted = {"observations": len(rows), "expired": int(rows["expired"].sum()),
                   "achieved": int(rows["achieved"].sum())}
        rejected = sorted({r.row_number for r in rejections if r.raw.get(epa_column) == code})
        for measure, value in counted.items():
            said = totals.get(measure)
            if said is None or said == value:
                continue
            why = (f"; rejected rows of this EPA: {', '.join(map(str, rejected))}" if rejected
                   else "; no row of this EPA was rejected, so the report's own rows differ from its total")
            lines.append(f"{code}: the report says {said} {measure}, the dashboard keeps {value}{why}.")
    return lines


def summary_text(report: Report) -> str:
    """The report as the command line prints it."""
    lines = [f"{report.file_name}: {report.format}", report.equation()]
    for kind, created in report.created.items():
        if created:
            lines.append(f"created {len(created)} {kind}: " + ", ".join(str(c[2] if kind == "residents" else c[1])
                                                                      for c in created[:20]))
    lines += [f"check: {check}" for check in report.checks]
    lines += [f"held back (would revert a newer correction; import again with --allow-revert to apply): "
              f"{table} {key}" for table, key in report.held_back[:20]]
    shown = report.sorted_rejections()
    lines += [f"  row {r.row_number}{f' ({r.sheet})' if r.sheet else ''}, {r.column}: {r.value!r}: {r.reason}"
              for r in shown[:50]]
    if len(shown) > 50:
        lines.append(f"  ... and {len(shown) - 50} more")
    return "\n".join(lines)
