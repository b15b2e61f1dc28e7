# `make audit`, `make test` and `make test-browser`. Each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := data/sample_repo
REPORTS := reports
CHROMIUM ?= /usr/bin/chromium

.PHONY: audit test test-browser bench clean

# dev = the notebooks extra (the report stack) + the test tools: everything
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

audit: $(STAMP)
	$(BIN)/wsaudit report $(SAMPLE) --output $(REPORTS)
	@echo "Open $(REPORTS)/index.html: it links every page of the report."

# --nbval (strict, not --nbval-lax): every stored notebook output must be reproduced exactly.
# The browser check is its own target (it needs Chromium): see test-browser.
test: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env --ignore=tests/browser tests wsaudit notebooks

# A fresh report of the sample, every page opened in headless Chromium (Debian's package,
# installed when missing): fails on a console error, a broken image, a dead link or any
# network request.
test-browser: $(STAMP)
	test -x $(CHROMIUM) || (apt-get update -q && apt-get install -y -q chromium)
	WSAUDIT_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -p no:nbval tests/browser

# The benchmark (not a test; see benchmarks/README.md): ~10 min on 2 cores, ~1 GB under
# benchmarks/.work/. Options through BENCH_ARGS, e.g. make bench BENCH_ARGS='--targets gen10k --profile'.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
