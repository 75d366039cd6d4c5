#!/usr/bin/env bash
# Create both Python environments (bot: 3.10 for Rasa 3.6; app: 3.11) from pinned
# requirements. Each is reinstalled only when its requirements file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

find_python() {  # $1 = minor version, e.g. 3.10
  local v=$1 c
  for c in "python$v" "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix "$v" 2>/dev/null | head -n1)/bin/python" \
           "$HOME"/.pyenv/versions/"$v".*/bin/python /usr/local/bin/python"$v" /usr/bin/python"$v"; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

pip_quiet() {  # $1 = venv dir, rest = pip arguments; shows the log only on failure
  local dir=$1; shift
  if ! "$dir/bin/pip" "$@" -q --disable-pip-version-check >"$dir/pip.log" 2>&1; then
    grep -v '^WARNING: Location' "$dir/pip.log" | tail -n 40 >&2
    echo "pip $* failed in $dir" >&2
    exit 1
  fi
}

# $1 = venv dir, $2 = python minor version, $3.. = requirement files (hashed into the stamp)
ensure_env() {
  local dir=$1 ver=$2; shift 2
  local stamp="$dir/.requirements.sha256" want py
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    return 0
  fi
  if ! py=$(find_python "$ver"); then
    echo "需要 Python $ver，但没有找到。请安装，例如: pyenv install $ver.13  (Python $ver is required: install it with pyenv or your package manager)" >&2
    exit 1
  fi
  local t0=$SECONDS
  log "creating $dir with $py"
  rm -rf "$dir"
  "$py" -m venv "$dir"
  pip_quiet "$dir" install --upgrade pip
  local f
  for f in "$@"; do
    log "installing $f into $dir"
    pip_quiet "$dir" install -r "$f"
  done
  "$dir/bin/pip" check >/dev/null || { "$dir/bin/pip" check; echo "pip check failed for $dir" >&2; exit 1; }
  echo "$want" > "$stamp"
  log "$dir ready in $((SECONDS - t0)) s"
}

ensure_env .venv-bot 3.10 requirements/bot.txt
ensure_env .venv-app 3.11 requirements/torch.txt requirements/app.txt
bash scripts/setup_browser.sh  # Debian's chromium for the browser tests (Playwright cannot download one here)
bash scripts/setup_services.sh  # Debian's redis-server, postgresql and haproxy: make cluster and the tests that start them
bash scripts/private_files.sh  # .env from .env.example; .env and var/ owner-only
