# Two commands do all the set-up on a fresh machine:
#   make html   builds the example test plan into _build/html/
#   make test   runs the whole test suite
# Both create .venv, install the package with its test extras and make sure Graphviz's `dot` is there.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SPHINXOPTS ?=
STAMP   = $(VENV)/.installed-stamp

.PHONY: html test lint setup dot clean bench help

help:
	@echo "make html   build the example test plan into _build/html/"
	@echo "make test   run the test suite (lint included)"
	@echo "make lint   ruff over the package and tests"
	@echo "make bench  time the example build against plain Sphinx"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) dot

dot:
	@bash .ci/ensure-dot

html: setup
	$(BIN)/sphinx-build -b html -c . example-docs _build/html $(SPHINXOPTS)
	@echo "The published plan is in _build/html/index.html"

test: setup
	$(BIN)/ruff check sphinxext_ldm503 tests conf.py benchmarks
	$(BIN)/python -m pytest $(PYTESTOPTS)

lint: $(STAMP)
	$(BIN)/ruff check sphinxext_ldm503 tests conf.py benchmarks

bench: setup
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf _build
