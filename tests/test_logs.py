"""No log line ties a respondent's path to a time, and a database error during a submission is
logged without SQL parameters, the submission key or the answer text."""

import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from sqlalchemy import text
from werkzeug.serving import make_server

from surveys import logs
from surveys.extensions import db
from tests.helpers import form_fields

PORT = 51371


def test_development_server_log_has_no_respondent_path(make_app, make_forbund, make_link, caplog):
    """The server ``flask run`` (``make run``) uses, serving a real submission over HTTP."""
    app = make_app()
    with app.app_context():
        token = make_link(make_forbund(), "CH").token
        db.session.remove()
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    caplog.set_level(logging.INFO)
    thread.start()
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        url = f"http://127.0.0.1:{PORT}/s/{token}/svar"
        html = opener.open(url).read().decode()
        body = urllib.parse.urlencode({**form_fields(html), "CH01": "4"}).encode()
        opener.open(url, data=body).read()  # follows the 303 to /tack
        for spelling in (f"/s%2F{token}", f"/%73/{token}", f"/s/./{token}"):  # served as /s/<token>
            try:
                opener.open(f"http://127.0.0.1:{PORT}{spelling}").read()
            except urllib.error.HTTPError:
                pass
        opener.open(f"http://127.0.0.1:{PORT}/healthz").read()
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    # The access log keeps other requests, but no line of a respondent's request: it would put
    # the client's address and the time next to it.
    assert any("GET /healthz" in line for line in lines), lines
    assert not any("/s/" in line or "%2F" in line or "%73" in line for line in lines), lines
    assert token not in caplog.text


def test_database_error_during_submission_is_logged_without_parameters(make_app, make_forbund, make_link,
                                                                      monkeypatch, caplog):
    app = make_app(TESTING=False)
    with app.app_context():
        forbund = make_forbund()
        link = make_link(forbund, "CH")
        client = app.test_client()
        fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
        secret_text = "Mitt hemliga svar 4711"
        from surveys.views import respond

        def failing_submit(**kw):  # a constraint error whose parameters are the key and the text
            db.session.execute(text("INSERT INTO forbund (id, slug, name, is_demo) VALUES (:id, :slug, :name, :demo)"),
                               {"id": forbund.id, "slug": kw["submission_key"], "name": secret_text, "demo": False})

        monkeypatch.setattr(respond, "store_response", failing_submit)
        caplog.set_level(logging.INFO)
        resp = client.post(f"/s/{link.token}/svar", data={**fields, "CH01": "4"})
        assert resp.status_code == 500 and "Inget av det du skickade har sparats" in resp.get_data(as_text=True)
        assert "IntegrityError" in caplog.text  # the error is logged ...
        assert secret_text not in caplog.text and fields["submission_key"] not in caplog.text  # ... without values
        assert link.token not in caplog.text


def test_redact_removes_paths_parameters_and_key_details():
    line = ('127.0.0.1 - - [01/Nov/2026 00:30:12] "POST /s/AbC-123_x/svar?lang=sv HTTP/1.1" 303 -\n'
            "[parameters: {'submission_key': 'k-secret', 'text': 'svar'}]\n"
            "DETAIL:  Key (submission_key)=(k-secret) already exists.")
    out = logs.redact(line)
    assert "/s/…/svar?lang=sv" in out and "AbC-123_x" not in out and "k-secret" not in out and "svar'" not in out


def test_redact_finds_encoded_and_dotted_respondent_paths():
    for path in ("/s%2FAbCdEf123", "/%73/AbCdEf123", "/s/./AbCdEf123", "/x/../s/AbCdEf123", "/s%252FAbCdEf123"):
        out = logs.redact(f'"GET {path} HTTP/1.1" 200 referer "http://h:5000{path}/svar"')
        assert "AbCdEf123" not in out, out
    assert logs.redact('"GET /static/app.css HTTP/1.1" 200') == '"GET /static/app.css HTTP/1.1" 200'
