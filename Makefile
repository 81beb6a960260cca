# Two commands do all the set-up on a fresh machine:
#   make html   builds the example test plan into _build/html/
#   make test   runs the whole test suite
# Both create .venv, install the package with its test extras and make sure Graphviz's `dot` is there.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SPHINXOPTS ?=
STAMP   = $(VENV)/.installed-stamp

.PHONY: html pdf docs test check lint setup dot tex browser clean bench matrix dist help

help:
	@echo "make html   build the example test plan into _build/html/"
	@echo "make pdf    build it as a PDF into _build/latex/ (installs TeX Live as root)"
	@echo "make docs   build the user guide into _build/docs/"
	@echo "make test   run the test suite (lint included)"
	@echo "make check  lint and the fast tests: the edit loop (about two minutes)"
	@echo "make lint   ruff and mypy over the package and tests"
	@echo "make browser  install Chromium and chromedriver for the browser tests (root, Debian)"
	@echo "make bench  build times against plain Sphinx and sphinx-needs (benchmarks/results.md)"
	@echo "make matrix the fast suite in every version lane (noxfile.py: oldest, newest,"
	@echo "            minimal, documenteer), each in an environment of its own"
	@echo "make dist   the sdist and the wheel into dist/, checked with twine"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,example]'
	@touch $(STAMP)

setup: $(STAMP) dot

dot:
	@bash .ci/ensure-dot

# Headless Chromium and chromedriver for tests/test_browser.py (skipped without them).
browser:
	@bash .ci/ensure-browser

html: setup
	$(BIN)/sphinx-build -b html -c . example-docs _build/html $(SPHINXOPTS)
	@echo "The published plan is in _build/html/index.html"
	@echo "Its ldm503 warnings are expected: they are the LDM-503 reviewer's comments"
	@echo "(February 2019), found by the checks; see _build/html/report.html."

tex:
	@bash .ci/ensure-tex

# Sphinx writes the LaTeX; latexmk (through the Makefile Sphinx generates) runs pdflatex
# until cross-references and the contents settle.
pdf: setup tex
	$(BIN)/sphinx-build -M latexpdf example-docs _build -c . $(SPHINXOPTS)
	@ls _build/latex/*.pdf
	@echo "The log is _build/latex/*.log (overfull boxes, floats)."

# The user guide (docs/): tutorial, checks, CLI, JSON schema, PDF, sphinx-needs, theming;
# reference tables, check examples and --help texts generated from the code.
docs: setup
	$(BIN)/sphinx-build -b html docs _build/docs $(SPHINXOPTS)
	@echo "The user guide is in _build/docs/index.html"

test: setup lint
	$(BIN)/python -m pytest $(PYTESTOPTS)

check: setup lint
	$(BIN)/python -m pytest -m "not slow and not pdf" $(PYTESTOPTS)

lint: $(STAMP)
	$(BIN)/ruff check sphinxext_ldm503 tests conf.py benchmarks docs noxfile.py
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench.py $(BENCHOPTS)

# The version matrix: each lane (noxfile.py) creates its own environment under .nox/.
# NOXOPTS="-s oldest" runs one lane; a Python the machine lacks skips its lane.
matrix: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/nox $(NOXOPTS)

dist: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf _build dist
