# Developer entry points of the bird.engagements collection. `make help` lists them.
#
# The repository root is the collection root. The tests are nox sessions
# (noxfile.py, antsibull-nox.toml); this file only makes the developer
# environment .venv (Python 3.12: ansible-core, nox, antsibull-nox,
# ansible-lint) and runs things from it. A machine needs Python 3.11 and 3.12,
# pip, git and make; everything else is installed on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# --- interpreters --------------------------------------------------------
# The first candidate that really is Python 3.12 / 3.11, as an absolute path
# (pyenv shims exist on PATH for versions that are not selected, so each one
# is tried). Override with e.g. `make test PY312=/usr/bin/python3.12`.
find_python = $(firstword $(foreach p,$(1),$(shell '$(p)' -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(2)")' >/dev/null 2>&1 && '$(p)' -c 'import sys; print(sys.executable)')))
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
ifeq ($(origin PY312),undefined)
PY312 := $(call find_python,python3.12 $(sort $(wildcard $(PYENV_VERSIONS)/3.12*/bin/python3.12)) /usr/local/bin/python3.12 /usr/bin/python3.12,3.12)
endif
ifeq ($(origin PY311),undefined)
PY311 := $(call find_python,python3.11 $(sort $(wildcard $(PYENV_VERSIONS)/3.11*/bin/python3.11)) /usr/local/bin/python3.11 /usr/bin/python3.11,3.11)
endif

VENV := .venv
REQUIREMENTS := tests/dev-requirements.txt
# nox finds the Pythons of its sessions (3.11 for ansible-core 2.16, 3.12) on PATH.
RUN := PATH="$(CURDIR)/$(VENV)/bin:$(dir $(PY312)):$(dir $(PY311)):$$PATH"
NOX := $(RUN) nox --error-on-missing-interpreters
# Where `ansible` finds this checkout as the collection bird.engagements.
COLLECTIONS := $(CURDIR)/.cache/collections
SIMULATOR_DIR := .cache/simulator

.PHONY: help venv demo test simulator simulator-stop live lint sanity units integration functional docs importer bench clean clean-all

help: ## Show this help
	@echo 'Usage: make <target> [PY312=/path/python3.12] [PY311=/path/python3.11]'
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-15s %s\n", $$1, $$2}'
	@echo
	@echo 'Every check is a nox session: `.venv/bin/nox --list`, `.venv/bin/nox -e NAME [-- ARGS]`.'

# .venv is remade whenever its requirements file changes.
$(VENV)/.installed: $(REQUIREMENTS)
	@if [ -z '$(PY312)' ] || [ -z '$(PY311)' ]; then \
	    echo 'ERROR: need Python 3.12 and 3.11 (found: "$(PY312)" and "$(PY311)");' \
	         'pass them, e.g. make $(MAKECMDGOALS) PY312=/path/python3.12 PY311=/path/python3.11' >&2; \
	    exit 1; \
	fi
	@echo '>>> creating $(VENV) (Python 3.12: $(PY312)) from $(REQUIREMENTS)' >&2
	@'$(PY312)' -m venv --clear '$(VENV)'
	@# -qq: errors only (this machine's pip configuration warns about every package)
	@'$(VENV)/bin/python' -m pip install -qq --disable-pip-version-check --requirement '$(REQUIREMENTS)'
	@touch '$@'

venv: $(VENV)/.installed ## Create/refresh .venv (Python 3.12: ansible-core, nox, antsibull-nox, ansible-lint)

# The collections path on which ansible finds this checkout: a relative
# symlink .cache/collections/ansible_collections/bird/engagements -> ../../../..
.cache/collections/ansible_collections/bird/engagements:
	@mkdir -p '$(dir $@)' && ln -sfn ../../../.. '$@'

demo: venv .cache/collections/ansible_collections/bird/engagements ## Run the demo against the bundled simulator (demo/run.sh)
	@$(RUN) bash demo/run.sh

test: venv ## Run every check (nox sessions, two at a time; about 16 minutes); logs in tests/output/logs/
	@$(RUN) '$(VENV)/bin/python' tests/tools/make_test.py $(STAGES)

simulator: venv .cache/collections/ansible_collections/bird/engagements ## Start the Bird API simulator (demo seed) in the background; prints the export lines to paste
	@$(RUN) bash tests/tools/simulator.sh start '$(SIMULATOR_DIR)' '$(COLLECTIONS)'

simulator-stop: ## Stop the simulator that `make simulator` started
	@bash tests/tools/simulator.sh stop '$(SIMULATOR_DIR)'

# Against the real Bird API: the variables are checked first, with any Python 3, before .venv is
# made and before anything is sent (see CONTRIBUTING.md, "Live check against Bird").
live: ## Check the collection against the real Bird API on a spare number (BIRD_ACCESS_KEY, BIRD_WORKSPACE_ID, BIRD_LIVE_NUMBER_ID; CONTRIBUTING.md)
	@'$(or $(PY312),python3)' tests/live/live.py --check-env
	@$(MAKE) -s venv .cache/collections/ansible_collections/bird/engagements
	@$(RUN) '$(VENV)/bin/python' tests/live/live.py

lint: venv ## formatters, codeqa, yamllint, typing, ansible-lint, antsibull-docs lint, extra checks
	@$(NOX) -e lint ansible-lint docs-check extra-checks license-check changelog workflows

sanity: venv ## ansible-test sanity on ansible-core 2.16 and the newest core
	@$(NOX) -e ansible-test-sanity

units: venv ## ansible-test units on ansible-core 2.16 and the newest core
	@$(NOX) -e ansible-test-units

integration: venv ## ansible-test integration on ansible-core 2.16 and the newest core
	@$(NOX) -e ansible-test-integration

functional: venv ## pytest tests/functional (real ansible, ansible-runner, ansible-builder)
	@$(NOX) -e functional

docs: venv ## Build the docsite into tests/output/docsite/site/build/html (strict)
	@$(NOX) -e docs-check docs-build

importer: venv ## Build the collection and run galaxy-importer on it
	@$(NOX) -e build-import-check

bench: venv .cache/collections/ansible_collections/bird/engagements ## Run the benchmark beside its floor on ansible-core 2.16 (.venv-oldest) and the newest core (tests/bench; about 10 minutes)
	@$(RUN) PYTHONPATH='$(CURDIR)/.cache/collections' '$(VENV)/bin/python' tests/bench/bench.py --scale --python-oldest '$(PY311)'

clean: ## Remove test output and caches (keeps .venv and .nox; `make clean-all` removes them too)
	rm -rf tests/output .pytest_cache importer_result.json .cache .ansible
	find . -path ./.git -prune -o -path './.venv*' -prune -o -path ./.nox -prune -o -name __pycache__ -type d -exec rm -rf {} +

clean-all: clean ## Also remove .venv and the nox session environments
	rm -rf $(VENV) .venv-oldest .nox
