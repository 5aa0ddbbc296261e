"""Load and fault benchmark: many respondents at once against gunicorn, on SQLite and PostgreSQL.

Run by hand (not a test), from the repository root::

    python bench/load.py                      # both databases, 200 virtual users
    python bench/load.py --db sqlite --users 300 --rounds 3

For each database it starts a fresh database and ``gunicorn -w 4`` on 127.0.0.1 (loopback only),
seeds one förbund with a DP link, and then runs these phases with the same number of virtual users
(threads, one cookie jar each):

1. ceiling:   GET /healthz (no database work) -- the fastest the same app can answer;
2. GET, POST: every user fetches as many questionnaires as it made /healthz requests, then submits
              the first --rounds of them (filled in before the POST phase, as in a browser);
              phases 1 and 2 are repeated --repeats times in turn and each step's rate is
              printed as a share of its own round's ceiling, the median of the rounds
              next to its goal (GET >= 50 %, POST >= 35 %, issue 14), with p50/p95/p99;
3. answering: every user fetches the questionnaire and submits it; a share of them send the same
              submission again (double click / retry: same submission key);
4. faults:    as 3, while one gunicorn worker is SIGKILLed and (PostgreSQL) the database is
              restarted with ``pg_ctl restart -m fast``. A refused submission (5xx or connection
              error) is resent with the same key, as a respondent would (``--no-faults`` skips it).

It prints throughput and p50/p95/p99 latency per phase, then checks the database: exactly one
response per acknowledged submission (303 to /tack), none lost, none duplicated, nothing stored
that was never sent. Rate limits are switched off (SURVEYS_RATELIMIT_ENABLED=false) so they do not
distort the figures. Everything is bounded in count and time (--max-seconds per phase).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from respondents import Stats, fill_in, get_form, percentiles, post_answer, request, run_users  # noqa: E402
from servers import SECRET, CpuMeter, Gunicorn, throwaway_database  # noqa: E402

# --- the database -------------------------------------------------------------------------------


def make_app(database_url: str):
    import logging

    from app import create_app

    logging.getLogger("alembic").setLevel(logging.WARNING)
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})


def seed(database_url: str) -> str:
    """Migrate the empty database and create one förbund, one insats and an open DP link."""
    from flask_migrate import upgrade

    from surveys.extensions import db
    from surveys.models import Forbund, Insats, SurveyLink

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        forbund = Forbund(slug="bench", name="Samordningsförbundet Bench")
        insats = Insats(forbund=forbund, name="Belastning")
        db.session.add_all([forbund, insats])
        db.session.flush()
        link = SurveyLink(forbund_id=forbund.id, insats_id=insats.id, questionnaire="DP", instrument_version="2026.1",
                          opens_on=dt.date(2000, 1, 1), closes_on=dt.date(2199, 12, 31))
        db.session.add(link)
        db.session.commit()
        token = link.token
        db.session.remove()
        db.engine.dispose()
    return token


def stored_keys(database_url: str) -> Counter:
    from sqlalchemy import select

    from surveys.extensions import db
    from surveys.models import Response

    app = make_app(database_url)
    with app.app_context():
        keys = Counter(db.session.scalars(select(Response.submission_key)))
        db.session.remove()
        db.engine.dispose()
    return keys


def phase_ceiling(port: int, users: int, per_user: int, max_seconds: float) -> tuple[float, int]:
    """Every user requests /healthz ``per_user`` times; return the rate and the requests answered."""
    stats = Stats()

    def work(n, deadline):
        for _ in range(per_user):
            if time.monotonic() > deadline:
                return
            t0 = time.monotonic()
            try:
                status = request(port, "GET", "/healthz")[0]
                stats.count(str(status))
            except OSError as exc:
                stats.count(type(exc).__name__)
                continue
            stats.time("GET", time.monotonic() - t0)

    elapsed = run_users(users, work, max_seconds)
    done = len(stats.latencies["GET"])
    print(f"  ceiling  /healthz: {done} requests in {elapsed:.1f} s = {done / elapsed:7.1f} req/s   "
          f"{percentiles(stats.latencies['GET'])}   outcomes {dict(stats.outcomes)}")
    return done / elapsed, done


def phase_answering(port: int, token: str, users: int, rounds: int, max_seconds: float, retry_share: float,
                    resend_refused: bool, on_progress=None) -> Stats:
    stats = Stats()
    rng = random.Random(7)
    retriers = {n for n in range(users) if rng.random() < retry_share}

    def submit(body: str, cookies: dict, key: str) -> str:
        return post_answer(port, token, stats, body, cookies, key)

    def work(n, deadline):
        answer_rng = random.Random(n)
        for _ in range(rounds):
            if time.monotonic() > deadline:
                return
            form = get_form(port, token, stats)
            if form is None:
                continue
            cookies, html = form
            body, key = fill_in(html, answer_rng, stats)
            outcome = submit(body, cookies, key)
            stats.count("first attempt " + outcome.split(":")[0])
            attempts = 1
            while outcome != "acknowledged" and resend_refused and attempts < 6 and time.monotonic() < deadline:
                time.sleep(0.5 * attempts)  # the respondent presses "Skicka" again
                outcome = submit(body, cookies, key)
                attempts += 1
            if outcome == "acknowledged" and n in retriers:
                # A double click / back-and-resubmit: the same key again must not store a second response.
                second = submit(body, cookies, key)
                stats.count("duplicate post " + second.split(":")[0])
            stats.count("final " + outcome)
            if on_progress:
                on_progress()

    stats.started = time.monotonic()
    elapsed = run_users(users, work, max_seconds)
    posts, gets = stats.latencies["POST"], stats.latencies["GET"]
    print(f"  answering: {len(stats.acknowledged)} acknowledged submissions in {elapsed:.1f} s = "
          f"{len(stats.acknowledged) / elapsed:6.1f} submissions/s ({(len(gets) + len(posts)) / elapsed:6.1f} req/s)")
    print(f"    GET  questionnaire: {percentiles(gets)}")
    print(f"    POST submission:    {percentiles(posts)}")
    print(f"    outcomes: {dict(sorted(stats.outcomes.items()))}")
    return stats

#: Goals of issue 14: throughput of each step as a share of the /healthz ceiling of the same run.
GOALS = {"GET": 0.50, "POST": 0.35}


def split_round(port: int, token: str, users: int, rounds: int, fetches: int, max_seconds: float, repeat: int,
                retriers: set[int], stats: Stats, meter: CpuMeter, cpu: dict[str, Counter]) -> tuple[Stats, float, float]:
    """One round of :func:`phase_split`: the fetches, then the submissions; return the round's
    latencies (outcomes and keys go to ``stats``) and the two phases' durations. The CPU each
    side spent is added to ``cpu["GET"]`` and ``cpu["POST"]``."""
    round_stats = Stats(acknowledged=stats.acknowledged, sent=stats.sent, lock=stats.lock, outcomes=stats.outcomes)
    filled: dict[int, list[tuple[dict, str, str]]] = {n: [] for n in range(users)}

    def fetch(n, deadline):
        answer_rng = random.Random(repeat * 100_000 + n)
        for _ in range(max(rounds, fetches)):
            if time.monotonic() > deadline:
                return
            form = get_form(port, token, round_stats)
            if form is not None and len(filled[n]) < rounds:
                cookies, html = form
                filled[n].append((cookies, *fill_in(html, answer_rng, round_stats)))

    def submit(n, deadline):
        for cookies, body, key in filled[n]:
            if time.monotonic() > deadline:
                return
            outcome = post_answer(port, token, round_stats, body, cookies, key)
            stats.count("first attempt " + outcome.split(":")[0])
            if outcome == "acknowledged" and n in retriers:
                second = post_answer(port, token, round_stats, body, cookies, key)
                stats.count("duplicate post " + second.split(":")[0])
            stats.count("final " + outcome)

    before = meter.snapshot()
    get_elapsed = run_users(users, fetch, max_seconds)
    between = meter.snapshot()
    post_elapsed = run_users(users, submit, max_seconds)
    cpu["GET"].update(meter.spent(before, between))
    cpu["POST"].update(meter.spent(between, meter.snapshot()))
    return round_stats, get_elapsed, post_elapsed


def phase_split(port: int, token: str, users: int, rounds: int, max_seconds: float, retry_share: float,
                fetches: int, repeats: int, meter: CpuMeter) -> Stats:
    """GET and POST measured apart, each against a /healthz ceiling measured right before it.

    The machine's speed drifts from one second to the next (a shared VM), and each phase lasts
    only a couple of seconds, so the three steps are measured ``repeats`` times in turn -- ceiling,
    GET, POST -- each ratio against the ceiling of its own round, and the median of the rounds is
    set against the goal. In a round every user fetches ``fetches`` forms (as many requests as in
    the ceiling phase), each as a new respondent (own cookie jar), and fills in the first
    ``rounds`` of them as a browser would, before the POST phase; then every user submits those,
    and a share of the users send a submission twice with the same key.

    It also prints the CPU time per request of each step, by side (the app's workers, the
    database server, the load generator), summed over the rounds (:class:`servers.CpuMeter`):
    on this machine every step is bound by its two cores, so a step's rate is about the ceiling
    times the ceiling's CPU per request divided by the step's.
    """
    stats = Stats()
    rng = random.Random(7)
    retriers = {n for n in range(users) if rng.random() < retry_share}
    ratios: dict[str, list[float]] = {"GET": [], "POST": []}
    latencies: dict[str, list[float]] = {"GET": [], "POST": []}
    cpu: dict[str, Counter] = {"ceiling": Counter(), "GET": Counter(), "POST": Counter()}
    requests = Counter()

    for repeat in range(repeats):
        before = meter.snapshot()
        ceiling, answered = phase_ceiling(port, users, fetches, max_seconds)
        cpu["ceiling"].update(meter.spent(before, meter.snapshot()))
        requests["ceiling"] += answered
        round_stats, get_elapsed, post_elapsed = split_round(port, token, users, rounds, fetches, max_seconds,
                                                             repeat, retriers, stats, meter, cpu)
        gets, posts = round_stats.latencies["GET"], round_stats.latencies["POST"]
        requests["GET"] += len(gets)
        requests["POST"] += len(posts)
        rates = {"GET": len(gets) / get_elapsed, "POST": len(posts) / post_elapsed}
        line = []
        for kind in ("GET", "POST"):
            ratio = rates[kind] / ceiling if ceiling else 0.0
            ratios[kind].append(ratio)
            latencies[kind].extend(round_stats.latencies[kind])
            line.append(f"{kind} {rates[kind]:6.1f} req/s = {ratio:6.1%}")
        print(f"    round {repeat + 1}: {len(gets)} questionnaires fetched in {get_elapsed:.1f} s, {len(posts)} "
              f"submissions posted in {post_elapsed:.1f} s: " + ", ".join(line) + " of the ceiling above")

    print(f"  GET and POST apart, median of {repeats} rounds (each against its own ceiling):")
    for kind, label in (("GET", "GET  questionnaire"), ("POST", "POST submission   ")):
        ratio = statistics.median(ratios[kind])
        verdict = "met" if ratio >= GOALS[kind] else "NOT met"
        spread = " ".join(f"{r:.1%}" for r in ratios[kind])
        print(f"    {label}: {ratio:6.1%} of the ceiling (goal >= {GOALS[kind]:.0%}: {verdict}; rounds {spread})   "
              f"{percentiles(latencies[kind])}")
    print_cpu(cpu, requests)
    print(f"    outcomes: {dict(sorted(stats.outcomes.items()))}")
    stats.latencies = latencies
    return stats


def print_cpu(cpu: dict[str, Counter], requests: Counter) -> None:
    """CPU milliseconds per request of each step, by side, and the share of the ceiling's rate a
    step bound by the processor alone would reach (ceiling's CPU per request / the step's)."""
    per_request = {kind: {side: 1000 * seconds / requests[kind] for side, seconds in cpu[kind].items()}
                   for kind in cpu if requests[kind]}
    print("  CPU per request, all rounds (app workers + database server + load generator = total):")
    ceiling_total = sum(per_request.get("ceiling", {}).values())
    for kind, label in (("ceiling", "/healthz          "), ("GET", "GET  questionnaire"), ("POST", "POST submission   ")):
        if kind not in per_request:
            continue
        sides = per_request[kind]
        total = sum(sides.values())
        bound = f"; bound by CPU alone: {ceiling_total / total:6.1%} of the ceiling" if kind != "ceiling" and total else ""
        print(f"    {label}: {sides.get('app', 0):5.2f} + {sides.get('database', 0):5.2f} + "
              f"{sides.get('load generator', 0):5.2f} = {total:5.2f} ms{bound}")


def check(database_url: str, stats: Stats, before: Counter) -> bool:
    keys = stored_keys(database_url) - before
    duplicated = sum(1 for count in keys.values() if count > 1)
    lost = stats.acknowledged - set(keys)
    unknown = set(keys) - stats.sent
    stored_unacknowledged = set(keys) - stats.acknowledged
    print(f"    database: {sum(keys.values())} responses for {len(stats.acknowledged)} acknowledged submissions; "
          f"lost {len(lost)}, duplicated {duplicated}, never sent {len(unknown)}, "
          f"stored but not acknowledged {len(stored_unacknowledged)}")
    return not lost and not duplicated and not unknown


def bench(db_kind: str, args) -> bool:
    with throwaway_database(db_kind) as (url, tmp, pg):
        if pg:
            print(f"\n== PostgreSQL ({pg.version()}) ==")
        else:
            import sqlite3

            print(f"\n== SQLite {sqlite3.sqlite_version} (WAL, busy_timeout 30 s) ==")
        token = seed(url)
        server = Gunicorn(url, args.workers, tmp / "gunicorn.log")
        ok = True
        try:
            print(f"  gunicorn -w {args.workers}, {args.users} virtual users, rate limits off "
                  f"(SURVEYS_RATELIMIT_ENABLED=false)")
            meter = CpuMeter(server.proc.pid, pg.pid() if pg else None)
            stats = phase_split(server.port, token, args.users, args.rounds, args.max_seconds, args.retry_share,
                                args.ceiling_requests, args.repeats, meter)
            ok &= check(url, stats, Counter())
            before = stored_keys(url)
            stats = phase_answering(server.port, token, args.users, args.rounds, args.max_seconds, args.retry_share,
                                    resend_refused=False)
            ok &= check(url, stats, before)
            print(f"    server errors logged: {server.errors_logged()}")
            if args.no_faults:
                return ok
            before = stored_keys(url)
            logged_before = server.errors_logged()

            print("  faults: " + ("SIGKILL one worker, then restart PostgreSQL" if pg else "SIGKILL one worker"))
            total = args.users * args.rounds
            done = Counter()
            lock = threading.Lock()

            def kill_worker(n):
                victim = server.workers()[0]
                os.kill(victim, signal.SIGKILL)
                print(f"    ... SIGKILL worker {victim} after {n} submissions")

            def restart_db(n):
                t0 = time.monotonic()
                pg.restart()
                print(f"    ... PostgreSQL restarted after {n} submissions (took {time.monotonic() - t0:.1f} s)")

            def progress():
                with lock:
                    done["n"] += 1
                    n = done["n"]
                if n == total // 5:
                    threading.Thread(target=kill_worker, args=(n,)).start()
                if pg and n == total // 2:
                    threading.Thread(target=restart_db, args=(n,)).start()

            stats = phase_answering(server.port, token, args.users, args.rounds, args.max_seconds, args.retry_share,
                                    resend_refused=True, on_progress=progress)
            ok &= check(url, stats, before)
            print(f"    server errors logged during the faults: {server.errors_logged() - logged_before} "
                  f"(500s); database-unavailable warnings: {server.unavailable_logged()} (503s: the respondent "
                  "is told, a submission keeps its answers)")
        finally:
            server.stop()
        return ok


def machine() -> str:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return (f"{platform.platform()}; {os.cpu_count()} CPUs; {int(mem) // 1024 // 1024} GiB RAM; "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=int, default=200, help="virtual users (threads)")
    parser.add_argument("--rounds", type=int, default=3, help="questionnaires each user answers per phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--ceiling-requests", type=int, default=10, help="/healthz requests per user")
    parser.add_argument("--repeats", type=int, default=5,
                        help="rounds of ceiling, GET and POST measured in turn (the median is compared to the goals)")
    parser.add_argument("--retry-share", type=float, default=0.2, help="share of users who submit twice")
    parser.add_argument("--no-faults", action="store_true", help="skip the fault phase (quick runs)")
    parser.add_argument("--max-seconds", type=float, default=180, help="time limit of each phase")
    args = parser.parse_args()
    if not 1 <= args.users <= 2000 or not 1 <= args.rounds <= 50 or not 1 <= args.repeats <= 15:
        parser.error("keep it bounded: 1-2000 users, 1-50 rounds, 1-15 repeats")
    print(machine())
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = {kind: bench(kind, args) for kind in kinds}
    print("\n" + ", ".join(f"{k}: {'OK' if v else 'FAILED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
