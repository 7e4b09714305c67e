"""Residents and observers that exports name rather than number: matched to the program's stored
residents and the stored people by name (case and runs of spaces aside), or created, set-based in the staging
database. The stored names come in first (known_people); a name only rejected rows carry creates no
one (keep_creations_in_use). A new resident's id is R- and the hash of program and name, a new
person's P- and the hash of the name, so the same name gets the same id in every import."""

from __future__ import annotations

import pyarrow as pa

from cbme.imports.reading import Staging
from cbme.imports.tables import tables
from cbme.imports.validation import Part

# A name as matched: case and runs of spaces aside ("Amelia  Chen" is Amelia Chen).
NAME_KEY = "regexp_replace(trim(lower({name})), '\\s+', ' ', 'g')"
NEW_RESIDENT = "'R-' || left(sha1($program || " + NAME_KEY + "), 10)"
NEW_PERSON = "'P-' || left(sha1(" + NAME_KEY + "), 10)"


def known_people(staging: Staging, cursor, program_id: str) -> None:
    """Copy into staging what matching and the reference checks need of the stored data: the
    program's residents, everyone's names, and the program's EPA catalogue (small tables)."""
    for name, sql, params in [
        ("stored_residents", f"select resident_id, {NAME_KEY.format(name='name')} as name_key from residents "
                             "where program_id = $p", {"p": program_id}),
        ("stored_people", f"select person_id, {NAME_KEY.format(name='name')} as name_key from people", {}),
        ("stored_epas", "select epa_code, stage, target_entrustment from epas where program_id = $p",
         {"p": program_id}),
    ]:
        rows: pa.Table = cursor.sql(sql, params=params).to_arrow_table()
        staging.con.register("stored", rows)
        try:
            staging.execute(f"create or replace table {name} as select * from stored")
        finally:
            staging.con.unregister("stored")
    staging.execute("create table if not exists created_residents (resident_id varchar, program_id varchar, "
                    "name varchar, training_start_date date)")
    staging.execute("create table if not exists created_people (person_id varchar, name varchar, default_role varchar)")


def create_named(staging: Staging, part: Part, program_id: str) -> None:
    """The residents and people the part's checked rows name that are not stored: added to the staging
    tables created_residents and created_people (a new resident starts training on their first
    observation; a new person's role is that of their first row)."""
    rows = f"(select * from {part.valid} where __ok)"
    if "resident_id" in part.names:
        dated = "assessment_date" if part.table == "assessments" else "start_date"
        staging.execute(f"""
            insert into created_residents
            select {NEW_RESIDENT.format(name="resident_id")}, $program, min(resident_id), min({dated}) from {rows}
            where {NAME_KEY.format(name="resident_id")} not in (select name_key from stored_residents)
              and {NEW_RESIDENT.format(name="resident_id")} not in (select resident_id from created_residents)
            group by {NAME_KEY.format(name="resident_id")}
        """, {"program": program_id})
    if "assessor_id" in part.names:
        staging.execute(f"""
            insert into created_people
            select {NEW_PERSON.format(name="assessor_id")}, min(assessor_id), arg_min(assessor_role, __row) from {rows}
            where {NAME_KEY.format(name="assessor_id")} not in (select name_key from stored_people)
              and {NEW_PERSON.format(name="assessor_id")} not in (select person_id from created_people)
            group by {NAME_KEY.format(name="assessor_id")}
        """)


def named_ids(part: Part, alias: str = "kept") -> tuple[dict[str, str], list[str]]:
    """SQL that replaces the names in a part's rows (alias) by ids: per column, the SQL of its id, and
    the joins they need ($program is the program's id)."""
    replaced, joins = {}, []
    if "resident_id" in part.names:
        joins.append("left join (select name_key, min(resident_id) as id from stored_residents group by all) "
                     f"as named_r on named_r.name_key = {NAME_KEY.format(name=f'{alias}.resident_id')}")
        new = NEW_RESIDENT.format(name=f"{alias}.resident_id")
        replaced["resident_id"] = f"coalesce(named_r.id, {new}) as resident_id"
    if "assessor_id" in part.names:
        joins.append("left join (select name_key, min(person_id) as id from stored_people group by all) as named_p "
                     f"on named_p.name_key = {NAME_KEY.format(name=f'{alias}.assessor_id')}")
        replaced["assessor_id"] = f"coalesce(named_p.id, {NEW_PERSON.format(name=f'{alias}.assessor_id')}) " \
                                  "as assessor_id"
    return replaced, joins


def keep_creations_in_use(staging: Staging, parts: list[Part]) -> None:
    """Create only the residents and people that kept rows name."""
    for created, key, column in [("created_residents", "resident_id", "resident_id"),
                                 ("created_people", "person_id", "assessor_id")]:
        used = [f"select {column} as id from {p.valid} where __kept" for p in parts
                if column in tables()[p.table].names]
        staging.execute(f"delete from {created} as c where not exists (select 1 from "
                        f"({' union all '.join(used) or 'select null as id'}) as u where u.id = c.{key})")
