"""Links: tokens, scope rules, QR code downloads, the A4 sheet, single-use codes and counts."""

import base64
import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from surveys import links
from surveys.extensions import db
from surveys.models import AccessCode, AuditEvent, Response
from surveys.responses import hash_code
from tests.helpers import form_fields, strip_tags

D = dt.date


@pytest.fixture
def setup(make_forbund, make_insats, make_user):
    a = make_forbund("a", "Förbund A")
    b = make_forbund("b", "Förbund B")
    a1 = make_insats(a, "Steg för steg")
    b1 = make_insats(b, "Annan")
    officer_a = make_user("officer_a", "officer", a)
    officer_b = make_user("officer_b", "officer", b)
    staff = make_user("staff_a1", "staff", a, [a1])
    return locals()


def test_token_has_at_least_128_bits(setup):
    link = links.create_link(setup["a"], "DP", D(2026, 1, 1), D(2026, 6, 30), insats=setup["a1"])
    raw = base64.urlsafe_b64decode(link.token + "=" * (-len(link.token) % 4))
    assert len(raw) >= 32  # 256 bits from secrets.token_urlsafe(32)
    other = links.create_link(setup["a"], "DP", D(2026, 1, 1), D(2026, 6, 30), insats=setup["a1"])
    assert other.token != link.token


def test_scope_rules(setup):
    a, a1, b1 = setup["a"], setup["a1"], setup["b1"]
    for code in ("DP", "DA", "PE"):
        with pytest.raises(ValueError, match="Insats"):
            links.create_link(a, code, D(2026, 1, 1), D(2026, 2, 1))
        assert links.create_link(a, code, D(2026, 1, 1), D(2026, 2, 1), insats=a1).insats_id == a1.id
    for code in ("CH", "ST"):
        with pytest.raises(ValueError, match="hela förbundet"):
            links.create_link(a, code, D(2026, 1, 1), D(2026, 2, 1), insats=a1)
        assert links.create_link(a, code, D(2026, 1, 1), D(2026, 2, 1), requires_code=True).insats_id is None
    with pytest.raises(ValueError, match="hör inte till förbundet"):
        links.create_link(a, "DP", D(2026, 1, 1), D(2026, 2, 1), insats=b1)
    with pytest.raises(ValueError, match="Engångskoder"):
        links.create_link(a, "DP", D(2026, 1, 1), D(2026, 2, 1), insats=a1, requires_code=True)
    with pytest.raises(ValueError, match="^Stänger:"):
        links.create_link(a, "CH", D(2026, 2, 1), D(2026, 1, 31))
    with pytest.raises(ValueError, match="Enkät"):
        links.create_link(a, "XX", D(2026, 1, 1), D(2026, 2, 1))
    a1.closed = True
    with pytest.raises(ValueError, match="avslutad"):
        links.create_link(a, "DP", D(2026, 1, 1), D(2026, 2, 1), insats=a1)


def test_qr_downloads_and_sheet(client, auth, setup, make_link):
    link = make_link(setup["a"], "DP", setup["a1"])
    auth.login("staff_a1")
    png = client.get(f"/lankar/{link.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 'attachment; filename="qr-dp-lank-' in png.headers["Content-Disposition"]
    svg = client.get(f"/lankar/{link.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/lankar/{link.id}/qr.svg?inline=1").headers["Content-Disposition"].startswith("inline")

    url = f"http://localhost/s/{link.token}"
    page = client.get(f"/lankar/{link.id}").get_data(as_text=True)
    assert url in page and f"/lankar/{link.id}/utskrift" in page
    sheet = client.get(f"/lankar/{link.id}/utskrift").get_data(as_text=True)
    assert f"localhost/s/{link.token}" in sheet
    assert "Enkät för dig som deltar i" in sheet and "anonym" in sheet  # the participants' plain heading
    assert f'src="/lankar/{link.id}/qr.svg?inline=1"' in sheet
    assert "data:" not in sheet and "<script" not in sheet and "style=" not in sheet
    css = (Path(client.application.static_folder) / "css" / "sheet.css").read_text()
    assert "size: A4" in css and "@page" in css


def test_qr_encodes_the_external_url(make_app, setup, make_link):
    """The URL in the QR code follows SERVER_NAME and PREFERRED_URL_SCHEME."""
    link = make_link(setup["a"], "DP", setup["a1"])
    app = make_app(SERVER_NAME="enkat.example.se", PREFERRED_URL_SCHEME="https")
    from surveys.links import respondent_url as public_url

    with app.test_request_context():
        assert public_url(link) == f"https://enkat.example.se/s/{link.token}"


def _answer(client, link, code=None, item="CH01"):
    page = client.get(f"/s/{link.token}/svar?lang=sv")
    fields = form_fields(page.get_data(as_text=True))
    data = {**fields, item: "5"}
    if code is not None:
        data["code"] = code
    return client.post(f"/s/{link.token}/svar?lang=sv", data=data)


def test_single_use_codes_via_the_officer_pages(client, auth, setup, make_link):
    link = make_link(setup["a"], "CH", requires_code=True)
    auth.login("officer_a")
    page = client.get(f"/forbund/lankar/{link.id}/koder")
    assert "Oanvända: 0" in strip_tags(page.get_data(as_text=True))
    fields = form_fields(page.get_data(as_text=True))
    created = client.post(f"/forbund/lankar/{link.id}/koder", data={**fields, "count": "3"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    codes = re.findall(r'name="code" value="([A-Z0-9-]+)"', html)
    assert len(codes) == 3
    stored = set(db.session.scalars(select(AccessCode.code_hash).where(AccessCode.link_id == link.id)))
    assert stored == {hash_code(c) for c in codes}
    assert not any(c.replace("-", "") in h for c in codes for h in stored)  # only hashes are stored
    assert "3 engångskoder" in db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "codes.create"))

    # The CSV of the fresh batch (posted back from the page) echoes only this link's unused codes.
    csv = client.post(f"/forbund/lankar/{link.id}/koder.csv",
                      data={"csrf_token": fields["csrf_token"], "code": [*codes, "FALSK-KOD12"]})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    assert all(c in text for c in codes) and "FALSK" not in text
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "codes.download")) == "3 engångskoder"

    # Each code accepts exactly one answer; the response keeps no trace of the code.
    respondent = client.application.test_client()
    assert _answer(respondent, link).status_code == 200  # no code: form error
    assert _answer(respondent, link, "inte-en-kod").status_code == 200
    assert _answer(respondent, link, codes[0].lower()).status_code == 303
    again = _answer(respondent, link, codes[0])
    assert again.status_code == 200 and "redan använts" in again.get_data(as_text=True)
    assert _answer(respondent, link, codes[1]).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2
    columns = {c.key for c in inspect(Response).mapper.column_attrs}
    assert not any("code" in name for name in columns)
    assert "Använda: 2" in strip_tags(client.get(f"/forbund/lankar/{link.id}/koder").get_data(as_text=True))
    assert links.code_counts(link) == links.CodeCounts(used=2, unused=1)
    # D5: posting the printed list back tells nothing about which codes were used.
    after = client.post(f"/forbund/lankar/{link.id}/koder.csv",
                        data={"csrf_token": fields["csrf_token"], "code": codes}).data.decode("utf-8-sig")
    assert all(c in after for c in codes)


