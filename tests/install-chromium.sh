#!/usr/bin/env bash
# Installs the browser the dashboard's browser tests drive: Debian's chromium package (Playwright
# cannot download its own browser builds here). Idempotent; prints the browser's path.
# Usage: tests/install-chromium.sh        (setup.sh test can call it before the tests)
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done

command -v apt-get >/dev/null 2>&1 || { echo "install-chromium.sh: no apt-get here; install Chromium and set CHROMIUM_PATH" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
  echo "install-chromium.sh: need root to run: $*" >&2; exit 1; fi; }

echo "install-chromium.sh: installing the Debian package 'chromium' ..." >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-chromium.sh: chromium was installed but /usr/bin/chromium is missing" >&2; exit 1; }
echo /usr/bin/chromium
