# The front door: `make demo` and `make test` do all the set-up themselves (scripts/setup).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo demo-oie playground test lint fresh-machine-test container-test manpage bench

setup:
	@bash scripts/setup

demo: setup
	@$(PY) -m tests.fakes.demo

demo-oie: setup
	@$(PY) -m tests.fakes.demo --engine oie

# The fake Okta org and STS with five roles in two accounts, until Ctrl-C; prints the environment to use.
playground: setup
	@$(PY) -m tests.fakes.playground

# Every generated case of the property tests (a bare `pytest tests/unit` runs a tenth, for quick feedback).
test: setup lint
	AWS_STS_TEST_THOROUGH=1 $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .

# As root: the README's two commands on a fresh clone of HEAD in a bare Debian container
# (tests/container/fresh-machine.sh --copy . tries the working tree instead).
fresh-machine-test:
	bash tests/container/fresh-machine.sh

container-test: setup
	bash tests/container/run.sh

manpage: setup
	$(PY) scripts/make-manpage

bench: setup
	$(PY) benchmarks/bench.py
