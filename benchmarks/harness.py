"""How the benchmarks, and the tests, run the dashboard outside a person's browser: in AppTest, signed in
through single sign-on (AUTH), or served on a free port of this machine (dashboard_server). The tests
import these from here; nothing in benchmarks/ imports from tests/."""

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

ROOT = Path(__file__).resolve().parent.parent
# Single sign-on settings for AppTest runs (the provider is never contacted: AppTest supplies st.user).
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret-0123456789",
        "client_id": "dashboard", "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
# Sign-in by an authenticating proxy's header, believed from loopback: in the browser tests and the
# concurrent sessions the "proxy" is the browser itself, setting the header on every request.
HEADER = "X-Forwarded-Email"
PROXY_SIGN_IN = {"CBME_TRUSTED_HEADER": HEADER, "CBME_TRUSTED_PROXIES": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard_server(database: Path, timeout: float = 90, port: int | None = None, args: list[str] = (),
                     env: dict[str, str] | None = None, log_path: Path | None = None, address: str = "127.0.0.1",
                     started: list | None = None):
    """Serve the dashboard as `make run` does (cbme.serve) on a port of address (loopback by default)
    with the given database; yield its base URL (on loopback). The server's output goes to log_path (a
    temporary file if not given). started, when given, receives the server's process."""
    port = port or free_port()
    env = {**os.environ, "CBME_DATABASE": str(database), **(env or {})}
    command = [sys.executable, "-m", "cbme.serve", "run", str(ROOT / "dashboard.py"), "--server.port",
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
