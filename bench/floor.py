"""The cheapest submission this stack can serve, next to /healthz: a floor for issue 14's POST goal.

Run by hand (not a test), from the repository root::

    python bench/floor.py                    # SQLite, then a throwaway PostgreSQL
    python bench/floor.py --db postgres --rounds 6

It serves the app exactly as ``bench/load.py`` does (``gunicorn -w 4``, the same middleware,
session, security headers, rate limits off), with one extra route, ``POST /floor``, that does the
least any stored answer needs: read the posted form, insert one row in one statement, commit (on
SQLite through the app's durable commit, on PostgreSQL through the pooled connection with its
pre-ping), and redirect with a 303. No CSRF token, no submission key, no link, no validation, no
idempotency check, one row instead of one per answer, and no release (D2). The same 200 threads
as ``bench/load.py`` then alternate between ``/healthz`` and ``/floor`` for ``--rounds`` rounds,
and each rate is printed with the CPU time per request of each side (``servers.CpuMeter``).

A real submission does all of that and more, so its share of the ceiling is below the floor's:
if the floor itself is near 35 %, the POST goal cannot be met by trimming the submission, only
by a cheaper stack (framework, driver, server) under it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import machine, seed  # noqa: E402
from respondents import request, run_users  # noqa: E402
from servers import CpuMeter, Gunicorn, throwaway_database  # noqa: E402


def make_app():
    """The app (configured from the environment, as gunicorn serves it) plus ``POST /floor``."""
    from flask import redirect
    from flask import request as flask_request
    from sqlalchemy import text

    from app import create_app
    from surveys.extensions import csrf, db

    app = create_app()

    @app.post("/floor")
    @csrf.exempt
    def floor():
        db.session.execute(text("INSERT INTO bench_floor (k, v) VALUES (:k, :v)"),
                           {"k": secrets.token_hex(16), "v": flask_request.form.get("DP01", "")})
        db.session.commit()
        return redirect("/healthz", code=303)

    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (k varchar(40) PRIMARY KEY, v varchar(10))"))
        db.session.commit()
    return app


#: A body of the size and shape of a DP submission (10 items and the hidden fields).
BODY = "&".join([f"DP{i:02d}={i % 6 + 1}" for i in range(1, 11)]
                + ["csrf_token=" + "x" * 91, "submission_key=" + "y" * 32, "lang=sv"])


def bench(db_kind: str, args) -> None:
    with throwaway_database(db_kind) as (url, tmp, pg):
        print(f"\n== PostgreSQL ({pg.version()}) ==" if pg else "\n== SQLite (WAL) ==")
        seed(url)  # migrated like bench/load.py's database
        server = Gunicorn(url, args.workers, tmp / "gunicorn.log", app="floor:make_app()",
                          env={"PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])})
        try:
            meter = CpuMeter(server.proc.pid, pg.pid() if pg else None)
            ratios = []
            for n in range(args.rounds):
                rates = {}
                for label, method, path, body, per_user in (("/healthz", "GET", "/healthz", None, 10),
                                                             ("/floor  ", "POST", "/floor", BODY, 5)):
                    failed: list[int] = []

                    def work(_user, _deadline, method=method, path=path, body=body, per_user=per_user,
                             failed=failed):
                        for _ in range(per_user):
                            status = request(server.port, method, path, body)[0]
                            if status not in (200, 303):
                                failed.append(status)

                    before, started = meter.snapshot(), time.monotonic()
                    run_users(args.users, work, 120)
                    elapsed, spent = time.monotonic() - started, meter.spent(before, meter.snapshot())
                    count = args.users * per_user
                    rates[label] = (count - len(failed)) / elapsed
                    sides = " + ".join(f"{1000 * spent.get(side, 0) / count:.2f}"
                                       for side in ("app", "database", "load generator"))
                    print(f"    round {n + 1} {label} {rates[label]:7.1f} req/s; CPU per request (app + database + "
                          f"load generator) {sides} = {1000 * sum(spent.values()) / count:.2f} ms"
                          + (f"; refused {len(failed)}" if failed else ""))
                ratios.append(rates["/floor  "] / rates["/healthz"])
        finally:
            server.stop()
        print(f"  floor: {statistics.median(ratios):.1%} of the /healthz ceiling, median of {args.rounds} rounds "
              f"({' '.join(f'{r:.1%}' for r in ratios)}); the POST goal of issue 14 is 35 %")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=200, help="virtual users (threads)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of /healthz then /floor")
    args = parser.parse_args()
    if not 1 <= args.users <= 2000 or not 1 <= args.rounds <= 15:
        parser.error("keep it bounded: 1-2000 users, 1-15 rounds")
    print(machine())
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        bench(kind, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
