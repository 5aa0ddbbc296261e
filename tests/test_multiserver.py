"""Stateless app servers, proved with real parts: PostgreSQL, Redis, two gunicorn app servers (two
workers each) and one ``flask worker`` process.

A report started on server A is polled and downloaded on server B; a worker killed mid-job
(SIGKILL) leaves a job that is marked failed within the heartbeat bound; the per-user login lock
and the per-address login limit (Flask-Limiter on Redis) hold across both servers. The tests run
in this order and share the servers (the last one counts the logins of the ones before).

Runs in the SQLite pass of ``make test`` (it starts its own PostgreSQL); skipped when
``redis-server`` or PostgreSQL is missing (``scripts/install.sh --test`` installs both).
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from bench.servers import ROOT, SECRET, Gunicorn, TempPostgres, free_port
from tests.helpers import form_fields

pytestmark = pytest.mark.multiserver

PASSWORD = "test-losen-123"
HEARTBEAT_TIMEOUT = 5  # seconds; production default 120
REPORT_TIMEOUT = 600  # a loaded 2-core CI machine is slow


class Redis:
    def __init__(self, log: Path):
        self.port = free_port()
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"redis://127.0.0.1:{self.port}"
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.client = client

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class Worker:
    def __init__(self, env: dict[str, str], log: Path):
        self.log = open(log, "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT,
                                     env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Browser:
    """One browser: one cookie jar, sent to whichever server it talks to (as behind a load balancer)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, data: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        for header in resp.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return resp.status, resp.msg, payload

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def post_form(self, port: int, path: str, data: dict):
        status, _h, body = self.get(port, path)
        assert status == 200, (path, status)
        return self.request(port, "POST", path, {**form_fields(body.decode()), **data})

    def login(self, port: int, username: str, password: str = PASSWORD) -> int:
        return self.post_form(port, "/login", {"username": username, "password": password})[0]


