"""Column mapping files (TOML, docs/mapping.md): any other long-format export, a CSV or a workbook of
several sheets, read into the canonical tables as the mapping says (which sheet feeds which table,
which source column feeds which column, constants, value translations, the date layout, lists, names
to match to people). A mapping may name no id column: the rows of assessments, coaching sessions and
committee decisions then get ids from their content (exports.with_content_ids)."""

from __future__ import annotations

import tomllib

from cbme.imports.exports import with_content_ids
from cbme.imports.reading import ImportFailed, Sheet, Staging
from cbme.imports.tables import TABLE_ORDER, tables
from cbme.imports.validation import Params, Part, file_columns, part_relation

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


def apply_mapping(staging: Staging, mapping: dict, sheets: list[Sheet], file_name: str, program_id: str) -> list[Part]:
    """Read source sheets into the dashboard's tables as the mapping says, as SQL over the sheets'
    cells; what the mapping holds (constants, translations, separators) reaches it as parameters."""
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
        params = Params()
        cells = {}
        for column in spec_table.columns:
            if column.name in spec.get("constants", {}):
                constant = str(spec["constants"][column.name]).strip()
                text = params.add(program_id if constant == "$program" else constant)
            elif column.name in columns:
                text = source.column(columns[column.name])
            else:
                continue
            if column.name in spec.get("values", {}):
                words = {str(k).strip().lower(): str(v).strip() for k, v in spec["values"][column.name].items()}
                text = f"coalesce({params.add(list(words.values()))}[list_position({params.add(list(words))}, " \
                       f"lower({text}))], {text})"
            if column.name in spec.get("lists", {}):  # list columns store ';', text columns ', '
                joiner = ";" if column.kind == "list" else ", "
                text = (f"array_to_string(list_filter(list_transform(string_split({text}, "
                        f"{params.add(spec['lists'][column.name])}), lambda p: trim(p)), lambda p: p <> ''), "
                        f"{params.add(joiner)})")
            cells[column.name] = text
        key = spec_table.key[0]
        relation = source.table
        if table in CONTENT_ID_PREFIXES and key not in columns and key not in spec.get("constants", {}):
            relation = with_content_ids(staging, source.table, [source.column(c) for c in columns.values()],
                                        "$program", {"program": program_id})
            cells[key] = f"'{CONTENT_ID_PREFIXES[table]}' || __content_id"
        parts.append(Part(table, source, part_relation(staging, table, cells, relation, params), source.rows,
                          names=tuple(spec.get("match_names", {})),
                          date_format=spec.get("date_format", mapping.get("date_format")),
                          sources=file_columns(source, cells)))
    return sorted(parts, key=lambda part: TABLE_ORDER.index(part.table))
