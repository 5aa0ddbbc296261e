"""/rapport: the report job, downloads with the right content types, charts, scope, and flask report."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveys.extensions import db
from surveys.job_models import Job
from surveys.models import Answer, AuditEvent, Response, utcnow
from tests.helpers import form_fields


def add_responses(forbund, insats, group="DP", year=2026, n=6, items=("DP01", "DP02", "DP03")):
    for k in range(n):
        r = Response(submission_key=f"k-{forbund.id}-{group}-{year}-{k}", forbund_id=forbund.id,
                     insats_id=insats.id if insats else None, questionnaire=group, instrument_version="2026.1",
                     measurement_year=year, submitted_on=dt.date(year, 3, 1), released=True)
        r.answers = [Answer(item_id=i, value=(k % 6) + 1) for i in items]
        db.session.add(r)
    db.session.commit()


@pytest.fixture
def world(app, make_forbund, make_insats, make_user):
    a = make_forbund("a", "Samordningsförbundet A")
    b = make_forbund("b", "Samordningsförbundet B")
    ia, ib = make_insats(a, "Steg A"), make_insats(b, "Steg B")
    add_responses(a, ia)
    add_responses(b, ib)
    make_user("off-a", "officer", a)
    make_user("off-b", "officer", b)
    make_user("staff-a", "staff", a, insatser=[ia])
    return a, b, ia, ib


def create_report(client, **data):
    fields = form_fields(client.get("/rapport/").get_data(as_text=True))
    return client.post("/rapport/", data={**fields, "year": "2026", "scope": "forbund", "reference": "computed",
                                          "chart_format": "svg", **data})


def test_officer_creates_a_report_and_downloads_every_file(client, auth, world):
    auth.login("off-a")
    page = client.get("/rapport/")
    assert page.status_code == 200 and "Skapa rapporten" in page.get_data(as_text=True)
    resp = create_report(client)
    assert resp.status_code == 303
    job_url = resp.headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    assert "Rapporten är klar" in html
    links = re.findall(r'href="(/rapport/jobb/[^"]+/[^"]+)"', html)
    types = {}
    for link in links:
        r = client.get(link)
        assert r.status_code == 200
        types[link.rsplit("/", 1)[1]] = (r.mimetype, r.data)
        r.close()
    assert types["bilaga-2026.pdf"][0] == "application/pdf" and types["bilaga-2026.pdf"][1].startswith(b"%PDF")
    assert types["tabeller-2026.xlsx"][0].endswith("spreadsheetml.sheet")
    load_workbook(io.BytesIO(types["tabeller-2026.xlsx"][1]))
    assert types["tabeller-2026-csv.zip"][0] == "application/zip"
    assert types["bilaga-2026.docx"][0].endswith("wordprocessingml.document")
    import docx

    document = docx.Document(io.BytesIO(types["bilaga-2026.docx"][1]))
    assert any(p.style.name == "Heading 2" and p.text == "Sammanfattning" for p in document.paragraphs)
    fragor = zipfile.ZipFile(io.BytesIO(types["tabeller-2026-csv.zip"][1])).read("fragor.csv").decode("utf-8-sig")
    assert re.search(r";\d,\d+;", fragor) and not re.search(r";\d\.\d+;", fragor)  # Swedish: decimal comma
    svgs = zipfile.ZipFile(io.BytesIO(types["diagram-2026-svg.zip"][1])).namelist()
    assert any(n.endswith(".svg") for n in svgs)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"report.create", "report.download"} <= actions


def job_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_running_job_page_waits_and_refreshes_until_the_job_ends(client, auth, world, app, monkeypatch):
    from surveys import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda job: True)  # queued, as if no worker had taken it yet
    auth.login("off-a")
    job_url = create_report(client).headers["Location"]
    assert "Rapporten väntar på att starta…" in client.get(job_url).get_data(as_text=True)
    job = db.session.get(Job, job_id_of(job_url))
    job.status, job.progress, job.heartbeat_at = "running", 40, utcnow()
    db.session.commit()
    resp = client.get(job_url)
    html = resp.get_data(as_text=True)
    assert "Rapporten förbereds…" in html and '<meta http-equiv="refresh" content="2">' in html
    assert 'value="40"' in html and resp.headers["Refresh"] == "2"
    for status in ("done", "failed"):
        job.status = status
        db.session.commit()
        resp = client.get(job_url)
        assert "Refresh" not in resp.headers and "http-equiv" not in resp.get_data(as_text=True)


def finished_without_building(monkeypatch):
    """Report jobs end at once with one small PDF, as if a worker had built them: for tests of
    who may see a job and its files, which need no real report."""
    from surveys import jobs
    from surveys.job_models import JobFile

    def finish(job):
        job.status, job.progress = "done", 100
        db.session.add(JobFile(job_id=job.id, key="pdf", position=0, name="bilaga-2026.pdf",
                               mimetype="application/pdf", size=9, data=b"%PDF-1.7\n"))
        db.session.commit()
        return True

    monkeypatch.setattr(jobs, "enqueue", finish)


def test_other_forbund_gets_404_for_jobs_files_and_insatser(client, auth, world, monkeypatch):
    a, b, ia, ib = world
    finished_without_building(monkeypatch)
    auth.login("off-a")
    job_url = create_report(client).headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    assert client.get(re.findall(r'href="(/rapport/jobb/[^"]+\.pdf)"', html)[0]).status_code == 200
    pdf_link = re.findall(r'href="(/rapport/jobb/[^"]+\.pdf)"', html)[0]
    auth.logout()
    auth.login("off-b")
    assert client.get(job_url).status_code == 404
    assert client.get(pdf_link).status_code == 404
    # another förbund's insats is not among the choices: a form error, no job
    assert create_report(client, scope=str(ia.id)).status_code == 200
    assert client.get(f"/rapport/diagram?year=2026&scope={ia.id}").status_code == 404
    assert client.get(f"/rapport/diagram/indikatorer-DP-2026.svg?year=2026&scope={ia.id}").status_code == 404


def test_chart_page_shows_text_alternatives_and_downloads(client, auth, world):
    auth.login("off-a")
    html = client.get("/rapport/diagram?year=2026&scope=forbund&reference=none&group=DP").get_data(as_text=True)
    assert "<figure" in html and "<figcaption>" in html and 'alt="' in html
    assert "medelvärde" in html
    for fmt, mime in (("png", "image/png"), ("png300", "image/png"), ("svg", "image/svg+xml"), ("pdf", "application/pdf")):
        r = client.get(f"/rapport/diagram/fraga-DP01-2026.{fmt}?year=2026&scope=forbund&reference=none&download=1")
        assert r.status_code == 200 and r.mimetype == mime
        assert "attachment" in r.headers["Content-Disposition"]
    charts = db.session.scalars(select(AuditEvent.target).where(AuditEvent.action == "report.chart")).all()
    assert sorted(charts) == sorted(f"fraga-DP01-2026.{f}" for f in ("png", "png300", "svg", "pdf"))
    assert client.get("/rapport/diagram/okand-2026.svg?year=2026&scope=forbund").status_code == 404
    assert client.get("/rapport/diagram/fraga-DP01-2026.gif?year=2026&scope=forbund").status_code == 404


def test_staff_reports_only_on_own_insats(client, auth, world, monkeypatch):
    a, b, ia, ib = world
    finished_without_building(monkeypatch)
    auth.login("staff-a")
    assert create_report(client, scope="forbund").status_code == 200  # not a choice for staff: no job
    assert create_report(client, scope=str(ia.id)).status_code == 303
    assert client.get(f"/rapport/diagram?year=2026&scope={ia.id}").status_code == 200


def test_results_page_starts_with_the_generated_summary(client, auth, world):
    auth.login("off-a")
    html = client.get("/resultat/?year=2026&scope=forbund&reference=none").get_data(as_text=True)
    assert "Sammanfattning 2026" in html
    assert "redovisas 6 enkätsvar: deltagare pågående 6." in html
    assert "Resultaten jämförs inte med riket." in html
    assert html.index("Sammanfattning 2026") < html.index("Antal svar")
    # in-page navigation per group, and the group's overview chart inline as SVG with its text
    assert 'href="#fragor-DP"' in html and 'id="fragor-DP"' in html
    assert re.search(r'<svg [^>]*class="chart-svg"', html) and "Diagrammet i text" in html
    assert "<?xml" not in html


def test_anonymous_is_sent_to_login(client, world):
    assert client.get("/rapport/").status_code == 302


def test_cli_writes_the_files(runner, world, tmp_path):
    # (the Swedish default, a decimal comma, is checked on the officer's download above)
    result = runner.invoke(args=["report", "--forbund", "a", "--year", "2026", "--out", str(tmp_path),
                                 "--reference", "none", "--format", "svg", "--decimal", "point"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bilaga-2026.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "tabeller-2026.xlsx").is_file()
    assert (tmp_path / "bilaga-2026.docx").is_file()
    fragor = (tmp_path / "csv" / "fragor.csv").read_text(encoding="utf-8-sig")
    assert re.search(r";\d\.\d+;", fragor) and not re.search(r";\d,\d+;", fragor)
    assert list((tmp_path / "diagram").glob("*.svg"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.create"))
    assert event.target == "2026" and event.user_id is None and "kommandorad" in event.detail
    bad = runner.invoke(args=["report", "--forbund", "nope", "--year", "2026", "--out", str(tmp_path)])
    assert bad.exit_code != 0


def test_chart_page_and_its_charts_cost_one_scoring_until_the_data_changes(client, auth, world, monkeypatch):
    import surveys.reports as reports
    from surveys import result_cache

    result_cache.clear()
    calls = []
    real = reports.build_result_set
    monkeypatch.setattr(reports, "build_result_set", lambda request: calls.append(1) or real(request))
    auth.login("off-a")
    args = "year=2026&scope=forbund&reference=none"
    html = client.get(f"/rapport/diagram?{args}&group=DP").get_data(as_text=True)
    images = re.findall(r'src="(/rapport/diagram/[^"]+)"', html)
    assert images
    for src in images[:3]:
        assert client.get(src.replace("&amp;", "&")).status_code == 200
    assert client.get(f"/rapport/diagram/fraga-DP01-2026.svg?{args}&download=1").status_code == 200
    assert len(calls) == 1
    a, _b, ia, _ib = world
    extra = Response(submission_key="extra", forbund_id=a.id, insats_id=ia.id, questionnaire="DP",
                     instrument_version="2026.1", measurement_year=2026, submitted_on=dt.date(2026, 3, 2))
    extra.answers = [Answer(item_id="DP01", value=6)]
    db.session.add(extra)
    db.session.commit()  # new data: the cache must not answer
    assert client.get(f"/rapport/diagram/fraga-DP01-2026.svg?{args}").status_code == 200
    assert len(calls) == 2
