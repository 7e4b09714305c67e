"""Setting a program up from the command line, before anyone can sign in to do it: create the database
and the program, load its EPA catalogue and assessment plan, and make its first administrator. Each
step is audited with the operating-system user and host as the actor; docs/importing.md walks
through them.

    python -m cbme.admin program --database data/program.duckdb --new-database --id EM \\
        --name "Emergency Medicine" [--discipline "Emergency Medicine"]
    python -m cbme.admin catalogue --database data/program.duckdb --program EM epas.csv
    python -m cbme.admin admin --database data/program.duckdb --program EM --person P-ADMIN \\
        --identity you@example.org [--name "Your Name"]

The catalogue is a canonical epas file (CSV, or a workbook with an epas sheet: the data dictionary's
columns program_id, epa_code, stage, title, required_observations, target_entrustment,
contextual_requirements), imported like any file: checked row by row, reconciled, rolled back whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cbme.imports.cli import open_database
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import summary_text
from cbme.imports.run import run_import
from cbme.store import access, db, postgres
from cbme.store.access import command_line_actor
from cbme.vocabulary import ROLES


def create_program(con, program_id: str, name: str, discipline: str | None = None) -> bool:
    """Add the program; False when it already exists."""
    with db.writing(con) as cursor:
        added = db.execute(cursor, "create_program", program_id=program_id, name=name,
                           discipline=discipline).fetchone()[0]
        if added:
            access.record(cursor, None, "create program", identity=command_line_actor(), program_id=program_id,
                          name=name)
    return bool(added)


def make_admin(con, program_id: str, person_id: str, identity: str, name: str | None = None,
               role: str = "admin") -> None:
    """Give a person a role in the program, with the sign-in identity they use: the program's first
    administrator, or its program lead, who then confirm the roles an administrator asks for on the
    People and access page (someone who can write the database file needs no second person)."""
    if role not in ("admin", "program_lead"):
        raise ValueError("the command line sets up a program's administrators and its program lead")
    with db.writing(con) as cursor:
        if not cursor.execute("select count(*) from programs where program_id = $p", {"p": program_id}).fetchone()[0]:
            raise ValueError(f"no program {program_id!r}; create it first with: python -m cbme.admin program")
        if name:
            db.execute(cursor, "add_person", person_id=person_id, name=name)
        if not cursor.execute("select count(*) from people where person_id = $p", {"p": person_id}).fetchone()[0]:
            raise ValueError(f"no person {person_id!r}; give --name to create them")
        db.execute(cursor, "grant_role", person_id=person_id, program_id=program_id, role=role)
        db.execute(cursor, "add_sign_in_identity", identity=access.normalise_identity(identity), person_id=person_id)
        access.record(cursor, None, "grant role", identity=command_line_actor(), program_id=program_id,
                      person=person_id, role=role, identity_added=access.normalise_identity(identity))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cbme.admin", description="Set a program up.")
    steps = parser.add_subparsers(dest="step", required=True)
    program = steps.add_parser("program", help="create a program (and, with --new-database, its database)")
    program.add_argument("--id", required=True, help="a short code, e.g. EM")
    program.add_argument("--name", required=True)
    program.add_argument("--discipline")
    program.add_argument("--new-database", action="store_true", help="create the database file if it is new")
    catalogue = steps.add_parser("catalogue", help="load a program's EPA catalogue and assessment plan")
    catalogue.add_argument("--program", required=True)
    catalogue.add_argument("file", type=Path)
    admin = steps.add_parser("admin", help="make a person administrator (or program lead) of a program")
    admin.add_argument("--program", required=True)
    admin.add_argument("--person", required=True)
    admin.add_argument("--identity", required=True, help="the email or subject they sign in with")
    admin.add_argument("--name", help="create the person with this name if they are new")
    admin.add_argument("--role", choices=["admin", "program_lead"], default="admin",
                       help="the role to give (default admin); program_lead sets up the program's lead, who "
                            "confirms the roles an administrator asks for")
    moving = steps.add_parser("move", help="copy a dashboard file's records into a new, empty shared PostgreSQL "
                                           "database (--database names the shared database)")
    moving.add_argument("file", type=Path, help="the dashboard's database file")
    for step in (program, catalogue, admin, moving):
        step.add_argument("--database", type=db.configured, required=True,
                          help="the database file, or a shared PostgreSQL database's URL")
    args = parser.parse_args(argv)
    try:
        if args.step == "program" and args.new_database and (db.is_url(args.database) or not args.database.exists()):
            con = db.connect(args.database)
        else:
            con = open_database(args.database)
    except ImportFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if args.step == "program":
            added = create_program(con, args.id, args.name, args.discipline)
            print(f"Program {args.id} ({args.name}) created." if added else f"Program {args.id} already exists.")
        elif args.step == "catalogue":
            report = run_import(con, args.file.read_bytes(), args.file.name, args.program, None)
            print(summary_text(report))
            return 1 if report.rejections else 0
        elif args.step == "move":
            counts = postgres.copy_file(con, args.file)
            print(f"Copied {counts['residents']} residents and {counts['assessments']} assessments from "
                  f"{args.file.name} into {db.describe(args.database)}.")
        else:
            make_admin(con, args.program, args.person, args.identity, args.name, args.role)
            print(f"{args.person} is now {ROLES[args.role].lower()} of {args.program} and signs in as "
                  f"{args.identity}.")
    except (ValueError, ImportFailed, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
