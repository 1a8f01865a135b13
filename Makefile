# The one interface: CI runs `make test`, people run `make run`.
PYTHON ?= python3
export RASA_TELEMETRY_ENABLED = false

.PHONY: env run test test-fast bench validate

env:
	$(PYTHON) scripts/bootstrap.py

run: env
	.venv/bin/python -m bot run

test: env
	$(PYTHON) scripts/system_packages.py
	.venv/bin/python -m pytest -ra

# Without the real-stack tests (they train a model on first use and start three servers).
test-fast: env
	.venv/bin/python -m pytest -ra -m "not e2e"

bench: env
	.venv/bin/python scripts/bench_stack.py

validate: env
	.venv-rasa/bin/rasa data validate --fail-on-warnings --data nlu_data --domain domain.yml --config config.yml
