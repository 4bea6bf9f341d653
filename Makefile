# The two commands a newcomer needs: `make run` (set up, seed the demo once and serve on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Tests spread over both cores; set JOBS=0 to run in one process.
JOBS ?= 2
# The MariaDB server `make test-mariadb` uses (its test database is test_<name>).
MARIADB_URL ?= mysql://root@127.0.0.1:3306/stocky

.PHONY: install run test test-big test-mariadb test-browser lint migrate superuser clean sysdeps bench bench-all bench-reads

# mysqlclient compiles against the MariaDB/MySQL client headers; fetch them when they are missing.
sysdeps:
	@./scripts/ensure-sysdeps

$(BIN)/.installed: requirements.txt
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

install: $(BIN)/.installed

# A development .env on the first `make run`, so that the README's `.venv/bin/python manage.py ...` commands
# work as written: DEBUG on and a key of its own (never overwrites an existing .env; production sets neither).
.env:
	@printf '# Written by `make run` for development (see .env.example for every setting).\nDEBUG=1\nSECRET_KEY=%s\n' \
	  "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote a development .env (DEBUG=1, a generated SECRET_KEY)."

migrate: install .env
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input

# The first start fills the empty database with the demo workshop; every start prints its accounts (docs/tutorial.md).
run: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty --base-url http://$(HOST)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/pytest -n $(JOBS)

# Lint and format check (ruff) and the layers of docs/development.md (import-linter, .importlinter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Only the tests of files at the documented size limits (a 10,000-row, 20 MB admin import; part of `make test`);
# on MariaDB too with DATABASE_URL=$(MARIADB_URL).
test-big: install
	$(BIN)/pytest -n $(JOBS) -m big

# The same suite against the local MariaDB (see README); CI runs both.
test-mariadb: install
	DATABASE_URL=$(MARIADB_URL) $(BIN)/pytest -n $(JOBS)

# The admin in a real browser (stocky/workspace/tests/browser): Debian's chromium driven by Selenium; the
# screenshots land in browser-artifacts/ (BROWSER_ARTIFACTS). Installs chromium and chromium-driver if missing.
test-browser: install
	@./scripts/ensure-browser
	$(BIN)/pytest -p no:xdist -m browser stocky/workspace/tests/browser

# The benchmark (bench/README.md): a fresh MariaDB database on the local server, the image's server, wrk.
# Options go in BENCH_ARGS, e.g. make bench BENCH_ARGS="--scale 100" or BENCH_ARGS="--soak 180".
bench: install
	@./scripts/ensure-wrk
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The hot reads with the read cache off, ETags only, on, and as 304s, in one run (docs/caching.md).
bench-reads: install
	@./scripts/ensure-wrk
	$(BIN)/python bench/reads.py $(BENCH_ARGS)

# Everything bench/README.md quotes: both scales (median of 3 rounds), then three minutes of racing writes.
bench-all: install
	@./scripts/ensure-wrk
	$(BIN)/python bench/run.py --repeat 3
	$(BIN)/python bench/run.py --scale 100 --repeat 3
	$(BIN)/python bench/run.py --no-bench --soak 180

superuser: install .env
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* test_db*.sqlite3* media staticfiles browser-artifacts
