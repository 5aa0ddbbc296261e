"""The README's first command as a newcomer runs it: a fresh clone, ``make run`` on a free port with
pip forbidden outside a virtual environment (PEP 668 as on stock Debian 12), the demo's printed
link opened in Chromium and one questionnaire answered.

By default the clone's ``.venv`` is created here and linked (a ``.pth`` file) to the packages of
the environment running the tests, so ``make run`` finds every requirement installed instead of
downloading it again; ``scripts/install.sh`` still runs ``pip install`` in that ``.venv``. With
``NEWCOMER_FRESH_VENV=1`` (the CI step in ``.ci/run``) nothing is prepared: ``make run`` creates
the environment and installs everything itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import submit

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FRESH = os.environ.get("NEWCOMER_FRESH_VENV") == "1"
START_TIMEOUT = 900 if FRESH else 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_venv(clone: Path) -> None:
    """A .venv in the clone that sees this environment's packages (see the module docstring)."""
    subprocess.run([sys.executable, "-m", "venv", str(clone / ".venv")], check=True)
    site = subprocess.run(
        [str(clone / ".venv/bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(site, "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def _environment(port: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SURVEYS_", "FLASK_", "VIRTUAL_ENV", "PYTHON")) and k not in ("DATABASE_URL", "VENV")}
    env.update(PIP_REQUIRE_VIRTUALENV="true", FLASK_RUN_PORT=str(port), PATH=_system_path())
    return env


def _system_path() -> str:
    """PATH without the test environment's bin directory: the clone must bring its own Python."""
    venv_bin = str(Path(sys.prefix) / "bin")
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)


def test_fresh_clone_make_run_serves_the_demo_on_the_chosen_port(page, tmp_path):
    if not (ROOT / ".git").exists() or shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs a git checkout, git and make")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if not FRESH:
        _prepare_venv(clone)
    port = _free_port()
    proc = subprocess.Popen(["make", "run"], cwd=clone, env=_environment(port), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        link = _wait_for_link(proc, lines, port)
        output = "".join(lines)
        assert ":5000" not in output, output
        assert f"http://127.0.0.1:{port}/login" in output
        assert (clone / ".venv/bin/python").exists()
        assert (clone / "instance").is_dir()

        page.goto(link)
        page.locator("a.button").click()
        page.wait_for_url("**/svar**")
        page.check("#DA01-5")
        submit(page)
        page.wait_for_url("**/tack**")
        assert page.locator("h1").count() == 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()


def _wait_for_link(proc, lines: list[str], port: int) -> str:
    """The first printed DA link once the server answers on it."""
    pattern = re.compile(rf"^\s+\S+\s+DA\s.*(http://127\.0\.0\.1:{port}/s/\S+)\s*$")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            time.sleep(0.5)
            pytest.fail(f"make run stopped with exit {proc.returncode}:\n{''.join(lines)}")
        link = next((m.group(1) for line in list(lines) if (m := pattern.match(line))), None)
        if link:
            try:
                with urllib.request.urlopen(link, timeout=5) as resp:
                    if resp.status == 200:
                        return link
            except OSError:
                pass
        time.sleep(1)
    pytest.fail(f"no demo link served within {START_TIMEOUT} s:\n{''.join(lines)}")
