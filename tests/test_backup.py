"""Backup and restore: the demo installation, backed up and restored into a fresh empty database
(another SQLite file / another PostgreSQL database), is identical row by row."""

from __future__ import annotations

import datetime as dt

from flask_migrate import upgrade
from sqlalchemy import func, select

from surveys.backup import tables
from surveys.demo import build_demo
from surveys.extensions import db
from surveys.models import AuditEvent, EconomicValue, Forbund, FreeText, ReferenceValue, Response, SupportCount
from tests.test_migrations import scratch_app, scratch_database


def _fill():
    build_demo()
    forbund = db.session.scalars(select(Forbund).order_by(Forbund.id)).first()
    response = db.session.scalars(select(Response).order_by(Response.id)).first()
    db.session.add_all([
        FreeText(response_id=response.id, question_id="DP_FT1",
                 text='<script>alert("x")</script> åäö “citat” \\ \n ny rad 😀'),
        ReferenceValue(year=2024, group="DP", target="I01", mean=4.123456789012345, sd=None, n=1234,
                       share_positive=0.1 + 0.2, source="NNS 2024", is_demo=True),
        SupportCount(forbund_id=forbund.id, year=2024, phase="start", category="aktivitetsersattning", count=0),
        EconomicValue(forbund_id=forbund.id, year=2024, value="1 200 000 kr", method="", source="Egen beräkning"),
        AuditEvent(at=dt.datetime(2026, 3, 15, 23, 59, 59, 999999), user_id=None, forbund_id=None,
                   action="backup.test", target="", detail=""),
    ])
    db.session.commit()


def _snapshot() -> dict[str, list[tuple]]:
    out = {}
    with db.engine.connect() as conn:
        for table in tables():
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


def test_round_trip_is_exact(app, runner, tmp_path):
    _fill()
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 1000
    path = str(tmp_path / "backup.jsonl.gz")
    result = runner.invoke(args=["backup", path])
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopia skriven" in result.output

    with scratch_database(tmp_path) as url:
        other = scratch_app(url)
        with other.app_context():
            upgrade()
            result = other.test_cli_runner().invoke(args=["restore", path])
            assert result.exit_code == 0, result.output
            after = _snapshot()
            # Sequences continue after the restored ids (PostgreSQL) and the data is usable.
            db.session.add(Forbund(slug="ny-efter-aterstallning", name="Ny"))
            db.session.commit()
            again = str(tmp_path / "again.jsonl")
            assert other.test_cli_runner().invoke(args=["backup", again]).exit_code == 0
            db.session.remove()
            db.engine.dispose()

    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after restore"
    # Types survive exactly, not just equal-looking values.
    for name, rows in before.items():
        for row_before, row_after in zip(rows, after[name], strict=True):
            assert [type(v) for v in row_before] == [type(v) for v in row_after], name


def test_restore_refuses_a_database_with_data(app, runner, tmp_path):
    _fill()
    path = str(tmp_path / "backup.jsonl")
    assert runner.invoke(args=["backup", path]).exit_code == 0
    count = db.session.scalar(select(func.count()).select_from(Response))
    result = runner.invoke(args=["restore", path])
    assert result.exit_code != 0
    assert "Databasen är inte tom" in result.output
    assert db.session.scalar(select(func.count()).select_from(Response)) == count


def test_restore_refuses_another_schema_revision_and_garbage(app, runner, tmp_path):
    path = tmp_path / "backup.jsonl"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with scratch_database(tmp_path) as url:
        other = scratch_app(url)
        with other.app_context():
            cli = other.test_cli_runner()
            result = cli.invoke(args=["restore", str(path)])  # not migrated: no revision
            assert result.exit_code != 0 and "schemaversion" in result.output
            upgrade()
            garbage = tmp_path / "garbage.jsonl"
            garbage.write_text("not json\n")
            result = cli.invoke(args=["restore", str(garbage)])
            assert result.exit_code != 0 and "ingen säkerhetskopia" in result.output
            broken = tmp_path / "broken.jsonl"
            broken.write_text(path.read_text().splitlines()[0] + '\n{"t": "forbund", "r": {"id": "x"\n')
            result = cli.invoke(args=["restore", str(broken)])
            assert result.exit_code != 0 and "trasig" in result.output
            assert db.session.scalar(select(func.count()).select_from(Forbund)) == 0
            db.session.remove()
            db.engine.dispose()
