"""What an import did. A report reconciles every row read: loaded + updated + rejected + duplicates
skipped + held back (a row that would revert a newer correction, loaded only when the user confirms).
Before writing, a file's checked rows are settled (settle): names become ids, references to residents
and EPAs are checked, and a row with the key of an earlier row of the file is a duplicate when it is
the same, else rejected. A platform's own totals (the ePortfolio's snapshot per EPA) are compared
with the rows kept, and each difference is explained by the rows rejected for that EPA.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from cbme.downloads import csv_text
from cbme.imports.people import named_ids
from cbme.imports.reading import Staging, raw_json
from cbme.imports.tables import tables
from cbme.imports.validation import Part

MEASURES = ("observations", "achieved", "in progress", "expired")  # as the ePortfolio's Snapshot names them


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
    checks: list[str] = field(default_factory=list)  # the file's own totals against the rows kept: differences
    totals_compared: int = 0  # how many EPAs' own totals the file gave (and were compared)
    sources: dict[tuple, str] = field(default_factory=dict)  # (sheet, dashboard column) -> the file's column

    def file_column(self, rejection: Rejection) -> str:
        """The column a rejection is about, named as the file names it where the file has it."""
        column = rejection.column or ""
        return self.sources.get((rejection.sheet, column), column)

    @property
    def rejected(self) -> int:
        return len({(r.sheet, r.row_number) for r in self.rejections})

    def reconciles(self) -> bool:
        return self.rows_read == self.loaded + self.updated + self.rejected + self.duplicates + len(self.held_back)

    def rejections_frame(self) -> pd.DataFrame:
        """One line per rejected cell: file, sheet, row, column, value and reason (for the page)."""
        return pd.DataFrame([{"file": r.file_name, "sheet": r.sheet or "", "row": r.row_number,
                              "column": self.file_column(r), "value": r.value or "", "reason": r.reason}
                             for r in self.sorted_rejections()],
                            columns=["file", "sheet", "row", "column", "value", "reason"])

    def rejected_rows(self) -> pd.DataFrame:
        """One line per rejected row, ready to fix and import again: the row as the file has it, under
        its own column names, then the row number and every reason."""
        rows: dict[tuple, dict] = {}
        for r in self.sorted_rejections():
            row = rows.setdefault((r.sheet, r.row_number), {**r.raw, "rejected: file": r.file_name,
                                                            "rejected: sheet": r.sheet, "rejected: row": r.row_number,
                                                            "rejected: reason": []})
            row["rejected: reason"].append(f"{self.file_column(r)}: {r.reason}" if r.column else r.reason)
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


REFERENCING = ("assessments", "coaching_sessions", "committee_decisions", "resident_stages", "coach_assignments")


def settle(staging: Staging, part: Part, parts: list[Part], program_id: str, report: Report) -> None:
    """The part's checked rows as they will be written (part.valid becomes that table, __kept marking
    the rows to write): names replaced by ids (people.named_ids); a row pointing at a resident or EPA
    that neither the program nor this import holds, or belonging to another program, rejected; and a
    row with the key of an earlier row of the file a duplicate skipped when it is the same in every
    column, else rejected (the earlier row stands)."""
    spec = tables()[part.table]
    replaced, joins = named_ids(part)
    problems, references = [], []
    if "program_id" in spec.names and part.table != "programs":
        problems.append(("program_id", "program_id <> $program",
                         f"belongs to another program than {program_id}, the one being imported into"))
    if part.table in REFERENCING:
        known = " union ".join(["select resident_id from stored_residents", "select resident_id from created_residents",
                                *(f"select resident_id from {p.valid} where __kept" for p in parts
                                  if p.table == "residents" and p is not part)])
        references.append(f"left join ({known}) as known_r on known_r.resident_id = kept.resident_id")
        problems.append(("resident_id", "known_r.resident_id is null",
                         f"unknown resident in program {program_id}: import the residents first, or in the same "
                         "workbook"))
    if part.table == "assessments":
        catalogue = " union ".join(["select epa_code from stored_epas",
                                    *(f"select epa_code from {p.valid} where __kept" for p in parts
                                      if p.table == "epas")])
        references.append(f"left join ({catalogue}) as known_e on known_e.epa_code = kept.epa_code")
        problems.append(("epa_code", "kept.epa_code is not null and known_e.epa_code is null",
                         "EPA not in the program's catalogue: set the catalogue up first (python -m cbme.admin "
                         "catalogue, docs/importing.md), or import it in the same workbook"))
    params = {f"reason_{i}": reason for i, (_, _, reason) in enumerate(problems)}
    problem = "case " + " ".join(f"when {test} then {{'column_name': '{column}', "
                                 f"'value': cast(kept.{column} as varchar), 'reason': $reason_{i}}}"
                                 for i, (column, test, _) in enumerate(problems)) + " end" \
        if problems else "null::struct(column_name varchar, value varchar, reason varchar)"
    key = ", ".join(spec.key)
    whole = f"hash({', '.join(spec.names)})"
    columns = ", ".join(["kept.__row", *(replaced.get(c, f"kept.{c}") for c in spec.names),
                         *(f"kept.{c}" for c in part.carried)])
    final = staging.table(f"final_{part.table}")
    sql = f"""
        create table {final} as
        select k.*, r.__occurrence, r.__first_row, r.__same,
            k.__problem is null and coalesce(r.__occurrence, 1) = 1 as __kept
        from (select kept.*, {problem} as __problem
              from (select {columns} from {part.valid} as kept {" ".join(joins)} where kept.__ok) as kept
              {" ".join(references)}) as k
        left join (
            select __row, row_number() over keyed as __occurrence, first_value(__row) over keyed as __first_row,
                {whole} = first_value({whole}) over keyed as __same
            from {part.valid}
            semi join (select {key} from {part.valid} where __ok group by {key} having count(*) > 1) using ({key})
            where __ok
            window keyed as (partition by {key} order by __row)
        ) as r using (__row)
    """
    staging.execute(sql, params | ({"program": program_id} if "$program" in sql else {}))
    staging.execute(f"drop table {part.valid}")
    part.valid = final
    report.duplicates += staging.execute(f"select count(*) from {final} where __problem is null and __occurrence > 1 "
                                         "and __same").fetchone()[0]
    raw, raw_params = raw_json(part.sheet)
    staging.execute(f"""
        insert into rejections
        select $sheet, r.__row, 0,
            case when r.__problem is not null then r.__problem.column_name else $key end,
            case when r.__problem is not null then r.__problem.value
                 else concat_ws(', ', {", ".join(f"r.{c}" for c in spec.key)}) end,
            case when r.__problem is not null then r.__problem.reason
                 else 'same key as row ' || r.__first_row || ' with different content' end,
            {raw}
        from {final} as r join {part.sheet.table} as s using (__row)
        where r.__problem is not null or (r.__occurrence > 1 and not r.__same)
        order by r.__row
    """, {"sheet": part.sheet.name, "key": key, **raw_params})


def fetch_rejections(staging: Staging, report: Report) -> None:
    """The file's rejections, in row order, into the report."""
    report.rejections = [
        Rejection(report.file_name, sheet, row, column, value, reason, json.loads(raw))
        for sheet, row, column, value, reason, raw in staging.execute(
            "select sheet, row_number, column_name, value, reason, raw from rejections "
            "order by sheet nulls first, row_number, position").fetchall()]


