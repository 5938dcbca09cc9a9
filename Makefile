# Xiezuo developer entry points. Two commands matter on a fresh machine:
#   make demo   set up, build the Guangyuan demo database (REGION=dingxi: the second region) and serve it on http://127.0.0.1:8000
#   make test   set up and run the test suite (SQLite; PostgreSQL too when XIEZUO_TEST_DATABASE_URL is set)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SCALE ?= 1.0
REGION ?= guangyuan

.PHONY: demo test install lint serve bench clean screens

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# The tests also need the test tools and pyspark (the engine's Spark parity test).
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"
	touch $(TEST_STAMP)

install: $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/xiezuo demo --region $(REGION) --scale $(SCALE)

serve: $(STAMP)
	$(BIN)/xiezuo serve

test: $(TEST_STAMP)
	$(BIN)/python tools/run_tests.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench tools

clean:
	rm -rf $(VENV) var

# The README's screenshots (docs/screens/), from a fresh small demo in a temporary directory.
screens: $(TEST_STAMP)
	$(BIN)/python tools/screens.py
