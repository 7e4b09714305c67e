"""Who is signed in, what they may change, and the audit trail.

Reading is scoped in SQL (the visible_residents macro). Writing goes through the functions here, each
of which checks the actor's role in the data layer, writes its change and the audit event in one
transaction, and bumps the data version so no cached result outlives the change.

Separation of duties: nobody gives a role to themself or attaches their own sign-in to another
person's record, and every grant, and every sign-in added to another person, waits for a second
person's confirmation: another administrator of the program, or its program lead. (Grants of the
administrator role wait too: an administrator who could make other administrators at will could
confirm their own requests through them.)

The audit trail is append-only: record() (queries/writes/record_audit_event.sql) is the only statement
that touches audit_log, and it only inserts. Every action it records is one of the vocabulary's
AUDIT_ACTIONS, which the audit page's filter offers.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import json
import socket
import uuid
from collections.abc import Callable, Iterable

import duckdb
import pandas as pd

from cbme.store.db import execute, sql, writing
from cbme.vocabulary import AUDIT_ACTIONS, ROLES

CONFIRMERS = ["admin", "program_lead"]

_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("cbme_origin", default=None)


class NotAllowed(PermissionError):
    """The actor's roles do not allow this change."""


def acting_from(origin: str) -> None:
    """Where this thread's actions come from (a session's browser address), for the audit trail."""
    _origin.set(origin)