def summary_checks(cursor, part: Part, rows: str, program_id: str, rejections: list[Rejection]) -> list[str]:
    """The file's totals per EPA (observations, achieved, in progress, expired) against the rows kept
    (rows, read inside the import's transaction once they are written, so the EPA catalogue holds the
    file's own entries), each difference explained by that EPA's rejected rows."""
    counted = {code: dict(zip(MEASURES, values)) for code, *values in cursor.execute(f"""
        select i.epa_code, count(*), count(*) filter (where achieved(i.entrustment, i.achievement,
                                                                     e.target_entrustment)),
            count(*) filter (where not i.expired and not coalesce(achieved(i.entrustment, i.achievement,
                                                                           e.target_entrustment), false)),
            count(*) filter (where i.expired)
        from {rows} as i left join epas as e on e.program_id = $program and e.epa_code = i.epa_code
        group by i.epa_code
    """, {"program": program_id}).fetchall()}
    lines = []
    for code, totals in part.summary.items():
        rejected = sorted({r.row_number for r in rejections if r.raw.get("EPA") == code})
        for measure in MEASURES:
            said, kept = totals.get(measure), counted.get(code, {}).get(measure, 0)
            if said is None or said == kept:
                continue
            why = (f"; rejected rows of this EPA: {', '.join(map(str, rejected))}" if rejected
                   else "; no row of this EPA was rejected, so the report's own rows differ from its total")
            counted_as = " (expired included)" if measure == "observations" else ""
            lines.append(f"{code}: the report says {said} {measure}{counted_as}, the dashboard keeps {kept}{why}.")
    return lines


def agreement(report: Report) -> str:
    """That the file's own totals agree with the rows kept, in words."""
    return (f"the file's own totals for {report.totals_compared} EPA{'s' if report.totals_compared != 1 else ''} "
            "(observations, achieved, in progress, expired) agree with the rows kept")


def created_text(kind: str, created: list, named: int | None = None) -> str:
    """'2 new people: ...' for the residents or people an import created (the first named of them)."""
    noun = {"residents": ("resident", "residents"), "people": ("person", "people")}[kind][len(created) != 1]
    names = [str(c[2] if kind == "residents" else c[1]) for c in created]
    more = f" and {len(names) - named} more" if named is not None and len(names) > named else ""
    return f"{len(created)} new {noun}: " + ", ".join(names[:named]) + more


def summary_text(report: Report) -> str:
    """The report as the command line prints it."""
    lines = [f"{report.file_name}: {report.format}", report.equation()]
    for kind, created in report.created.items():
        if created:
            lines.append(f"created {created_text(kind, created, 20)}")
    lines += [f"check: {check}" for check in report.checks]
    if report.totals_compared and not report.checks:
        lines.append(f"check: {agreement(report)}")
    lines += [f"held back (would revert a newer correction; import again with --allow-revert to apply): "
              f"{table} {key}" for table, key in report.held_back[:20]]
    shown = report.sorted_rejections()
    lines += [f"  row {r.row_number}{f' ({r.sheet})' if r.sheet else ''}"
              f"{f', {report.file_column(r)}: {r.value or str()!r}' if r.column else ''}: {r.reason}"
              for r in shown[:50]]
    if len(shown) > 50:
        lines.append(f"  ... and {len(shown) - 50} more")
    return "\n".join(lines)
