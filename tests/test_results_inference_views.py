"""The results page shows the intervals, q-values and the census reason (Scoring rules 2, 5, 7)."""

from __future__ import annotations

import datetime as dt

from surveys.extensions import db
from surveys.models import Answer, Response
from tests.helpers import strip_tags

YEAR = 2025


def add(forbund, group, values, start):
    for k, value in enumerate(values):
        r = Response(submission_key=f"iv-{start + k:012d}", forbund_id=forbund.id, questionnaire=group,
                     instrument_version="2026.1", measurement_year=YEAR, submitted_on=dt.date(YEAR, 3, 1),
                     released=True)
        r.answers.append(Answer(item_id=f"{group}01", value=value))
        db.session.add(r)
    db.session.commit()


def test_page_shows_wilson_interval_q_and_census_reason(client, auth, make_forbund, make_user):
    fa = make_forbund(slug="a")
    make_user("off", role="officer", forbund=fa)
    add(fa, "ST", [6, 6, 5, 6, 6], 0)
    for k, slug in enumerate("bcd"):  # three other förbund with k answers each: riket shown (D3)
        add(make_forbund(slug=slug), "ST", [2, 3, 3, 2, 4], 100 * (k + 1))
    auth.login("off")
    html = client.get(f"/resultat/?year={YEAR}&group=ST").get_data(as_text=True)
    text = " ".join(strip_tags(html).split())
    assert "57 %–100 %" in text  # Wilson interval of 5 positive of 5: 0.566-1.000
    assert "Skillnad (95 % KI)" in text and ">q<" in html.replace(" ", "")
    assert "Inget test: nästan alla i gruppen har svarat" in text
    assert "nästan alla i gruppen svarar, så svaren är inget stickprov" in text
    assert "+3,00" in text  # 5.8 - 2.8 (riket utom förbundet: b, c, d), no interval for a census
