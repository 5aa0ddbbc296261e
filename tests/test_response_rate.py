"""Response rate (Scoring rule 7): recorded per link, shown beside a shown n only."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.report_data import method_facts
from surveys import links
from surveys.extensions import db
from surveys.instruments import instrument
from surveys.models import Answer, Response, SurveyLink
from surveys.results import ResultRequest, build_result_set

YEAR = 2025


def responses(forbund, group, n, insats=None):
    for k in range(n):
        r = Response(submission_key=f"rr-{group}-{k:012d}", forbund_id=forbund.id,
                     insats_id=insats.id if insats else None, questionnaire=group, instrument_version="2026.1",
                     measurement_year=YEAR, submitted_on=dt.date(YEAR, 3, 1), released=True)
        r.answers.append(Answer(item_id=f"{group}01", value=4))
        db.session.add(r)
    db.session.commit()


def test_rate_beside_n_and_capped(app, make_forbund, make_insats):
    fa = make_forbund(slug="a")
    x, y = make_insats(fa, "X"), make_insats(fa, "Y")
    links.create_link(fa, "DP", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), insats=x, asked=20)
    links.create_link(fa, "DP", dt.date(YEAR, 2, 1), dt.date(YEAR, 6, 1), insats=y, asked=10)
    st = links.create_link(fa, "ST", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), asked=7)
    links.create_link(fa, "PE", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), insats=x)  # not recorded
    db.session.commit()
    responses(fa, "DP", 12, insats=x)
    responses(fa, "ST", 8)  # one more than recorded (a paper form, say)
    responses(fa, "PE", 6, insats=x)
    rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), reference="none"))
    assert rs.response_rate("DP", YEAR) == pytest.approx((12 / 30, False))
    assert rs.response_rate("ST", YEAR) == (1.0, True)
    assert rs.response_rate("PE", YEAR) is None  # the number asked is unknown
    counts = {(c["group"], c["year"]): c for c in rs.to_json_dict()["response_counts"]}
    assert counts[("DP", YEAR)]["asked"] == 30 and counts[("DP", YEAR)]["response_rate"] == pytest.approx(0.4)
    assert counts[("ST", YEAR)]["response_rate_capped"] is True
    assert counts[("PE", YEAR)]["response_rate"] is None
    facts = dict(method_facts(rs, instrument(), YEAR))
    assert "40 % av 30 tillfrågade" in next(v for k, v in facts.items() if "deltagare" in k.lower() and "12" in v)
    # The insats view counts only its own links.
    view = build_result_set(ResultRequest(forbund=fa, insats=x, years=(YEAR,), groups=("DP",), reference="none"))
    assert view.response_rate("DP", YEAR) == pytest.approx((12 / 20, False))
    links.set_asked(st, None)
    assert db.session.get(SurveyLink, st.id).asked is None


def test_no_rate_where_n_is_hidden(app, make_forbund):
    fa = make_forbund(slug="a")
    links.create_link(fa, "CH", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), asked=9)
    db.session.commit()
    responses(fa, "CH", 3)
    rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("CH",), reference="none"))
    assert rs.response_count("CH", YEAR) is None and rs.response_rate("CH", YEAR) is None
    entry = rs.to_json_dict()["response_counts"][0]
    assert entry["n"] is None and entry["asked"] is None and entry["response_rate"] is None


@pytest.mark.parametrize("bad", [0, -3, 2.5, "7", True, 100_001])
def test_asked_is_validated(app, make_forbund, bad):
    fa = make_forbund(slug="a")
    with pytest.raises(ValueError, match="Antal tillfrågade"):
        links.create_link(fa, "ST", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), asked=bad)


def test_codes_issued_count_as_asked(app, make_forbund):
    fa = make_forbund(slug="a")
    link = links.create_link(fa, "ST", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1), requires_code=True)
    links.create_access_codes(link, 8)
    db.session.commit()
    responses(fa, "ST", 6)
    rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("ST",), reference="none"))
    assert rs.asked[("ST", YEAR)] == 8 and rs.response_rate("ST", YEAR) == pytest.approx((0.75, False))


def test_officer_records_asked_on_the_link_page(client, auth, make_forbund, make_user):
    fa = make_forbund(slug="a")
    make_user("off", role="officer", forbund=fa)
    link = links.create_link(fa, "ST", dt.date(YEAR, 1, 10), dt.date(YEAR, 5, 1))
    db.session.commit()
    auth.login("off")
    page = client.get(f"/lankar/{link.id}").get_data(as_text=True)
    assert "Antal tillfrågade" in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0] if 'name="csrf_token" type="hidden"' in page else None
    data = {"asked": "0"} | ({"csrf_token": token} if token else {})
    bad = client.post(f"/forbund/lankar/{link.id}/tillfragade", data=data, follow_redirects=True)
    assert bad.status_code == 200 and db.session.get(SurveyLink, link.id).asked is None
    assert "Antal tillfrågade: Ange ett heltal från 1 till 100 000." in bad.get_data(as_text=True)
    text = client.post(f"/forbund/lankar/{link.id}/tillfragade", data={**data, "asked": "tio"}, follow_redirects=True)
    assert text.get_data(as_text=True).count("Antal tillfrågade:") == 1  # one message, the field named
    expired = client.post(f"/forbund/lankar/{link.id}/tillfragade", data={"asked": "9"})  # no CSRF token
    assert expired.status_code == 400 and db.session.get(SurveyLink, link.id).asked is None
    assert "Formuläret hade gått ut" in expired.get_data(as_text=True)
    data["asked"] = "9"
    client.post(f"/forbund/lankar/{link.id}/tillfragade", data=data)
    db.session.expire_all()
    assert db.session.get(SurveyLink, link.id).asked == 9
