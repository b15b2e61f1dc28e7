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
	$(BIN)/python -m pip install --quiet -e '.[dev,scale]'
	touch $(STAMP)

audit: $(STAMP)
	$(BIN)/wsaudit report $(SAMPLE) --output $(REPORTS)
	@echo "Open $(REPORTS)/05_summary.html (summary) or the other $(REPORTS)/*.html pages."

# --nbval (strict, not --nbval-lax): every stored notebook output must be reproduced exactly.
test: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env tests wsaudit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_scan.py

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
