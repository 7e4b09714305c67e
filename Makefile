# Two commands do all set-up on a fresh machine:
#   make run    serve the dashboard on the embedded demo program (built on first run), with the
#               import inbox watched (cbme/serve.py)
#   make test   run every test, browser tests included
# Both create the virtual environment and install what they need, as does
#   make bench  our pages and a pandas dashboard doing the same work, side by side (docs/performance.md)
#   make bench-shared  the dashboard on a shared PostgreSQL beside its DuckDB file (docs/deployment.md)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501
# Loopback only: the demo users are for this computer. To serve others, configure sign-in first and set
# ADDRESS (docs/deployment.md).
ADDRESS ?= 127.0.0.1
# make bench: assessments per dataset (several sizes: ROWS="100000 1000000 10000000"), where to write the
# figures (none by default: a trial run leaves the committed results alone), concurrent browser sessions.
ROWS ?= 100000
JSON ?=
SESSIONS ?= 20

.PHONY: run test bench bench-shared system-packages proxy-package

run: $(VENV)/installed system-packages
	$(BIN)/python -m cbme.serve run dashboard.py --server.port $(PORT) --server.address $(ADDRESS)

test: $(VENV)/installed system-packages
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

bench: $(VENV)/installed system-packages
	$(BIN)/python -m benchmarks.bench --rows $(ROWS) --sessions $(SESSIONS) $(if $(JSON),--json $(JSON))

# make bench-shared: one dataset of SHARED_ROWS assessments; JSON= as for make bench
# (docs/performance/shared.json for the committed figures, shared.md written beside it).
SHARED_ROWS ?= 1000000
bench-shared: $(VENV)/installed system-packages proxy-package
	$(BIN)/python -m benchmarks.shared --rows $(SHARED_ROWS) --sessions $(SESSIONS) $(if $(JSON),--json $(JSON))

# nginx, the reverse proxy in front of the instances of bench-shared's concurrent sessions.
proxy-package:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light; }

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium draws the packet's charts (Kaleido) and runs the browser tests (Playwright's own
# browser download is not used), its headless shell the benchmark's concurrent sessions; DejaVu fonts
# print the packet; poppler renders PDFs in the tests; the tests start their own PostgreSQL server.
system-packages:
	@command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 && \
		command -v pdftoppm >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
		[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-headless-shell fonts-dejavu-core \
			poppler-utils postgresql; }
