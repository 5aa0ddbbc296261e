"""Processes for the benchmarks: a free loopback port, a throwaway PostgreSQL cluster, gunicorn."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: One secret for every worker, as several app servers would share one in production.
SECRET = "bench-secret-key-shared-by-all-workers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """A throwaway PostgreSQL cluster on loopback, as scripts/pg-temp.sh starts one."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: float(p.parent.name))
        if not bins:
            raise SystemExit("PostgreSQL is not installed (scripts/install.sh --test installs it)")
        self.bin = bins[-1]
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgbench."))
        self.run = []
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.run = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.run, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), *args],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        subprocess.run([*self.run, str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=300"
        self._ctl("-l", str(self.dir / "log"), "-w", "-o", opts, "start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            self._ctl("-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def pid(self) -> int:
        """The postmaster's process id (its backends are its children)."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def version(self) -> str:
        out = subprocess.run([str(self.bin / "postgres"), "--version"], capture_output=True, text=True)
        return out.stdout.strip()


@contextmanager
def throwaway_database(kind: str, prefix: str = "bench.") -> Iterator[tuple[str, Path, TempPostgres | None]]:
    """A fresh, empty database for one benchmark run: ``kind`` "postgres" (its own cluster on
    loopback) or "sqlite" (a file in a temporary folder). Yields (database URL, the temporary
    folder for the run's other files, the cluster or None); removes everything afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    pg = None
    try:
        if kind == "postgres":
            pg = TempPostgres()
            pg.start()
            yield pg.url, tmp, pg
        else:
            yield f"sqlite:///{tmp / 'bench.sqlite'}", tmp, None
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


class Gunicorn:
    """``gunicorn -w workers`` serving ``app`` (the project's app by default) on a free loopback
    port, against ``database_url``, rate limits off; started when made, ready when it returns."""

    def __init__(self, database_url: str, workers: int, log: Path, env: dict[str, str] | None = None,
                 app: str = "app:create_app()"):
        self.port = free_port()
        self.log_path = log
        self.log = open(log, "w")  # tracebacks of the refused requests during the faults go here
        env = {**os.environ, "DATABASE_URL": database_url, "SURVEYS_RATELIMIT_ENABLED": "false",
               "SURVEYS_SECRET_KEY": SECRET, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--backlog", "2048", "--graceful-timeout", "5", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90  # a busy machine imports slowly
        while time.monotonic() < deadline:
            try:
                if _healthz(self.port) == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def _logged(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def errors_logged(self) -> int:
        """Requests that ended in an exception (a 500 for the client), per the server log."""
        text = self._logged()
        return text.count("ERROR in app: Exception on") + text.count("Error handling request")

    def unavailable_logged(self) -> int:
        """Requests answered 503 because the database did not answer (the app logs a warning)."""
        return self._logged().count("database unavailable")


def _healthz(port: int) -> int:
    """Status of GET /healthz: the app is up when it answers 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


# --- CPU time by process ------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process (all its threads), or 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU time spent by each side of a benchmark between two snapshots, read from ``/proc``:
    the app (gunicorn's master and workers), the database server (PostgreSQL's postmaster and
    every backend; nothing for SQLite, which runs inside the workers) and the load generator
    (this process, all its threads). Two cores' worth of CPU shared by all three is what limits
    a phase's rate, so the ratio of two phases' CPU per request explains the ratio of their rates.
    A process that ends between two snapshots loses its time (do not measure across faults)."""

    def __init__(self, app_pid: int, database_pid: int | None = None):
        self.roots = {"app": app_pid, "database": database_pid}

    def snapshot(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {"load generator": {os.getpid(): _cpu_seconds(os.getpid())}}
        for side, root in self.roots.items():
            out[side] = {pid: _cpu_seconds(pid) for pid in ([root, *_children(root)] if root else [])}
        return out

    @staticmethod
    def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """Seconds of CPU per side between two snapshots (processes seen in ``after``)."""
        return {side: sum(t - before.get(side, {}).get(pid, 0.0) for pid, t in pids.items())
                for side, pids in after.items()}
