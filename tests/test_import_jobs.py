"""Large uploads are imported as a job on the task queue (immediate in testing), small ones at once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from surveys.extensions import db
from surveys.job_models import Job, JobFile
from surveys.models import Response
from tests.helpers import form_fields

HEADER = "formular;questionnaire;insats;date;DP01"


@pytest.fixture
def world(make_app, make_forbund, make_insats, make_user):
    forbund = make_forbund(slug="a", name="Förbund A")
    make_insats(forbund, "Steg för steg")
    make_user("officer", "officer", forbund)
    other = make_forbund(slug="b", name="Förbund B")
    make_user("officer-b", "officer", other)
    return forbund


def upload(client, content: bytes, name="svar.csv"):
    fields = form_fields(client.get("/papper/import").get_data(as_text=True))
    return client.post("/papper/import", data={**fields, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def rows(n: int, first: int = 1, bad: bool = False) -> bytes:
    lines = [HEADER] + [f"{first + i};DP;Steg för steg;2026-01-15;{'8' if bad else 4}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def count(model=Response) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_large_upload_runs_as_a_job_and_reports_on_its_page(app, client, auth, world):
    app.config["IMPORT_JOB_MIN_ROWS"] = 20
    auth.login("officer")
    small = upload(client, rows(5))
    assert small.status_code == 303 and small.headers["Location"].endswith("/papper/import")  # at once
    assert count(Job) == 0
    resp = upload(client, rows(30, first=100))
    assert resp.status_code == 303 and "/papper/import/jobb/" in resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "30 formulär i filen: 30 nya, 0 fanns redan" in html
    assert "mätår som har slutat" not in html
    late = upload(client, rows(25, first=500).replace(b"2026-01-15", b"2025-10-15"))
    html = client.get(late.headers["Location"]).get_data(as_text=True)
    assert "25 nya formulär är daterade före 1 november 2025, i mätår som har slutat" in html
    assert count() == 60
    job = db.session.scalars(select(Job)).first()
    assert job.kind == "import" and job.status == "done"
    assert count(JobFile) == 0  # the uploaded answers are not kept with the job
    # Another förbund's officer cannot see the job.
    from tests.conftest import AuthActions

    other = app.test_client()
    AuthActions(other).login("officer-b")
    assert other.get(resp.headers["Location"]).status_code == 404


def test_refused_large_file_lists_its_errors_on_the_job_page(app, client, auth, world):
    app.config["IMPORT_JOB_MIN_ROWS"] = 20
    auth.login("officer")
    resp = upload(client, rows(60, bad=True))
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Filen importerades inte" in html and "Rad 2, kolumn DP01" in html and "och 10 fel till" in html
    assert count() == 0


def test_job_limit_is_explained(app, client, auth, world):
    app.config.update(IMPORT_JOB_MIN_ROWS=20, JOB_LIMIT_PER_FORBUND=0)
    auth.login("officer")
    resp = upload(client, rows(30))
    assert resp.status_code == 409 and "jobb som väntar eller pågår" in resp.get_data(as_text=True)
    assert count() == 0 and count(Job) == 0


def test_large_file_with_a_wrong_header_is_refused_at_once(app, client, auth, world):
    app.config["IMPORT_JOB_MIN_ROWS"] = 20
    auth.login("officer")
    content = ("year;group;target;mean;source\n" + "2024;DP;I01;4,1;x\n" * 40).encode("cp1252")
    resp = upload(client, content)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Rad 1, kolumn year: Okänd kolumn" in html and "Rad 1, kolumn questionnaire: Kolumnen saknas" in html
    assert count(Job) == 0


def test_printed_questionnaire_has_a_form_number_box(client, auth, world, make_link):
    link = make_link(world, "CH")
    auth.login("officer")
    html = client.get(f"/papper/lank/{link.id}/utskrift").get_data(as_text=True)
    assert 'class="paper-form-number"' in html and "Formulärnummer:" in html
