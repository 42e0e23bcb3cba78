# budgetpdf — the two commands for a fresh machine are `make extract` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
OUT ?= outputs
JOBS ?=

.PHONY: setup extract report test bench bench-memory fixtures clean

$(STAMP): pyproject.toml setup.py extract/_glyphrun.c
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,fixtures,ocr,dask,s3]'
	touch $(STAMP)

## setup: create .venv/ and install budgetpdf with its test, fixtures, ocr, dask and s3 extras
setup: $(STAMP)

## extract: run the pipeline over the fixture documents (not the negative ones) into outputs/
extract: setup
	$(BIN)/budgetpdf extract fixtures/docs --out $(OUT) $(if $(JOBS),--jobs $(JOBS),)

## report: the static HTML review report of outputs/ into outputs/report/ (open outputs/report/index.html)
report: setup
	$(BIN)/budgetpdf report $(OUT) --html $(OUT)/report

## test: run the test suite
test: setup
	$(BIN)/python -m pytest

## bench: speed/accuracy side by side with raw pdfplumber, camelot, tablers, pdf-oxide (PROFILE=1 adds a profile)
bench: setup
	$(BIN)/python -c "import tablers, pdf_oxide" 2>/dev/null || $(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py $(if $(PROFILE),--profile,)

## bench-memory: one worker's resident memory over a 1500-page document and a 1000-document batch
bench-memory: setup
	$(BIN)/python bench/memory.py long
	$(BIN)/python bench/memory.py batch

## fixtures: regenerate fixture PDFs and their truth (needs LibreOffice, CJK fonts, poppler, qpdf)
fixtures: setup
	bash fixtures/generator/apt-deps.sh
	$(BIN)/python -m fixtures.generator

## clean: remove the venv, caches and outputs (keeps committed fixtures)
clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info extract/*.so
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(OUT) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
