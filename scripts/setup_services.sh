#!/usr/bin/env bash
# Debian's redis-server, for the tests of the shared rate-limit store (tests/unit/api/test_limits_stores.py)
# and for offices that run several API servers (REDIS_URL, docs/limits.md). Installed, not started:
# the tests start their own on a free loopback port. Quick no-op when it is already installed.
set -euo pipefail

log() { printf '[setup-services] %s\n' "$*"; }

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "共享限流存储的测试需要 redis-server，本机没有 apt-get，请用系统的包管理器安装 redis-server（没有它这些测试会跳过）。" >&2
  echo "The shared rate-limit store's tests need redis-server; this machine has no apt-get: install it with your package manager (the tests skip without it)." >&2
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "共享限流存储的测试需要 redis-server，请以管理员身份运行: sudo apt-get install -y redis-server（没有它这些测试会跳过）" >&2
  echo "The shared rate-limit store's tests need redis-server: run as an administrator: sudo apt-get install -y redis-server (the tests skip without it)" >&2
  exit 0
fi

t0=$SECONDS
log "installing redis-server with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends redis-server; } >/tmp/setup-services.log 2>&1; then
  tail -n 30 /tmp/setup-services.log >&2
  echo "安装 redis-server 失败（日志见 /tmp/setup-services.log）。请手动运行: apt-get install redis-server" >&2
  echo "Installing redis-server failed (log in /tmp/setup-services.log). Install it by hand: apt-get install redis-server" >&2
  exit 1
fi
log "redis-server ready in $((SECONDS - t0)) s"
