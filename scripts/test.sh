#!/usr/bin/env bash
# make test: lint, conversation tests against the trained model (bot environment), then pytest
# (app environment; unit tests and end-to-end tests that start the real stack).
# Prints each phase's duration so slow steps are visible.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH="$PWD"

timings=()
failed=0
phase() {  # phase NAME COMMAND...
  local name=$1 t0=$SECONDS status; shift
  echo "==> $name"
  "$@"; status=$?
  timings+=("$(printf '%-22s %4d s  %s' "$name" $((SECONDS - t0)) "$([ $status -eq 0 ] && echo ok || echo FAILED)")")
  [ $status -eq 0 ] || failed=1
}

pytest_run() {
  .venv-app/bin/python -m pytest "$@"
  local status=$?
  # 5 = no tests collected: an empty suite is a failure here, not a pass.
  [ $status -eq 5 ] && echo "pytest collected no tests" >&2
  return $status
}

conversation_tests() {
  rm -rf results/conversations
  .venv-bot/bin/rasa test core --model "models/$(cat models/LATEST)" --stories tests/conversations \
    --endpoints bot/endpoints.test.yml --out results/conversations --fail-on-prediction-errors --no-plot >results/conversations.log 2>&1
  local status=$?
  grep -E "Finished evaluation|Correct:|Accuracy|failed|Failed" results/conversations.log | tail -n 8
  [ $status -eq 0 ] || { tail -n 40 results/conversations.log; cat results/conversations/failed_test_stories.yml 2>/dev/null; }
  return $status
}

mkdir -p results
lint() { .venv-app/bin/ruff check --no-cache . && .venv-app/bin/ruff format --no-cache --check . >/dev/null && .venv-app/bin/mypy actions api knowledge scripts casebook telemetry; }
if [ "${1:-}" = "--fast" ]; then
  # make test-fast: nothing trained, no encoder, no stack, SQLite only. make test stays the gate.
  phase "lint (ruff, mypy)" lint
  phase "pytest (fast lane)" pytest_run tests/unit tests/security -m "not model and not postgresql" -q
  echo; echo "Phase durations:"; printf '  %s\n' "${timings[@]}"
  exit $failed
fi
phase "lint (ruff, mypy)" lint
phase "bot tests (Rasa env)" .venv-bot/bin/python -m pytest -c tests/bot/pytest.ini tests/bot -q
phase "conversation tests" conversation_tests
# Browser tests last: Playwright's sync API keeps an event loop running in the main thread
# until the session ends, and the tests before them use asyncio.run.
phase "pytest" pytest_run tests/unit tests/contract tests/security tests/e2e tests/browser

echo
echo "Phase durations:"
printf '  %s\n' "${timings[@]}"
exit $failed
