"""Storing questionnaire responses: validation against the instrument, idempotency, codes.

These functions flush but never commit: the request (or CLI command) commits once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    false,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from indicators.catalogue import VALID_CODES, Questionnaire, measurement_year

from . import precompiled, sqlite_writer
from .extensions import db
from .link_cache import LinkView
from .models import AccessCode, Answer, BackgroundAnswer, FreeText, Response, SurveyLink, random_id
from .privacy import mask_personal_data
from .releases import refresh_cell

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class LinkChanged(Exception):
    """The link was closed or changed after the caller read it: read it again and start over."""


class SubmissionError(ValueError):
    """A submission that must be refused; ``errors`` maps a field id to a readable message."""

    def __init__(self, errors: Mapping[str, object]):  # field id -> lazy gettext string
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass
class Submission:
    """A parsed questionnaire: item id -> code (None for "Vet ej"); unanswered items absent."""

    answers: dict[str, int | None] = field(default_factory=dict)
    background: dict[str, str] = field(default_factory=dict)
    free_text: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not self.answers and not any(t.strip() for t in self.free_text.values())


def hash_code(code: str) -> str:
    normalised = re.sub(r"[\s-]", "", code).upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def validate_submission(q: Questionnaire, sub: Submission, max_text: int) -> None:
    """Refuse anything the instrument does not allow; raise SubmissionError naming each field."""
    errors: dict[str, object] = {}
    items = set(q.item_ids)
    for item_id, value in sub.answers.items():
        if item_id not in items:
            errors[item_id] = _l("Frågan %(id)s hör inte till formuläret.", id=item_id)
        elif value is not None and (isinstance(value, bool) or value not in VALID_CODES):
            errors[item_id] = _l("Svaret måste vara ett av svarsalternativen.")
    bg = {b.id: b for b in q.background}
    for qid, value in sub.background.items():
        if qid not in bg:
            errors[qid] = _l("Bakgrundsfrågan %(id)s hör inte till formuläret.", id=qid)
        elif value not in bg[qid].options:
            errors[qid] = _l("Svaret måste vara ett av svarsalternativen.")
    ft = {f.id for f in q.free_text}
    for qid, text in sub.free_text.items():
        if qid not in ft:
            errors[qid] = _l("Fritextfrågan %(id)s hör inte till formuläret.", id=qid)
        elif len(text) > max_text:
            errors[qid] = _l("Svaret får vara högst %(max)d tecken långt.", max=max_text)
    if not errors and sub.is_empty():
        errors["form"] = _l("Du har inte svarat på någon fråga. Svara på minst en fråga innan du skickar.")
    if errors:
        raise SubmissionError(errors)


def submit_response(**kwargs) -> tuple[Response, bool]:
    """:func:`store_response`, returning the stored (or earlier) response as an object."""
    response_id, created = store_response(**kwargs)
    return db.session.get(Response, response_id), created


def store_response(
    *,
    forbund_id: int,
    questionnaire: Questionnaire,
    instrument_version: str,
    submission: Submission,
    submission_key: str,
    submitted_on: dt.date,
    max_text: int,
    link: SurveyLink | LinkView | None = None,
    insats_id: int | None = None,
    channel: str = "web",
    entered_by_id: int | None = None,
    access_code: str | None = None,
    recheck_link: bool = False,
) -> tuple[str, bool]:
    """Store one response with its answers, or find the one stored under the same key.

    Returns ``(response id, created)``. A repeated submission key (double click, refresh,
    back-and-resubmit) never stores a second response: the database enforces the key's
    uniqueness, the insert skips a key that is already there (``ON CONFLICT DO NOTHING``, so a
    lost race waits for the winner instead of failing), and a repeat is answered with the stored
    response if it carries the same answers and refused otherwise. On a SubmissionError the
    caller rolls back.

    ``recheck_link``: ``link`` is a view read a moment ago (``surveys.link_cache``), not in this
    transaction. The insert itself then checks that the link is still open on ``submitted_on``
    and still as read (förbund, insats, questionnaire, version, code or not), in the same
    statement, and raises LinkChanged when it is not: the caller rolls back and starts over
    with the link read afresh. A closed link never takes an answer, and a submission costs no
    separate read of its link.
    """
    if not SUBMISSION_KEY.match(submission_key or ""):
        raise SubmissionError({"form": _l("Formuläret saknar giltig inlämningsnyckel. Ladda om sidan och försök igen.")})
    uses_code = link is not None and link.requires_code
    if uses_code:
        # A repeat must not spend a second code: look for it before the code is used.
        existing = repeat_of(submission_key, questionnaire, submission, link)
        if existing is not None:
            return existing, False
    try:
        validate_submission(questionnaire, submission, max_text)
    except SubmissionError:
        # A repeat is judged against what was stored (same answers or "already received").
        existing = repeat_of(submission_key, questionnaire, submission, link)
        if existing is None:
            raise
        return existing, False
    sqlite_writer.queue_for_writer(db.session)  # SQLite: wait for the single writer in the kernel
    if uses_code:
        try:
            _use_access_code(link, access_code)
        except SubmissionError:
            # A double click: the other request may have spent the code on this very submission
            # meanwhile (it was not stored yet when looked for above). Then it is a repeat.
            existing = repeat_of(submission_key, questionnaire, submission, link)
            if existing is None:
                raise
            return existing, False

    response_id = random_id()
    year = measurement_year(submitted_on)
    params = {
        "id": response_id, "submission_key": submission_key, "link_id": link.id if link else None,
        "forbund_id": forbund_id, "insats_id": insats_id, "questionnaire": questionnaire.code,
        "instrument_version": instrument_version, "measurement_year": year, "submitted_on": submitted_on,
        "channel": channel, "entered_by_id": entered_by_id, "withdrawn": False, "released": False,
        "withdrawal_released": False, "form_number": None, "import_batch": None,
    }
    checked = recheck_link and link is not None
    if checked:
        params["requires_code"] = bool(link.requires_code)
    inserted = precompiled.execute(db.session.connection(), "response-insert-if-open" if checked else "response-insert",
                                   _insert_response_if_open if checked else _insert_response, params,
                                   rowcount=True).rowcount
    if inserted != 1:
        # The key is stored already (a repeat, or another request just stored it) or, when
        # rechecked, the link is closed or changed.
        existing = repeat_of(submission_key, questionnaire, submission, link)
        if existing is None:
            if checked:
                raise LinkChanged()
            raise RuntimeError("submission key conflict without a stored response")  # pragma: no cover
        return existing, False
    _insert_answers(response_id, questionnaire, submission)
    refresh_cell(forbund_id, insats_id, questionnaire.code, year)
    return response_id, True


#: Every column of a response row, as both inserts write them.
RESPONSE_COLUMNS = ("id", "submission_key", "link_id", "forbund_id", "insats_id", "questionnaire",
                    "instrument_version", "measurement_year", "submitted_on", "channel", "entered_by_id", "withdrawn",
                    "released", "withdrawal_released", "form_number", "import_batch")


def _insert_skipping_key(dialect, rows):
    """INSERT ``rows`` (a VALUES mapping or a SELECT) into response ... ON CONFLICT
    (submission_key) DO NOTHING: only a conflict on the key is skipped, any other constraint
    still fails the statement. SQLite and PostgreSQL spell it alike, through their own dialect."""
    dialect_insert = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
    table = Response.__table__
    stmt = dialect_insert(table)
    stmt = stmt.values(rows) if isinstance(rows, dict) else stmt.from_select(RESPONSE_COLUMNS, rows)
    return stmt.on_conflict_do_nothing(index_elements=[table.c.submission_key])


def _insert_response(dialect):
    return _insert_skipping_key(dialect, {c: bindparam(c) for c in RESPONSE_COLUMNS})


def _insert_response_if_open(dialect):
    """As :func:`_insert_response`, the link's columns taken from its row, and only if the link
    is open on ``submitted_on`` and still as the caller read it (else no row)."""
    link = SurveyLink.__table__.c
    on = bindparam("submitted_on", type_=Date)
    insats = bindparam("insats_id", type_=Integer)
    row = select(
        bindparam("id", type_=String), bindparam("submission_key", type_=String), link.id, link.forbund_id,
        link.insats_id, link.questionnaire, link.instrument_version, bindparam("measurement_year", type_=Integer), on,
        bindparam("channel", type_=String), bindparam("entered_by_id", type_=Integer), false(), false(), false(),
        null(), null(),
    ).where(
        link.id == bindparam("link_id", type_=Integer), link.active.is_(true()), link.opens_on <= on,
        link.closes_on >= on, link.requires_code == bindparam("requires_code", type_=Boolean),
        link.forbund_id == bindparam("forbund_id", type_=Integer),
        link.questionnaire == bindparam("questionnaire", type_=String),
        link.instrument_version == bindparam("instrument_version", type_=String),
        or_(link.insats_id == insats, and_(link.insats_id.is_(None), insats.is_(None))),
    )
    return _insert_skipping_key(dialect, row)


ALREADY_RECEIVED = _l("Dina svar är redan mottagna. Svar kan inte ändras efter att de har skickats.")


def repeat_of(submission_key: str, questionnaire: Questionnaire, submission: Submission,
               link: SurveyLink | LinkView | None) -> str | None:
    """The id of the response stored under ``submission_key``, or None if there is none.

    A repeated key is a double click or a refresh only if it carries the same answers; the same
    key with different answers is refused (``received``), so a sent answer is never silently
    kept while the respondent believes the new one was. Read as plain rows (a double click is
    as common as any submission).
    """
    connection = db.session.connection()
    stored = precompiled.execute(connection, "response-by-key", _by_key_row, {"key": submission_key}).first()
    if stored is None:
        return None
    response_id, stored_questionnaire, stored_link = stored
    kept: dict[str, dict] = {"answer": {}, "background": {}, "free_text": {}}
    for kind, question, value in precompiled.execute(connection, "stored-answers", _stored_answers,
                                                     {"rid": response_id}):
        kept[kind][question] = value
    same = (
        stored_questionnaire == questionnaire.code
        and stored_link == (link.id if link else stored_link)
        and {k: None if v is None else int(v) for k, v in kept["answer"].items()} == dict(submission.answers)
        and kept["background"] == dict(submission.background)
        and kept["free_text"]
        == {k: mask_personal_data(v.strip()) for k, v in submission.free_text.items() if v.strip()}
    )
    if not same:
        raise SubmissionError({"received": ALREADY_RECEIVED})
    return response_id


def _by_key_row(_dialect):
    return select(Response.id, Response.questionnaire, Response.link_id).where(
        Response.submission_key == bindparam("key"))


def _stored_answers(_dialect):
    """Every stored answer of one response as (kind, question, value) rows, in one query."""
    return union_all(
        select(literal_column("'answer'"), Answer.item_id, cast(Answer.value, String)).where(
            Answer.response_id == bindparam("rid")),
        select(literal_column("'background'"), BackgroundAnswer.question_id, BackgroundAnswer.value).where(
            BackgroundAnswer.response_id == bindparam("rid")),
        select(literal_column("'free_text'"), FreeText.question_id, FreeText.text).where(
            FreeText.response_id == bindparam("rid")),
    )


def _insert_answers(response_id: str, questionnaire: Questionnaire, submission: Submission) -> None:
    """Store the answers of a stored response with one multi-row INSERT per table.

    A Core INSERT ... VALUES (...), (...): the ORM's bulk insert would split the rows into one
    statement per run of "Vet ej" (NULL) and non-NULL values.
    """
    order = {item_id: i for i, item_id in enumerate(questionnaire.item_ids)}
    answers = [
        {"response_id": response_id, "item_id": item_id, "value": value}
        for item_id, value in sorted(submission.answers.items(), key=lambda kv: order[kv[0]])
    ]
    background = [{"response_id": response_id, "question_id": k, "value": v} for k, v in submission.background.items()]
    free_texts = [
        {"response_id": response_id, "question_id": k, "text": mask_personal_data(v.strip())}
        for k, v in submission.free_text.items()
        if v.strip()
    ]
    connection = db.session.connection()
    for model, rows in ((Answer, answers), (BackgroundAnswer, background), (FreeText, free_texts)):
        if rows:
            table, columns = model.__table__, tuple(rows[0])
            params = {f"{column}_{n}": row[column] for n, row in enumerate(rows) for column in columns}
            # Compiled once per (table, columns, row count): SQLAlchemy does not cache the compiled
            # form of a multi-row VALUES statement, and compiling it took longer than running it.
            precompiled.execute(connection, ("insert", table.name, columns, len(rows)),
                                _values_insert(table, columns, len(rows)), params)


def _values_insert(table, columns: tuple[str, ...], count: int):
    """INSERT INTO table (columns) VALUES (...), ... with ``count`` rows of parameters column_n."""
    return lambda _dialect: insert(table).values(
        [{column: bindparam(f"{column}_{n}") for column in columns} for n in range(count)])


def _use_access_code(link: SurveyLink | LinkView, code: str | None) -> None:
    """Spend a single-use code; the response keeps no reference to it."""
    if not code or not code.strip():
        raise SubmissionError({"code": _l("Skriv in koden du har fått.")})
    result = db.session.execute(
        update(AccessCode)
        .where(AccessCode.link_id == link.id, AccessCode.code_hash == hash_code(code), AccessCode.used.is_(False))
        .values(used=True)
    )
    if result.rowcount != 1:
        raise SubmissionError({"code": _l("Koden är inte giltig eller har redan använts.")})
