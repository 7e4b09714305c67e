"""Work that runs beside the sessions: started by a page, run on a thread of the server process, its
progress read by the page while the user goes on (the meeting packet takes tens of seconds to build
while the meeting continues). A job touches no Streamlit state: it is given what it needs.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

log = logging.getLogger("cbme")
KEPT = 16  # finished jobs kept for their pages to collect (a packet is a few megabytes)


@dataclass
class Job:
    share: float = 0.0
    words: str = "Starting"
    result: object = None
    failed: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def report(self, share: float, words: str) -> None:
        self.share, self.words = min(max(share, 0.0), 1.0), words


_jobs: OrderedDict[Hashable, Job] = OrderedDict()
_lock = threading.Lock()


def find(key: Hashable) -> Job | None:
    with _lock:
        return _jobs.get(key)


def start(key: Hashable, work: Callable[[Callable[[float, str], None]], object]) -> Job:
    """Run work(report) on a new thread unless a job with this key is running or has succeeded; the
    key names everything the result depends on (the data version, the viewer, the inputs)."""
    with _lock:
        job = _jobs.get(key)
        if job is not None and not job.failed:
            return job
        job = _jobs[key] = Job()
        while len(_jobs) > KEPT:
            _jobs.popitem(last=False)

    def run() -> None:
        try:
            job.result = work(job.report)
        except Exception as error:  # reported to the page; the log gets the type, never resident data
            job.failed = True
            log.error("background job failed: %s", type(error).__name__)
        finally:
            job.done.set()

    threading.Thread(target=run, name="cbme-job", daemon=True).start()
    return job
