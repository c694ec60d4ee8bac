# Developer tooling for the bird.engagements Ansible collection.
#
# The repository root is the collection root. Everything (virtual
# environments, test tools) is installed by this Makefile; a machine needs
# only Python 3.11 + 3.12, pip, git and make. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# --- interpreters --------------------------------------------------------
# The first candidate that really is Python 3.12 / 3.11 (pyenv shims may exist
# on PATH for versions that are not selected, so each one is tried).
# Override with e.g. `make venv PY312=/usr/bin/python3.12`.
find_python = $(firstword $(foreach p,$(1),$(shell '$(p)' -c 'import sys; sys.exit("%d.%d" % sys.version_info[:2] != "$(2)")' >/dev/null 2>&1 && echo '$(p)')))
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
ifeq ($(origin PY312),undefined)
PY312 := $(call find_python,python3.12 $(sort $(wildcard $(PYENV_VERSIONS)/3.12*/bin/python3.12)) /usr/local/bin/python3.12 /usr/bin/python3.12,3.12)
endif
ifeq ($(origin PY311),undefined)
PY311 := $(call find_python,python3.11 $(sort $(wildcard $(PYENV_VERSIONS)/3.11*/bin/python3.11)) /usr/local/bin/python3.11 /usr/bin/python3.11,3.11)
endif

# --- virtual environments ------------------------------------------------
VENV ?= .venv
VENV_OLDEST ?= .venv-oldest
REQUIREMENTS := tests/dev-requirements.txt
REQUIREMENTS_OLDEST := tests/dev-requirements-oldest.txt

# Put the venv first on PATH for tools that spawn `ansible`, `ansible-doc`,
# `ansible-lint`, ... by name.
RUN := PATH="$(abspath $(VENV))/bin:$$PATH"
ANSIBLE_TEST := tests/tools/ansible-test.sh
BUILD_DIR := build

heading = printf '\n==================== %s ====================\n' '$(1)'

.PHONY: help venv demo test units functional sanity sanity-newest sanity-oldest \
        integration integration-newest integration-oldest lint docs-lint importer bench clean

help: ## Show this help
	@echo 'Usage: make <target> [PY312=/path/python3.12] [PY311=/path/python3.11]'
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'
	@echo
	@echo 'Single sanity test, quickly:  tests/tools/ansible-test.sh .venv sanity --test pep8 --python 3.12 plugins/modules/x.py'

venv: ## Create/refresh .venv (Python 3.12, latest core + tools) and .venv-oldest (Python 3.11, core 2.16)
ifndef VENV_READY
	@tests/tools/mkvenv.sh '$(VENV)' '$(PY312)' '$(REQUIREMENTS)'
	@tests/tools/mkvenv.sh '$(VENV_OLDEST)' '$(PY311)' '$(REQUIREMENTS_OLDEST)'
endif

demo: venv ## Run the demo (demo/run.sh)
	@$(RUN) bash demo/run.sh

# functional: README promises `make test` runs tests/functional too (real
# ansible/ansible-runner/ansible-builder against the simulator; ~3 min).
TEST_STAGES := units functional sanity integration lint docs-lint importer

test: ## Run every check: units, functional, sanity, integration, lint, docs-lint, importer (stops at the first failure)
	@start=$$(date +%s); passed=0; timings=''; \
	$(MAKE) venv; \
	for stage in $(TEST_STAGES); do \
	    t0=$$(date +%s); \
	    if ! $(MAKE) $$stage VENV_READY=1; then \
	        echo; echo "*** make test: stage '$$stage' FAILED (after $$(( $$(date +%s) - t0 ))s)"; \
	        echo "stages: $$passed passed, 1 failed"; \
	        exit 1; \
	    fi; \
	    passed=$$((passed + 1)); timings="$$timings $$stage=$$(( $$(date +%s) - t0 ))s"; \
	    echo "--- stage '$$stage' passed in $$(( $$(date +%s) - t0 ))s"; \
	done; \
	echo; echo "*** make test: all stages passed in $$(( $$(date +%s) - start ))s:$$timings"; \
	echo "stages: $$passed passed, 0 failed"

units: venv ## Unit tests (pytest tests/unit) on the newest and on the oldest ansible-core
	@$(call heading,units: ansible-core $(shell $(VENV)/bin/python -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null) / Python 3.12)
	@tests/tools/pytest.sh '$(VENV)' tests/unit -q
	@$(call heading,units: ansible-core $(shell $(VENV_OLDEST)/bin/python -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null) / Python 3.11)
	@tests/tools/pytest.sh '$(VENV_OLDEST)' tests/unit -q

functional: venv ## Functional tests (pytest tests/functional: real ansible, ansible-runner, ansible-builder) on the newest core
	@$(call heading,functional: ansible-core $(shell $(VENV)/bin/python -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null) / Python 3.12)
	@if [ -d tests/functional ]; then \
	    $(RUN) tests/tools/pytest.sh '$(VENV)' tests/functional -q; \
	else \
	    echo 'No tests/functional directory: nothing to run.'; \
	fi

