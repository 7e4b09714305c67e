"""Take screenshots of the dashboard pages for a person to look at.

    python -m tests.screenshots OUT_DIR [--width 1280] [URL_PATH ...]

Serves the dashboard on the configured database (CBME_DATABASE, else the demo database) and saves
one full-page PNG per URL path (e.g. "resident?resident=EM-R0003").
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from cbme.app.reads import database
from tests.server import CHROMIUM_FLAGS, chromium_path, dashboard_server, wait_for_script


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("paths", nargs="*", default=["resident"])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=4200)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with dashboard_server(database()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        # Streamlit scrolls inside the page, so a tall viewport captures the whole page.
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for path in args.paths:
            page.goto(f"{url}/{path}")
            wait_for_script(page)
            page.wait_for_timeout(1500)
            name = path.replace("/", "_").replace("?", "_").replace("=", "-").replace("&", "_")
            page.screenshot(path=args.out / f"{name}-{args.width}.png")
            print(args.out / f"{name}-{args.width}.png")
        browser.close()


if __name__ == "__main__":
    main()
