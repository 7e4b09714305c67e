"""Concurrent committee sessions: browser sessions (Playwright contexts in Debian's headless Chromium) stepping
through resident pages against one dashboard server at the same time.

The sessions are the members of several committees meeting at once (five members each, in different
programs). Members join three seconds apart; each signs in (through a trusted proxy header) and opens
the resident page in meeting view on the first resident of the agenda (the first load, which fetches
the app's 10 MB of scripts, is reported apart). Once every member has it open, all step through their
agenda with Next, reading each page for a few seconds (--pause) before the next. A step lasts from the
click until the page has finished rendering: the script has run to the end, the next resident's header
shows and every chart is drawn.
A step that times out, or a page that shows an error, counts as an error. The server and the browsers
share this machine's cores: the run records how many core-seconds the machine spent busy while the sessions
ran, and how many of them were the server's (the rest are the browsers', drawing their pages, and this
process's, driving them).

    python -m benchmarks.concurrency DATABASE [--sessions 20] [--steps 5] [--pause 5 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
from playwright.async_api import async_playwright

from benchmarks.datasets import MEETING_DATE
from benchmarks.harness import HEADER, PROXY_SIGN_IN, dashboard_server, free_port
from benchmarks.reverse_proxy import reverse_proxy
from cbme.app.browser import CHROMIUM_FLAGS, chromium_path
from cbme.config import program_config
from cbme.rules import meeting
from cbme.store import db

# Every session stands for a person at their own screen: no page is treated as a background tab whose
# timers and animation frames Chromium would throttle.
FOREGROUND = ["--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
              "--disable-renderer-backgrounding"]
# Rendered: the script has run to the end, the header names another resident than before, and every
# chart on the page is drawn.
RENDERED = """(previous) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const header = document.querySelector('.facts .value');
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return app && app.getAttribute('data-test-script-state') === 'notRunning' && header
        && header.textContent !== previous && charts.length > 0 && charts.every(c => c.querySelector('.main-svg'));
}"""
HEADER_TEXT = "() => document.querySelector('.facts .value').textContent"
FAILED = """() => Boolean(document.querySelector('[data-testid="stException"]'))
    || document.body.innerText.includes('Something went wrong')"""

POLL_MS = 25  # how often a session checks whether its page has rendered
MEMBERS = 5  # sessions per committee
JOIN_SECONDS = 3.0  # between one member's arrival and the next: a meeting fills over a minute
FIRST_LOAD_TIMEOUT_MS = 180_000


def sessions_plan(database: Path, sessions: int) -> list[dict]:
    """For each session, a committee member's identity and the first resident on their meeting's agenda
    (ordered by concern, as the meeting page presents it), so every step has a next resident."""
    with duckdb.connect(str(database), read_only=True) as con:
        members = con.execute("""
            select g.program_id, list(distinct i.identity order by i.identity) as identities,
                min(g.person_id) as viewer
            from roles as g join sign_in_identities as i using (person_id)
            where g.role in ('program_lead', 'committee_chair', 'committee_member')
            group by g.program_id order by g.program_id""").fetchall()
        committees = members[:(sessions - 1) // MEMBERS + 1]
        first = {program: _first_on_agenda(con, program, viewer) for program, _, viewer in committees}
    return [{"identity": committees[k // MEMBERS][1][k % MEMBERS], "resident": first[committees[k // MEMBERS][0]]}
            for k in range(sessions)]


def _first_on_agenda(con, program_id: str, viewer: str) -> str:
    agenda, _ = meeting.load_agenda(functools.partial(db.query, con), viewer, program_id, MEETING_DATE,
                                    program_config(program_id))
    return agenda["resident_id"].iloc[0]


async def _session(browser, url: str, plan: dict, steps: int, join: float, pause: tuple[float, float],
                   rng: random.Random, result: dict, timeout_ms: int) -> None:
    await asyncio.sleep(join)
    context = await browser.new_context(extra_http_headers={HEADER: plan["identity"]},
                                        viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    day = MEETING_DATE.isoformat()
    arrived = False
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/resident?resident={plan['resident']}&meeting={day}&agenda=all&as_of={day}")
        await page.wait_for_function(RENDERED, arg="", polling=POLL_MS, timeout=FIRST_LOAD_TIMEOUT_MS)
        result["first_load"].append(time.perf_counter() - started)
        _arrive(result)
        arrived = True
        await result["all_arrived"].wait()
        for step in range(steps):
            await asyncio.sleep(rng.uniform(*pause))
            previous = await page.evaluate(HEADER_TEXT)
            started = time.perf_counter()
            await page.get_by_role("button", name="Next", exact=True).click()
            await page.wait_for_function(RENDERED, arg=previous, polling=POLL_MS, timeout=timeout_ms)
            seconds = time.perf_counter() - started
            result["steps"].append(seconds)
            # The first steps come together, just after everyone has joined; later ones spread out.
            result["first_steps" if step == 0 else "later_steps"].append(seconds)
            if await page.evaluate(FAILED):
                result["errors"].append(f"{plan['identity']}: a page shows an error")
    except Exception as error:  # a timeout or a crash: counted, and the other sessions go on
        result["errors"].append(f"{plan['identity']}: {type(error).__name__}")
    finally:
        if not arrived:
            _arrive(result)
        await context.close()


def _arrive(result: dict) -> None:
    """Count a session in; when the last has loaded its first page, everyone starts stepping."""
    result["arrived"] += 1
    if result["arrived"] == result["sessions"]:
        result["all_arrived"].set()


async def _run(url: str, plans: list[dict], steps: int, pause: tuple[float, float], timeout_ms: int,
               server_pids: list[int]) -> dict:
    result = {"first_load": [], "steps": [], "first_steps": [], "later_steps": [], "errors": [], "arrived": 0,
              "sessions": len(plans), "all_arrived": asyncio.Event()}
    rng = random.Random(7)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=headless_chromium_path(),
                                          args=CHROMIUM_FLAGS + FOREGROUND)
        started, busy = time.perf_counter(), _busy_core_seconds()
        served = sum(_process_core_seconds(pid) for pid in server_pids)
        await asyncio.gather(*(_session(browser, url, plan, steps, k * JOIN_SECONDS, pause, rng, result, timeout_ms)
                               for k, plan in enumerate(plans)))
        result["elapsed"] = time.perf_counter() - started
        result["busy_core_s"] = _busy_core_seconds() - busy
        result["server_core_s"] = sum(_process_core_seconds(pid) for pid in server_pids) - served
        await browser.close()
    return result


def headless_chromium_path() -> str:
    """Debian's headless shell build of Chromium (what Playwright itself runs headless), which draws a
    page with less work than the full browser; the full browser where it is not installed."""
    return shutil.which("chromium-headless-shell") or chromium_path()


def measure(database: Path, sessions: int, steps: int, pause: tuple[float, float] = (5, 15),
            timeout_ms: int = 60_000, shared: str | None = None, instances: int = 1) -> dict:
    """The sessions against one dashboard on the database file; or, given a shared database's URL,
    against that many instances on it behind one reverse proxy (the file still names the sessions'
    members and residents: it holds the same records)."""
    plans = sessions_plan(database, sessions)
    servers: list = []
    with contextlib.ExitStack() as stack:
        if shared:
            ports = [free_port() for _ in range(instances)]
            for port in ports:
                stack.enter_context(dashboard_server(shared, env=PROXY_SIGN_IN, started=servers, port=port))
            url = stack.enter_context(reverse_proxy(ports, Path(stack.enter_context(tempfile.TemporaryDirectory()))))
        else:
            url = stack.enter_context(dashboard_server(database, env=PROXY_SIGN_IN, started=servers))
        pids = [server.pid for server in servers]
        result = asyncio.run(_run(url, plans, steps, pause, timeout_ms, pids))
        server_peak_mib = max(_peak_mib(pid) for pid in pids)
    return {"sessions": sessions, "instances": len(servers), "steps": result["steps"],
            "first_steps": result["first_steps"], "later_steps": result["later_steps"],
            "first_load": result["first_load"], "errors": result["errors"], "elapsed": result["elapsed"],
            "pause": list(pause), "server_peak_mib": server_peak_mib, "cores": os.cpu_count(),
            "busy_core_s": result["busy_core_s"], "server_core_s": result["server_core_s"]}


def _busy_core_seconds() -> float:
    """Core-seconds every core of the machine has spent busy since it started (Linux: /proc/stat's
    first line, in clock ticks; idle and waiting for input or output are not busy)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _process_core_seconds(pid: int) -> float:
    """Core-seconds a running process and its waited-for children have spent (Linux: /proc/PID/stat's
    user and system times)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(t) for t in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _peak_mib(pid: int) -> float:
    """A running process's peak resident memory (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return int(next(line for line in status if line.startswith("VmHWM")).split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--shared", help="a shared database's URL holding the file's records: serve it instead")
    parser.add_argument("--instances", type=int, default=1, help="with --shared: instances behind one proxy")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--pause", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"),
                        help="seconds a member reads a page before Next (uniform between MIN and MAX)")
    args = parser.parse_args()
    print(json.dumps(measure(args.database, args.sessions, args.steps, tuple(args.pause), shared=args.shared,
                             instances=args.instances)))


if __name__ == "__main__":
    main()
