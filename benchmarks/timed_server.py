"""The dashboard server with the start and duration of every script run written to a file: what the
server itself spends on each step of the concurrency benchmark, apart from the browsers' drawing.

    CBME_RUN_LOG=FILE python -m benchmarks.timed_server run dashboard.py [streamlit options]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

RUN_LOG = "CBME_RUN_LOG"


def time_script_runs(record: Callable[[float, float], None]) -> None:
    """Call record(started, seconds) after each run of the script, from start to finish (wall-clock start,
    seconds on the performance counter); what AppTest or the server does around a run is not part of it."""
    run_script = ScriptRunner._run_script

    def timed(self, rerun_data):
        wall, started = time.time(), time.perf_counter()
        try:
            run_script(self, rerun_data)
        finally:
            record(wall, time.perf_counter() - started)

    ScriptRunner._run_script = timed


def read_runs(path) -> list[tuple[float, float]]:
    """The (started, seconds) of every run a timed server wrote to path."""
    with open(path) as log:
        return [(float(started), float(seconds)) for started, seconds in (line.split() for line in log)]


def _append(path: str, started: float, seconds: float) -> None:
    with open(path, "a") as log:  # one short line per run: appends from the server's threads do not interleave
        log.write(f"{started:.3f} {seconds:.4f}\n")


if __name__ == "__main__":
    from streamlit.web.cli import main

    log_path = os.environ[RUN_LOG]
    time_script_runs(lambda started, seconds: _append(log_path, started, seconds))
    sys.exit(main(prog_name="streamlit"))
