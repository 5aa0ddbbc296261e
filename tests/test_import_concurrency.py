"""run_import: written in invisible steps, published at once, removed on failure; respondents
submitting meanwhile (another connection) are not refused and never see half an import."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from surveys import import_store, import_writer
from surveys.extensions import db
from surveys.import_store import run_import
from surveys.imports import ImportRejected
from surveys.models import Answer, AuditEvent, Response
from tests.helpers import form_fields

HEADER = "formular;questionnaire;insats;date;DP01;DP02"


@pytest.fixture
def world(make_forbund, make_insats, make_link):
    forbund = make_forbund(slug="a", name="Förbund A")
    insats = make_insats(forbund, "Steg för steg")
    link = make_link(forbund, "DP", insats=insats)
    return {"forbund": forbund, "insats": insats, "token": link.token}


def csv_rows(n: int, first: int = 1) -> bytes:
    lines = [HEADER] + [f"{first + i};DP;Steg för steg;2026-01-15;{1 + i % 6};{'9' if i % 4 else ''}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def visible() -> int:
    db.session.rollback()  # a fresh snapshot
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.withdrawn.is_(False)))


def total(model=Response) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def submit_as_respondent(app, token: str, outcome: dict) -> None:
    client = app.test_client()
    fields = form_fields(client.get(f"/s/{token}/svar").get_data(as_text=True))
    outcome["status"] = client.post(f"/s/{token}/svar", data={**fields, "DP01": "5"}).status_code


def sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def test_respondent_submits_between_steps_and_half_an_import_is_invisible(app, world, monkeypatch):
    """SQLite: after the first pending step; PostgreSQL: inside the import's open transaction."""
    monkeypatch.setattr(import_store, "BATCH_ROWS", 40)
    real_write = import_writer.write
    seen: dict = {}

    def write_then_let_a_respondent_in(connection, records, **kw):
        ids = real_write(connection, records, **kw)
        if "status" not in seen:
            if sqlite():
                connection.commit()  # the first step is stored, pending
            thread = threading.Thread(target=submit_as_respondent, args=(app, world["token"], seen))
            thread.start()
            thread.join(20)
            seen["visible_meanwhile"] = visible()
            seen["stored_meanwhile"] = total()
        return ids

    monkeypatch.setattr(import_writer, "write", write_then_let_a_respondent_in)
    result = run_import(world["forbund"].id, None, csv_rows(100), "svar.csv")
    assert seen["status"] == 303  # the respondent was not refused while the import was under way
    assert seen["visible_meanwhile"] == 1  # only the respondent's answer counts mid-import
    assert seen["stored_meanwhile"] == (41 if sqlite() else 1)
    assert (result.created, result.existing) == (100, 0)
    assert visible() == 101 and total() == 101
    assert total(Answer) == 1 + 100 + 75  # DP02 "9" (Vet ej) is an answer stored as NULL; empty is none
    assert db.session.scalar(select(func.count()).where(Response.import_batch.is_not(None))) == 0


def test_submission_during_a_running_import_is_stored(app, world, monkeypatch):
    monkeypatch.setattr(import_store, "BATCH_ROWS", 200)
    outcome: dict = {}
    forbund_id = world["forbund"].id
    importer = threading.Thread(target=_import_in_thread, args=(app, forbund_id, outcome))
    importer.start()
    submit_as_respondent(app, world["token"], outcome)
    importer.join(120)
    assert outcome["status"] == 303
    assert outcome["result"].created == 3000
    assert visible() == 3001


def _import_in_thread(app, forbund_id: int, outcome: dict) -> None:
    with app.app_context():
        outcome["result"] = run_import(forbund_id, None, csv_rows(3000), "svar.csv")
        db.session.remove()


