# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test quick lint typecheck imports pytest bench bench-reviews clean

# Test processes (pytest-xdist). Many tests wait on servers, disks and the database more than
# they compute, so a few more processes than cores keep both cores busy.
PYTEST_WORKERS ?= 3

# make run [PORT=8000] [HOST=127.0.0.1]. Only the command line sets them: some shells and hosts
# export HOST or PORT for their own purposes.
ifneq ($(origin HOST),command line)
HOST := 127.0.0.1
endif
ifneq ($(origin PORT),command line)
PORT := 8000
endif

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	mkdir -p .typecheck && ln -sfn ../src .typecheck/bookstore
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/bookstore db upgrade
	$(BIN)/bookstore seed-demo --if-empty
	$(BIN)/bookstore serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests deploy
	$(BIN)/ruff format --check src tests deploy

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Tests that stop the shared PostgreSQL server run alone, after all the others.
pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not stops_postgres" --durations=15 $(PYTEST_ARGS)
	$(BIN)/pytest -m stops_postgres $(PYTEST_ARGS)

test: lint typecheck imports pytest

# For your own iterations: the checks and every test not marked slow.
quick: lint typecheck imports
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow and not stops_postgres" -q $(PYTEST_ARGS)

# make bench [N=100000] [DURATION=20] [WORKERS=2] [SCENARIOS=list,get] [PROFILE=/tmp/prof]
# [SEARCH="lantern poetry"]
# [BENCH_PG_URL=postgresql+psycopg://.../throwaway_db]: every scenario on PostgreSQL too, in a
# table of its own. Needs wrk; see docs/performance.md
bench: $(STAMP)
	$(BIN)/python bench/run.py $(if $(N),--books $(N),) $(if $(DURATION),--duration $(DURATION),) \
		$(if $(WORKERS),--workers $(WORKERS),) $(if $(SCENARIOS),--scenarios $(SCENARIOS),) \
		$(if $(PROFILE),--profile $(PROFILE),) $(if $(SEARCH),--search "$(SEARCH)",) $(BENCH_ARGS)

# make bench-reviews [N=100000] [ORDERS=100000] [PG_URL=postgresql+psycopg://...]: §15's reads
bench-reviews: $(STAMP)
	$(BIN)/python bench/reviews.py $(if $(N),--books $(N),) $(if $(ORDERS),--orders $(ORDERS),) \
		$(if $(PG_URL),--pg-url $(PG_URL),)

clean:
	rm -rf $(VENV) .typecheck .pytest_cache .mypy_cache .ruff_cache .hypothesis
