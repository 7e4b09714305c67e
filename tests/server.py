"""A dashboard server and a headless Chromium for browser tests and screenshots.

The browser is Debian's Chromium (installed by the Makefile), driven by Playwright through its
executable path (cbme.app.browser): Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cbme.app.browser import CHROMIUM_FLAGS, chromium_path  # noqa: F401  (the tests' browser is the packet's)

ROOT = Path(__file__).resolve().parent.parent
# Sign-in by an authenticating proxy's header, believed from loopback: the browser tests' "proxy" is the
# browser itself, setting the header on every request.
HEADER = "X-Forwarded-Email"
PROXY_SIGN_IN = {"CBME_TRUSTED_HEADER": HEADER, "CBME_TRUSTED_PROXIES": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(database: Path, timeout: float = 90, port: int | None = None, args: list[str] = (),
                     env: dict[str, str] | None = None, log_path: Path | None = None, launcher: str = "cbme.serve",
                     address: str = "127.0.0.1", started: list | None = None):
    """Serve the dashboard on a port of address (loopback, as `make run` does) with the given database;
    yield its base URL (on loopback). The server's output goes to log_path (a temporary file if not
    given). launcher is the module that takes streamlit's command line (cbme.serve, which also watches
    the import inbox; benchmarks.timed_server also times each run of the script). started, when given,
    receives the server's process."""
    port = port or free_port()
    env = {**os.environ, "CBME_DATABASE": str(database), **(env or {})}
    command = [sys.executable, "-m", launcher, "run", str(ROOT / "dashboard.py"), "--server.port",
               str(port), "--server.address", address, "--server.headless", "true", *args]
    log = (Path(log_path) if log_path else Path(tempfile.mkstemp(suffix=".log")[1])).open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if started is not None:
        started.append(process)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = Path(log.name).read_text(errors="replace")
                    raise RuntimeError(f"dashboard server did not start:\n{output}") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for_script(page, timeout_ms: int = 60_000) -> None:
    """Wait until the Streamlit script has run to the end and the page settled."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_load_state("networkidle")


def download(page, button: str, folder: Path) -> Path:
    """Click a download button; the file saved into folder under the name the dashboard gives it."""
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path
