""""Today", the measurement year and link dates follow TIME_ZONE (Europe/Stockholm), whatever the
process's own time zone: a UTC server and one in Pacific/Kiritimati (UTC+14) give the same date."""

import datetime as dt
import time

import pytest
from sqlalchemy import select

from surveys import clock
from surveys.extensions import db
from surveys.models import Response
from tests.helpers import form_fields

# 00:30 Swedish time (CET, UTC+1) on 1 November 2026: measurement year 2027 has begun.
AFTER_MIDNIGHT = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
# 23:30 Swedish time on 31 October 2026: still measurement year 2026 (already 1 Nov in Kiritimati).
BEFORE_MIDNIGHT = dt.datetime(2026, 10, 31, 22, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["UTC", "Pacific/Kiritimati"])
def server_zone(request, monkeypatch):
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def _freeze(monkeypatch, moment):
    monkeypatch.setattr(clock, "utcnow", lambda: moment)


@pytest.mark.parametrize(("moment", "day", "year"), [
    (AFTER_MIDNIGHT, dt.date(2026, 11, 1), 2027),
    (BEFORE_MIDNIGHT, dt.date(2026, 10, 31), 2026),
])
def test_web_answer_lands_in_the_swedish_date_and_year(server_zone, monkeypatch, make_app, make_forbund, make_link,
                                                       moment, day, year):
    app = make_app(FIXED_TODAY=None)
    with app.app_context():
        _freeze(monkeypatch, moment)
        assert clock.today() == day
        forbund = make_forbund()
        # The link opens on 1 November: open at 00:30 Swedish time, not yet at 23:30 the day before.
        link = make_link(forbund, "CH", opens_on=dt.date(2026, 11, 1), closes_on=dt.date(2026, 12, 1))
        client = app.test_client()
        page = client.get(f"/s/{link.token}/svar")
        if day < link.opens_on:
            assert "öppnar" in page.get_data(as_text=True).lower() or page.status_code != 200
            assert not link.is_open(clock.today())
            return
        fields = form_fields(page.get_data(as_text=True))
        assert client.post(f"/s/{link.token}/svar", data={**fields, "CH01": "4"}).status_code == 303
        response = db.session.scalar(select(Response))
        assert (response.submitted_on, response.measurement_year) == (day, year)


def test_link_closing_day_is_the_swedish_day(server_zone, monkeypatch, make_app, make_forbund, make_link):
    app = make_app(FIXED_TODAY=None)
    with app.app_context():
        forbund = make_forbund()
        link = make_link(forbund, "CH", opens_on=dt.date(2026, 10, 1), closes_on=dt.date(2026, 10, 31))
        _freeze(monkeypatch, BEFORE_MIDNIGHT)  # 23:30 on the closing day in Sweden: still open
        assert link.is_open(clock.today())
        _freeze(monkeypatch, AFTER_MIDNIGHT)  # 00:30 the day after: closed
        assert not link.is_open(clock.today())


def test_time_zone_is_configurable(monkeypatch, make_app):
    app = make_app(FIXED_TODAY=None, TIME_ZONE="UTC")
    with app.app_context():
        _freeze(monkeypatch, AFTER_MIDNIGHT)
        assert clock.today() == dt.date(2026, 10, 31)
