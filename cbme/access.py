"""Who is signed in, what they may change, and the audit trail.

Reading is scoped in SQL (the visible_residents macro). Writing goes through the functions here, each
of which checks the actor's role in the data layer, writes its change and the audit event in one
transaction, and bumps the data version so no cached result outlives the change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import duckdb
import pandas as pd

from cbme.db import writing

ROLES = ["admin", "program_lead", "committee_chair", "committee_member", "coach"]
ROLE_LABELS = {"admin": "Administrator", "program_lead": "Program lead", "committee_chair": "Committee chair",
               "committee_member": "Committee member", "coach": "Coach"}


class NotAllowed(PermissionError):
    """The actor's roles do not allow this change."""


def normalise_identity(identity: str) -> str:
    return identity.strip().lower()


def person_for_identity(fetch: Callable[..., pd.DataFrame], *identities: str | None) -> str | None:
    """The person a signed-in identity maps to: the first of identities (email, then subject) known.
    fetch runs a named query (db.query on a connection, or the dashboard's cached ui.fetch)."""
    for identity in identities:
        if identity:
            found = fetch("sign_in_person", identity=normalise_identity(identity))
            if not found.empty:
                return found["person_id"].iloc[0]
    return None


def record(cursor: duckdb.DuckDBPyConnection, actor_id: str | None, action: str, *, identity: str | None = None,
           program_id: str | None = None, resident_id: str | None = None, **detail) -> None:
    """Append one audit event; call inside the transaction of the change it records."""
    cursor.execute(
        "insert into audit_log (occurred_at, actor_id, identity, action, program_id, resident_id, detail) "
        "values ($at, $actor, $identity, $action, $program, $resident, $detail)",
        {"at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "actor": actor_id, "identity": identity,
         "action": action, "program": program_id, "resident": resident_id,
         "detail": json.dumps(detail, default=str, sort_keys=True) if detail else None})


def audit(con: duckdb.DuckDBPyConnection, actor_id: str | None, action: str, **fields) -> None:
    """Append one audit event on its own (a view, an export, a sign-in)."""
    cursor = con.cursor()
    try:
        record(cursor, actor_id, action, **fields)
    finally:
        cursor.close()


def holds_role(cursor, person_id: str | None, program_id: str, roles: list[str]) -> bool:
    """Whether the person holds any of the roles in the program (the schema's holds_role macro)."""
    return cursor.execute("select holds_role($person, $program, $roles)",
                          {"person": person_id, "program": program_id, "roles": roles}).fetchone()[0]


def _require_admin(cursor, actor_id: str, program_id: str) -> None:
    if not holds_role(cursor, actor_id, program_id, ["admin"]):
        raise NotAllowed("Only an administrator of this program can change who has access to it.")


def _write(con, actor_id: str, program_id: str, change) -> None:
    """Run change(cursor) with the admin check and audit inside one transaction."""
    with writing(con) as cursor:
        _require_admin(cursor, actor_id, program_id)
        change(cursor)


def grant_role(con, actor_id: str, program_id: str, person_id: str, role: str) -> bool:
    """Give person the role in the program; False when they already had it."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    granted = []

    def change(cursor):
        exists = cursor.execute("select count(*) from people where person_id = $p", {"p": person_id}).fetchone()[0]
        if not exists:
            raise ValueError(f"no person {person_id!r}")
        inserted = cursor.execute(
            "insert into roles values ($person, $program, $role) on conflict do nothing returning 1",
            {"person": person_id, "program": program_id, "role": role}).fetchall()
        if inserted:
            record(cursor, actor_id, "grant role", program_id=program_id, person=person_id, role=role)
        granted.append(bool(inserted))

    _write(con, actor_id, program_id, change)
    return granted[0]


def revoke_role(con, actor_id: str, program_id: str, person_id: str, role: str) -> bool:
    """Take the role away; False when the person did not hold it. An administrator cannot remove
    their own administrator role, so a program is never left without one by accident."""
    if person_id == actor_id and role == "admin":
        raise NotAllowed("You cannot remove your own administrator role; ask another administrator.")
    revoked = []

    def change(cursor):
        deleted = cursor.execute(
            "delete from roles where person_id = $person and program_id = $program and role = $role returning 1",
            {"person": person_id, "program": program_id, "role": role}).fetchall()
        if deleted:
            record(cursor, actor_id, "revoke role", program_id=program_id, person=person_id, role=role)
        revoked.append(bool(deleted))

    _write(con, actor_id, program_id, change)
    return revoked[0]


def set_identity(con, actor_id: str, program_id: str, person_id: str, identity: str) -> None:
    """Let a sign-in identity (email or subject) map to a person of the admin's program."""
    identity = normalise_identity(identity)
    if not identity:
        raise ValueError("The sign-in identity is empty.")

    def change(cursor):
        member = cursor.execute(
            "select count(*) from roles where person_id = $p and program_id = $program",
            {"p": person_id, "program": program_id}).fetchone()[0]
        if not member:
            raise NotAllowed("That person holds no role in this program.")
        taken = cursor.execute("select person_id from sign_in_identities where identity = $i",
                               {"i": identity}).fetchone()
        if taken and taken[0] != person_id:
            raise ValueError("That identity already belongs to someone else.")
        cursor.execute("insert into sign_in_identities values ($i, $p) on conflict do nothing",
                       {"i": identity, "p": person_id})
        record(cursor, actor_id, "set sign-in identity", program_id=program_id, person=person_id,
               identity_added=identity)

    _write(con, actor_id, program_id, change)
