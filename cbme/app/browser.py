"""The machine's Chromium (Debian's package), driven by Playwright: it renders the meeting packet's
charts and prints the packet to PDF, and the browser tests use it the same way. Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator

# Headless on a server: no sandbox (the dashboard may run as root in a container), no GPU, and no
# background connections (a hospital network refuses them, and they slow every start).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class NoBrowser(RuntimeError):
    """Chromium is not installed on this machine."""


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise NoBrowser("Chromium is not installed on this machine: install Debian's chromium package "
                        "('make run' and 'make test' install it).")
    return path


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser (Playwright's Browser), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
