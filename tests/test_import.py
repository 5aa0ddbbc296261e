"""Batch import of paper answers: all-or-nothing validation, formats, idempotency, CLI and upload."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from surveys.extensions import db
from surveys.models import Answer, AuditEvent, BackgroundAnswer, Response
from tests.helpers import form_fields

HEADER = "questionnaire,insats,date,DP01,DP02,DP03,CH01,CH02"


@pytest.fixture
def world(make_forbund, make_insats, make_user):
    forbund = make_forbund(slug="a", name="Förbund A")
    other = make_forbund(slug="b", name="Förbund B")
    insats = make_insats(forbund, "Steg för steg")
    make_insats(other, "Vägen vidare")
    officer = make_user("officer", "officer", forbund)
    make_user("staff", "staff", forbund, insatser=[insats])
    return {"forbund": forbund, "other": other, "insats": insats, "officer": officer}


def run_import(runner, tmp_path, text: str | bytes, slug="a", name="svar.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return runner.invoke(args=["import-responses", "--forbund", slug, str(path)])


def count(model=Response) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_valid_file_imports_with_codes(runner, tmp_path, world):
    text = "\n".join([
        HEADER,
        "DP,Steg för steg,2026-01-15,4,9,,,",
        "DP,steg för steg,2025-11-01,1,6,3,,",
        "CH,,2026-02-01,,,,5,2",
    ]) + "\n"
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "3 nya" in result.output
    rows = db.session.scalars(select(Response).order_by(Response.submitted_on)).all()
    assert [r.questionnaire for r in rows] == ["DP", "DP", "CH"]
    assert all(r.channel == "import" and r.entered_by_id is None for r in rows)
    assert all(r.forbund_id == world["forbund"].id for r in rows)
    assert rows[0].insats_id == world["insats"].id and rows[2].insats_id is None
    assert rows[0].measurement_year == 2026
    first = next(r for r in rows if r.submitted_on.isoformat() == "2026-01-15")
    assert {a.item_id: a.value for a in first.answers} == {"DP01": 4, "DP02": None}  # 9 -> NULL, empty absent
    assert {a.item_id: a.value for a in rows[2].answers} == {"CH01": 5, "CH02": 2}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "responses.import"))
    assert event.forbund_id == world["forbund"].id and "nya=3" in event.detail


def test_semicolon_bom_and_crlf(runner, tmp_path, world):
    text = "\ufeffquestionnaire;insats;date;DP01;gender\r\nDP;Steg för steg;2026-03-01;5;kvinna\r\n;;;;\r\n"
    result = run_import(runner, tmp_path, text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert count() == 1
    assert db.session.scalar(select(BackgroundAnswer.value)) == "kvinna"


def test_reimport_does_not_duplicate(runner, tmp_path, world):
    text = f"{HEADER}\nDP,Steg för steg,2026-01-15,4,,,,\nDP,Steg för steg,2026-01-15,4,,,,\n"
    first = run_import(runner, tmp_path, text).output
    assert "2 nya" in first
    assert "2 rader saknar formulärnummer. Importeras en ändrad version av filen igen" in first
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 0
    assert "0 nya" in result.output and "2 fanns redan" in result.output
    assert count() == 2  # identical rows are still two questionnaires


def test_rows_of_an_ended_measurement_year_are_stored_with_a_warning_and_never_counted(runner, tmp_path, world):
    # FIXED_TODAY 2026-03-15: measurement year 2026 began on 1 November 2025; 2025 is final.
    late = [f"{n};DP;Steg för steg;2025-10-{n:02d};4" for n in range(10, 16)]
    text = "\n".join(["formular;questionnaire;insats;date;DP01", *late, "99;DP;Steg för steg;2025-11-01;5"]) + "\n"
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "7 nya" in result.output
    assert "Obs! 6 nya formulär är daterade före 1 november 2025, i mätår som har slutat" in result.output
    assert "formulären är sparade men räknas inte i resultaten" in result.output
    ended = db.session.scalars(select(Response).where(Response.measurement_year == 2025)).all()
    assert len(ended) == 6 and not any(r.released for r in ended)  # six would be released in an open year
    again = run_import(runner, tmp_path, text)  # nothing new: nothing to warn about
    assert "0 nya" in again.output and "mätår som har slutat" not in again.output


def test_same_file_into_another_forbund_is_new(runner, tmp_path, world):
    text = "questionnaire,insats,date,CH01\nCH,,2026-01-15,4\n"
    run_import(runner, tmp_path, text, slug="a")
    result = run_import(runner, tmp_path, text, slug="b")
    assert "1 ny," in result.output
    assert count() == 2


def test_bad_row_at_end_of_long_file_rejects_everything(runner, tmp_path, world):
    lines = [HEADER] + ["DP,Steg för steg,2026-01-15,4,5,6,," for _ in range(1999)]
    lines.append("DP,Steg för steg,2026-01-15,4,7,6,,")  # row 2001: 7 is not a code
    result = run_import(runner, tmp_path, "\n".join(lines) + "\n")
    assert result.exit_code != 0
    assert "Rad 2001" in result.output and "DP02" in result.output
    assert "Inget importerades" in result.output
    assert count() == 0 and count(Answer) == 0


@pytest.mark.parametrize(
    ("rows", "row", "fragment"),
    [
        (["XX,Steg för steg,2026-01-15,4,,,,"], 2, "Okänt formulär"),
        (["DP,Finns inte,2026-01-15,4,,,,"], 2, "Okänd insats"),
        (["DP,Vägen vidare,2026-01-15,4,,,,"], 2, "Okänd insats"),  # another förbund's insats
        (["DP,,2026-01-15,4,,,,"], 2, "fyll i kolumnen insats"),
        (["CH,Steg för steg,2026-01-15,,,,4,"], 2, "lämna kolumnen insats tom"),
        (["DP,Steg för steg,2026-01-15,4,,,,", "DP,Steg för steg,15.01.2026,4,,,,"], 3, "Felaktigt datum"),
        (["DP,Steg för steg,2026-02-30,4,,,,"], 2, "Felaktigt datum"),
        (["DP,Steg för steg,2027-01-15,4,,,,"], 2, "framtiden"),
        (["DP,Steg för steg,,4,,,,"], 2, "date är tom"),
        (["DP,Steg för steg,2026-01-15,0,,,,"], 2, "inte tillåtet"),
        (["DP,Steg för steg,2026-01-15,4.0,,,,"], 2, "inte tillåtet"),
        (["DP,Steg för steg,2026-01-15,=1+3,,,,"], 2, "formel"),
        (["DP,Steg för steg,2026-01-15,4,,,3,"], 2, "kolumn CH01: Frågan hör inte till formuläret DP"),
        (["DP,Steg för steg,2026-01-15,,,,,"], 2, "inga svar"),
        (["DP,Steg för steg,2026-01-15,4,,,,,9"], 2, "9 värden men rubrikraden bara 8"),
    ],
)
def test_each_error_kind(runner, tmp_path, world, rows, row, fragment):
    result = run_import(runner, tmp_path, "\n".join([HEADER, *rows]) + "\n")
    assert result.exit_code != 0
    assert f"Rad {row}" in result.output
    assert fragment in result.output
    assert count() == 0


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("questionnaire,insats,date,DP01,XX99", "Okänd kolumn"),
        ("questionnaire,insats,DP01", "date"),
        ("questionnaire,insats,date,DP01,dp01", "två gånger"),
        ("questionnaire insats date", "kolumner"),
    ],
)
def test_header_errors(runner, tmp_path, world, header, fragment):
    result = run_import(runner, tmp_path, f"{header}\nDP,Steg för steg,2026-01-15,4\n")
    assert result.exit_code != 0
    assert "Rad 1" in result.output and fragment in result.output


def test_file_level_errors(runner, tmp_path, world):
    utf16 = "questionnaire,insats,date,DP01\nDP,Steg för steg,2026-01-15,4\n".encode("utf-16")
    result = run_import(runner, tmp_path, utf16)
    assert result.exit_code != 0 and "binära data" in result.output and "CSV UTF-8" in result.output
    not_cp1252 = "questionnaire,insats,date,DP01\nDP,Steg för steg,2026-01-15,4\n".encode() + b"\x81\xff\n"
    result = run_import(runner, tmp_path, not_cp1252)
    assert "Rad 3" in result.output and "UTF-8" in result.output
    assert "tom" in run_import(runner, tmp_path, "").output
    assert "bara en rubrikrad" in run_import(runner, tmp_path, HEADER + "\n").output
    assert "förbund" in run_import(runner, tmp_path, HEADER, slug="nope").output
    assert count() == 0


def test_size_and_row_limits(runner, tmp_path, world, monkeypatch):
    import surveys.imports as imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    text = "\n".join([HEADER] + ["DP,Steg för steg,2026-01-15,4,,,,"] * 4)
    assert "för många rader" in run_import(runner, tmp_path, text).output
    with pytest.raises(imports.ImportRejected, match="för stor"):
        imports.read_file(b"x" * (imports.MAX_BYTES + 1))


# --- upload page ------------------------------------------------------------------------------


def _upload(client, content: bytes, name="svar.csv"):
    page = client.get("/papper/import")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    return client.post("/papper/import", data={**fields, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_page_imports_and_reports(client, auth, world):
    auth.login("officer")
    content = f"{HEADER}\nDP,Steg för steg,2026-01-15,4,,,,\nCH,,2026-01-16,,,,6,\n".encode()
    resp = _upload(client, content)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2 nya, 0 fanns redan" in page
    assert "2 rader saknar formulärnummer" in page  # re-importing a changed file would duplicate
    rows = db.session.scalars(select(Response)).all()
    assert len(rows) == 2 and all(r.entered_by_id == world["officer"].id and r.channel == "import" for r in rows)
    resp = _upload(client, content)
    assert "0 nya, 2 fanns redan" in client.get(resp.headers["Location"]).get_data(as_text=True)
    late = _upload(client, f"{HEADER}\nDP,Steg för steg,2025-10-30,4,,,,\n".encode())
    page = client.get(late.headers["Location"]).get_data(as_text=True)
    assert "1 nytt formulär är daterat före 1 november 2025, i ett mätår som har slutat" in page
    assert count() == 3
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "responses.import")).all()
    assert len(events) == 3 and all(e.user_id == world["officer"].id for e in events)


def test_upload_page_shows_row_and_reason(client, auth, world):
    auth.login("officer")
    resp = _upload(client, f"{HEADER}\nDP,Steg för steg,2026-01-15,4,,,,\nDP,Okänd,2026-01-15,4,,,,\n".encode())
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Rad 3" in html and "Okänd insats" in html and "Ingenting ur filen har sparats" in html
    assert count() == 0


def test_upload_page_requires_file_and_officer(app, client, auth, world):
    auth.login("officer")
    page = client.get("/papper/import")
    resp = client.post("/papper/import", data=form_fields(page.get_data(as_text=True)))
    assert resp.status_code == 400 and "Välj en fil" in resp.get_data(as_text=True)
    staff = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(staff).login("staff")
    assert staff.get("/papper/import").status_code == 404


# --- form numbers: rows, not files, are recognised --------------------------------------------

FORM_HEADER = "formular;questionnaire;insats;date;DP01;DP02;CH01"
FORM_ROWS = ["101;DP;Steg för steg;2026-01-15;4;5;", "102;DP;Steg för steg;2026-01-16;3;;", "103;CH;;2026-01-17;;;6"]


def test_reimport_with_a_row_added_stores_only_that_row(runner, tmp_path, world):
    first = run_import(runner, tmp_path, "\n".join([FORM_HEADER, *FORM_ROWS]) + "\n")
    assert first.exit_code == 0, first.output
    assert "3 nya, 0 fanns redan" in first.output and "saknar formulärnummer" not in first.output
    extended = "\n".join([FORM_HEADER, *FORM_ROWS, "104;DP;Steg för steg;2026-01-18;6;6;"]) + "\n"
    result = run_import(runner, tmp_path, extended)
    assert result.exit_code == 0, result.output
    assert "1 ny, 3 fanns redan" in result.output
    assert count() == 4 and count(Answer) == 2 + 1 + 1 + 2
    stored = dict(db.session.execute(select(Response.form_number, Response.submitted_on)).all())
    assert sorted(stored) == ["101", "102", "103", "104"]


def test_resaved_with_trailing_semicolons_and_as_cp1252_stores_nothing(runner, tmp_path, world):
    run_import(runner, tmp_path, "\n".join([FORM_HEADER, *FORM_ROWS]) + "\n")
    resaved = "\r\n".join(line + ";" for line in [FORM_HEADER, *FORM_ROWS]) + "\r\n"
    result = run_import(runner, tmp_path, resaved.encode("cp1252"))
    assert result.exit_code == 0, result.output
    assert "0 nya, 3 fanns redan" in result.output
    # Leading zeros (dropped by spreadsheets) and case do not make a form new either.
    result = run_import(runner, tmp_path, FORM_HEADER + "\n0101;DP;Steg för steg;2026-01-15;4;5;\n")
    assert "0 nya, 1 fanns redan" in result.output
    assert count() == 3


def test_form_numbers_are_per_forbund_and_unique_within_a_file(runner, tmp_path, world):
    text = "\n".join([FORM_HEADER, "7;CH;;2026-01-15;;;4"]) + "\n"
    assert "1 ny," in run_import(runner, tmp_path, text, slug="a").output
    assert "1 ny," in run_import(runner, tmp_path, text, slug="b").output
    twice = "\n".join([FORM_HEADER, "8;CH;;2026-01-15;;;4", "8;CH;;2026-01-16;;;5", "x y!;CH;;2026-01-16;;;5"]) + "\n"
    result = run_import(runner, tmp_path, twice)
    assert result.exit_code != 0
    assert "Rad 3, kolumn formular: Formulärnumret 8 står redan på rad 2" in result.output
    assert "Rad 4, kolumn formular" in result.output
    assert count() == 2


def test_every_error_is_listed_with_row_and_column_up_to_a_cap(runner, tmp_path, world):
    rows = ["DP;Finns inte;2026-02-30;7;x;", "CH;Steg för steg;2026-01-15;;;", "DP;Steg för steg;2026-01-15;4;;"]
    result = run_import(runner, tmp_path, "\n".join(["questionnaire;insats;date;DP01;DP02;CH01", *rows]) + "\n")
    assert result.exit_code != 0
    out = result.output
    for fragment in ("Rad 2, kolumn insats: Okänd insats", "Rad 2, kolumn date: Felaktigt datum",
                     "Rad 2, kolumn DP01: Värdet ”7”", "Rad 2, kolumn DP02: Värdet ”x”",
                     "Rad 3, kolumn insats: Formuläret CH gäller hela förbundet"):
        assert fragment in out
    assert "Rad 4" not in out and count() == 0
    many = "\n".join(["questionnaire;insats;date;DP01"] + ["DP;Steg för steg;2026-01-15;8"] * 80) + "\n"
    out = run_import(runner, tmp_path, many).output
    assert out.count("kolumn DP01") == 50 and "och 30 fel till" in out
    assert count() == 0


@pytest.mark.parametrize(
    ("content", "answers"),
    [
        ("sep=;\nquestionnaire;insats;date;DP01\nDP;Steg för steg;15/01/2026;4\n", {"DP01": 4}),
        ("questionnaire\tinsats\tdate\tDP01\tDP02\nDP\tSteg för steg\t2026-01-15 13:45\t9\t2\n", {"DP01": None, "DP02": 2}),
        ("\ufeffquestionnaire,insats,date,DP01\nDP,Steg för steg,2026-01-15T08:00:00,5\n", {"DP01": 5}),
        ("questionnaire;insats;date;DP01 Jag får stöd;;\nDP;steg för steg;1/2/2026;3;;\n", {"DP01": 3}),
    ],
)
def test_csv_variants_that_excel_and_others_save(runner, tmp_path, world, content, answers):
    encoded = content.encode("cp1252") if "\ufeff" not in content else content.encode()
    result = run_import(runner, tmp_path, encoded)
    assert result.exit_code == 0, result.output
    response = db.session.scalars(select(Response)).one()
    assert {a.item_id: a.value for a in response.answers} == answers
    assert response.submitted_on.year == 2026


def test_control_characters_are_removed_and_nul_refused(runner, tmp_path, world):
    text = "questionnaire;insats;date;DP01\nDP;Steg\x01 för steg\x1b;2026-01-15;4\x07\n"
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Answer.value)) == 4
    result = run_import(runner, tmp_path, text.replace("\x01", "\x00"))
    assert result.exit_code != 0 and "binära data" in result.output
    assert count() == 1


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_import_with_numbers_dates_and_formulas(runner, tmp_path, world):
    import datetime as dt

    rows = [["formular", "questionnaire", "insats", "date", "DP01", "DP02"],
            [17, "DP", "Steg för steg", dt.datetime(2026, 1, 15), 4, 9.0],
            [18.0, "DP", "Steg för steg", "15/01/2026", None, 6]]
    result = run_import(runner, tmp_path, _xlsx(rows), name="svar.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 nya" in result.output
    stored = {r.form_number: {a.item_id: a.value for a in r.answers} for r in db.session.scalars(select(Response))}
    assert stored == {"17": {"DP01": 4, "DP02": None}, "18": {"DP02": 6}}
    formula = _xlsx([rows[0], [19, "DP", "Steg för steg", "2026-01-15", "=2+2", 4]])
    result = run_import(runner, tmp_path, formula, name="f.xlsx")
    assert result.exit_code != 0 and "Rad 2, kolumn DP01" in result.output and "formel" in result.output
    assert "kan inte läsas som Excel" in run_import(runner, tmp_path, b"PK\x03\x04broken", name="b.xlsx").output
    assert count() == 2


def test_template_download_round_trips(client, auth, world):
    from openpyxl import load_workbook

    auth.login("officer")
    resp = client.get("/papper/import/mall/DP.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(resp.data))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["formular", "questionnaire", "insats", "date"]
    assert header[4].startswith("DP01 ") and len(header[4]) > 10  # id and item text
    lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert '"1,2,3,4,5,6,9"' in lists and '"DP"' in lists and '"Steg för steg"' in lists
    sheet.append([501, "DP", "Steg för steg", "2026-01-20", 5])
    out = io.BytesIO()
    workbook.save(out)
    resp = _upload(client, out.getvalue(), name="mall.xlsx")
    assert resp.status_code == 303
    assert "1 ny, 0 fanns redan" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert client.get("/papper/import/mall/XX.xlsx").status_code == 404
