#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed; bring the database and the knowledge
# index up to date. The model's name is the hash of everything that shapes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH="$PWD" SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore

inputs=$( { find bot/config.yml bot/domain bot/data bot/jieba bot/components nlu_data knowledge/data/entries -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum; sha256sum requirements/bot.txt; } | sha256sum | cut -c1-16)
model="bot-$inputs.tar.gz"
mkdir -p models
if [ -f "models/$model" ]; then
  echo "[build] model $model is current"
else
  t0=$SECONDS
  mkdir -p var/logs
  log=var/logs/train.log
  echo "[build] validating training data and training $model (log: $log)"
  if ! { .venv-bot/bin/rasa data validate --config bot/config.yml --domain bot/domain --data bot/data nlu_data &&
         .venv-bot/bin/rasa train --config bot/config.yml --domain bot/domain --data bot/data nlu_data \
           --out models --fixed-model-name "bot-$inputs"; } >"$log" 2>&1; then
    grep -vE 'Warning|warn\(|^\s*$' "$log" | tail -n 40 >&2
    echo "[build] validation or training failed; full log in $log" >&2
    exit 1
  fi
  find models -name 'bot-*.tar.gz' ! -name "$model" -delete
  echo "[build] trained in $((SECONDS - t0)) s"
fi
echo "$model" > models/LATEST
.venv-app/bin/python -m scripts.prepare
