#!/usr/bin/env bash
# make bench-answers: what the assistant does with the team's labelled questions (eval/), per part.
# Stage 1 (bot env) runs the trained NLU and policies over them, cached per model in var/eval/;
# stage 2 (app env) gives each the resident's first reply and scores it against the labels.
# With --train, stage 2 instead fits the answer verdict on the tune part (make train-verdict).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH="$PWD"
model=$(cat models/LATEST)
mkdir -p var/eval
questions=var/eval/labelled-questions.jsonl
stage="var/eval/labelled-${model%.tar.gz}-$(sha256sum eval/answer_labels.jsonl | cut -c1-12).jsonl"
if [ ! -f "$stage" ]; then
  .venv-app/bin/python -m scripts.bench_answers questions "$questions"
  .venv-bot/bin/python -m bot.predict "models/$model" "$questions" "$stage.part"
  mv "$stage.part" "$stage"
  rm -f "$questions"  # the questions stay in ../shared/eval; only the predictions are kept
fi
if [ "${1:-}" = "--train" ]; then
  exec .venv-app/bin/python -m scripts.train_verdict "$stage"
fi
exec .venv-app/bin/python -m scripts.bench_answers report "$stage"
