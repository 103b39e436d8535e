# edgeledger: `make demo` runs every replay on a local chain, `make test` checks everything.
# Both install what they need on first use (a .venv from requirements-dev.txt with the package
# itself editable, node_modules from package-lock.json) and skip the installs on later runs.
SHELL := /bin/bash
# Python 3.11 only (pyproject's requires-python; numpy 1.26.4, as pinned, has no build for 3.13).
PYTHON ?= $(shell command -v python3.11 || command -v python3 || echo python3.11)
VENV := .venv
# Every recipe line runs with the project's tools on PATH and the compiler bridge wired.
ENV := source tools/env.sh &&
PYTHON_READY := $(VENV)/.installed
NODE_READY := node_modules/.installed

.PHONY: install demo test test-slow lint contracts-test bench fuzz clean

install: $(PYTHON_READY) $(NODE_READY)

$(PYTHON_READY): requirements.txt requirements-dev.txt requirements-ray.txt pyproject.toml
	@found=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	[ "$$found" = 3.11 ] || { echo "edgeledger needs Python 3.11 ($(PYTHON) is $${found:-not found}): install python3.11, or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# -qq: errors only (this machine's pip.conf names package folders that may not exist).
	$(VENV)/bin/pip install -qq --disable-pip-version-check -r requirements-dev.txt
	# Ray without its packaging pin, which no resolver can square with ape's (requirements-ray.txt).
	$(VENV)/bin/pip install -qq --disable-pip-version-check --no-deps -r requirements-ray.txt
	# The package itself, editable, built by the pinned setuptools: no download, no resolution.
	rm -f $(VENV)/lib/python3.11/site-packages/edgeledger.pth  # how earlier checkouts did it
	$(VENV)/bin/pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	grep -q tools/env.sh $(VENV)/bin/activate || echo 'source "$(CURDIR)/tools/env.sh"' >> $(VENV)/bin/activate
	touch $@

$(NODE_READY): package-lock.json
	# The lock names every platform's anvil and forge package, so npm ci takes it as it is
	# (npm install would rewrite an incomplete one, leaving the checkout dirty).
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The main job: a local chain, every contract deployed, every replay at its quick default.
## Quiet: a progress bar per stage, then a table of headlines (`ape run demo -v` shows ape's
## log of every transaction). A demo that died resumes at the replay it was in.
demo: install
	@$(ENV) ape compile --verbosity WARNING
	@$(ENV) ape run demo

## Lint, type checks, slither (static-analysis.json), forge's invariant campaigns at the
## field's default (256 x 500 calls each, seed 1) and fuzz tests, then every ape test
## (contracts on the foundry provider, and off-chain).
test: lint
	$(ENV) ape compile --force
	$(ENV) python tools/static_analysis.py
	$(ENV) python tools/invariants.py
	$(ENV) ape test tests --network ethereum:local:foundry

## Long end-to-end checks (tests marked `slow`): each replay on a reduced configuration gives
## the rows it gave before issue 22's split (tests/replays); FRESCO's units on a Ray cluster of
## the test's own, two nodes on loopback (tests/e2e/test_ray_cluster.py); verification requests
## recompiled to the deployed code, and `ape run verify` against a local explorer stub
## (tests/e2e/test_verify.py); the operator's path against an anvil with Sepolia's chain id,
## the README's steps run as written (tests/e2e/test_operator.py). CI runs it after `make test`.
test-slow: install
	$(ENV) ape compile
	$(ENV) ape test tests -m slow --network ethereum:local:foundry

## Python (ruff, mypy, the layering of .importlinter) and Solidity (solhint, recommended
## rules; .solhint.json) lint.
lint: install
	$(ENV) ruff check .
	$(ENV) ruff format --check .
	$(ENV) mypy
	$(ENV) lint-imports --no-cache
	$(ENV) solhint --disc --noPoster --max-warnings 0 'contracts/**/*.sol' 'interfaces/**/*.sol'

## Gas and timing benchmarks; rewrites BENCHMARKS.md. Not part of `make test`.
bench: install
	$(ENV) python benchmarks/run.py

## Long hypothesis runs (tests marked `fuzzing`), forge's campaigns at 10x the default runs
## with a fresh seed (printed) and the planted bugs they must catch, the contracts' coverage by
## the forge tests, then mutation testing (a seeded sample of slither-mutate's mutants against
## each contract's ape tests and forge suites); each writes its section of RELIABILITY.md. Not
## part of `make test`.
fuzz: install
	$(ENV) python tools/invariants.py --runs 2560 --seed $$(od -An -N4 -tu4 /dev/urandom) --report RELIABILITY.md
	$(ENV) python tools/invariants.py --plant --report RELIABILITY.md
	$(ENV) python tools/coverage.py --report RELIABILITY.md
	$(ENV) EDGELEDGER_FUZZ_REPORT=RELIABILITY.md ape test tests -m fuzzing --network ethereum:local:foundry
	$(ENV) ape compile
	$(ENV) python tools/mutation.py --mutants 60 --report RELIABILITY.md

clean:
	rm -rf .build .forge results
