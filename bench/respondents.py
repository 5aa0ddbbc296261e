"""The virtual respondents of bench/load.py: plain HTTP requests with a cookie jar each, the
questionnaire fetched, filled in at random and posted, and the figures kept per step."""

from __future__ import annotations

import http.client
import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTR = re.compile(r'(name|value)="([^"]*)"')
ITEM = re.compile(r'name="(DP\d\d)" type="radio"')

def request(port: int, method: str, path: str, body: str | None = None, cookies: dict | None = None,
            timeout: float = 60) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Connection": "close"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        if cookies is not None:
            for header in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, dict(resp.headers), data
    finally:
        conn.close()


def hidden_fields(html: str) -> dict[str, str]:
    out = {}
    for tag in HIDDEN.findall(html):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            out.setdefault(attrs["name"], attrs.get("value", ""))
    return out


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"GET": [], "POST": []})
    outcomes: Counter = field(default_factory=Counter)
    acknowledged: set = field(default_factory=set)
    sent: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0
    finished: float = 0.0

    def time(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def count(self, what: str) -> None:
        with self.lock:
            self.outcomes[what] += 1


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {qs[49] * 1000:7.1f} ms  p95 {qs[94] * 1000:7.1f} ms  p99 {qs[98] * 1000:7.1f} ms"


def run_users(users: int, work, max_seconds: float) -> float:
    deadline = time.monotonic() + max_seconds
    start = time.monotonic()
    threads = [threading.Thread(target=work, args=(n, deadline), daemon=True) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 70)
    return time.monotonic() - start


def get_form(port: int, token: str, stats: Stats) -> tuple[dict, str] | None:
    """GET the questionnaire as a new respondent (own cookie jar) and time it; return (cookies,
    html), or None when it was refused (counted)."""
    cookies: dict[str, str] = {}
    t0 = time.monotonic()
    try:
        status, _, html = request(port, "GET", f"/s/{token}/svar", cookies=cookies)
    except OSError as exc:
        stats.count("form refused:" + type(exc).__name__)
        return None
    if status != 200:
        stats.count(f"form refused:{status}")
        return None
    stats.time("GET", time.monotonic() - t0)
    return cookies, html


def fill_in(html: str, rng: random.Random, stats: Stats) -> tuple[str, str]:
    """Answer every item of the fetched form at random; return (POST body, submission key) and
    record the key as sent."""
    fields = hidden_fields(html)
    key = fields["submission_key"]
    answers = {item: str(rng.choice("1234569")) for item in sorted(set(ITEM.findall(html)))}
    with stats.lock:
        stats.sent.add(key)
    return urlencode({**fields, **answers}), key


def post_answer(port: int, token: str, stats: Stats, body: str, cookies: dict, key: str) -> str:
    """POST one questionnaire, time it, and record an acknowledged key; return the outcome."""
    t0 = time.monotonic()
    try:
        status, headers, _ = request(port, "POST", f"/s/{token}/svar", body, cookies)
    except OSError as exc:
        return "refused:" + type(exc).__name__
    stats.time("POST", time.monotonic() - t0)
    if status == 303 and "/tack" in headers.get("Location", ""):
        with stats.lock:
            stats.acknowledged.add(key)
        return "acknowledged"
    return f"refused:{status}" if status >= 500 else f"unexpected:{status}"
