"""Jobs on the task queue (surveys.jobs): limit per förbund, dead workers, expiry, gallring, retry,
and files served by any app server from the database. The report builder itself is tested in
test_reports_views and test_report; here a job's files are put in directly or made by a small
job kind, so that these tests stay fast."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from surveys import jobs
from surveys.datacare import delete_years
from surveys.extensions import db
from surveys.job_models import Job, JobFile
from surveys.models import utcnow
from tests.helpers import form_fields
from tests.test_reports_views import add_responses

OPTIONS = {"year": 2026, "reference": "none", "include_free_text": False, "chart_format": "svg",
           "insats_id": None, "lang": "sv", "decimal": None}


@pytest.fixture
def world(app, make_forbund, make_insats, make_user):
    a = make_forbund("a", "Samordningsförbundet A")
    b = make_forbund("b", "Samordningsförbundet B")
    ia, ia2 = make_insats(a, "Steg A"), make_insats(a, "Andra A")
    add_responses(a, ia)
    officer = make_user("off-a", "officer", a, name="Olga Officer")
    make_user("off-b", "officer", b)
    make_user("staff-a", "staff", a, insatser=[ia])
    return a, b, ia, ia2, officer


def queued(forbund, user=None, insats=None, **params) -> Job:
    job = jobs.create_job("report", forbund_id=forbund.id, user_id=user.id if user else None,
                          params={**OPTIONS, "insats_id": insats.id if insats else None, **params},
                          insats_id=insats.id if insats else None)
    db.session.commit()
    return job


def finished(forbund, user=None, insats=None) -> Job:
    job = queued(forbund, user, insats)
    job.status, job.progress, job.finished_at = "done", 100, utcnow()
    db.session.add(JobFile(job=job, key="pdf", position=0, name="bilaga-2026.pdf", mimetype="application/pdf",
                           size=9, data=b"%PDF-1.7\n"))
    db.session.commit()
    return job


def test_a_finished_job_is_served_by_another_app_server(world, make_app, auth, client):
    a, b, ia, ia2, officer = world
    job = finished(a, officer)
    other_server = make_app()  # a second app on the same database: nothing on the first one's disk
    other = other_server.test_client()
    fields = form_fields(other.get("/login").get_data(as_text=True))
    assert other.post("/login", data={**fields, "username": "off-a", "password": "test-losen-123"}).status_code == 303
    html = other.get(f"/rapport/jobb/{job.id}").get_data(as_text=True)
    assert "Rapporten är klar" in html and "Olga Officer" in html and "Filerna tas bort" in html
    resp = other.get(f"/rapport/jobb/{job.id}/bilaga-2026.pdf")
    assert resp.status_code == 200 and resp.data == b"%PDF-1.7\n" and resp.mimetype == "application/pdf"
    assert 'filename="bilaga-2026.pdf"' in resp.headers["Content-Disposition"]
    assert other.get(f"/rapport/jobb/{job.id}/tabeller-2026.xlsx").status_code == 404


def test_report_page_lists_jobs_with_who_and_when_and_staff_see_their_insats_only(world, make_user, auth, client):
    a, b, ia, ia2, officer = world
    whole = finished(a, officer)
    own = queued(a, officer, ia)
    other_insats = queued(a, officer, ia2)
    foreign = finished(b)
    auth.login("off-a")
    html = client.get("/rapport/").get_data(as_text=True)
    for job in (whole, own, other_insats):
        assert f"/rapport/jobb/{job.id}" in html
    assert foreign.id not in html
    assert html.count("Olga Officer") == 3 and "Väntar på att starta" in html and "Klar" in html
    when = whole.created_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Stockholm"))
    assert when.strftime("%Y-%m-%d %H:%M") in html
    auth.logout()
    auth.login("staff-a")
    html = client.get("/rapport/").get_data(as_text=True)
    assert own.id in html and whole.id not in html and other_insats.id not in html
    assert client.get(f"/rapport/jobb/{whole.id}").status_code == 404
    assert client.get(f"/rapport/jobb/{own.id}").status_code == 200


def test_limit_per_forbund_is_enforced_and_explained(world, app, auth, client):
    a, b, ia, ia2, officer = world
    app.config["JOB_LIMIT_PER_FORBUND"] = 2
    finished(a, officer)  # finished jobs do not count
    queued(a, officer, year=2025)
    queued(a, officer, year=2024)  # (the same report as the one ordered below would be shown instead)
    queued(b)  # nor do other förbunds' jobs
    auth.login("off-a")
    fields = form_fields(client.get("/rapport/").get_data(as_text=True))
    resp = client.post("/rapport/", data={**fields, "year": "2026", "scope": "forbund", "reference": "none",
                                          "chart_format": "svg"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Förbundet har redan 2 rapporter som väntar eller skapas" in html
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.forbund_id == a.id)) == 3
    with pytest.raises(jobs.JobLimitError):
        jobs.create_job("report", forbund_id=a.id, user_id=None, params=OPTIONS)
    assert jobs.create_job("report", forbund_id=b.id, user_id=None, params=OPTIONS).status == "queued"


def test_a_job_whose_worker_died_is_failed_when_anybody_looks(world, app, auth, client):
    a, b, ia, ia2, officer = world
    app.config["JOB_HEARTBEAT_TIMEOUT"] = 60
    job = queued(a, officer)
    job.status, job.started_at = "running", utcnow()
    job.heartbeat_at = utcnow() - dt.timedelta(seconds=59)
    db.session.commit()
    auth.login("off-a")
    resp = client.get(f"/rapport/jobb/{job.id}")
    assert "Rapporten förbereds" in resp.get_data(as_text=True) and resp.headers["Refresh"] == "2"
    job.heartbeat_at = utcnow() - dt.timedelta(seconds=61)
    db.session.commit()
    resp = client.get(f"/rapport/jobb/{job.id}")
    html = resp.get_data(as_text=True)
    assert "Rapporten kunde inte skapas" in html and "slutade svara" in html and "Försök igen med samma val" in html
    assert "Refresh" not in resp.headers and "http-equiv" not in html
    db.session.expire_all()
    assert (job.status, job.message) == ("failed", jobs.WORKER_LOST) and job.finished_at is not None


def test_a_queued_job_no_worker_takes_is_failed_and_never_started_later(world, app):
    a, b, ia, ia2, officer = world
    job = queued(a, officer)
    job.created_at = utcnow() - dt.timedelta(seconds=app.config["JOB_QUEUED_TIMEOUT"] + 1)
    db.session.commit()
    assert jobs.reap_stale() == 1
    db.session.commit()
    assert (job.status, job.message) == ("failed", jobs.NOT_STARTED)
    jobs.run_job(job.id)  # a worker that comes back later leaves it alone
    db.session.expire_all()
    assert job.status == "failed" and job.started_at is None


def test_failed_job_starts_again_with_the_same_options(world, app, auth, client, monkeypatch):
    a, b, ia, ia2, officer = world
    seen = []

    def small_report(job, progress):
        progress(50, "results")
        seen.append(jobs.job_params(job))
        return jobs.JobResult(files=[jobs.ResultFile("pdf", "bilaga-2026.pdf", "application/pdf", b"%PDF-small")])

    monkeypatch.setitem(jobs.KINDS, "report", jobs.JobKind("report", small_report))
    job = queued(a, officer, ia, reference="imported")
    job.status, job.message = "failed", jobs.ERROR
    db.session.commit()
    auth.login("off-a")
    page = client.get(f"/rapport/jobb/{job.id}").get_data(as_text=True)
    assert "Ett fel uppstod" in page
    resp = client.post(f"/rapport/jobb/{job.id}/igen", data=form_fields(page))
    assert resp.status_code == 303
    new_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert new_id != job.id and seen == [{**OPTIONS, "insats_id": ia.id, "reference": "imported"}]
    new = db.session.get(Job, new_id)
    assert (new.status, new.progress, new.insats_id, [f.name for f in new.files]) == ("done", 100, ia.id,
                                                                                       ["bilaga-2026.pdf"])
    assert client.post(f"/rapport/jobb/{job.id}/igen", data={}).status_code == 400  # no CSRF token


def test_a_failing_job_is_marked_failed(world, monkeypatch):
    a, b, ia, ia2, officer = world

    def broken(job, progress):
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs.KINDS, "report", jobs.JobKind("report", broken))
    job = queued(a, officer)
    jobs.run_job(job.id)
    db.session.expire_all()
    assert (job.status, job.message, job.files) == ("failed", jobs.ERROR, [])


def test_expired_jobs_are_gone_and_housekeeping_deletes_them(world, app, auth, client):
    a, b, ia, ia2, officer = world
    old, fresh = finished(a, officer), finished(a, officer)
    assert old.expires_at - old.created_at == dt.timedelta(days=app.config["JOB_EXPIRY_DAYS"])
    old.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    auth.login("off-a")
    assert client.get(f"/rapport/jobb/{old.id}").status_code == 404
    assert client.get(f"/rapport/jobb/{old.id}/bilaga-2026.pdf").status_code == 404
    assert old.id not in client.get("/rapport/").get_data(as_text=True)
    jobs.housekeeping()
    assert db.session.scalars(select(Job.id)).all() == [fresh.id]
    assert db.session.scalars(select(JobFile.job_id)).all() == [fresh.id]


def test_gallring_deletes_the_forbunds_jobs_and_files(world):
    a, b, ia, ia2, officer = world
    finished(a, officer)
    queued(a, officer)
    other = finished(b)
    delete_years(a.id, [2026])
    db.session.commit()
    assert db.session.scalars(select(Job.id)).all() == [other.id]
    assert db.session.scalars(select(JobFile.job_id)).all() == [other.id]


def test_job_ids_that_do_not_exist_are_404(world, auth, client):
    auth.login("off-a")
    for job_id in ("nope", "x" * 40, "../etc"):
        assert client.get(f"/rapport/jobb/{job_id}").status_code == 404
    assert re.search("Inga rapporter har beställts", client.get("/rapport/").get_data(as_text=True))


def test_an_unreachable_queue_fails_the_job_with_a_clear_page_not_a_500(world, make_app):
    server = make_app(QUEUE_URL="redis://127.0.0.1:9/0", QUEUE_IMMEDIATE=False)  # nothing listens on port 9
    client = server.test_client()
    fields = form_fields(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={**fields, "username": "off-a", "password": "test-losen-123"}).status_code == 303
    fields = form_fields(client.get("/rapport/").get_data(as_text=True))
    resp = client.post("/rapport/", data={**fields, "year": "2026", "scope": "forbund", "reference": "none",
                                          "chart_format": "svg"})
    assert resp.status_code == 303
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "kön gick inte att nå" in html and "Försök igen med samma val" in html
    job = db.session.get(Job, resp.headers["Location"].rsplit("/", 1)[1])
    assert (job.status, job.message) == ("failed", jobs.QUEUE_DOWN)


def test_a_running_job_beats_and_reports_progress(world, app, monkeypatch):
    a, b, ia, ia2, officer = world
    app.config["JOB_HEARTBEAT_SECONDS"] = 0.05
    beats = []

    def slow(job, progress):
        progress(30, "results")
        for _ in range(3):
            time.sleep(0.3)
            with db.engine.connect() as conn:  # what another server sees meanwhile
                beats.append(conn.execute(select(Job.heartbeat_at, Job.progress, Job.status)
                                          .where(Job.id == job.id)).one())
        return jobs.JobResult(message="klart")

    monkeypatch.setitem(jobs.KINDS, "report", jobs.JobKind("report", slow))
    job = queued(a, officer)
    jobs.run_job(job.id)
    assert [(p, s) for _t, p, s in beats] == [(30, "running")] * 3
    assert beats[0][0] < beats[1][0] < beats[2][0]  # the heartbeat moves while the job works
    db.session.expire_all()
    assert (job.status, job.progress, job.message) == ("done", 100, "klart")


def test_a_job_deleted_by_gallring_while_it_runs_leaves_nothing_behind(world, monkeypatch):
    a, b, ia, ia2, officer = world

    def gallring_meanwhile(job, progress):
        with db.engine.begin() as conn:  # another request deletes the förbund's jobs
            conn.execute(Job.__table__.delete().where(Job.id == job.id))
        return jobs.JobResult(files=[jobs.ResultFile("pdf", "bilaga-2026.pdf", "application/pdf", b"%PDF")])

    monkeypatch.setitem(jobs.KINDS, "report", jobs.JobKind("report", gallring_meanwhile))
    job_id = queued(a, officer).id
    jobs.run_job(job_id)
    db.session.expire_all()
    assert db.session.get(Job, job_id) is None and db.session.scalars(select(JobFile)).all() == []


def test_the_same_report_ordered_twice_is_one_job(world, app, auth, client):
    """A double click on "Skapa rapport" (or "Starta igen" sent twice): the second request finds
    the same job waiting and goes to its page; a different report is a job of its own."""
    a, b, ia, ia2, officer = world
    first = queued(a, officer)
    options = {**OPTIONS}
    with pytest.raises(jobs.JobAlreadyQueued) as same:
        jobs.create_job("report", forbund_id=a.id, user_id=officer.id, params=options, once=True)
    assert same.value.job.id == first.id
    db.session.rollback()
    other = jobs.create_job("report", forbund_id=a.id, user_id=officer.id, params={**options, "year": 2025}, once=True)
    db.session.commit()
    assert other.id != first.id
    from surveys.views import reports as report_views

    with app.test_request_context("/rapport/"):
        from flask_login import login_user

        login_user(officer)
        resp = report_views._start(a, report_views.ReportOptions(**OPTIONS), "test")
        assert resp.status_code == 303 and resp.location.endswith(f"/rapport/jobb/{first.id}")
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.forbund_id == a.id)) == 2
