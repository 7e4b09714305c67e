"""The command line: import export files into the dashboard's database, each file all or nothing, in
the order given, each file's summary printed as it commits.

    python -m cbme.imports FILE [FILE ...] --program EM [--database PATH] [--rejections rejected.csv]
        [--mapping mapping.toml] [--allow-revert] [--date-order day-first|month-first] [--inbox-wait SECONDS]

The database is --database, else CBME_DATABASE, else data/dashboard.duckdb; it must exist (create a
program's database with python -m cbme.admin). Exit status: 0 every row loaded, 1 some rows rejected or
held back (the rest loaded), 2 a file (or the database) not imported at all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from cbme.imports import inbox
from cbme.imports.mapping import load_mapping
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Report, rejected_rows_csv, summary_text
from cbme.imports.run import import_files
from cbme.imports.validation import DATE_ORDERS
from cbme.store import db

DEFAULT_DATABASE = db.ROOT / "data" / "dashboard.duckdb"
# What the database may keep in memory in a command-line import, which only writes: past it DuckDB
# evicts the file's cached blocks rather than growing. (Each file's staging database has its own cap,
# reading.MEMORY_LIMIT.) A serving dashboard keeps DuckDB's own default, its cache serving the pages.
MEMORY_LIMIT = "256MB"


def database_path(given: Path | str | None) -> Path | str:
    """The database to import into: --database, else CBME_DATABASE, else the default file (a shared
    PostgreSQL database's URL is kept as given)."""
    return db.configured(given or os.environ.get("CBME_DATABASE", DEFAULT_DATABASE))


def open_database(path: Path | str) -> duckdb.DuckDBPyConnection:
    """The database file, which must exist and be a DuckDB database of this dashboard, or a shared
    PostgreSQL database, opened for the command line (its memory capped, MEMORY_LIMIT); ImportFailed
    says what is wrong in words."""
    if not db.is_url(path) and not path.is_file():
        raise ImportFailed(f"There is no database file {path}. Give the path of the dashboard's database "
                           "(--database or CBME_DATABASE), or create one with: python -m cbme.admin program "
                           "--database PATH --new-database ... (docs/importing.md).")
    try:
        con = db.connect(path)
    except db.DatabaseLocked as error:
        raise ImportFailed(f"{error} To import while the dashboard runs, give --inbox-wait SECONDS, or copy the "
                           f"file into the dashboard's inbox folder (docs/importing.md).") from None
    except db.OutdatedDatabase as error:
        raise ImportFailed(str(error)) from None
    except duckdb.Error as error:
        first = str(error).strip().splitlines()[0]
        if db.is_url(path):
            raise ImportFailed(f"{db.describe(path).capitalize()} cannot be reached ({first}).") from None
        raise ImportFailed(f"{path} is not a database the dashboard can open: it may be damaged or not a DuckDB "
                           f"file ({first}). Restore it from a backup.") from None
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    return con


def progress_bar(file_name: str, share: float, text: str) -> None:
    """A bar on a terminal, one line per step otherwise (a log)."""
    if sys.stdout.isatty():
        filled = int(share * 30)
        print(f"\r{file_name}: [{'#' * filled}{' ' * (30 - filled)}] {share:>4.0%} {text:<24}", end="",
              flush=True)
        if share >= 1:
            print()
    else:
        print(f"{file_name}: {share:>4.0%} {text}", flush=True)


def via_inbox(files: list[Path], program: str, seconds: float, stated: dict) -> int:
    """Hand the files to the running dashboard through its inbox, with what was stated for them, and
    print each result as it comes."""
    target = inbox.folder() / program
    done = target / "done"
    target.mkdir(parents=True, exist_ok=True)
    statuses = []
    for path in files:
        result = inbox.result_path(done, path.name)
        result.unlink(missing_ok=True)
        partial = target / f"{path.name}.part"
        shutil.copyfile(path, partial)
        if stated:
            inbox.options_path(target / path.name).write_text(json.dumps(stated))
        partial.replace(target / path.name)
        deadline = time.monotonic() + seconds
        while not result.exists():
            if time.monotonic() > deadline:
                print(f"error: {path.name}: the dashboard took no file from {target} within {seconds:.0f} s; is it "
                      "running on this database?", file=sys.stderr)
                return 2
            time.sleep(0.5)
        text = result.read_text()
        print(text, end="")
        statuses.append(int(text.rsplit("exit status", 1)[1]))
    return max(statuses, default=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cbme.imports", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+", metavar="file")
    parser.add_argument("--program", required=True, help="the program the files belong to, e.g. EM")
    parser.add_argument("--database", help="the database file, or a shared PostgreSQL database's URL (default: "
                                           "CBME_DATABASE, else data/dashboard.duckdb)")
    parser.add_argument("--rejections", type=Path, help="write rejected rows here (CSV), ready to fix and import")
    parser.add_argument("--mapping", type=Path, help="a column-mapping file (docs/mapping.md)")
    parser.add_argument("--allow-revert", action="store_true",
                        help="apply rows that put back values a later import corrected (an older export)")
    parser.add_argument("--date-order", choices=list(DATE_ORDERS),
                        help="the order of the files' slashed dates (01/02/2026), when their columns do not tell")
    parser.add_argument("--inbox-wait", type=float, metavar="SECONDS",
                        help="when the dashboard holds the database, hand the files to it and wait this long")
    args = parser.parse_args(argv)
    try:
        mapping = load_mapping(args.mapping.read_text(), args.mapping.name) if args.mapping else None
        missing = [str(p) for p in args.files if not p.is_file()]
        if missing:
            raise ImportFailed(f"No such file: {', '.join(missing)}.")
        con = open_database(database_path(args.database))
    except (ImportFailed, OSError) as error:
        if args.inbox_wait and isinstance(error, ImportFailed) and "in another process" in str(error):
            stated = {"date_order": DATE_ORDERS.get(args.date_order), "allow_reverts": args.allow_revert,
                      **({"mapping": args.mapping.read_text(), "mapping_name": args.mapping.name} if args.mapping
                         else {})}
            return via_inbox(args.files, args.program, args.inbox_wait,
                             {k: v for k, v in stated.items() if v})
        print(f"error: {error}", file=sys.stderr)
        return 2
    results, rejected = [], []
    try:
        for result in import_files(con, [(p, p.name, args.program) for p in args.files], None, mapping,
                                   progress_bar, args.allow_revert, DATE_ORDERS.get(args.date_order)):
            results.append(result)
            if isinstance(result, Report):
                print(summary_text(result), flush=True)
                rejected += [result] if result.rejections else []
                if rejected and args.rejections:
                    args.rejections.write_text(rejected_rows_csv(rejected), newline="")
            else:
                print(f"error: {result}", file=sys.stderr, flush=True)
    finally:
        con.close()
    if rejected:
        count = sum(r.rejected for r in rejected)
        print(f"rejected rows ({count}) written to {args.rejections}" if args.rejections else
              f"{count} rows rejected; give --rejections FILE to write them out, ready to fix and import again")
    return inbox.exit_status(results)