def command_line_actor() -> str:
    """Who acts from the command line, for the audit trail: the operating-system user and the host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"{user}@{socket.gethostname()} (command line)"


def normalise_identity(identity: str) -> str:
    return identity.strip().lower()


def person_for_identity(fetch: Callable[..., pd.DataFrame], *identities: str | None) -> str | None:
    """The person a signed-in identity maps to: the first of identities (email, then subject) known.
    fetch runs a named query (db.query on a connection, or the dashboard's cached reads.fetch)."""
    for identity in identities:
        if identity:
            found = fetch("sign_in_person", identity=normalise_identity(identity))
            if not found.empty:
                return found["person_id"].iloc[0]
    return None


def record(cursor: duckdb.DuckDBPyConnection, actor_id: str | None, action: str, *, identity: str | None = None,
           program_id: str | None = None, resident_id: str | None = None, residents: Iterable[str] = (),
           **detail) -> None:
    """Append one audit event (one per resident of residents, when given); call inside the transaction
    of the change it records."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    execute(cursor, "record_audit_event", occurred_at=_now(), actor_id=actor_id, identity=identity, action=action,
            program_id=program_id, resident_ids=list(residents) or [resident_id],
            detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
            origin=_origin.get() or command_line_actor())


def audit(con: duckdb.DuckDBPyConnection, actor_id: str | None, action: str, **fields) -> None:
    """Append audit events on their own (a view, an export, a sign-in), in one transaction that changes
    no figure (the data version, the caches and the kept agendas stay)."""
    with writing(con, changes_data=False) as cursor:
        record(cursor, actor_id, action, **fields)


def holds_role(cursor, person_id: str | None, program_id: str, roles: list[str]) -> bool:
    """Whether the person holds any of the roles in the program (the schema's holds_role macro)."""
    return cursor.execute("select holds_role($person, $program, $roles)",
                          {"person": person_id, "program": program_id, "roles": roles}).fetchone()[0]


def _require_admin(cursor, actor_id: str, program_id: str) -> None:
    if not holds_role(cursor, actor_id, program_id, ["admin"]):
        raise NotAllowed("Only an administrator of this program can change who has access to it.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _request(cursor, actor_id: str, program_id: str, person_id: str, kind: str, value: str) -> str:
    """A waiting request for a second person's confirmation (once: asking again changes nothing)."""
    waiting = cursor.execute(
        "select request_id from access_requests where program_id = $p and person_id = $person and kind = $kind "
        "and value = $value and status = 'waiting'",
        {"p": program_id, "person": person_id, "kind": kind, "value": value}).fetchone()
    if waiting:
        return "waiting"
    execute(cursor, "request_access", request_id=f"Q-{uuid.uuid4().hex[:12]}", program_id=program_id,
            person_id=person_id, kind=kind, value=value, requested_by=actor_id, requested_at=_now())
    record(cursor, actor_id, "request access", program_id=program_id, person=person_id, **{kind: value})
    return "requested"


def grant_role(con, actor_id: str, program_id: str, person_id: str, role: str) -> str:
    """Ask that person be given the role in the program: "requested" (it waits for a second person's
    confirmation: decide_request), "waiting" when already asked, or "already" when they hold it."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if person_id == actor_id:
        raise NotAllowed("You cannot give yourself a role; ask another administrator.")
    with writing(con, program_id=program_id) as cursor:
        _require_admin(cursor, actor_id, program_id)
        if not cursor.execute("select count(*) from people where person_id = $p", {"p": person_id}).fetchone()[0]:
            raise ValueError(f"no person {person_id!r}")
        if holds_role(cursor, person_id, program_id, [role]):
            return "already"
        return _request(cursor, actor_id, program_id, person_id, "role", role)


def decide_request(con, actor_id: str, request_id: str, confirm: bool) -> None:
    """Confirm (carry out) or decline a waiting request: by another administrator of the program or its
    program lead, never by who asked nor by the person it is about."""
    with writing(con) as cursor:
        row = cursor.execute("select program_id, person_id, kind, value, requested_by from access_requests "
                             "where request_id = $id and status = 'waiting'", {"id": request_id}).fetchone()
        if row is None:
            raise ValueError("That request is no longer waiting.")
        program_id, person_id, kind, value, requested_by = row
        if actor_id in (requested_by, person_id) or not holds_role(cursor, actor_id, program_id, CONFIRMERS):
            raise NotAllowed("A request is confirmed by a second person: another administrator of the program, or "
                             "its program lead, who is neither the one who asked nor the one it is about.")
        if confirm and kind == "role":
            execute(cursor, "grant_role", person_id=person_id, program_id=program_id, role=value)
        elif confirm:
            _add_identity(cursor, person_id, value)
        execute(cursor, "decide_access_request", request_id=request_id, status="confirmed" if confirm else "declined",
                decided_by=actor_id, decided_at=_now())
        record(cursor, actor_id, "confirm access" if confirm else "decline access", program_id=program_id,
               person=person_id, requested_by=requested_by, **{kind: value})


def revoke_role(con, actor_id: str, program_id: str, person_id: str, role: str) -> bool:
    """Take the role away; False when the person did not hold it. An administrator cannot remove
    their own administrator role, so a program is never left without one by accident."""
    if person_id == actor_id and role == "admin":
        raise NotAllowed("You cannot remove your own administrator role; ask another administrator.")
    with writing(con, program_id=program_id) as cursor:
        _require_admin(cursor, actor_id, program_id)
        deleted = execute(cursor, "revoke_role", person_id=person_id, program_id=program_id, role=role).fetchone()[0]
        if deleted:
            record(cursor, actor_id, "revoke role", program_id=program_id, person=person_id, role=role)
        return bool(deleted)


def set_identity(con, actor_id: str, program_id: str, person_id: str, identity: str) -> str:
    """Let a sign-in identity (email or subject) map to a person of the admin's program: "added" for the
    administrator's own record, else "requested" (a second person confirms: decide_request)."""
    identity = normalise_identity(identity)
    if not identity:
        raise ValueError("The sign-in identity is empty.")
    with writing(con, program_id=program_id) as cursor:
        _require_admin(cursor, actor_id, program_id)
        known = cursor.execute(sql("program_staff"), {"viewer": actor_id, "program_id": program_id}).fetchall()
        if person_id not in {row[0] for row in known}:
            raise NotAllowed("That person is not known to this program (they hold no role in it, nor assess or "
                             "coach its residents).")
        taken = cursor.execute("select person_id from sign_in_identities where identity = $i",
                               {"i": identity}).fetchone()
        if taken and taken[0] == actor_id and person_id != actor_id:
            raise NotAllowed("That is your own sign-in: you cannot attach it to another person's record.")
        if taken and taken[0] != person_id:
            raise ValueError("That identity already belongs to someone else.")
        if taken:
            return "added"
        if person_id != actor_id:
            return _request(cursor, actor_id, program_id, person_id, "identity", identity)
        _add_identity(cursor, person_id, identity)
        record(cursor, actor_id, "set sign-in identity", program_id=program_id, person=person_id,
               identity_added=identity)
        return "added"


def _add_identity(cursor, person_id: str, identity: str) -> None:
    taken = cursor.execute("select person_id from sign_in_identities where identity = $i", {"i": identity}).fetchone()
    if taken and taken[0] != person_id:
        raise ValueError("That identity already belongs to someone else.")
    execute(cursor, "add_sign_in_identity", identity=identity, person_id=person_id)
