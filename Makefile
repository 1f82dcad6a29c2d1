# oscar-privacy developer tasks. GNU make.
#
#   make sandbox   create .venv, install, migrate, load demo data, serve http://127.0.0.1:8000
#   make test      the full test suite (DATABASE_URL from the environment, default SQLite)
#   make bench     the performance budgets on PostgreSQL; results in .bench/results.json
#
# Run `make help` for the rest.

PYTHON ?= python3
VENV = .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
EXTRAS = sandbox,postgres,test,docs
MANAGE = $(BIN)/python sandbox/manage.py
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k consent -x"`.
PYTEST_ARGS ?=
# Where `make bench` runs when DATABASE_URL is not set (pytest-django uses test_oscar_privacy).
BENCH_DATABASE_URL = postgres://postgres@127.0.0.1:5432/oscar_privacy

# Which database `make test` runs on (never the password).
define SHOW_TEST_DATABASE
from django.conf import settings
db = settings.DATABASES["default"]
test_name = db.get("TEST", {}).get("NAME")
if db["ENGINE"].endswith("sqlite3"):
    print("Test database: SQLite,", test_name or "in memory")
else:
    where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 'default port'}"
    print(
        f"Test database: {db['ENGINE'].rsplit('.', 1)[-1]} {test_name or 'test_' + db['NAME']}"
        f" on {where} as {db.get('USER') or 'the current user'}"
        " (pytest-django creates it and drops it)"
    )
endef
export SHOW_TEST_DATABASE

.DEFAULT_GOAL := help
.PHONY: help install sandbox test bench lint docs migrations-check messages clean distclean

help:
	@echo "make install           create $(VENV) and install oscar-privacy with the [$(EXTRAS)] extras"
	@echo "make sandbox           install, migrate, load demo data and serve http://127.0.0.1:8000"
	@echo "make test              run the full test suite (DATABASE_URL from the environment, default SQLite)"
	@echo "make bench             run the budgets in tests/benchmarks on PostgreSQL (DATABASE_URL,"
	@echo "                       default $(BENCH_DATABASE_URL)): prints a table,"
	@echo "                       writes .bench/results.json, fails when a budget is exceeded"
	@echo "make lint              ruff check and ruff format --check"
	@echo "make docs              build the Sphinx docs into docs/_build/html (warnings are errors)"
	@echo "make migrations-check  fail if a model change has no migration"
	@echo "make messages          update and compile the French catalogue of oscar_privacy"
	@echo "make clean             remove build artefacts and caches (make distclean also removes $(VENV))"

install: $(STAMP)

# Re-run only when setup.py changes (or when the venv is missing).
$(STAMP): setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -e ".[$(EXTRAS)]"
	@touch $@

sandbox: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data
	$(MANAGE) runserver 127.0.0.1:8000

test: $(STAMP)
	@DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -c "$$SHOW_TEST_DATABASE"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks are the bench_*.py files of tests/benchmarks: `make test` does not collect them.
bench: $(STAMP)
	@DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" DJANGO_SETTINGS_MODULE=tests.settings \
		$(BIN)/python -c "$$SHOW_TEST_DATABASE"
	DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" \
		$(BIN)/python -m pytest tests/benchmarks -o python_files="bench_*.py" -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

migrations-check: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run

# django-admin needs no settings here: it finds oscar_privacy/locale from the current directory.
messages: $(STAMP)
	cd oscar_privacy && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin makemessages -l fr --no-obsolete --add-location file
	cd oscar_privacy && env -u DJANGO_SETTINGS_MODULE ../$(BIN)/django-admin compilemessages

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache docs/_build .tox
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
