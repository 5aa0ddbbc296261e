"""Imports (paper responses, reference values) are parsed defensively: clear errors, nothing stored."""

from __future__ import annotations

import pytest

from surveys.extensions import db
from tests.formwalk import login, state_changing_rules, table_counts, url_for_rule
from tests.helpers import form_fields
from tests.test_access_matrix import build_world

UPLOAD_ROLES = ("officer_a", "admin", "staff_a1")
IMPORT_ENDPOINTS = {"paper.import_file", "references.upload"}


def upload_targets(app, urls, usernames) -> list[tuple[str, str, str]]:
    """(endpoint, url, role) of every form with a file field, found from url_map and the pages."""
    clients = {}
    for role in UPLOAD_ROLES:
        clients[role] = app.test_client()
        login(clients[role], usernames[role])
    found = []
    for endpoint, url in urls:
        for role in UPLOAD_ROLES:
            page = clients[role].get(url)
            if page.status_code == 200 and 'type="file"' in page.get_data(as_text=True):
                found.append((endpoint, url, role))
                break
    return found


def _formula_csv(endpoint: str) -> bytes:
    if endpoint == "references.upload":
        return (b"year,group,target,mean,source\n"
                b"2024,DP,I01,=cmd|' /C calc'!A0,NNS 2024\n")
    return (b"questionnaire,insats,date,DP01,DP02\n"
            b"DP,A1,2026-03-01,=cmd|' /C calc'!A0,4\n"
            b"DP,A1,2026-03-01,\"=HYPERLINK(\"\"http://x\"\")\",4\n")


BAD_FILES = {
    "formula": (_formula_csv, ("formel", "Formel", "värde", "tal", "ogiltig", "Ogiltig")),
    "binary": (lambda e: bytes(range(256)) * 40, ("UTF-8", "binär")),
    # Neither UTF-8 nor Windows-1252 (which Swedish Excel saves, and which is accepted).
    "undecodable": (lambda e: "questionnaire,insats,date,DP01\nDP,Åtgärd,2026-03-01,4\n".encode() + b"\x81\x8d\xff\n",
                    ("varken sparad som UTF-8",)),
    "utf-16": (lambda e: "year,group,target,mean,source\n2024,DP,I01,4.1,Källa\n".encode("utf-16"), ("UTF-8",)),
    "empty": (lambda e: b"", ("tom", "Välj", "fil")),
}


class UploadWorld:
    """The role-matrix world with every upload form; requests run with no app context pushed
    (a pushed one would share ``g`` -- the current user, the CSRF token -- between clients)."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            w = build_world()
            self.usernames = {role: getattr(w, role).username for role in UPLOAD_ROLES}
            # An upload form's POST route usually shares its URL with the page (or its GET twin).
            urls = [(rule.endpoint, url_for_rule(app, rule, w)) for rule in state_changing_rules(app)]
        self.targets = upload_targets(app, [(e, u) for e, u in urls if u], self.usernames)

    def counts(self) -> dict[str, int]:
        with self.app.app_context():
            counts = table_counts()
            db.session.remove()
        counts.pop("audit_event", None)  # a refused import may be logged; nothing else may change
        return counts

    def client(self, role):
        client = self.app.test_client()
        login(client, self.usernames[role])
        return client


@pytest.fixture
def uploads(make_app):
    world = UploadWorld(make_app())
    existing = IMPORT_ENDPOINTS & set(world.app.view_functions)
    found = {endpoint for endpoint, _, _ in world.targets}
    for endpoint in existing:
        # A POST-only upload route has its form on another page: post to its own URL.
        if endpoint not in found:
            with world.app.test_request_context():
                from flask import url_for as build

                world.targets.append((endpoint, build(endpoint), "admin" if "references" in endpoint else "officer_a"))
    return world


def _token(client) -> str:
    return form_fields(client.get("/tillganglighet").get_data(as_text=True))["csrf_token"]


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_imports_refuse_bad_files_clearly_and_store_nothing(uploads, kind):
    import io

    make, words = BAD_FILES[kind]
    assert uploads.targets
    for endpoint, url, role in uploads.targets:
        client = uploads.client(role)
        before = uploads.counts()
        resp = client.post(url, data={"csrf_token": _token(client), "file": (io.BytesIO(make(endpoint)), f"{kind}.csv")})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400, f"{endpoint} with a {kind} file: {resp.status_code}"
        assert any(word in html for word in words), f"{endpoint} with a {kind} file: no clear error"
        assert uploads.counts() == before, f"{endpoint} stored data from a {kind} file"


def _multipart(token: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a big one to an unclosed temp file)."""
    boundary = "----fuzzboundary7MA4YWxkTrZu0gW"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stor.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_imports_refuse_oversized_files(uploads):
    limit = uploads.app.config["MAX_CONTENT_LENGTH"]
    for endpoint, url, role in uploads.targets:
        client = uploads.client(role)
        before = uploads.counts()
        too_big = b"questionnaire,insats,date,DP01\n" + b"DP,A1,2026-03-01,4\n" * (limit // 18 + 10)
        body, content_type = _multipart(_token(client), too_big)
        resp = client.post(url, data=body, content_type=content_type)
        assert resp.status_code == 413, (endpoint, resp.status_code)
        assert "För stor fil" in resp.get_data(as_text=True)
        # Under the request limit but over the import's own limit (if lower): a clear 400.
        medium = b"year,group,target,mean,source\n" + b"2024,DP,I01,4.1,x\n" * (3 * 1024 * 1024 // 18)
        body, content_type = _multipart(_token(client), medium)
        resp = client.post(url, data=body, content_type=content_type)
        assert resp.status_code in (400, 413), (endpoint, resp.status_code)
        assert uploads.counts() == before


FORMULA = "=cmd|' /C calc'!A0"
