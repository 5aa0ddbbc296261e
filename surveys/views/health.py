"""A bare liveness endpoint for load balancers and benchmarks: no database, no session, no template."""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Answer "ok" if the process serves requests; the database is deliberately not touched."""
    return Response("ok", mimetype="text/plain")


# Load balancers check app servers over plain HTTP even when FORCE_HTTPS redirects everything else.
healthz.talisman_view_options = {"force_https": False}  # type: ignore[attr-defined]
