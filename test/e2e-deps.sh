#!/usr/bin/env bash
# Installs what the browser tests (test/E2E) need: Debian's Chromium at /usr/bin/chromium.
# Playwright drives it through ExecutablePath; its own browser download is never used.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
