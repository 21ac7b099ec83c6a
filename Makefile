# Ledgerline: `make run` runs the whole platform, `make test` runs every test.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

.PHONY: help install system-deps run test test-unit bench lint format schemas clean

help:
	@echo "make run     - PostgreSQL, Kafka, all six services and demo data; Ctrl-C stops all"
	@echo "make test    - unit, integration and end-to-end tests on real PostgreSQL and Kafka"
	@echo "make bench   - benchmarks"
	@echo "make lint    - ruff"
	@echo "make schemas - export the JSON Schemas of the events (docs/events) and the connector contract (docs/connectors)"

SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-nld tesseract-ocr-fra jq

install: system-deps
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@# pip puts uv beside python3; under pyenv it is on PATH only once the shims are rebuilt.
	@command -v uv >/dev/null || ! command -v pyenv >/dev/null || pyenv rehash
	@command -v uv >/dev/null || echo "make: uv is installed for python3 but not on PATH; run the README's 'uv ...' commands as 'python3 -m uv ...'"
	$(UV) sync --frozen

# Java 17+ and Maven run the local Kafka and the tests' S3-compatible server (S3Proxy, jars from
# Maven Central, fetched on first use); Tesseract reads scans; the README's walkthrough uses jq.
# Tesseract and jq are installed with apt where missing.
system-deps:
	@command -v java >/dev/null || { echo "Java 17+ is needed for the local Kafka broker and S3Proxy (apt-get install default-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch the Kafka and S3Proxy jars (apt-get install maven)"; exit 1; }
	@if ! command -v jq >/dev/null || ! command -v tesseract >/dev/null \
		|| ! tesseract --list-langs 2>/dev/null | grep -q nld; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

run: install
	$(UV) run ledgerline run

test: install
	$(UV) run pytest

test-unit: install
	$(UV) run pytest -m "not integration and not e2e"

bench: install
	$(UV) run python services/payments/bench/bench_sepa.py --repeat 3
	$(UV) run python services/recognition/bench/bench_recognition.py --count 60
	$(UV) run python services/worklist/bench/bench_suggestions.py --seed 2026
	$(UV) run python bench/pipeline.py --count 6000 --dossiers 20 --concurrency 4 --bulk 100 --rate 0 --consumer-processes 1,2 --rounds 10
	$(UV) run python bench/process_count.py --processes 6,12 --rounds 3
	$(UV) run python bench/pipeline.py --count 3000 --dossiers 1 --concurrency 4 --bulk 100 --rate 0
	$(UV) run python bench/pipeline.py --count 3000 --dossiers 20 --concurrency 16 --rate 50
	$(UV) run python bench/pipeline.py --count 3000 --dossiers 20 --concurrency 16 --rate 50 --auto-forward
	$(UV) run python bench/worklist_dossier.py --open-items 20000 --count 300

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

schemas: install
	$(UV) run ledgerline schemas docs/events
	$(UV) run sync connector-schemas docs/connectors

clean:
	rm -rf .ledgerline .pytest_cache .ruff_cache
