"""Time a 50,000-row paper-answer import and a respondent's submission made while it runs.

Run by hand (not a test), from the repository root::

    python bench/import.py                    # SQLite
    python bench/import.py --db both          # SQLite, then a throwaway PostgreSQL
    python bench/import.py --rows 10000

For each database: a fresh database, migrated and seeded with one förbund, one insats, an open DP
link and an officer. A synthetic CSV file (seeded; every DP item answered with 1-6 or 9, a form
number per row, dated in the current measurement year so that the import also releases its
rows, spec D2) is imported

1. as the CLI does (``surveys.import_store.run_import``: read, validate, bulk insert, commit), and
2. over the web (the officer's upload, ``POST /papper/import``, with the Flask test client): a
   large file becomes an import job on the task queue, run here at once (Huey immediate mode) as
   the worker would run it, so the time is from upload to finished import,

each into a database without those forms, while another process (its own app and connections, as
a gunicorn worker would be) fetches the questionnaire and submits it as a respondent, again and
again until the import ends. It prints the
import times next to the 10 s goal and the submissions' latency (worst and median) next to the
1 s goal, and checks that every submission was acknowledged and every row stored exactly once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import seed  # noqa: E402
from respondents import hidden_fields  # noqa: E402
from servers import SECRET, throwaway_database  # noqa: E402

GOAL_IMPORT_S = 10.0
GOAL_SUBMIT_S = 1.0
PASSWORD = "bench-import-losen-2026"


def current_year_days() -> list[str]:
    """Every day of the current measurement year up to today (it begins on 1 November): forms
    dated in it are released by the import (a form dated in an ended year is stored but never
    released, and would leave the release out of the time)."""
    today = dt.date.today()
    day = dt.date(today.year if today.month >= 11 else today.year - 1, 11, 1)
    days = []
    while day <= today:
        days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def synthetic_csv(rows: int, first_number: int, items: tuple[str, ...], insats: str, seed_: int = 14) -> bytes:
    rng = random.Random(seed_)
    days = current_year_days()
    codes = ["1", "2", "3", "4", "5", "6", "9", ""]
    weights = [4, 6, 10, 18, 24, 20, 6, 12]
    out = io.StringIO()
    out.write(";".join(["formular", "questionnaire", "insats", "date", *items]) + "\r\n")
    for n in range(rows):
        day = rng.choice(days)
        answers = rng.choices(codes, weights, k=len(items))
        if not any(answers):
            answers[0] = "4"
        out.write(";".join([str(first_number + n), "DP", insats, day, *answers]) + "\r\n")
    return out.getvalue().encode("utf-8")


def _answer_repeatedly(database_url: str, token: str, items: tuple[str, ...], stop, ready, out) -> None:
    """Child process: a respondent (its own app, its own connections) answering until ``stop``."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    latencies, refused = [], 0
    while not stop.is_set():
        page = client.get(f"/s/{token}/svar")
        data = {**hidden_fields(page.get_data(as_text=True)), **{item: "4" for item in items}}
        started = time.perf_counter()
        resp = client.post(f"/s/{token}/svar", data=data)
        latencies.append(time.perf_counter() - started)
        refused += resp.status_code != 303
        ready.set()
        time.sleep(0.05)
    out.put((latencies, refused))


class Submitter:
    """A respondent in another process (as in a gunicorn worker beside the import), so the
    figures are not those of two threads sharing one interpreter."""

    def __init__(self, database_url: str, token: str, items: tuple[str, ...]):
        ctx = multiprocessing.get_context("spawn")
        self.stop, self.ready = ctx.Event(), ctx.Event()
        self.out = ctx.Queue()
        self.proc = ctx.Process(target=_answer_repeatedly,
                                args=(database_url, token, items, self.stop, self.ready, self.out))
        self.latencies: list[float] = []
        self.refused = 0

    def start(self) -> None:
        self.proc.start()
        self.ready.wait(120)  # answering already when the import starts

    def finish(self) -> None:
        self.stop.set()
        self.latencies, self.refused = self.out.get(timeout=120)
        self.proc.join(30)


def prepare(database_url: str):
    from surveys.accounts import create_user
    from surveys.extensions import db
    from surveys.instruments import instrument
    from surveys.models import Forbund

    token = seed(database_url)
    from app import create_app

    # A large upload becomes a job on the task queue; run it at once (inside the upload request) as
    # a worker would run it, so the time measured is upload to finished import.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False,
                      "QUEUE_IMMEDIATE": True})
    with app.app_context():
        forbund = db.session.query(Forbund).filter_by(slug="bench").one()
        create_user("bench-officer", "officer", PASSWORD, forbund=forbund)
        db.session.commit()
        items = instrument().questionnaires["DP"].item_ids
        insats = forbund.insatser[0].name
        forbund_id = forbund.id
    return app, token, items, insats, forbund_id


def counts(app) -> tuple[int, int, int, int]:
    """Responses, answers, imported responses, and imported responses released (spec D2)."""
    from sqlalchemy import func, select

    from surveys.extensions import db
    from surveys.models import Answer, Response

    with app.app_context():
        imported = select(func.count()).select_from(Response).where(Response.channel == "import")
        result = (db.session.scalar(select(func.count()).select_from(Response)),
                  db.session.scalar(select(func.count()).select_from(Answer)),
                  db.session.scalar(imported),
                  db.session.scalar(imported.where(Response.released.is_(True))))
        db.session.remove()
    return result


def with_submitter(url, token, items, work) -> tuple[float, Submitter, object]:
    submitter = Submitter(url, token, items)
    submitter.start()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    submitter.finish()
    return elapsed, submitter, result


def import_cli(app, forbund_id: int, data: bytes):
    from surveys.extensions import db
    from surveys.import_store import run_import

    def work():
        cpu = time.thread_time()
        with app.app_context():
            result = run_import(forbund_id, None, data, "bench.csv")
            db.session.remove()
        return f"{result.created} nya, {result.existing} fanns redan; CPU of the import thread {time.thread_time() - cpu:.2f} s"

    return work


def import_web(app, data: bytes):
    def work():
        client = app.test_client()
        page = client.get("/login")
        client.post("/login", data={**hidden_fields(page.get_data(as_text=True)),
                                       "username": "bench-officer", "password": PASSWORD})
        page = client.get("/papper/import")
        fields = hidden_fields(page.get_data(as_text=True))
        resp = client.post("/papper/import", data={**fields, "file": (io.BytesIO(data), "bench.csv")},
                           content_type="multipart/form-data")
        if resp.status_code != 303:
            return f"HTTP {resp.status_code}"
        where = resp.headers["Location"]
        flashes = re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', client.get(where).get_data(as_text=True))
        return ("as a job: " if "/jobb/" in where else "in the request: ") + (" / ".join(flashes) or "303")

    return work


def report(label: str, elapsed: float, submitter: Submitter, outcome) -> None:
    lat = submitter.latencies
    worst = max(lat) if lat else float("nan")
    median = statistics.median(lat) if lat else float("nan")
    print(f"  {label:<22} {elapsed:6.2f} s  (goal < {GOAL_IMPORT_S:.0f} s: {'ok' if elapsed < GOAL_IMPORT_S else 'MISSED'})"
          f"   {outcome}")
    print(f"  {'':<22} concurrent submissions: {len(lat)}, refused {submitter.refused}, worst {worst:.3f} s, "
          f"median {median:.3f} s (goal < {GOAL_SUBMIT_S:.0f} s: {'ok' if worst < GOAL_SUBMIT_S else 'MISSED'})")


def bench(db_kind: str, rows: int) -> bool:
    with throwaway_database(db_kind, prefix="bench-import.") as (url, _tmp, _pg):
        app, token, items, insats, forbund_id = prepare(url)
        cli_file = synthetic_csv(rows, 1, items, insats)
        web_file = synthetic_csv(rows, 1_000_001, items, insats, seed_=16)
        print(f"{db_kind}: {rows} rows x {len(items)} items ({len(cli_file) / 1e6:.1f} MB)")
        elapsed, submitter, outcome = with_submitter(url, token, items, import_cli(app, forbund_id, cli_file))
        report("CLI (run_import)", elapsed, submitter, outcome)
        ok = submitter.refused == 0
        elapsed, submitter, outcome = with_submitter(url, token, items, import_web(app, web_file))
        report("web (POST upload)", elapsed, submitter, outcome)
        ok = ok and submitter.refused == 0
        started = time.perf_counter()
        again = import_cli(app, forbund_id, cli_file)()
        print(f"  {'re-import (same file)':<22} {time.perf_counter() - started:6.2f} s   {again}")
        responses, answers, imported, released = counts(app)
        print(f"  stored: {responses} responses, {answers} answers; imported {imported}, released {released} "
              "(forms dated in the current measurement year: released as the import makes them count)")
        return ok and again.startswith(f"0 nya, {rows} fanns redan") and released > 0.99 * imported


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    print(f"bench/import.py  {time.strftime('%Y-%m-%d')}  {platform.machine()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average before the run {os.getloadavg()[0]:.1f}")
    ok = True
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        ok = bench(kind, min(args.rows, 50_000)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
