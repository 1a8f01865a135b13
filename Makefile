# The one interface: CI runs `make test`, people run `make run`.
PYTHON ?= python3
export RASA_TELEMETRY_ENABLED = false

.PHONY: env run test test-fast bench fuzz validate nlu-eval

# The stack's processes get one numeric-library thread each from the supervisor (NUMERIC_THREADS, see
# bot/supervisor/numeric_threads.py); the test runner and the load generator share the same two cores, so they use
# one too.
ONE_THREAD = OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 \
	TF_INTRA_OP_PARALLELISM_THREADS=1 TF_INTER_OP_PARALLELISM_THREADS=1

# Tests without a stack run on both cores, a test module per worker (its fixtures are set up once); the real-stack
# tests run after them in one process, with the session's one stack.
PARALLEL = -n 2 --dist loadfile

env:
	$(PYTHON) scripts/bootstrap.py

# Redis only serves Rasa's lock store (two Rasa servers by default); without it, and without root to install
# it, `bot run` says so and runs one Rasa server.
run: env
	-$(PYTHON) scripts/system_packages.py redis-server
	.venv/bin/python -m bot run

# The model is trained before the tests start (9 to 16 minutes on a fresh 2-core machine: 9 on 61c67db's CI), so
# that no test's stack start waits out a training under its own timeout.
test: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PYTHON) scripts/system_packages.py
	.venv/bin/python -m bot train
	@start=$$(date +%s); status=0; \
		$(ONE_THREAD) .venv/bin/python -m pytest -ra -m "not e2e" $(PARALLEL) --durations=15 || status=$$?; \
		$(ONE_THREAD) .venv/bin/python -m pytest -ra -m e2e --durations=15 || status=$$?; \
		echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# Without the real-stack tests (they train a model on first use and start three servers) and the browser tests.
test-fast: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	@start=$$(date +%s); status=0; \
		$(ONE_THREAD) .venv/bin/python -m pytest -ra -m "not e2e and not browser" $(PARALLEL) || status=$$?; \
		echo "make test-fast: $$(( $$(date +%s) - start )) s"; exit $$status

# The stack as shipped under open-loop load, gateway and bare Rasa side by side at 10, 30 and 45 turns/s; twice
# its capacity; a Rasa server killed under load; the gateway killed and restarted; Redis and PostgreSQL
# restarted under load (scripts/bench_load.py); then the fuzz figures. About 25 minutes; run it on a quiet machine.
bench: env
	$(PYTHON) scripts/system_packages.py
	$(ONE_THREAD) .venv/bin/python scripts/bench_load.py --kill --outages
	$(ONE_THREAD) .venv/bin/python scripts/bench_fuzz.py

# 10,000 hostile requests over every public route of the gateway (fake Rasa and channel APIs; about 2 minutes).
fuzz: env
	.venv/bin/python scripts/bench_fuzz.py --examples 10000

validate: env
	.venv-rasa/bin/rasa data validate --fail-on-warnings --data nlu_data --domain domain.yml --config config.yml

# Intent F1 by 3-fold cross-validation: Rasa's own (random split) and grouped (an example and its generated
# twins always in the same fold, so every test sentence is unseen wording). About 25 minutes on 2 cores.
nlu-eval: env
	PYTHONWARNINGS=ignore .venv-rasa/bin/rasa test nlu --nlu nlu_data/nlu --config config.yml \
		--cross-validation --folds 3 --out build/nlu-cv
	PYTHONWARNINGS=ignore .venv-rasa/bin/python scripts/nlu_grouped_cv.py --folds 3 --out build/nlu-grouped-cv