def seed(database_url: str) -> None:
    """Migrate the database and add a förbund with an officer and answers (in this process)."""
    from flask_migrate import upgrade

    from app import create_app
    from surveys import accounts
    from surveys.extensions import db
    from surveys.models import Answer, Response

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET, "TESTING": True})
    with app.app_context():
        upgrade()
        forbund = accounts.create_forbund("a", "Samordningsförbundet A")
        insats = accounts.create_insats(forbund, "Steg A")
        accounts.create_user("off-a", "officer", PASSWORD, forbund=forbund, name="Olga Officer")
        accounts.create_user("lockme", "officer", PASSWORD, forbund=forbund)
        for k in range(6):
            r = Response(submission_key=f"k-{k}", forbund_id=forbund.id, insats_id=insats.id, questionnaire="DP",
                         instrument_version="2026.1", measurement_year=2026, submitted_on=dt.date(2026, 3, 1),
                         released=True)  # a closed year's answers, already released (spec D2)
            r.answers = [Answer(item_id=i, value=(k % 6) + 1) for i in ("DP01", "DP02", "DP03")]
            db.session.add(r)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("redis-server") is None or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("needs redis-server and PostgreSQL (scripts/install.sh --test)")
    logs = tmp_path_factory.mktemp("multiserver")
    started = []
    try:
        pg = TempPostgres()
        pg.start()
        started.append(pg)
        redis_server = Redis(logs / "redis.log")
        started.append(redis_server)
        seed(pg.url)
        env = {
            "SURVEYS_QUEUE_URL": redis_server.url + "/0",
            "SURVEYS_RATELIMIT_ENABLED": "true",
            "SURVEYS_RATELIMIT_STORAGE_URI": redis_server.url + "/1",
            "SURVEYS_RATELIMIT_LOGIN": "14 per hour",
            "SURVEYS_RATELIMIT_STRATEGY": "moving-window",
            "SURVEYS_JOB_HEARTBEAT_SECONDS": "1",
            "SURVEYS_JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        }
        servers = []
        for name in ("a", "b"):
            server = Gunicorn(pg.url, 2, logs / f"gunicorn-{name}.log", env=env)
            started.append(server)
            servers.append(server)
        worker_env = {**env, "DATABASE_URL": pg.url, "SURVEYS_SECRET_KEY": SECRET}
        worker = Worker(worker_env, logs / "worker.log")
        yield {"a": servers[0].port, "b": servers[1].port, "worker": worker, "worker_env": worker_env,
               "logs": logs, "redis": redis_server, "servers": servers}
        worker.stop()
    finally:
        for part in reversed(started):
            part.stop()


def job_status(browser: Browser, port: int, job_path: str):
    status, headers, body = browser.get(port, job_path)
    assert status == 200, status
    return body.decode(), headers


def wait_for(browser: Browser, port: int, job_path: str, done, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        html, headers = job_status(browser, port, job_path)
        if done(html):
            return html, headers
        assert time.monotonic() < deadline, f"gave up waiting on {job_path}:\n{html[-1500:]}"
        time.sleep(0.3)


def start_report(browser: Browser, port: int) -> str:
    status, headers, _body = browser.post_form(port, "/rapport/", {
        "year": "2026", "scope": "forbund", "reference": "none", "chart_format": "svg"})
    assert status == 303, status
    return urllib.parse.urlsplit(headers["Location"]).path


def test_report_started_on_a_is_polled_and_downloaded_on_b(cluster):
    a, b = cluster["a"], cluster["b"]
    browser = Browser()
    assert browser.login(a, "off-a") == 303
    job_path = start_report(browser, a)
    html, headers = wait_for(browser, b, job_path, lambda h: "Rapporten är klar" in h, REPORT_TIMEOUT)
    assert "Refresh" not in headers and "http-equiv" not in html  # the page stops polling
    links = re.findall(r'href="(/rapport/jobb/[^"]+/[^"/]+)"', html)
    assert {link.rsplit("/", 1)[1] for link in links} == {
        "bilaga-2026.pdf", "bilaga-2026.docx", "tabeller-2026.xlsx", "tabeller-2026-csv.zip", "diagram-2026-svg.zip"}
    for link in links:
        status, headers, body = browser.get(b, link)
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        magic = b"%PDF" if link.endswith(".pdf") else b"PK\x03\x04"
        assert body.startswith(magic) and len(body) > 1000
    # Both servers list the job with who asked for it.
    for port in (a, b):
        index = browser.get(port, "/rapport/")[2].decode()
        assert job_path in index and "Olga Officer" in index and "Klar" in index


def test_killed_worker_fails_the_job_within_the_bound(cluster):
    a, b = cluster["a"], cluster["b"]
    browser = Browser()
    assert browser.login(b, "off-a") == 303
    job_path = start_report(browser, b)
    wait_for(browser, a, job_path, lambda h: "Rapporten förbereds" in h, REPORT_TIMEOUT)
    worker = cluster["worker"]
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait()
    killed = time.monotonic()
    html, headers = wait_for(browser, a, job_path, lambda h: "Rapporten kunde inte skapas" in h, HEARTBEAT_TIMEOUT + 30)
    waited = time.monotonic() - killed
    assert waited <= HEARTBEAT_TIMEOUT + 5, waited
    assert "slutade svara" in html and "Försök igen med samma val" in html
    assert "Refresh" not in headers and "http-equiv" not in html
    # The other server says the same.
    html_b, _h = job_status(browser, b, job_path)
    assert "slutade svara" in html_b


def test_login_lock_and_address_limit_hold_across_servers(cluster):
    a, b = cluster["a"], cluster["b"]
    attacker = Browser()
    # Five wrong passwords, alternating between the servers (and their two workers each) ...
    for port in (a, b, a, b, a):
        assert attacker.login(port, "lockme", "fel-losen-123") == 200
    # ... lock the account on both: the right password no longer helps anywhere.
    assert attacker.login(b, "lockme") == 429
    assert attacker.login(a, "lockme") == 429
    # The per-address login limit (14 per hour, moving window) is counted in Redis for both servers
    # together: 2 logins in the tests before and 7 here so far; 5 more are allowed, the next is refused.
    # (Counted per worker process in memory, no process would have seen more than 5.)
    for port in (a, b, a, b, a):
        assert attacker.login(port, "nobody", "fel-losen-123") == 200
    assert attacker.login(b, "nobody", "fel-losen-123") == 429
    import redis

    keys = redis.Redis.from_url(cluster["redis"].url + "/1").keys("*")
    assert keys, "Flask-Limiter kept its counters outside Redis"


def _default_signals():  # as in a terminal: `make run` gets Ctrl-C (SIGINT) with the whole group
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def test_make_run_serves_and_works_off_jobs_with_nothing_else_running_and_stops_on_ctrl_c(tmp_path):
    """The embedded default: SQLite database, SQLite queue file, scripts/run.sh (what `make run` ends with)."""
    database_url = f"sqlite:///{tmp_path / 'surveys.sqlite'}"
    seed(database_url)
    port = free_port()
    env = {**os.environ, "PYTHON": sys.executable, "DATABASE_URL": database_url, "SURVEYS_SECRET_KEY": SECRET,
           "SURVEYS_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}", "SURVEYS_RATELIMIT_ENABLED": "false"}
    log = open(tmp_path / "run.log", "w")
    proc = subprocess.Popen(["bash", "scripts/run.sh", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=_default_signals, start_new_session=True)
    try:
        browser = Browser()
        deadline = time.monotonic() + 120
        while True:
            try:
                if browser.get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        assert browser.login(port, "off-a") == 303
        job_path = start_report(browser, port)
        html, headers = wait_for(browser, port, job_path, lambda h: "Rapporten är klar" in h, REPORT_TIMEOUT)
        pdf = re.findall(r'href="(/rapport/jobb/[^"]+\.pdf)"', html)[0]
        assert browser.get(port, pdf)[2].startswith(b"%PDF")
        children = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True, text=True).stdout
        assert len(children.split()) >= 3  # the script, the web server and the worker
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        assert proc.wait(30) != 0
        # The chart renderers' forkserver ends on its own once the worker that started it is gone.
        deadline = time.monotonic() + 15
        while True:
            left = subprocess.run(["ps", "-o", "pid=,args=", "-g", str(proc.pid)], capture_output=True, text=True).stdout
            if not left.strip() or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert left.strip() == "", f"Ctrl-C left processes running:\n{left}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        log.close()
