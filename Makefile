# Two commands do all set-up on a fresh machine:
#   make run    serve the dashboard on the embedded demo program (built on first run)
#   make test   run every test, browser tests included
# Both create the virtual environment and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501

.PHONY: run test lint chromium

run: $(VENV)/installed
	$(BIN)/streamlit run dashboard.py --server.port $(PORT)

test: $(VENV)/installed chromium
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }
