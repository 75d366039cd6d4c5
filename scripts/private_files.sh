#!/usr/bin/env bash
# .env (secrets) and var/ (the database, keys, logs) readable by this account only (issue 13, M7).
# Run by setup.sh; $1 = the project directory (default: this checkout).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
if [ ! -f .env ]; then
  (umask 077 && cp .env.example .env)
  printf '[setup] wrote .env from .env.example\n'
fi
chmod 600 .env
mkdir -p var && chmod 700 var
