"""Imported riket: CSV validation with line numbers, replace per (year, source), CLI and admin page."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from surveys.extensions import db
from surveys.models import AuditEvent, ReferenceValue
from surveys.references import ReferenceImportError, create_demo_references, import_references, list_sources
from tests.helpers import form_fields

GOOD = (
    "\ufeffyear,group,target,mean,sd,n,share_positive,source\n"
    "2024,DP,DP01,4.5,1.1,800,0.71,NNS 2024\n"
    "2024,DP,I01,4.4,,,,NNS 2024\n"
    "2024,ST,ST07,4.9,0.8,120,,NNS 2024\n"
)


def count(**where):
    stmt = select(func.count()).select_from(ReferenceValue)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReferenceValue, key) == value)
    return db.session.scalar(stmt)


def test_valid_import_with_bom_and_comma(app):
    assert import_references(GOOD.encode(), filename="r.csv") == {(2024, "NNS 2024"): 3}
    db.session.commit()
    row = db.session.scalar(select(ReferenceValue).where(ReferenceValue.target == "DP01"))
    assert (row.mean, row.sd, row.n, row.share_positive, row.is_demo) == (4.5, 1.1, 800, 0.71, False)
    assert db.session.scalar(select(ReferenceValue).where(ReferenceValue.target == "I01")).sd is None
    assert db.session.scalar(select(AuditEvent.action).where(~AuditEvent.action.startswith("login"))) == "references.import"


def test_semicolon_and_decimal_comma(app):
    import_references(b"year;group;target;mean;source\n2022;PE;PE01;4,25;Rapport\n", filename="r.csv")
    assert db.session.scalar(select(ReferenceValue.mean)) == 4.25


@pytest.mark.parametrize("line, message", [
    ("2024,XX,DP01,4.5,1,5,0.5,S", "group"),
    ("2024,DP,PE01,4.5,1,5,0.5,S", "target"),  # an item of another group
    ("2024,CH,I01,4.5,1,5,0.5,S", "target"),  # an indicator CH does not measure
    ("2024,DP,DP01,6.5,1,5,0.5,S", "mean"),
    ("2024,DP,DP01,abc,1,5,0.5,S", "mean"),
    ("2024,DP,DP01,4.5,-1,5,0.5,S", "sd"),
    ("2024,DP,DP01,4.5,1,-5,0.5,S", "n"),
    ("2024,DP,DP01,4.5,1,2.5,0.5,S", "n"),
    ("2024,DP,DP01,4.5,1,5,71,S", "share_positive"),
    ("1990,DP,DP01,4.5,1,5,0.5,S", "year"),
    ("2024,DP,DP01,4.5,1,5,0.5,", "source"),
    ("2024,DP,DP01,4.5", "fält"),
])
def test_bad_row_rejects_file_with_line_number(app, line, message):
    data = GOOD + line + "\n"
    with pytest.raises(ReferenceImportError) as exc:
        import_references(data.encode())
    assert exc.value.errors[0][0] == 5
    assert message in exc.value.errors[0][1]
    assert "Rad 5" in str(exc.value)
    assert count() == 0


def test_duplicate_row_and_bad_header(app):
    with pytest.raises(ReferenceImportError) as exc:
        import_references((GOOD + "2024,DP,DP01,4.0,1,5,0.5,NNS 2024\n").encode())
    assert exc.value.errors[0][0] == 5 and "rad 2" in exc.value.errors[0][1]
    with pytest.raises(ReferenceImportError) as exc:
        import_references(b"year,group,target,source\n2024,DP,DP01,S\n")
    assert "mean" in str(exc.value)
    with pytest.raises(ReferenceImportError):
        import_references("year,group,target,mean,source\n2024,DP,DP01,4,ö\n".encode() + b"\x81\xff")
    assert count() == 0


def test_import_replaces_same_year_and_source_only(app):
    import_references(GOOD.encode())
    import_references(b"year,group,target,mean,source\n2024,DP,DP01,4.0,Annan\n2022,DP,DP01,4.1,NNS 2024\n")
    db.session.commit()
    import_references(b"year,group,target,mean,source\n2024,DP,DP02,3.0,NNS 2024\n")
    db.session.commit()
    assert count(year=2024, source="NNS 2024") == 1
    assert count(year=2024, source="Annan") == 1 and count(year=2022, source="NNS 2024") == 1
    assert [(y, s, n) for y, s, n, _demo in list_sources()] == [(2024, "Annan", 1), (2024, "NNS 2024", 1), (2022, "NNS 2024", 1)]


def test_failed_replacement_keeps_previous_rows(app):
    import_references(GOOD.encode())
    db.session.commit()
    with pytest.raises(ReferenceImportError):
        import_references(b"year,group,target,mean,source\n2024,DP,DP02,3.0,NNS 2024\n2024,DP,DP03,9,NNS 2024\n")
    db.session.rollback()
    assert count(source="NNS 2024") == 3


def test_demo_references_are_labelled(app):
    n = create_demo_references()
    db.session.commit()
    assert n == count(is_demo=True) > 0
    assert {s for _y, s, _n, demo in list_sources() if demo} == {"Demodata – påhittade riksvärden"}


def test_cli_import(app, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-references", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 rader" in result.output and count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD.replace("4.4,,,,", "9,,,,"), encoding="utf-8")
    result = runner.invoke(args=["import-references", str(bad)])
    assert result.exit_code != 0 and "Rad 3" in result.output


def test_admin_upload_list_and_delete(app, client, auth, make_user):
    make_user("admin", role="admin")
    auth.login("admin")
    page = client.get("/admin/referenser/")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    bad = client.post("/admin/referenser/", data={**fields, "file": (io.BytesIO((GOOD + "2024,DP,X,4,,,,S\n").encode()), "r.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Rad 5" in bad.get_data(as_text=True) and count() == 0
    ok = client.post("/admin/referenser/", data={**fields, "file": (io.BytesIO(GOOD.encode()), "r.csv")},
                     content_type="multipart/form-data", follow_redirects=True)
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "NNS 2024" in html and count() == 3
    gone = client.post("/admin/referenser/ta-bort", data={"csrf_token": fields["csrf_token"], "year": "2024", "source": "NNS 2024"},
                       follow_redirects=True)
    assert gone.status_code == 200 and count() == 0
    actions = list(db.session.scalars(select(AuditEvent.action).where(~AuditEvent.action.startswith("login")).order_by(AuditEvent.id)))
    assert actions[-2:] == ["references.import", "references.delete"]


def test_officer_cannot_reach_admin_reference_pages(app, client, auth, make_user, make_forbund):
    make_user("off", role="officer", forbund=make_forbund())
    auth.login("off")
    assert client.get("/admin/referenser/").status_code == 404


def test_swedish_excel_csv_with_trailing_semicolon_cp1252_and_sep_line(app):
    text = "sep=;\r\nyear;group;target;mean;source;\r\n2024;DP;DP01;4,5;Nationell sammanställning för förbund;\r\n"
    assert import_references(text.encode("cp1252"), filename="r.csv") == {
        (2024, "Nationell sammanställning för förbund"): 1}
    assert db.session.scalar(select(ReferenceValue.mean)) == 4.5
    tabbed = "year\tgroup\ttarget\tmean\tsource\n2022\tPE\tPE01\t4,25\tRapport\n"
    import_references(tabbed.encode(), filename="t.txt")
    assert count(year=2022) == 1
    with pytest.raises(ReferenceImportError) as exc:
        import_references(b"year;group;target;mean;source;\n2024;DP;DP02;4,5;S;extra\n")
    assert "utan namn" in str(exc.value)


def test_xlsx_reference_import(app):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["year", "group", "target", "mean", "source", None])
    workbook.active.append([2024, "CH", "CH01", 4.75, "NNS 2024"])
    out = io.BytesIO()
    workbook.save(out)
    assert import_references(out.getvalue(), filename="r.xlsx") == {(2024, "NNS 2024"): 1}
    assert db.session.scalar(select(ReferenceValue.mean)) == 4.75


def test_every_bad_row_is_listed_up_to_a_cap(app):
    data = "year,group,target,mean,source\n" + "2024,DP,DP01,9,S\n" * 70
    with pytest.raises(ReferenceImportError) as exc:
        import_references(data.encode())
    assert len(exc.value.errors) == 50 and exc.value.more == 20
    assert [line for line, _ in exc.value.errors[:3]] == [2, 3, 4]
    assert "och 20 fel till" in str(exc.value)
    assert count() == 0


def test_row_errors_are_in_the_admins_language_and_name_the_column(app, client, auth, make_user):
    make_user("admin", role="admin", language="en")
    auth.login("admin")
    fields = form_fields(client.get("/admin/referenser/").get_data(as_text=True))
    rows = ("2024,DP,DP01,4.5,1.1,99999999999999999999,,S\n"  # n far too large: no database error
            "2024,DP,DP02,4.5,1.1,²,,S\n"  # a superscript digit is not a number here
            "2024,DP,DP03,x,,,,S\n")
    bad = client.post("/admin/referenser/", data={**fields, "file": (io.BytesIO((GOOD + rows).encode()), "r.csv")},
                      content_type="multipart/form-data")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and count() == 0
    assert "Row 5" in html and "n: 99999999999999999999 is more than 10000000" in html.replace("\u202f", "")
    assert "Row 6" in html and "n: ”²” is not a whole number" in html
    assert "Row 7" in html and "mean: ”x” is not a number" in html
    # A year beyond any stored one in the delete form: a message, never a database error.
    gone = client.post("/admin/referenser/ta-bort", data={"csrf_token": fields["csrf_token"],
                                                         "year": "99999999999999999999", "source": "S"})
    assert gone.status_code == 302 and count() == 0