# The two cores' runs are independent (separate trees, per-Python ansible-test
# venvs), so they run side by side on the 2 cores; --output-sync keeps each
# run's log in one piece. SANITY_JOBS=1 runs them one after the other.
SANITY_JOBS ?= 2

sanity: venv ## ansible-test sanity (all default tests) on the oldest (2.16, py3.11) and the newest core (py3.12)
	@$(MAKE) -j$(SANITY_JOBS) --output-sync=target VENV_READY=1 sanity-oldest sanity-newest

sanity-oldest: venv ## Sanity on the oldest core only (ansible-core 2.16, Python 3.11)
	@$(call heading,sanity: oldest ansible-core / Python 3.11)
	@$(ANSIBLE_TEST) '$(VENV_OLDEST)' sanity --requirements --python 3.11

sanity-newest: venv ## Sanity on the newest core only (Python 3.12)
	@$(call heading,sanity: newest ansible-core / Python 3.12)
	@$(ANSIBLE_TEST) '$(VENV)' sanity --requirements --python 3.12

# Like sanity, the two cores' integration runs are independent (separate
# trees, simulators on free ports) and mostly wait on the API, so they run
# side by side. INTEGRATION_JOBS=1 runs them one after the other.
INTEGRATION_JOBS ?= 2

integration: venv ## ansible-test integration (tests/integration/targets) on the newest and the oldest core
	@if [ -z "$$(find tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then \
	    echo 'No integration targets in tests/integration/targets: nothing to run.'; \
	else \
	    key="$${HOME}/.ansible/test/id_rsa"; \
	    if [ ! -f "$$key" ]; then \
	        : 'ansible-test makes this key on first use; two runs at once would both try'; \
	        mkdir -p "$$(dirname "$$key")" && ssh-keygen -m PEM -q -t rsa -N '' -f "$$key" \
	            && sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$$key"; \
	    fi; \
	    $(MAKE) -j$(INTEGRATION_JOBS) --output-sync=target VENV_READY=1 integration-newest integration-oldest; \
	fi

integration-newest: venv ## Integration on the newest core only (Python 3.12)
	@$(call heading,integration: newest ansible-core / Python 3.12)
	@$(ANSIBLE_TEST) '$(VENV)' integration --local --python 3.12 -v

integration-oldest: venv ## Integration on the oldest core only (ansible-core 2.16, Python 3.11)
	@$(call heading,integration: oldest ansible-core / Python 3.11)
	@$(ANSIBLE_TEST) '$(VENV_OLDEST)' integration --local --python 3.11 -v

# ansible-lint runs offline (.ansible-lint), and offline it does not install
# the collection it lints; so `bird.engagements.*` resolves through a
# collections path whose ansible_collections/bird/engagements is a (relative)
# symlink back to the repository root.
LINT_COLLECTIONS := .cache/collections
LINT_LINK := $(LINT_COLLECTIONS)/ansible_collections/bird/engagements

lint: venv ## ansible-lint --profile production (configured in .ansible-lint)
	@$(call heading,lint: ansible-lint)
	@mkdir -p $(dir $(LINT_LINK)) && ln -sfn ../../../.. $(LINT_LINK)
	@$(RUN) ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/$(LINT_COLLECTIONS)" ansible-lint --profile production

docs-lint: venv ## antsibull-changelog lint + antsibull-docs lint-collection-docs --plugin-docs
	@$(call heading,docs-lint: antsibull-changelog)
	@$(RUN) antsibull-changelog lint
	@cd changelogs && $(RUN) antsibull-changelog lint-changelog-yaml changelog.yaml
	@echo 'changelog fragments and changelogs/changelog.yaml OK'
	@$(call heading,docs-lint: antsibull-docs)
	@$(RUN) antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all --check-extra-docs-refs .
	@$(RUN) bash docs/generate-plugin-docs.sh --check
	@echo 'collection docs OK'

importer: venv ## Build the collection into build/ and run galaxy-importer on the artifact
	@$(call heading,importer: ansible-galaxy collection build + galaxy-importer)
	@$(RUN) tests/tools/galaxy-importer.sh '$(BUILD_DIR)'

bench: venv ## Run the benchmark (tests/bench/bench.py)
	@$(RUN) $(VENV)/bin/python tests/bench/bench.py --scale

clean: ## Remove build and test output (keeps the virtual environments; `make clean-all` removes them too)
	rm -rf $(BUILD_DIR) tests/output .pytest_cache importer_result.json $(LINT_COLLECTIONS)
	find . -path ./.git -prune -o \( -path './.venv*' -prune \) -o -name __pycache__ -type d -exec rm -rf {} +

.PHONY: clean-all
clean-all: clean ## Also remove the virtual environments
	rm -rf $(VENV) $(VENV_OLDEST)