def test_codes_only_for_links_that_require_them(client, auth, setup, make_link):
    dp = make_link(setup["a"], "DP", setup["a1"])
    auth.login("officer_a")
    assert client.get(f"/forbund/lankar/{dp.id}/koder").status_code == 404
    with pytest.raises(ValueError):
        links.create_access_codes(dp, 3)
    ch = make_link(setup["a"], "CH", requires_code=True)
    for bad in (0, 501, True):
        with pytest.raises(ValueError, match="Antal koder"):
            links.create_access_codes(ch, bad)


def test_counts_go_up_after_answering(client, auth, setup, make_link):
    link = make_link(setup["a"], "DP", setup["a1"])
    auth.login("officer_a")
    assert links.link_counts([link], 2026) == {link.id: 0}
    respondent = client.application.test_client()
    assert _answer(respondent, link, item="DP01").status_code == 303
    assert _answer(respondent, link, item="DP02").status_code == 303
    assert links.link_counts([link], 2026) == {link.id: 2}
    assert links.questionnaire_counts(setup["a"]) == {2026: {"DP": 2}}
    assert "Svar under mätår 2026: 2" in strip_tags(client.get(f"/lankar/{link.id}").get_data(as_text=True))
    db.session.scalar(select(Response)).withdrawn = True
    db.session.commit()
    assert links.link_counts([link], 2026) == {link.id: 1}


def test_other_forbund_and_other_insats_get_404(client, auth, setup, make_link, make_insats, make_user):
    link = make_link(setup["a"], "DP", setup["a1"])
    ch = make_link(setup["a"], "CH")
    a2 = make_insats(setup["a"], "A2")
    make_user("staff_a2", "staff", setup["a"], [a2])
    paths = [f"/lankar/{link.id}", f"/lankar/{link.id}/qr.png", f"/lankar/{link.id}/qr.svg",
             f"/lankar/{link.id}/utskrift"]
    auth.login("officer_b")
    for path in paths:
        assert client.get(path).status_code == 404, path
    auth.logout()
    auth.login("staff_a2")
    for path in paths:
        assert client.get(path).status_code == 404, path
    auth.logout()
    auth.login("staff_a1")
    assert client.get(f"/lankar/{ch.id}").status_code == 404  # staff never see the förbund-wide links
    assert client.get(f"/lankar/{link.id}").status_code == 200


def test_an_id_beyond_any_integer_column_is_a_404_not_a_database_error(app, client, auth, make_user, make_forbund):
    make_user("officer_big", role="officer", forbund=make_forbund())
    auth.login("officer_big")
    huge = "99999999999999999999"
    for path in (f"/lankar/{huge}", f"/lankar/{huge}/qr.png", f"/forbund/insatser/{huge}",
                 f"/papper/lank/{huge}/registrera", f"/lankar/{2**31}"):
        assert client.get(path).status_code == 404, path
    # A year that is not offered in a filter falls back to one that is.
    assert client.get(f"/rapport/diagram?year={huge}000").status_code == 200
