#!/usr/bin/env bash
# Install what the app needs. With --test, also what the test suite needs: the Python test tools,
# and Chromium and PostgreSQL from Debian's packages (installed only when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

need=()
# WeasyPrint (the appendix PDF) needs Pango at runtime.
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || need+=(libpangoft2-1.0-0)
if [ "${1:-}" = "--test" ]; then
  "$PYTHON" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
else
  "$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing from Debian: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
