"""Instrument versions managed in the product: a broken or duplicate file is reported and the
others keep working, the admin page lists versions and errors, the link form chooses the version
(default from configuration), and instrument files travel in the backup."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from indicators.catalogue import INSTRUMENT_DIR, available_versions, clear_cache, load_directory_report
from surveys.backup import BackupError, dump
from surveys.backup_instruments import check_instrument_record, instrument_records, write_instrument_files
from surveys.models import SurveyLink
from tests.helpers import form_fields, strip_tags

OFFICIAL = INSTRUMENT_DIR / "2026.1.toml"


def _extra_version(text: str, version: str) -> str:
    return re.sub(r'^version = "2026\.1"', f'version = "{version}"', text, count=1, flags=re.M)


def test_broken_and_duplicate_files_are_reported_without_stopping_the_others(tmp_path):
    shutil.copy(OFFICIAL, tmp_path / "a.toml")
    (tmp_path / "b-broken.toml").write_text('version = "x"\n[[[ not toml', encoding="utf-8")
    shutil.copy(OFFICIAL, tmp_path / "c-duplicate.toml")
    (tmp_path / "d-extra.toml").write_text(_extra_version(OFFICIAL.read_text(encoding="utf-8"), "2027.1"),
                                           encoding="utf-8")
    versions, errors = load_directory_report(tmp_path)
    assert sorted(versions) == ["2026.1", "2027.1"]
    assert sorted(errors) == ["b-broken.toml", "c-duplicate.toml"]
    assert "not valid TOML" in errors["b-broken.toml"]
    assert "duplicate version '2026.1'" in errors["c-duplicate.toml"]


@pytest.fixture
def extra_files():
    """An extra valid version and a broken file in the real folder, removed afterwards."""
    extra = INSTRUMENT_DIR / "zz-test-extra.toml"
    broken = INSTRUMENT_DIR / "zz-test-broken.toml"
    extra.write_text(_extra_version(OFFICIAL.read_text(encoding="utf-8"), "2026.1-test"), encoding="utf-8")
    broken.write_text('version = "2099.1"\nlanguages = ["sv"]\n', encoding="utf-8")
    clear_cache()
    yield
    extra.unlink()
    broken.unlink()
    clear_cache()


def test_admin_page_lists_versions_and_file_errors(client, make_user, auth, extra_files, make_forbund, make_insats,
                                                   make_link):
    forbund = make_forbund()
    make_link(forbund, "DP", make_insats(forbund), instrument_version="2026.1-test")
    make_user("root", "admin")
    auth.login("root")
    html = strip_tags(client.get("/admin/instrument").get_data(as_text=True))
    assert "2026.1 (standard)" in html  # the configured default and "2026.1-test" in html
    assert "zz-test-broken.toml" in html
    assert "zz-test-extra.toml" in html


def test_link_form_chooses_the_version_with_the_configured_default(client, make_forbund, make_insats, make_user,
                                                                   auth, extra_files):
    forbund = make_forbund()
    insats = make_insats(forbund)
    make_user("kansli", "officer", forbund)
    auth.login("kansli")
    page = client.get("/forbund/lankar/ny").get_data(as_text=True)
    fields = form_fields(page)
    assert re.search(r'<option selected value="2026\.1">|<option value="2026\.1" selected', page)
    assert 'value="2026.1-test"' in page and "2099.1" not in page
    data = {**fields, "questionnaire": "DP", "insats": str(insats.id), "opens_on": "2026-03-01",
            "closes_on": "2026-04-30", "instrument_version": "2026.1-test"}
    assert client.post("/forbund/lankar/ny", data=data).status_code == 303
    from surveys.extensions import db

    assert db.session.scalar(select(SurveyLink.instrument_version)) == "2026.1-test"
    # A version that is not there is refused at the field and creates nothing.
    resp = client.post("/forbund/lankar/ny", data={**data, "instrument_version": "2099.1"})
    assert resp.status_code == 200 and db.session.query(SurveyLink).count() == 1


def test_a_broken_extra_file_does_not_stop_commands(runner, extra_files):
    assert "2026.1" in available_versions()
    result = runner.invoke(args=["create-forbund", "ok", "Samordningsförbundet OK"])
    assert result.exit_code == 0, result.output


def test_instrument_files_are_in_the_backup_and_restored_when_missing(app, tmp_path):
    out = io.StringIO()
    dump(out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    records = [line for line in lines if "instrument" in line]
    assert {r["instrument"] for r in records} == {p.name for p in INSTRUMENT_DIR.glob("*.toml")}
    assert lines.index(records[0]) == 1  # right after the header, before any table row
    official = next(r for r in records if r["instrument"] == "2026.1.toml")
    assert official["text"] == OFFICIAL.read_text(encoding="utf-8")

    here = tmp_path / "instruments"
    here.mkdir()
    assert check_instrument_record(official, here) is True
    assert write_instrument_files([official], here) == ["2026.1.toml"]
    assert (here / "2026.1.toml").read_text(encoding="utf-8") == official["text"]
    assert check_instrument_record(official, here) is False  # same content: left alone
    (here / "2026.1.toml").write_text("other", encoding="utf-8")
    with pytest.raises(BackupError, match="annat innehåll"):
        check_instrument_record(official, here)
    with pytest.raises(BackupError):
        check_instrument_record({"instrument": "../evil.toml", "text": "x"}, here)
    assert instrument_records(Path(here)) == [{"instrument": "2026.1.toml", "text": "other"}]
