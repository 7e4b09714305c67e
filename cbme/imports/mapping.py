"""Column mapping files (TOML, docs/mapping.md): any other long-format export, a CSV or a workbook of
several sheets, read into the canonical tables as the mapping says (which sheet feeds which table,
which source column feeds which column, constants, value translations, the date layout, lists, names
to match to people). A mapping may name no id column: the rows of assessments, coaching sessions and
committee decisions then get ids from their content (reconciliation.content_ids)."""

from __future__ import annotations

import tomllib

from cbme.imports.reading import ImportFailed, Sheet
from cbme.imports.reconciliation import content_ids
from cbme.imports.tables import TABLE_ORDER, tables

SECTIONS = ("columns", "constants", "values", "lists", "match_names")
# Tables whose rows are events: without an id column their id comes from their content.
CONTENT_ID_PREFIXES = {"assessments": "M-", "coaching_sessions": "MS-", "committee_decisions": "MD-"}


def load_mapping(text: str, name: str = "mapping") -> dict:
    """A column-mapping file, checked before any file is read."""
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ImportFailed(f"{name} is not a valid mapping file: {error}") from error
    if not mapping.get("sheets"):
        raise ImportFailed(f"{name} maps no sheet: add at least one [[sheets]] entry.")
    for number, spec in enumerate(mapping["sheets"], start=1):
        table = spec.get("table")
        if table not in TABLE_ORDER:
            raise ImportFailed(f"{name}, sheet entry {number}: table {table!r} is not one of {', '.join(TABLE_ORDER)}.")
        known = set(tables()[table].names)
        if spec.get("match_names") and (table != "assessments"
                                        or set(spec["match_names"]) - {"resident_id", "assessor_id"}):
            raise ImportFailed(f"{name}, sheet entry {number}: [match_names] applies to the resident_id and "
                               "assessor_id of assessments only.")
        for section in SECTIONS:
            unknown = set(spec.get(section, {})) - known
            if unknown:
                raise ImportFailed(f"{name}, sheet entry {number} ({table}): [{section}] names column(s) "
                                   f"{', '.join(sorted(unknown))} that table {table} does not have.")
        filled = set(spec.get("columns", {})) | set(spec.get("constants", {}))
        if table in CONTENT_ID_PREFIXES:
            filled |= set(tables()[table].key)
        missing = [c.name for c in tables()[table].columns if c.required and c.name not in filled]
        if missing:
            raise ImportFailed(f"{name}, sheet entry {number} ({table}): the mapping fills no value for the "
                               f"required column(s) {', '.join(missing)} (docs/data-dictionary.md).")
    return mapping


def apply_mapping(mapping: dict, sheets: list[Sheet], file_name: str, program_id: str) -> list[tuple[str, Sheet]]:
    """Rewrite source sheets into canonical tables as the mapping says."""
    by_name = {s.name: s for s in sheets}
    parts = []
    for spec in mapping["sheets"]:
        source = by_name.get(spec.get("sheet")) if spec.get("sheet") else sheets[0]
        if source is None:
            raise ImportFailed(f"{file_name} has no sheet named {spec['sheet']!r}, which the mapping reads "
                               f"(sheets: {', '.join(str(s.name) for s in sheets)}).")
        columns = spec.get("columns", {})
        missing = [c for c in columns.values() if c not in source.header]
        if missing:
            raise ImportFailed(f"{file_name}{source.label}: the mapping reads column(s) {', '.join(missing)}, "
                               f"which the file does not have (it has: {', '.join(source.header[:20])}).")
        table = spec["table"]
        spec_table = tables()[table]
        values = {col: {str(k).lower(): str(v) for k, v in words.items()}
                  for col, words in spec.get("values", {}).items()}
        frame = source.frame
        rows = {}
        for column in spec_table.columns:
            if column.name in spec.get("constants", {}):
                constant = str(spec["constants"][column.name])
                text = frame["__row"].map(lambda _, c=constant: program_id if c == "$program" else c)
            elif column.name in columns:
                text = frame[columns[column.name]]
            else:
                text = frame["__row"].map(lambda _: "")
            if column.name in values:
                words = values[column.name]
                text = text.map(lambda t, w=words: w.get(t.lower(), t))
            if column.name in spec.get("lists", {}):  # list columns store ';', text columns ', '
                joiner, separator = (";" if column.kind == "list" else ", "), spec["lists"][column.name]
                text = text.map(lambda t, j=joiner, s=separator: j.join(p.strip() for p in t.split(s) if p.strip()))
            rows[column.name] = text.astype(object)
        canonical = frame[["__row"]].copy()
        for name, text in rows.items():
            canonical[name] = text
        canonical = canonical[[*spec_table.names, "__row"]]
        key = spec_table.key[0]
        if table in CONTENT_ID_PREFIXES and key not in columns and key not in spec.get("constants", {}):
            mapped = [columns[c] for c in columns]
            canonical[key] = content_ids(frame, mapped, CONTENT_ID_PREFIXES[table], program_id)
        people = None
        names = spec.get("match_names", {})
        if names:
            residents = dict.fromkeys(canonical["resident_id"], "") if names.get("resident_id") else {}
            observers = dict(zip(canonical["assessor_id"], canonical["assessor_role"])) \
                if names.get("assessor_id") else {}
            people = (residents, observers)
        sheet = Sheet(source.name, spec_table.names, canonical, people=people, source=source.frame)
        sheet.date_format = spec.get("date_format", mapping.get("date_format"))
        parts.append((table, sheet))
    return sorted(parts, key=lambda part: TABLE_ORDER.index(part[0]))
