# One entry point for everything; see README.md.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PYTEST  := $(BIN)/pytest
MANAGE  := $(CURDIR)/$(BIN)/python $(CURDIR)/manage.py

.PHONY: run test test-sqlite test-postgres test-future lint fmt checks messages req-coverage bench bench-banner bench-collector bench-analytics bench-scanner ci clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

## run: set up everything and serve the product with demo data at http://127.0.0.1:8000
run: $(VENV)/.installed
	scripts/system-deps run
	$(BIN)/consentserve migrate
	$(BIN)/consentserve demo
	$(BIN)/consentserve serve --port 8000

## test: the whole suite on SQLite and on PostgreSQL, browser tests included, and on SQLite
## again with the clock moved ahead
test: test-sqlite test-postgres test-future

test-sqlite: $(VENV)/.installed
	scripts/system-deps test
	$(PYTEST) -q

test-postgres: $(VENV)/.installed
	scripts/system-deps test
	scripts/with-postgres $(PYTEST) -q

## test-future: the SQLite suite with every process's clock (Chromium and test servers too)
## FUTURE ahead through libfaketime, across a year end: a test that breaks with the calendar
## fails today, not next year
FUTURE ?= +400d
test-future: $(VENV)/.installed
	scripts/system-deps test
	scripts/with-future-clock "$(FUTURE)" $(PYTEST) -q

## lint: ruff format and ruff check, the import contracts between the apps, mypy against its
## baseline (all configured in pyproject.toml) and the requirement IDs every test cites against
## docs/requirement-ids-uncited.txt; .pre-commit-config.yaml runs the same
lint: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/check-mypy
	$(BIN)/python scripts/req-coverage --strict

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## checks: migrations up to date, translations complete, the banner bundle reproducible,
## production settings pass check --deploy
checks: $(VENV)/.installed
	$(MANAGE) makemigrations --check --dry-run
	scripts/check-translations
	scripts/check-banner-build
	CONSENTSERVE_ENV=production DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=consentserve.example \
	  CONSENTSERVE_ENCRYPTION_KEYS=$$($(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
	  DJANGO_SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  DJANGO_SILENCED_SYSTEM_CHECKS=website.W001 $(MANAGE) check --deploy --fail-level WARNING
	@# website.W001 (the imprint lacks § 5 DDG facts: register court and number, managing
	@# director, VAT ID) is printed here on every run until the register has them.
	$(MANAGE) check --deploy --tag imprint

## req-coverage: the requirement IDs (docs/requirement-ids.txt) that no test cites with
## @pytest.mark.req; `scripts/req-coverage --strict` (in `make lint`) fails on any not in the
## baseline docs/requirement-ids-uncited.txt
req-coverage:
	scripts/req-coverage

## messages: refresh the .po files and compile them
messages: $(VENV)/.installed
	for app in consentserve/*/locale; do \
	  (cd $$(dirname $$app) && $(MANAGE) makemessages -l de -l en --no-location --no-obsolete \
	   && $(MANAGE) compilemessages) || exit 1; \
	done

## bench: the benchmarks of bench/, numbers printed and written to bench/results/
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py
	$(MAKE) bench-analytics

## bench-banner: our banner against vanilla-cookieconsent and klaro in headless Chromium
## (npm ci of the pinned packages in bench/banner; results in bench/results/banner.md)
bench-banner: $(VENV)/.installed
	scripts/system-deps test
	$(BIN)/python bench/banner/run.py

## bench-collector: POST /c/KEY/consent, server on core 0 and wrk on core 1, against a raw
## ASGI 204, a minimal Django view (no middleware) and the same view behind the middleware stack,
## on SQLite and PostgreSQL (bench/results/collector.md)
bench-collector: $(VENV)/.installed
	scripts/system-deps bench
	bench/collector/with-durable-postgres $(BIN)/python bench/collector/run.py

## bench-analytics: POST /a/KEY/event per second on one core (wrk on another), on SQLite and
## PostgreSQL, and the analytics dashboard over a year of roll-ups (bench/results/analytics.md)
bench-analytics: $(VENV)/.installed
	scripts/system-deps bench
	bench/collector/with-durable-postgres $(BIN)/python bench/analytics/run.py

## bench-scanner: one 20-page scan of the loopback fixture site in four states on one core:
## pages x states per minute and peak memory (bench/results/scanner.md)
bench-scanner: $(VENV)/.installed
	scripts/system-deps test
	$(BIN)/python bench/scanner/run.py

ci: lint checks test

clean:
	rm -rf $(VENV) var
