# Every target bootstraps .venv idempotently from the pinned requirements, then runs.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
WASP := $(VENV)/bin/wasp
STAMP := $(VENV)/.installed

.PHONY: setup run serve cloud test lint preview bench clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@echo "Setting up $(VENV) from requirements.txt (first time: about a minute; later only when the requirements change)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $(STAMP)

setup: $(STAMP)

## run: the offline synthesis and policy preview, then the local cloud: deploy, run localcloud_scenario.py
##      (every flow and the invariant), report (exit 1 on a mandatory policy violation or a failed flow)
run: $(STAMP)
	$(WASP) preview --summary --stack $(or $(STACK),dev) --policy-config policy-config.json
	$(WASP) local run --stack $(or $(STACK),dev) $(ARGS)

## serve: deploy into the local cloud and keep it running (Ctrl-C stops everything); endpoints in .localcloud/
serve: $(STAMP)
	$(WASP) local serve --stack $(or $(STACK),dev) $(ARGS)

## cloud: a verb against a running serve, e.g. make cloud ARGS="status" or ARGS="logs orders-api -f"
cloud: $(STAMP)
	$(WASP) local $(ARGS)

## preview: the policy pack over a stack offline (ARGS: --program DIR --stack prod --policy-config FILE --first-deploy --json)
preview: $(STAMP)
	$(WASP) preview $(ARGS)

## test: the whole test suite
test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

## bench: benchmarks, each figure next to a same-run baseline → BENCHMARKS.md, bench/results.json (≤ 15 min; the test suite figure is opt-in: ARGS="--suite-runs 1")
bench: $(STAMP)
	$(PY) -m bench $(ARGS)

## lint: ruff (lint + format check) and mypy on the package
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy components/pulumi_wasp

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
