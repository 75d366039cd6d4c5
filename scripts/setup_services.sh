#!/usr/bin/env bash
# Debian's redis-server, for the tests of the shared rate-limit store (tests/unit/api/test_limits_stores.py)
# and for offices that run several API servers (REDIS_URL, docs/limits.md). Installed, not started:
# the tests start their own on a free loopback port. Quick no-op when it is already installed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

log() { printf '[setup-services] %s\n' "$*"; }

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "共享限流存储的测试需要 redis-server，本机没有 apt-get，请用系统的包管理器安装 redis-server（没有它这些测试会跳过）。" >&2
  echo "The shared rate-limit store's tests need redis-server; this machine has no apt-get: install it with your package manager (the tests skip without it)." >&2
  exit 0
fi

if ! apt_privileges; then
  echo "共享限流存储的测试需要 redis-server，请以管理员身份运行: sudo apt-get install -y redis-server（没有它这些测试会跳过）" >&2
  echo "The shared rate-limit store's tests need redis-server: run as an administrator: sudo apt-get install -y redis-server (the tests skip without it)" >&2
  exit 0
fi

t0=$SECONDS
log "installing redis-server with apt-get"
if ! apt_install /tmp/setup-services.log redis-server; then
  echo "安装 redis-server 失败（日志见 /tmp/setup-services.log）。请手动运行: apt-get install redis-server" >&2
  echo "Installing redis-server failed (log in /tmp/setup-services.log). Install it by hand: apt-get install redis-server" >&2
  exit 1
fi
log "redis-server ready in $((SECONDS - t0)) s"
