#!/usr/bin/env bash
# make evaluate IN=questions.jsonl OUT=predictions.jsonl
# Stage 1 (bot environment): the trained NLU and dialogue policies predict intent and first action.
# Stage 2 (app environment): the retriever and the actions' reply code write the resident's first reply.
set -euo pipefail
cd "$(dirname "$0")/.."
in=$1 out=$2
[ -f "$in" ] || { echo "找不到输入文件 / no such file: $in" >&2; exit 2; }
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH="$PWD"
stage=$(mktemp --suffix=.jsonl)
trap 'rm -f "$stage"' EXIT
.venv-bot/bin/python -m bot.predict "models/$(cat models/LATEST)" "$in" "$stage"
.venv-app/bin/python -m scripts.evaluate "$stage" "$out"
