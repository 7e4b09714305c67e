"""Set up the first administrator of a program from the command line (no one can sign in to do it
before there is one). Audited like any role change, with the command line as the actor.

    python -m cbme.admin --database data/dashboard.duckdb --program EM --person EM-P0063 \\
        --identity you@example.org [--name "Your Name"]

--name creates the person when the id is new.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cbme import access, db


def make_admin(con, program_id: str, person_id: str, identity: str, name: str | None = None) -> None:
    with db.writing(con) as cursor:
        if not cursor.execute("select count(*) from programs where program_id = $p", {"p": program_id}).fetchone()[0]:
            raise ValueError(f"no program {program_id!r}")
        if name:
            cursor.execute("insert into people (person_id, name) values ($p, $n) on conflict do nothing",
                           {"p": person_id, "n": name})
        if not cursor.execute("select count(*) from people where person_id = $p", {"p": person_id}).fetchone()[0]:
            raise ValueError(f"no person {person_id!r}; give --name to create them")
        cursor.execute("insert into roles values ($p, $program, 'admin') on conflict do nothing",
                       {"p": person_id, "program": program_id})
        cursor.execute("insert into sign_in_identities values ($i, $p) on conflict do nothing",
                       {"i": access.normalise_identity(identity), "p": person_id})
        access.record(cursor, None, "grant role", identity="command line", program_id=program_id,
                      person=person_id, role="admin", identity_added=access.normalise_identity(identity))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make a person administrator of a program.")
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--person", required=True)
    parser.add_argument("--identity", required=True, help="the email or subject they sign in with")
    parser.add_argument("--name", help="create the person with this name if they are new")
    args = parser.parse_args(argv)
    try:
        con = db.connect(args.database)
        make_admin(con, args.program, args.person, args.identity, args.name)
    except (db.DatabaseLocked, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.person} is now administrator of {args.program} and signs in as {args.identity}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
