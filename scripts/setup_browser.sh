#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser). Playwright cannot download its own
# browser here, so the tests launch Debian's chromium. Quick no-op when it is already installed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/apt_install.sh"

CHROMIUM=/usr/bin/chromium
log() { printf '[setup-browser] %s\n' "$*"; }

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "浏览器测试需要 Chromium（$CHROMIUM），本机没有 apt-get，请用系统的包管理器安装 chromium。" >&2
  echo "Browser tests need Chromium at $CHROMIUM; this machine has no apt-get: install chromium with your package manager." >&2
  exit 1
fi

if ! apt_privileges; then
  echo "浏览器测试需要 Chromium，请以管理员身份运行: sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2
  echo "Browser tests need Chromium: run as an administrator: sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2
  exit 1
fi

t0=$SECONDS
log "installing chromium and chromium-driver with apt-get"
if ! apt_install /tmp/setup-browser.log chromium chromium-driver fonts-noto-cjk; then
  echo "安装 Chromium 失败（日志见 /tmp/setup-browser.log）。请手动运行: apt-get install chromium chromium-driver" >&2
  echo "Installing Chromium failed (log in /tmp/setup-browser.log). Install it by hand: apt-get install chromium chromium-driver" >&2
  exit 1
fi
[ -x "$CHROMIUM" ] || { echo "安装后仍找不到 $CHROMIUM / $CHROMIUM still missing after install" >&2; exit 1; }
log "chromium ready in $((SECONDS - t0)) s"
