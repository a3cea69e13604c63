# PenguinMails — developer commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STAGE  ?= dev
PYTEST_ARGS ?=

.PHONY: install pebble chromium run warmup-demo test unit functional integration lint fmt validate bench deploy redrive clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) pebble chromium

# Let's Encrypt's test ACME server: the local platform's certificate authority. Installed on
# Debian when missing and we are root; elsewhere one line says so and everything else goes on
# (`make run` then runs without local certificates; PM_NO_PEBBLE=1 skips the tests needing it).
pebble:
	@if command -v pebble >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null 2>&1; } \
	  || echo "pebble: could not be installed with apt-get; local certificates (provisioning) are off"; \
	else \
	  echo "pebble: not installed (Debian: apt-get install pebble, as root); local certificates (provisioning) are off"; \
	fi

# Debian's Chromium for the dashboard's browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser). Installed like pebble: on Debian as root when missing; elsewhere one line
# says so and those tests skip (CI=true makes them fail instead).
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } \
	  || echo "chromium: could not be installed with apt-get; the dashboard's browser tests skip"; \
	else \
	  echo "chromium: not installed (Debian: apt-get install chromium chromium-driver, as root); the dashboard's browser tests skip"; \
	fi

run: install  ## the whole platform on loopback, in the foreground (Ctrl-C stops it; RUN_ARGS="--warmup-day-seconds 20")
	$(PY) -m infrastructure.local $(RUN_ARGS)

warmup-demo: install  ## a platform with 40-second warm-up days: 3 mailboxes warm 7 days, one bounces and pauses
	$(PY) -m infrastructure.local.warmup_demo --start --day-seconds 40 --days 7 --check

# The unit and functional tiers keep both cores busy on two workers; the integration tier's
# tests mostly wait for the platform (a campaign's days, a warm-up's), so three workers share
# the two cores there. Both runs always run; the target fails if either failed.
test: install lint validate  ## everything: lint, deploy validation, unit, functional, integration
	@status=0; \
	$(PY) -m pytest tests/unit tests/functional -q -n 2 --dist loadgroup --durations=15 $(PYTEST_ARGS) || status=1; \
	$(PY) -m pytest tests/integration -q -n 3 --dist loadgroup --durations=20 $(PYTEST_ARGS) || status=1; \
	exit $$status

unit: install
	$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

functional: install
	$(PY) -m pytest tests/functional -q $(PYTEST_ARGS)

integration: install
	$(PY) -m pytest tests/integration -q $(PYTEST_ARGS)

lint: install  ## ruff, the type checker, and the architecture contracts (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: install  ## offline proof of the deploy path: cfn-lint, chalice package, handler imports
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash infrastructure/deploy/validate.sh

bench: install  ## cold starts and hot paths against a floor measured in the same run
	$(PY) -m tests.bench

deploy: install  ## build, deploy the stack, chalice deploy, switch on partial batch failures
	$(PY) -m infrastructure.deploy.deploy --stage $(STAGE)

redrive: install  ## a dead-letter queue back onto its source: make redrive QUEUE=send-bulk-dlq [STAGE=local] [LIMIT=1000]
	@test -n "$(QUEUE)" || { echo "usage: make redrive QUEUE=<dead-letter queue> [STAGE=dev|prod|local] [LIMIT=n]"; exit 2; }
	$(PY) -m infrastructure.ops.redrive $(QUEUE) --stage $(STAGE) $(if $(LIMIT),--limit $(LIMIT))

clean:
	rm -rf build .pytest_cache .ruff_cache