def test_failure_after_some_steps_leaves_nothing(app, world, monkeypatch):
    monkeypatch.setattr(import_store, "BATCH_ROWS", 10)
    real_write = import_writer.write
    calls = []

    def failing(connection, records, **kw):
        calls.append(1)
        ids = real_write(connection, records, **kw)
        if len(calls) == (3 if sqlite() else 1):  # SQLite: the third step; PostgreSQL: its one write
            raise RuntimeError("disk full")
        return ids

    monkeypatch.setattr(import_writer, "write", failing)
    with pytest.raises(RuntimeError):
        run_import(world["forbund"].id, None, csv_rows(50), "svar.csv")
    assert total() == 0 and total(Answer) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    monkeypatch.setattr(import_writer, "write", real_write)
    assert run_import(world["forbund"].id, None, csv_rows(50), "svar.csv").created == 50  # nothing blocks a retry


def test_pending_rows_of_another_import_conflict_and_stale_ones_are_removed(app, world):
    forbund_id = world["forbund"].id
    with import_writer.import_connection() as connection:
        from surveys.imports import parse
        from surveys.instruments import instrument

        parsed = parse(csv_rows(2), db.session.get(type(world["forbund"]), forbund_id), instrument())
        db.session.rollback()
        running = import_writer.new_batch_id()
        import_writer.write(connection, [(None, parsed.rows[0])], forbund_id=forbund_id, version="2026.1",
                            entered_by_id=None, batch=running)
        connection.commit()
    with pytest.raises(ImportRejected, match="En annan import sparar samma formulär"):
        run_import(forbund_id, None, csv_rows(2), "svar.csv")
    assert total() == 1 and visible() == 0  # the other import's pending row is untouched
    # The other import died an hour ago: its row is removed and the file imports.
    db.session.execute(Response.__table__.update().values(import_batch="0000000001-dead"))
    db.session.commit()
    assert run_import(forbund_id, None, csv_rows(2), "svar.csv").created == 2
    assert total() == 2 and visible() == 2


def test_rows_left_by_an_import_job_whose_worker_died_go_at_once(app, world):
    """An import job's batch is dead as soon as its job is: the file imports again at once (not an
    hour later), and the worker's housekeeping removes such rows too."""
    from surveys import jobs
    from surveys.imports import parse
    from surveys.instruments import instrument
    from surveys.job_models import Job

    forbund_id = world["forbund"].id
    job = jobs.create_job("import", forbund_id=forbund_id, user_id=None, params={"filename": "svar.csv"})
    job.status = "running"
    db.session.commit()

    def leave_pending_row(first=1):
        with import_writer.import_connection() as connection:
            parsed = parse(csv_rows(2, first), db.session.get(type(world["forbund"]), forbund_id), instrument())
            db.session.rollback()
            import_writer.write(connection, [(None, parsed.rows[0])], forbund_id=forbund_id, version="2026.1",
                                entered_by_id=None, batch=import_writer.new_batch_id(job.id))
            connection.commit()

    leave_pending_row()
    with pytest.raises(ImportRejected, match="En annan import sparar samma formulär"):
        run_import(forbund_id, None, csv_rows(2), "svar.csv")  # its job still runs: the rows are live
    db.session.execute(Job.__table__.update().values(status="failed"))  # the worker died (reap_stale)
    db.session.commit()
    assert run_import(forbund_id, None, csv_rows(2), "svar.csv").created == 2
    assert total() == 2 and visible() == 2

    db.session.execute(Job.__table__.update().values(status="running"))
    db.session.commit()
    leave_pending_row(first=10)
    db.session.execute(Job.__table__.update().values(status="failed"))
    db.session.commit()
    assert total() == 3
    jobs.housekeeping()
    assert total() == 2 and visible() == 2


# --- releases (spec D2) of an import --------------------------------------------------------


def released() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Response.id).where(Response.released.is_(True))))


def reads_of_pending_rows(monkeypatch) -> list[int]:
    """How many pending rows each read of a cell's releases returns (``releases._read``)."""
    from surveys import releases

    sizes: list[int] = []
    real = releases._read

    def counting(connection, cell, condition):
        out = real(connection, cell, condition)
        sizes.append(len(out[0]) + len(out[1]))
        return out

    monkeypatch.setattr(releases, "_read", counting)
    return sizes


