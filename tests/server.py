"""A dashboard server and a headless Chromium for browser tests and screenshots.

The browser is Debian's Chromium (installed by the Makefile), driven by Playwright through its
executable path (cbme.app.browser): Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

# (served and signed in as the benchmarks do; the tests' browser is the packet's)
from benchmarks.harness import HEADER, PROXY_SIGN_IN, dashboard_server, free_port  # noqa: F401
from cbme.app.browser import CHROMIUM_FLAGS, chromium_path  # noqa: F401


def wait_for_script(page, timeout_ms: int = 60_000) -> None:
    """Wait until the Streamlit script has run to the end and the page settled."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_load_state("networkidle")


# Counts the runs that start from now on: a widget's change reaches the server a moment after the click,
# so the page can still say "notRunning" when the wait above begins.
_COUNT_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.cbmeRunObserver?.disconnect();
    window.cbmeRuns = 0;
    window.cbmeRunObserver = new MutationObserver(() => {
        if (app.dataset.testScriptState === 'running') window.cbmeRuns += 1;
    });
    window.cbmeRunObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_RAN = """() => window.cbmeRuns > 0
    && document.querySelector('[data-testid="stApp"]').dataset.testScriptState === 'notRunning'"""


@contextlib.contextmanager
def script_run(page, timeout_ms: int = 60_000):
    """Around an action that reruns the script: waits until a run begun after it has ended."""
    page.evaluate(_COUNT_RUNS)
    yield
    page.wait_for_function(_RAN, timeout=timeout_ms)
    wait_for_script(page, timeout_ms)


def download(page, button: str, folder: Path) -> Path:
    """Click a download button; the file saved into folder under the name the dashboard gives it."""
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path
