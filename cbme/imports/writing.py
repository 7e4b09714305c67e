"""Writing checked rows, inside the one transaction of their import (cbme.store.db.writing), set-based in
DuckDB, reading them from the file's staging database attached read-only: new rows inserted, rows
with a stored key and the same content skipped as duplicates, rows with a stored key and new content
corrected (the earlier content kept in import_corrections, for rollback), and a correction that would
put back content a later import replaced held back unless the user allows reverts. Then the people
the import creates, the import's own record, its rejected rows (in bulk) and its audit event.
Rollback undoes an import whole. Table and column names in the SQL come from the schema (tables.py);
values only ever as parameters or from the staging tables.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Report
from cbme.imports.tables import TABLE_ORDER, tables
from cbme.imports.validation import Part
from cbme.store.access import NotAllowed, command_line_actor, holds_role, record
from cbme.store.db import writing


def incoming(cursor, part: Part, staging: str) -> str:
    """A temporary view of the part's rows to write, as the transaction reads them from the attached
    staging database. For a format whose ids changed (legacy ids), a row whose id is not stored but
    whose id under the earlier rule is takes that stored id: the first such row of each, as the
    earlier importer kept the first of the rows it could not tell apart."""
    rows = f"(select * from {staging}.{part.valid} where __kept)"
    view = f"incoming_{part.valid}"
    if "__legacy_id" not in part.carried:
        cursor.execute(f"create or replace temp view {view} as select * from {rows}")
        return view
    key = tables()[part.table].key[0]
    cursor.execute(f"""
        create or replace temp view {view} as
        with kept as (select * from {rows}),
        legacy as (
            select __row, __legacy_id from kept
            where __legacy_id in (select {key} from {part.table}) and {key} not in (select {key} from {part.table})
            qualify row_number() over (partition by __legacy_id order by __row) = 1
        )
        select i.* replace (coalesce(l.__legacy_id, i.{key}) as {key})
        from kept as i left join legacy as l using (__row)
    """)
    return view


def write_rows(cursor, part: Part, rows: str, report: Report, allow_reverts: bool) -> None:
    """Insert new rows, update corrected ones (keeping what they held), skip exact duplicates."""
    table, spec = part.table, tables()[part.table]
    key, columns = list(spec.key), spec.names
    on = " and ".join(f"t.{c} = i.{c}" for c in key)
    same = " and ".join(f"t.{c} is not distinct from i.{c}" for c in columns)
    # Keys alone first: comparing whole rows is only needed for the keys already stored (none, in a new
    # export).
    cursor.execute(f"create or replace temp table matched as select i.__row, true as same, false as revert "
                   f"from {rows} as i semi join {table} as t on {on}")
    if cursor.execute("select count(*) from matched").fetchone()[0]:
        content = ", ".join(f"'{c}': cast(i.{c} as varchar)" for c in columns)
        stored = ", ".join(f"'{c}': cast(json_extract_string(c.previous, '{c}') as varchar)" for c in columns)
        cursor.execute(f"""
            create or replace temp table matched as
            select i.__row, ({same}) as same,
                exists (select 1 from import_corrections as c join imports as m using (import_id)
                        where c.table_name = $table and m.status = 'committed'
                          and c.row_key = to_json([{", ".join(f"cast(i.{c} as varchar)" for c in key)}])
                          and {{{stored}}} is not distinct from {{{content}}}) as revert
            from {rows} as i join {table} as t on {on}
        """, {"table": table})
    if part.keep_stored:
        cursor.execute("update matched set same = true")
    if not allow_reverts:  # a correction putting back what a later import replaced waits for the user
        keys = ", ".join(f"i.{c}" for c in key)
        report.held_back += [(table, ", ".join(map(str, k))) for k in cursor.execute(
            f"select {keys} from {rows} as i join matched as m using (__row) where not m.same and m.revert "
            f"order by i.__row").fetchall()]
        cursor.execute("update matched set same = null where not same and revert")
    report.duplicates += cursor.execute("select count(*) from matched where same").fetchone()[0]
    changed = cursor.execute("select count(*) from matched where not same").fetchone()[0]
    if changed:
        cursor.execute(f"""
            insert into import_corrections
            select $import_id, $table, to_json([{", ".join(f"cast(t.{c} as varchar)" for c in key)}]), to_json(t)
            from {table} as t join {rows} as i on {on} join matched as m on m.__row = i.__row and not m.same
        """, {"import_id": report.import_id, "table": table})
        sets = ", ".join(f"{c} = i.{c}" for c in columns if c not in key)
        cursor.execute(f"""
            update {table} as t set {sets}, import_id = $import_id
            from {rows} as i join matched as m on m.__row = i.__row and not m.same
            where {on}
        """, {"import_id": report.import_id})
        report.updated += changed
    report.loaded += cursor.execute(f"""
        insert into {table} ({", ".join(columns)}, import_id)
        select {", ".join(f"i.{c}" for c in columns)}, $import_id from {rows} as i
        where i.__row not in (select __row from matched)
    """, {"import_id": report.import_id}).fetchone()[0]
    cursor.execute("drop table matched")


def create_people(cursor, staging: str, report: Report) -> None:
    """The residents and observers an export names that the program did not hold."""
    cursor.execute(f"insert into residents by name select *, 'active' as status, $i as import_id "
                   f"from {staging}.created_residents on conflict do nothing", {"i": report.import_id})
    cursor.execute(f"insert into people by name select *, $i as import_id from {staging}.created_people "
                   "on conflict do nothing", {"i": report.import_id})


def record_import(cursor, staging: str, report: Report, checksum: str, program_id: str, actor_id: str | None) -> None:
    """The import's row in imports, its rejected rows in bulk, and its audit event."""
    created = {k: [c[2] if k == "residents" else c[1] for c in v] for k, v in report.created.items() if v}
    cursor.execute("""
        insert into imports values ($id, $program, $file, $checksum, $format, $at, $by, $read, $loaded, $updated,
            $rejected, $duplicates, $created, 'committed')
    """, {"id": report.import_id, "program": program_id, "file": report.file_name, "checksum": checksum,
          "format": report.format, "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
          "by": actor_id or command_line_actor(), "read": report.rows_read, "loaded": report.loaded,
          "updated": report.updated, "rejected": report.rejected, "duplicates": report.duplicates,
          "created": json.dumps(created) if created else None})
    cursor.execute(f"insert into import_rejections select $import_id, $file, sheet, row_number, column_name, value, "
                   f"reason, raw from {staging}.rejections order by sheet, row_number, position",
                   {"import_id": report.import_id, "file": report.file_name})
    identity = None if actor_id else command_line_actor()
    record(cursor, actor_id, "import", identity=identity, program_id=program_id, file=report.file_name,
           import_id=report.import_id, loaded=report.loaded, updated=report.updated, rejected=report.rejected,
           duplicates=report.duplicates, held_back=len(report.held_back))


