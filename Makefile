# Two commands: `make audit` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := data/sample_repo
REPORTS := reports

.PHONY: audit test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

audit: $(STAMP)
	mkdir -p $(REPORTS)
	$(BIN)/wsaudit scan $(SAMPLE) --quiet --output $(REPORTS)/scan.txt
	$(BIN)/wsaudit scan $(SAMPLE) --quiet --format json --output $(REPORTS)/scan.json
	$(BIN)/wsaudit scan $(SAMPLE) --quiet --format csv --output $(REPORTS)/scan.csv
	$(BIN)/wsaudit scan $(SAMPLE) --quiet --format sarif --output $(REPORTS)/scan.sarif
	$(BIN)/wsaudit graph $(SAMPLE) --quiet --format json --output $(REPORTS)/graph.json
	$(BIN)/wsaudit graph $(SAMPLE) --quiet --format dot --output $(REPORTS)/graph.dot
	@tail -n 12 $(REPORTS)/scan.txt
	@echo "Reports written to $(REPORTS)/ (scan.txt, scan.json, scan.csv, scan.sarif, graph.json, graph.dot)"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_scan.py

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
