"""A dashboard server and a headless Chromium for browser tests and screenshots.

The browser is Debian's Chromium (installed by the Makefile), driven by Playwright through its
executable path (cbme.app.browser): Playwright's own browser downloads are not used.
"""

from __future__ import annotations

from pathlib import Path

# (served and signed in as the benchmarks do; the tests' browser is the packet's)
from benchmarks.harness import HEADER, PROXY_SIGN_IN, dashboard_server, free_port  # noqa: F401
from cbme.app.browser import CHROMIUM_FLAGS, chromium_path  # noqa: F401


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
