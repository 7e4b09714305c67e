# Two commands do all set-up on a fresh machine:
#   make run    serve the dashboard on the embedded demo program (built on first run), with the
#               import inbox watched (cbme/serve.py)
#   make test   run every test, browser tests included
# Both create the virtual environment and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501
# Loopback only: the demo users are for this computer. To serve others, configure sign-in first and set
# ADDRESS (docs/deployment.md).
ADDRESS ?= 127.0.0.1

.PHONY: run test system-packages

run: $(VENV)/installed system-packages
	$(BIN)/python -m cbme.serve run dashboard.py --server.port $(PORT) --server.address $(ADDRESS)

test: $(VENV)/installed system-packages
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium draws the packet's charts (Kaleido) and runs the browser tests (Playwright's own
# browser download is not used), its headless shell the benchmark's concurrent sessions; DejaVu fonts
# print the packet; poppler renders PDFs in the tests.
system-packages:
	@command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 && \
		command -v pdftoppm >/dev/null 2>&1 && \
		[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-headless-shell fonts-dejavu-core \
			poppler-utils; }
