#!/usr/bin/env bash
# Install what the app needs into the project's virtual environment (.venv/, or $VENV), created
# here when missing: Debian 12 and Ubuntu 24.04 refuse pip installs into the system Python
# (PEP 668), so nothing is ever installed there. With --test, also what the test suite needs: the
# Python test tools, and Chromium and PostgreSQL from Debian's packages. Debian packages are
# installed only when missing, and the script says which and whether it uses sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}   # the Python that creates the environment
VENV=${VENV:-.venv}

# apt_install PACKAGE...: install Debian packages, announced; sudo only when not root.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
    echo "Installing from Debian with sudo (you are not root): $*"
  else
    echo "Installing from Debian: $*"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtual environment $VENV/ (python3 -m venv)"
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv without ensurepip; the python3-venv package adds it.
    rm -rf "$VENV"
    echo "python3 -m venv needs Debian's python3-venv package."
    apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi
VPY="$VENV/bin/python"

need=()
# WeasyPrint (the appendix PDF) needs Pango at runtime.
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || need+=(libpangoft2-1.0-0)
if [ "${1:-}" = "--test" ]; then
  "$VPY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
else
  "$VPY" -m pip install -q --disable-pip-version-check -r requirements.txt
fi
if [ ${#need[@]} -gt 0 ]; then
  apt_install "${need[@]}"
fi
