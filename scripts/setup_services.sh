#!/usr/bin/env bash
# Debian's service packages the assistant can run on, installed (not started: tests and `make cluster`
# start their own on free loopback ports):
#   redis-server  shared rate-limit store and Rasa's lock store (tests/unit/api/test_limits_stores.py, docs/limits.md)
#   postgresql    PostgreSQL for cases and conversations (scripts/pg_server.py, docs/database.md)
#   haproxy       the load balancer in front of several servers (make cluster)
# Quick no-op when all are installed; in words when something cannot be installed (tests then skip).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

log() { printf '[setup-services] %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "本机没有 apt-get，请用系统的包管理器安装：${missing[*]}（没有它们，用到它们的测试会跳过）。" >&2
  echo "This machine has no apt-get: install ${missing[*]} with your package manager (the tests that need them skip)." >&2
  exit 0
fi

if ! apt_privileges; then
  echo "需要安装 ${missing[*]}，请以管理员身份运行: sudo apt-get install -y ${missing[*]}（没有它们，用到它们的测试会跳过）" >&2
  echo "${missing[*]} needed: run as an administrator: sudo apt-get install -y ${missing[*]} (the tests that need them skip)" >&2
  exit 0
fi

t0=$SECONDS
log "installing ${missing[*]} with apt-get"
# Debian's postgresql package also sets up a cluster of its own (port 5432); the assistant does
# not use it: scripts/pg_server.py makes its own servers wherever it is told.
if ! apt_install /tmp/setup-services.log "${missing[@]}"; then
  echo "安装 ${missing[*]} 失败（日志见 /tmp/setup-services.log）。请手动运行: apt-get install ${missing[*]}" >&2
  echo "Installing ${missing[*]} failed (log in /tmp/setup-services.log). Install by hand: apt-get install ${missing[*]}" >&2
  exit 1
fi
log "${missing[*]} ready in $((SECONDS - t0)) s"
