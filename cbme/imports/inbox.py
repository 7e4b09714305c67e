"""Imports while the dashboard serves. DuckDB lets one process write a database file, and the
dashboard holds it, so a scheduled import hands its files to the dashboard instead: it drops them into
the inbox folder, one subfolder per program (data/inbox/EM/export.csv, or CBME_INBOX), and the
dashboard's process imports each within seconds, as the command line would (audited with the host's
user), then moves it to done/ with a result file beside it: the summary and the exit status the
command line would have given, and the rejected rows. `python -m cbme.imports --inbox-wait` does the
dropping (with what was stated for the file: mapping, date order, reverts) and waits for the result. A
file is taken only once it is complete: writers give it a name ending in .part and rename it when done.

The watcher runs in the dashboard's process from the moment it serves, whether or not anyone has
opened a page: cbme.serve, the dashboard's launcher (`make run`), starts it before Streamlit's own
command line.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import duckdb

from cbme.imports.mapping import load_mapping
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Report, rejected_rows_csv, summary_text
from cbme.imports.run import WORKBOOK_ENDINGS, import_files
from cbme.store import db

ENDINGS = (".csv", *WORKBOOK_ENDINGS)
POLL_SECONDS = 2.0


def folder() -> Path:
    return Path(os.environ.get("CBME_INBOX", db.ROOT / "data" / "inbox"))


def result_path(done: Path, file_name: str) -> Path:
    return done / f"{file_name}.result.txt"


def exit_status(results: list) -> int:
    """0 all loaded, 1 some rows rejected or held back (the rest loaded), 2 a file not imported at all."""
    if any(not isinstance(r, Report) for r in results):
        return 2
    return 1 if any(r.rejections or r.held_back for r in results) else 0


def options_path(inbox_file: Path) -> Path:
    """Where the command line leaves what was stated for a file it hands over (mapping, date order...)."""
    return inbox_file.with_name(f"{inbox_file.name}.options.json")


def import_waiting(con, inbox: Path) -> int:
    """Import every complete file waiting in the inbox's program folders; return how many were taken."""
    taken = 0
    for program in sorted(p for p in inbox.iterdir() if p.is_dir()) if inbox.is_dir() else []:
        for path in sorted(p for p in program.iterdir() if p.is_file() and p.name.lower().endswith(ENDINGS)):
            done = program / "done"
            done.mkdir(exist_ok=True)
            stated = options_path(path)
            options = json.loads(stated.read_text()) if stated.exists() else {}
            mapping = load_mapping(options["mapping"], options.get("mapping_name", "mapping")) \
                if options.get("mapping") else None
            results = list(import_files(con, [(path, path.name, program.name)], None, mapping,
                                        allow_reverts=options.get("allow_reverts", False),
                                        date_order=options.get("date_order")))
            lines = [summary_text(r) if isinstance(r, Report) else f"error: {r}" for r in results]
            reports = [r for r in results if isinstance(r, Report) and r.rejections]
            if reports:
                (done / f"{path.name}.rejected.csv").write_text(rejected_rows_csv(reports), newline="")
                lines.append(f"rejected rows written to {done / f'{path.name}.rejected.csv'}")
            path.replace(done / path.name)
            stated.unlink(missing_ok=True)
            result_path(done, path.name).write_text("\n".join([*lines, f"exit status {exit_status(results)}"]) + "\n")
            taken += 1
    return taken


_watching = threading.Lock()
_watched: set[str] = set()


def watch(database: Path, inbox: Path | None = None, seconds: float = POLL_SECONDS) -> threading.Thread | None:
    """Start, once per process and database, a daemon thread importing what arrives in the inbox for as
    long as the process runs. It opens the database as soon as the file exists (at once, or once the
    first run of the demo has built it), so the serving process holds it from its start, as the command
    line's --inbox-wait expects; the dashboard's own connection, opened later or earlier in the same
    process, is to the same database."""
    inbox = inbox or folder()
    with _watching:
        if str(database) in _watched:
            return None
        _watched.add(str(database))

    def loop():
        con = None
        while True:
            try:
                if con is None and database.is_file():
                    con = db.connect(database)
                if con is not None:
                    import_waiting(con, inbox)
            except (OSError, ImportFailed, db.DatabaseLocked, db.OutdatedDatabase, duckdb.Error) as error:
                print(f"inbox: {type(error).__name__}: {error}", flush=True)  # tried again at the next poll
            time.sleep(seconds)

    thread = threading.Thread(target=loop, name="cbme-inbox", daemon=True)
    thread.start()
    return thread
