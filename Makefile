# One command to run the assistant, one to test it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BOT_PY := .venv-bot/bin/python
APP_PY := .venv-app/bin/python

.PHONY: help setup build run cluster test test-fast forms evaluate bench bench-nlu bench-answers train-verdict bench-turn bench-flood bench-knowledge lint export-knowledge backup restore bench-load

help:
	@echo "make run       set up, train if needed, start Rasa + actions + API"
	@echo "make cluster   PostgreSQL, Redis, HAProxy; 2 Rasa + 2 action servers + 2 API processes on :8000 (docs/deploy.md)"
	@echo "make test      set up, train if needed, run the whole test suite"
	@echo "make test-fast lint and the unit and security tests without the encoder, the trained model or PostgreSQL (inner loop)"
	@echo "make forms     render bot/domain/forms.yml and bot/data/forms.yml from knowledge/data/service_forms.yml (then retrain)"
	@echo "make evaluate IN=questions.jsonl OUT=predictions.jsonl"
	@echo "make bench     retrieval benchmark (dense / lexical / hybrid) on ../shared/eval"
	@echo "make bench-nlu NLU benchmark on a held-out fifth of nlu_data (trains a model, ~5 min)"
	@echo "make bench-answers  the resident's first reply against the team's labels (eval/), blind and tune parts"
	@echo "make train-verdict  fit the answer verdict on the tune part of the labels"
	@echo "make bench-turn     the knowledge layer's latency per turn, previous design beside today's"
	@echo "make bench-knowledge  retrieval cost and hit@k: the knowledge base before its growth, today's, a synthetic 20,000"
	@echo "make bench-flood    residents' chat latency during a 1,000-request flood, rate limits on and off (~5 min)"
	@echo "make export-knowledge  the office's approved knowledge entries as YAML (var/export/) for the shared knowledge base"
	@echo "make bench-load     residents at once at p95 <= 1 s and back-to-back throughput: make run beside make cluster"
	@echo "make backup         copy the database (cases, conversations, audit log) to var/backups/ (SQLite, or PostgreSQL with pg_dump)"
	@echo "make restore FILE=var/backups/…  put a backup back (SQLite: the assistant stopped, the replaced database kept; PostgreSQL: into an empty database)"

setup:
	@bash scripts/setup.sh

# Train the Rasa model and build the knowledge index, each only when its inputs changed.
build: setup
	@bash scripts/build.sh

run: build
	@$(APP_PY) -m scripts.run

cluster: build
	@$(APP_PY) -m scripts.cluster

test: build
	@bash scripts/test.sh

test-fast: setup
	@bash scripts/test.sh --fast

forms: setup
	@PYTHONPATH=. $(APP_PY) -m scripts.generate_forms

evaluate: build
	@test -n "$(IN)" -a -n "$(OUT)" || { echo "用法: make evaluate IN=questions.jsonl OUT=predictions.jsonl"; exit 2; }
	@bash scripts/evaluate.sh "$(IN)" "$(OUT)"

bench: build
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(APP_PY) -m scripts.bench_retrieval

bench-answers: build
	@bash scripts/bench_answers.sh

train-verdict: build
	@bash scripts/bench_answers.sh --train

bench-turn: build
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(APP_PY) -m scripts.bench_turn 200 --stack

bench-knowledge: build
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(APP_PY) -m scripts.bench_knowledge_scale

bench-load: build
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(APP_PY) -m scripts.bench_load

bench-flood: build
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(APP_PY) -m scripts.bench_flood

export-knowledge: setup
	@PYTHONPATH=. $(APP_PY) -m scripts.export_knowledge

backup: setup
	@PYTHONPATH=. $(APP_PY) -m scripts.backup backup

restore: setup
	@PYTHONPATH=. $(APP_PY) -m scripts.backup restore "$(FILE)"

bench-nlu: setup
	@bash scripts/bench_nlu.sh

lint: setup
	@$(APP_PY) -m ruff check actions api knowledge scripts tests bot casebook telemetry
	@$(APP_PY) -m mypy actions api knowledge scripts casebook telemetry
