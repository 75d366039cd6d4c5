#!/usr/bin/env bash
# NLU benchmark: hold out a fifth of every intent block (areas kept), train on the rest with the
# project's pipeline, report intent and area accuracy, parse latency and memory (bot/nlu_report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH="$PWD"
out=var/bench-nlu
rm -rf "$out" && mkdir -p "$out"
.venv-bot/bin/python -m bot.split_nlu nlu_data "$out" 0.2 7
echo "[bench-nlu] training on 80% of nlu_data (log: $out/train.log)"
.venv-bot/bin/rasa train nlu --config bot/config.yml --nlu "$out/train.yml" --domain bot/domain \
  --out "$out" --fixed-model-name nlu >"$out/train.log" 2>&1 || { tail -n 30 "$out/train.log"; exit 1; }
.venv-bot/bin/python -m bot.nlu_report "$out/nlu.tar.gz" "$out/test.yml" 2>/dev/null
