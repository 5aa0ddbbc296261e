"""Configuration defaults. Layers, later wins: these defaults, ``instance/config.py``,
environment variables (``DATABASE_URL`` and any ``SURVEYS_*``), then the test override."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class Defaults:
    #: Answers for fewer respondents than this are never shown (never below 3).
    REPORTING_THRESHOLD = 5
    #: Instrument version new links use.
    DEFAULT_INSTRUMENT_VERSION = "2026.1"
    #: Longest free-text answer accepted, in characters.
    FREE_TEXT_MAX_LENGTH = 2000
    #: Largest accepted request body (uploads included), in bytes.
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    #: hide_parameters: SQL parameters (submission keys, free text) never appear in error messages.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    #: Languages of the interface strings on respondent pages (Arabic: unreviewed translation).
    UI_LANGUAGES = ("sv", "en", "ar")
    #: Languages of the staff, officer and admin interface.
    STAFF_UI_LANGUAGES = ("sv", "en")
    # Staff sessions end after 30 minutes without a request.
    PERMANENT_SESSION_LIFETIME = 30 * 60
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Set to True behind HTTPS (production): cookies are then sent over HTTPS only.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    #: Redirect HTTP to HTTPS and send HSTS (production behind TLS).
    FORCE_HTTPS = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    RATELIMIT_ENABLED = True
    #: Shared storage for rate-limit counters when several app servers run (e.g. redis://...).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Limits (Flask-Limiter syntax); see README, "Rate limits".
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    # A room of participants on one network shares one address: allow a full room at once.
    RATELIMIT_ANSWER = "120 per minute"
    RATELIMIT_TOKEN_LOOKUP = "300 per minute"
    #: Failed logins for one username before it is locked for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    #: Roles that must use a second factor (TOTP app plus one-time recovery codes); see README,
    #: "Accounts and passwords". Other users may turn it on themselves.
    REQUIRE_2FA_ROLES = ("admin",)
    #: Time zone of "today", the measurement year and link open/close dates, whatever the
    #: server's own zone (an IANA name; the tzdata package supplies it where the system lacks it).
    TIME_ZONE = "Europe/Stockholm"
    #: Task queue (Huey): empty = instance/queue.sqlite (one server; sqlite:////path for another file);
    #: redis://host:6379/0 when several app servers share workers. See README, "Worker and jobs".
    QUEUE_URL = ""
    #: Jobs one ``flask worker`` process runs at the same time.
    JOB_WORKERS = 1
    #: Finished jobs and their files are deleted this many days after they were started.
    JOB_EXPIRY_DAYS = 7
    #: Jobs (queued or running) one förbund may have at the same time.
    JOB_LIMIT_PER_FORBUND = 2
    #: A running job writes a heartbeat this often (seconds) ...
    JOB_HEARTBEAT_SECONDS = 10
    #: ... and is marked failed (its worker died) when the last one is older than this.
    JOB_HEARTBEAT_TIMEOUT = 120
    #: A queued job that no worker has started within this many seconds is marked failed.
    JOB_QUEUED_TIMEOUT = 3600
    #: Uploaded paper-answer files with more rows than this are imported as a job on the queue.
    IMPORT_JOB_MIN_ROWS = 2000
    #: For tests and demos: pretend today is this ISO date.
    FIXED_TODAY = None


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for postgres URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, creating it once; it never lives in the repository."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