def test_an_import_releases_its_rows_without_reading_them_back(app, world, monkeypatch):
    """The file's rows are released as they become visible, decided on the file alone: the
    release reads only what the cell had pending, so its lock is short whatever the file's size."""
    monkeypatch.setattr(import_store, "BATCH_ROWS", 40)
    sizes = reads_of_pending_rows(monkeypatch)
    run_import(world["forbund"].id, None, csv_rows(100), "svar.csv")
    assert len(released()) == 100
    assert sizes == [0]  # one cell, nothing else pending: not one of the file's 100 rows read back


def test_pending_web_answers_are_released_with_an_import(app, world):
    for _ in range(3):
        outcome: dict = {}
        submit_as_respondent(app, world["token"], outcome)
        assert outcome["status"] == 303
    assert released() == set()  # 3 < k: pending
    run_import(world["forbund"].id, None, csv_rows(10), "svar.csv")
    assert len(released()) == 13  # one release: the three web answers joined the file's ten


def test_a_row_the_file_cannot_release_alone_waits(app, world):
    """Ten forms answer DP01; one also answers DP02, which would then have an n of 1: that form
    is held back (and stays pending), the other nine are released."""
    lines = ["formular;questionnaire;insats;date;DP01;DP02"]
    lines += [f"{n};DP;Steg för steg;2026-01-15;4;{'3' if n == 1 else ''}" for n in range(1, 11)]
    run_import(world["forbund"].id, None, ("\n".join(lines) + "\n").encode(), "svar.csv")
    held = db.session.scalar(select(Response.id).where(Response.form_number == "1"))
    shown = released()
    assert len(shown) == 9 and held not in shown
    assert db.session.scalar(select(func.count()).select_from(Answer).where(
        Answer.response_id.in_(shown), Answer.item_id == "DP02", Answer.value.is_not(None))) == 0


def test_rows_of_a_year_that_closes_while_the_import_runs_are_not_released(app, world, monkeypatch):
    """The release is decided before writing; if 31 October ends meanwhile, the year is final."""
    from surveys import releases

    app.config["FIXED_TODAY"] = "2026-10-31"
    target = "publish" if sqlite() else "write"
    real = getattr(import_writer, target)

    def at_midnight(*args, **kwargs):
        app.config["FIXED_TODAY"] = "2026-11-01"
        return real(*args, **kwargs)

    monkeypatch.setattr(import_writer, target, at_midnight)
    text = "\n".join([HEADER] + [f"{n};DP;Steg för steg;2026-10-20;4;" for n in range(1, 11)]) + "\n"
    assert run_import(world["forbund"].id, None, text.encode(), "svar.csv").created == 10
    assert releases.year_closed(2026)
    assert visible() == 10 and released() == set()


def test_a_batch_partly_removed_before_it_is_published_is_refused_whole(app, world, monkeypatch):
    """SQLite: another import took the batch for a dead one and removed part of it; publishing
    the rest would release part of what was decided on the whole file."""
    if not sqlite():
        pytest.skip("the batch is written in steps on SQLite only")
    real = import_writer.publish

    def part_removed_first(connection, ids, batch, released=frozenset()):
        import_writer.discard(connection, ids[:6])  # what another import's discard_stale would do
        return real(connection, ids, batch, released)

    monkeypatch.setattr(import_writer, "publish", part_removed_first)
    with pytest.raises(ImportRejected):
        run_import(world["forbund"].id, None, csv_rows(10), "svar.csv")
    assert total() == 0 and total(Answer) == 0 and released() == set()
    monkeypatch.setattr(import_writer, "publish", real)
    assert run_import(world["forbund"].id, None, csv_rows(10), "svar.csv").created == 10  # a retry works


def test_discarding_a_published_import_leaves_its_answers(app, world):
    """A reaper that read a batch as stale just before it was published removes nothing of it."""
    run_import(world["forbund"].id, None, csv_rows(10), "svar.csv")
    ids = sorted(db.session.scalars(select(Response.id)))
    answers = total(Answer)
    db.session.rollback()
    with import_writer.import_connection() as connection:
        import_writer.discard(connection, ids)
    assert total() == 10 and total(Answer) == answers > 0
