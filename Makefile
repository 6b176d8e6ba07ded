# HandyWriterz developer entry points. Everything runs from the repo's .venv, which
# `make setup` (scripts/bootstrap.sh) creates; it also starts PostgreSQL + Redis.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PY := .venv/bin/python
# Prefix for recipe lines that talk to the services: exports DATABASE_URL / REDIS_URL
# (the defaults, or whatever is already set). Settings default to the same URLs;
# exporting keeps every tool (celery, pytest, bench) on the same ones.
WITH_ENV = set -a; eval "$$(bash scripts/services.sh env)"; set +a;

# Exported rather than spliced into the recipe, so quotes in the goal cannot break the shell.
DEMO_GOAL ?= Write a 600-word essay on how urban heat islands affect public health, Harvard style
export DEMO_GOAL
PYTEST_ARGS ?=

.PHONY: help setup migrate worker demo test eval bench bench-memory services services-down status

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

setup: ## venv + requirements + PostgreSQL/Redis (idempotent, ~0.2 s when done)
	bash scripts/bootstrap.sh

migrate: setup ## apply Django migrations
	$(WITH_ENV) $(PY) manage.py migrate --noinput

worker: setup ## run a Celery worker in the foreground (HW_WORKER_CONCURRENCY, default 4)
	$(WITH_ENV) exec .venv/bin/celery -A handywriterz worker --loglevel=INFO --concurrency=$${HW_WORKER_CONCURRENCY:-4}

demo: migrate ## run one "write" journey end to end with a temporary worker (DEMO_GOAL=...)
	$(WITH_ENV) bash scripts/demo.sh

test: setup ## run the test suite (extra pytest args: PYTEST_ARGS="-k engine -x")
	$(WITH_ENV) .venv/bin/pytest -q $(PYTEST_ARGS)

eval: migrate ## run the evaluation suite on the real engine (EVAL_PATHS=..., default evaluation/tasks)
	$(WITH_ENV) $(PY) manage.py eval run $${EVAL_PATHS:-evaluation/tasks}

bench: migrate ## run the engine benchmark
	$(WITH_ENV) $(PY) bench/engine.py

bench-memory: migrate ## run the memory benchmark (embeddings, pgvector at 10k/100k, episodic prompt size)
	$(WITH_ENV) $(PY) bench/memory.py

services: ## start PostgreSQL + Redis
	bash scripts/services.sh up

services-down: ## stop the embedded PostgreSQL (and Redis if services.sh started it)
	bash scripts/services.sh down

status: ## one line per service
	bash scripts/services.sh status
