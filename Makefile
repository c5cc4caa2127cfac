# nianbao: government information disclosure annual reports as parameterised notebooks.
# `make help` lists the targets; each is described by the `## ` comment on its line.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.nianbao-installed

CHROMIUM ?= /usr/bin/chromium
CJK_FONT := Noto Serif CJK SC
SOFFICE ?= /usr/bin/soffice
APT_PACKAGES := chromium fonts-noto-cjk fontconfig libreoffice-writer-nogui libreoffice-calc-nogui

# Charts are drawn off-screen everywhere, in tests and in builds.
export MPLBACKEND := Agg

.PHONY: help venv system-deps test test-fast lint report clean

help: ## List the targets with what they do
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv with the pinned dependencies, nianbao (editable) and its Jupyter kernel

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.lock
	$(PY) -m pip install --disable-pip-version-check -q -e . --no-deps --no-build-isolation
	$(PY) -m ipykernel install --sys-prefix --name nianbao --display-name "Python (nianbao)"
	@touch $@

system-deps: ## Install Chromium, the Noto CJK fonts and LibreOffice with apt-get if missing
	@if [ -x "$(CHROMIUM)" ] && [ -x "$(SOFFICE)" ] && fc-list 2>/dev/null | grep -q "$(CJK_FONT)"; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update && apt-get install -y --no-install-recommends $(APT_PACKAGES); \
	else \
		echo "Missing system packages: Chromium ($(CHROMIUM)), LibreOffice ($(SOFFICE)) or the '$(CJK_FONT)' font."; \
		echo "Install them as root:  apt-get install -y --no-install-recommends $(APT_PACKAGES)"; \
		exit 1; \
	fi

test: venv system-deps ## Run the whole test suite (includes slow notebook and browser tests)
	$(PY) -m pytest

test-fast: venv ## The tests without the slow ones (notebooks, browser, Dask), for the edit loop
	$(PY) -m pytest -m "not slow"

lint: venv ## Check the code with ruff
	$(VENV)/bin/ruff check src tests $(wildcard build.py)
	$(VENV)/bin/lint-imports

report: venv system-deps ## Build the sample reports (build.py)
	$(PY) build.py

clean: ## Remove build output and caches (keeps .venv)
	rm -rf build .setuptools-build .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
		| xargs -0 rm -rf