def require_importer(con, actor_id: str | None, program_id: str) -> None:
    """The program must exist; imports and rollbacks through the dashboard need its administrator role.
    The command line (actor None) is run by whoever may write the database file, and audited as such."""
    cursor = con.cursor()
    try:
        known = cursor.execute("select count(*) from programs where program_id = $p", {"p": program_id}).fetchone()[0]
        admin = actor_id is None or holds_role(cursor, actor_id, program_id, ["admin"])
    finally:
        cursor.close()
    if not known:
        raise ImportFailed(f"There is no program {program_id!r} in this database. Create it first: "
                           f"python -m cbme.admin program --id {program_id} --name \"...\" (docs/importing.md).")
    if not admin:
        raise NotAllowed("Only an administrator of this program can import into it or roll an import back.")


def rollback_import(con: duckdb.DuckDBPyConnection, actor_id: str | None, import_id: str) -> None:
    """Undo an import whole: remove the rows it added and give back what its corrections replaced."""
    with writing(con) as cursor:
        row = cursor.execute("select program_id, status from imports where import_id = $i",
                             {"i": import_id}).fetchone()
        if row is None or row[1] != "committed":
            raise ImportFailed(f"No committed import {import_id}.")
        require_importer(cursor, actor_id, row[0])
        for table, key_json, previous_json in cursor.execute(
                "select table_name, row_key, previous from import_corrections where import_id = $i",
                {"i": import_id}).fetchall():
            previous = json.loads(previous_json)
            key = tables()[table].key
            sets = ", ".join(f"{c} = ${c}" for c in previous if c not in key)
            where = " and ".join(f"{c} = ${c}" for c in key)
            cursor.execute(f"update {table} set {sets} where {where}",
                           {**previous, **dict(zip(key, json.loads(key_json)))})
        for table in reversed(TABLE_ORDER):
            cursor.execute(f"delete from {table} where import_id = $i", {"i": import_id})
        cursor.execute("update imports set status = 'rolled back' where import_id = $i", {"i": import_id})
        record(cursor, actor_id, "roll back import", identity=None if actor_id else command_line_actor(),
               program_id=row[0], import_id=import_id)
