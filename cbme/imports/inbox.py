"""Imports while the dashboard serves. DuckDB lets one process write a database file, and the
dashboard holds it, so a scheduled import hands its files to the dashboard instead: it drops them into
the inbox folder, one subfolder per program (data/inbox/EM/export.csv, or CBME_INBOX), and the
dashboard's process imports each within seconds, as the command line would (audited with the host's
user), then moves it to done/ with a result file beside it: the summary and the exit status the
command line would have given, and the rejected rows. `python -m cbme.imports --inbox-wait` does the
dropping and waits for the result. A file is taken only once it is complete: writers give it a name
ending in .part and rename it when done.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from cbme.db import ROOT
from cbme.imports.reading import ImportFailed
from cbme.imports.reconciliation import Report, rejected_rows_csv, summary_text
from cbme.imports.run import WORKBOOK_ENDINGS, import_files

ENDINGS = (".csv", *WORKBOOK_ENDINGS)
POLL_SECONDS = 2.0


def folder() -> Path:
    return Path(os.environ.get("CBME_INBOX", ROOT / "data" / "inbox"))


def result_path(done: Path, file_name: str) -> Path:
    return done / f"{file_name}.result.txt"


def exit_status(results: list) -> int:
    """0 all loaded, 1 some rows rejected or held back (the rest loaded), 2 a file not imported at all."""
    if any(not isinstance(r, Report) for r in results):
        return 2
    return 1 if any(r.rejections or r.held_back for r in results) else 0


def import_waiting(con, inbox: Path) -> int:
    """Import every complete file waiting in the inbox's program folders; return how many were taken."""
    taken = 0
    for program in sorted(p for p in inbox.iterdir() if p.is_dir()) if inbox.is_dir() else []:
        for path in sorted(p for p in program.iterdir() if p.is_file() and p.name.lower().endswith(ENDINGS)):
            done = program / "done"
            done.mkdir(exist_ok=True)
            results = list(import_files(con, [(path, path.name, program.name)], None))
            lines = [summary_text(r) if isinstance(r, Report) else f"error: {r}" for r in results]
            reports = [r for r in results if isinstance(r, Report) and r.rejections]
            if reports:
                (done / f"{path.name}.rejected.csv").write_text(rejected_rows_csv(reports), newline="")
                lines.append(f"rejected rows written to {done / f'{path.name}.rejected.csv'}")
            path.replace(done / path.name)
            result_path(done, path.name).write_text("\n".join([*lines, f"exit status {exit_status(results)}"]) + "\n")
            taken += 1
    return taken


_watched: set[int] = set()
_watching = threading.Lock()


def watch_once(con) -> None:
    """Watch the inbox for this connection, once per process (the dashboard calls it on every run)."""
    with _watching:
        if id(con) not in _watched:
            _watched.add(id(con))
            watch(con)


def watch(con, inbox: Path | None = None, seconds: float = POLL_SECONDS) -> threading.Thread:
    """Start a daemon thread importing what arrives in the inbox, for as long as the process runs."""
    inbox = inbox or folder()

    def loop():
        while True:
            try:
                import_waiting(con, inbox)
            except (OSError, ImportFailed) as error:  # a folder removed or unreadable: try again later
                print(f"inbox: {type(error).__name__}: {error}", flush=True)
            time.sleep(seconds)

    thread = threading.Thread(target=loop, name="cbme-inbox", daemon=True)
    thread.start()
    return thread
