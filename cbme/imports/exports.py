"""What the platforms' exports have in common, as SQL over a sheet's cells: the observer type as an
assessor role, the form's type as whether it was directly observed, a concern comment as the flag it
raises, and ids from a row's content for exports that have no id column.

What counts as the same observation (docs/importing.md): a row's id is the hash of the program (and
learner, where a workbook is one learner's) and every value the format reads from the row, plus the
row's occurrence among rows identical in all of them ("-2" for the second), so that re-importing an
export, or a later export containing it, adds only what is new, while two real observations sharing
learner, EPA, assessor and date stay two. Ids the importer gave before this rule (the hash of a few
columns only) are recognised when the same rows come again (legacy_id).
"""

from __future__ import annotations

from cbme.imports.tables import tables

ROLES = tables()["people"].column("default_role").allowed
# What an export writes for "no concern" (anything else is a concern, and raises a flag).
NO_CONCERN = ["0", "no", "n", "false", "none", "nil", "n/a", "na", "not applicable", "-", "no concern",
              "no concerns"]


def role(observer_type: str) -> str:
    """SQL: the assessor role an export's observer type names (Faculty, Attending, Resident, Nurse...)."""
    lowered = f"lower(coalesce({observer_type}, ''))"
    named = " ".join(f"when contains({lowered}, '{r}') then '{r}'" for r in ROLES)
    return (f"case {named} when contains({lowered}, 'attending') or contains({lowered}, 'staff') or {lowered} = '' "
            "then 'faculty' else 'other' end")


def directly_observed(kind: str) -> str:
    """SQL: yes when the form's type says direct observation (and not indirect)."""
    lowered = f"lower(coalesce({kind}, ''))"
    return f"case when contains({lowered}, 'direct') and not contains({lowered}, 'indirect') then 'yes' else 'no' end"


def flag(concern: str) -> str:
    """SQL: the flag a concern comment raises (patient safety when it mentions safety, else
    professionalism); an empty comment or a no-word (NO_CONCERN: 0, no, N, N/A...) raises none."""
    lowered = f"regexp_replace(trim(lower({concern})), '\\s+', ' ', 'g')"
    return (f"case when {concern} is null or list_contains({NO_CONCERN!r}, {lowered}) then null "
            f"when contains({lowered}, 'safety') then 'patient safety' else 'professionalism' end")


def flag_comment(concern: str) -> str:
    """SQL: the concern comment, kept when it raises a flag."""
    return f"case when ({flag(concern)}) is not null then {concern} end"


def content(cells: list[str], scope: str) -> str:
    """SQL: the text an id from content hashes: the scope (a parameter) and every cell of the row."""
    return f"lower(concat_ws(chr(31), {scope}, {', '.join(f'coalesce({c}, {chr(39) * 2})' for c in cells)}))"


def with_content_ids(staging, source: str, cells: list[str], scope: str, params: dict) -> str:
    """A table of source's rows with __content_id: the row's id from its content (prefix-less: the
    format adds its prefix), the hash of scope and cells, and "-2" on for its later occurrences."""
    name = staging.table("identified")
    text = content(cells, scope)
    staging.execute(f"""
        create table {name} as
        select *, left(sha1({text}), 16)
                  || case when n > 1 then '-' || n else '' end as __content_id
        from (select *, row_number() over (partition by sha1({text}) order by __row) as n from {source})
    """, params)
    return name


def legacy_id(prefix: str, cells: list[str]) -> str:
    """SQL: the id the importer gave such a row before ids came from the whole row: prefix and the
    hash of the given cells, lower case, joined by |."""
    joined = " || '|' || ".join(f"lower(coalesce({c}, ''))" for c in cells)
    return f"'{prefix}' || left(sha1({joined}), 16)"
