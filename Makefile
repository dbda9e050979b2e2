# Two commands on a fresh machine:
#   make book   -- install everything into .venv, then build the book (executing every chapter)
#   make test   -- install everything into .venv, then run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SMOKE_OUT := _build/smoke
CHAPTERS := $(wildcard book/[0-9]*.py)

.PHONY: setup book book-smoke test test-fast sync rerun browser-deps bench clean-book

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Refresh each chapter's .ipynb from its .py (the .py is what people edit).
sync: setup
	$(BIN)/jupytext --sync $(CHAPTERS)

book: setup
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is in _build/html; open _build/html/index.html in a browser."

# The whole book at smoke scale (seconds per chapter), in its own output folder and cache; every figure must
# keep its text readable in the book's column (CGLIB_FIGURE_CHECK, cglib.readable.check_readable).  Static sliders
# and the offline page come from the book's own extension (book/_ext), not from this Makefile.
book-smoke: setup
	CGLIB_SCALE=smoke CGLIB_FIGURE_CHECK=1 CGLIB_RUNS=$(abspath $(SMOKE_OUT))/runs $(BIN)/jupyter-book build . -W --keep-going --path-output $(SMOKE_OUT)

# Headless Chromium for the browser tests (Debian's package; Playwright's own download does not work offline).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }

test: setup browser-deps book-smoke
	CGLIB_BOOK_HTML=$(abspath $(SMOKE_OUT))/_build/html $(BIN)/python -m pytest -n 2 --dist loadgroup -q -rs tests

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow and not browser" tests

# Rerun one chapter with papermill: make rerun CHAPTER=04_emergence ARGS="-p scale paper -p seed 3"
rerun: setup
	$(BIN)/python -m cglib.rerun $(CHAPTER) $(ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_engine.py

clean-book:
	rm -rf _build/html _build/jupyter_execute
