"""``flask demo``: a demo installation with four förbund and synthetic answers.

Four förbund so that a computed riket is visible: it needs three förbund other than the
viewer's own, each with at least k answers (spec D3). The answers are released as they are
created (each leaf cell in releases of at least k, see ``surveys.releases``).

Everything it creates is marked as demo data (``Forbund.is_demo``) and every page that shows it
says so. The answers are random but reproducible (a fixed seed).
"""

from __future__ import annotations

import datetime as dt
import os
import random

import click
import pyotp
from flask import Flask, current_app
from sqlalchemy import and_, insert, or_, select
from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from werkzeug.security import generate_password_hash

from indicators.catalogue import GROUP_CODES

from .clock import today
from .extensions import db
from .instruments import instrument
from .models import (
    AccessCode,
    Answer,
    AuditEvent,
    BackgroundAnswer,
    EconomicValue,
    Forbund,
    FreeText,
    Insats,
    ReferenceValue,
    Response,
    SupportCount,
    SurveyLink,
    User,
    random_id,
    user_insats,
)
from .references import create_demo_references
from .releases import refresh_cell
from .responses import hash_code

DEMO_YEARS = (2020, 2022, 2024)
DEMO_FORBUND = (
    ("demo-alvdal", "Samordningsförbundet Älvdalen (demo)", ("Steg för steg", "Unga vuxna", "Hälsokraft")),
    ("demo-skogsbygd", "Samordningsförbundet Skogsbygden (demo)", ("Vägen vidare", "Arbetslivsporten", "Motivationslotsen")),
    ("demo-kust", "Samordningsförbundet Kustlandet (demo)", ("Språngbrädan", "Samverkansteamet", "Nya banor")),
    ("demo-fjall", "Samordningsförbundet Fjällbygden (demo)", ("Nystart", "Framåt")),
)
#: Responses per year: per insats for DP, DA, PE; per förbund for CH, ST.
DEMO_COUNTS = {"DP": 14, "DA": 9, "PE": 6, "CH": 8, "ST": 7}
DEMO_PASSWORD = "demo-losen-2024"
DEMO_CODES = 10
DEMO_ADMIN_NAME = "Demo Admin"


def measurement_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 11, 1), dt.date(year, 10, 31)


def build_demo(seed: int = 2024) -> dict:
    """Create the demo installation and return what to print (URLs, logins)."""
    rng = random.Random(seed)
    inst = instrument()
    start, end = measurement_period(_current_year())
    out = {"links": [], "users": [], "codes": []}

    # Admins need a second factor (REQUIRE_2FA_ROLES): the demo admin gets one, printed by the command.
    admin = User(username="admin", name=DEMO_ADMIN_NAME, role="admin", password_hash=generate_password_hash(DEMO_PASSWORD),
                 totp_secret=pyotp.random_base32())
    db.session.add(admin)
    out["users"].append(("admin", "admin", None))

    for f_index, (slug, name, insats_names) in enumerate(DEMO_FORBUND):
        forbund = Forbund(slug=slug, name=name, is_demo=True)
        db.session.add(forbund)
        insatser = [Insats(name=n, forbund=forbund) for n in insats_names]
        db.session.add_all(insatser)
        short = slug.removeprefix("demo-")
        officer = User(username=f"kansli-{short}", name=f"Kansliet {name}", role="officer", forbund=forbund,
                       password_hash=generate_password_hash(DEMO_PASSWORD))
        staff = User(username=f"personal-{short}", name=f"Personal {insats_names[0]}", role="staff", forbund=forbund,
                     password_hash=generate_password_hash(DEMO_PASSWORD), insatser=insatser[:2])
        db.session.add_all([officer, staff])
        out["users"] += [(officer.username, "officer", slug), (staff.username, "staff", slug)]
        db.session.flush()

        for code in GROUP_CODES:
            q = inst.questionnaires[code]
            targets = insatser if q.about == "insats" else [None]
            for insats in targets:
                link = SurveyLink(
                    forbund_id=forbund.id, insats_id=insats.id if insats else None, questionnaire=code,
                    instrument_version=inst.version, opens_on=start, closes_on=end,
                    label=f"{q.name['sv']} – {insats.name if insats else name}",
                    requires_code=(code == "ST"),
                )
                db.session.add(link)
                db.session.flush()
                out["links"].append((slug, code, insats.name if insats else "", link.token))
                if link.requires_code:
                    for _ in range(DEMO_CODES):
                        plain = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
                        db.session.add(AccessCode(link_id=link.id, code_hash=hash_code(plain)))
                        out["codes"].append((slug, plain))
                for year in DEMO_YEARS:
                    _add_answers(rng, inst, q, forbund, insats, year, f_index)
    db.session.flush()
    create_demo_references()
    return out


def remove_demo() -> dict[str, int]:
    """Delete every demo förbund with its users, links, codes, answers and local figures, the demo
    admin and the demo reference rows (riket). Flushes only: the caller commits once, so it all goes
    or nothing does. Returns the deleted row counts by kind."""
    forbund_ids = list(db.session.scalars(select(Forbund.id).where(Forbund.is_demo.is_(True))))
    user_ids = list(db.session.scalars(select(User.id).where(
        or_(User.forbund_id.in_(forbund_ids), and_(User.username == "admin", User.name == DEMO_ADMIN_NAME)))))
    link_ids = select(SurveyLink.id).where(SurveyLink.forbund_id.in_(forbund_ids))
    response_ids = select(Response.id).where(Response.forbund_id.in_(forbund_ids))
    counts: dict[str, int] = {}

    def delete(kind: str, stmt) -> None:
        counts[kind] = counts.get(kind, 0) + (db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0)

    for model in (Answer, BackgroundAnswer, FreeText):
        delete("answers", sa_delete(model).where(model.response_id.in_(response_ids)))
    delete("responses", sa_delete(Response).where(Response.forbund_id.in_(forbund_ids)))
    delete("codes", sa_delete(AccessCode).where(AccessCode.link_id.in_(link_ids)))
    delete("links", sa_delete(SurveyLink).where(SurveyLink.forbund_id.in_(forbund_ids)))
    for model in (SupportCount, EconomicValue):
        delete("local figures", sa_delete(model).where(model.forbund_id.in_(forbund_ids)))
    delete("audit events", sa_delete(AuditEvent).where(
        or_(AuditEvent.forbund_id.in_(forbund_ids), AuditEvent.user_id.in_(user_ids))))
    # What real users did with a demo user's help keeps its rows, without the demo user.
    db.session.execute(sa_update(Response).where(Response.entered_by_id.in_(user_ids)).values(entered_by_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa_update(SurveyLink).where(SurveyLink.created_by_id.in_(user_ids)).values(created_by_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa_delete(user_insats).where(user_insats.c.user_id.in_(user_ids)))
    delete("users", sa_delete(User).where(User.id.in_(user_ids)))
    delete("insatser", sa_delete(Insats).where(Insats.forbund_id.in_(forbund_ids)))
    delete("förbund", sa_delete(Forbund).where(Forbund.id.in_(forbund_ids)))
    delete("reference rows", sa_delete(ReferenceValue).where(ReferenceValue.is_demo.is_(True)))
    db.session.flush()
    db.session.expire_all()  # objects loaded before may be among the deleted rows
    return counts


def _current_year() -> int:
    from indicators.catalogue import measurement_year

    return measurement_year(today())


def _add_answers(rng: random.Random, inst, q, forbund: Forbund, insats: Insats | None, year: int, f_index: int) -> None:
    """Synthetic answers: a latent level per förbund, year and item, with noise and some "Vet ej"."""
    start, end = measurement_period(year)
    span = (end - start).days
    level = 4.0 + 0.35 * f_index + 0.15 * DEMO_YEARS.index(year) + (0.3 if insats and insats.name.startswith(("Steg", "Vägen")) else 0)
    item_shift = {item.id: rng.uniform(-0.8, 0.6) for item in q.items}
    responses, answers, background = [], [], []
    for _ in range(DEMO_COUNTS[q.code]):
        day = start + dt.timedelta(days=rng.randrange(span + 1))
        key = f"demo-{rng.getrandbits(96):024x}"
        response_id = random_id()
        responses.append({
            "id": response_id, "submission_key": key, "forbund_id": forbund.id,
            "insats_id": insats.id if insats else None, "questionnaire": q.code, "instrument_version": inst.version,
            "measurement_year": year, "submitted_on": day, "channel": rng.choice(("web", "web", "web", "paper")),
        })
        person = rng.gauss(0, 0.6)
        for item in q.items:
            roll = rng.random()
            if roll < 0.03:
                continue  # unanswered
            value = None if roll < 0.08 else min(6, max(1, round(rng.gauss(level + item_shift[item.id] + person, 1.0))))
            answers.append({"response_id": response_id, "item_id": item.id, "value": value})
        for bg in q.background:
            if rng.random() < 0.9:
                background.append({"response_id": response_id, "question_id": bg.id, "value": rng.choice(bg.options)})
    # Core inserts (one executemany per table): the ORM's unit of work took seconds for the
    # demo's thousand-odd responses. Column defaults (released, withdrawn ...) apply as usual.
    for table, rows in ((Response.__table__, responses), (Answer.__table__, answers),
                        (BackgroundAnswer.__table__, background)):
        if rows:
            db.session.execute(insert(table), rows)
    refresh_cell(forbund.id, insats.id if insats else None, q.code, year, allow_closed=True)


def register(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--remove", is_flag=True,
                  help="Delete every demo förbund, user, link, answer and reference row (one transaction).")
    @click.option("--base-url", default=None,
                  help="Address the app is served at [default: http://FLASK_RUN_HOST:FLASK_RUN_PORT, "
                       "127.0.0.1:5000 when unset].")
    def demo_command(remove: bool, base_url: str | None) -> None:
        """Build a demo installation (four förbund, synthetic answers 2020, 2022, 2024)."""
        if remove:
            counts = remove_demo()
            db.session.commit()
            click.echo("Demodata borttagen: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + ".")
            current_app.logger.info("demo data removed")
            return
        base_url = (base_url or served_at()).rstrip("/")
        if db.session.scalar(select(Forbund).where(Forbund.is_demo.is_(True)).limit(1)) is not None:
            click.echo(f"Demodata finns redan. Logga in med användarna nedan (lösenord: {DEMO_PASSWORD}).")
            for user in db.session.scalars(select(User).order_by(User.id)):
                click.echo(f"  {user.username:<24} {user.role}")
            _print_second_factor()
            _print_links(base_url)
            return
        out = build_demo()
        db.session.commit()
        click.echo("Demoinstallation skapad (DEMODATA – påhittade svar, inga officiella siffror).")
        click.echo(f"\nInloggningar (lösenord för alla: {DEMO_PASSWORD}):  {base_url}/login")
        for username, role, slug in out["users"]:
            click.echo(f"  {username:<24} {role:<8} {slug or ''}")
        _print_second_factor()
        _print_links(base_url)
        click.echo("\nEngångskoder för styrelseenkäten (ST), några per förbund:")
        for slug, code in out["codes"][:: DEMO_CODES // 3]:
            click.echo(f"  {slug:<16} {code}")
        current_app.logger.info("demo data created")


def _print_second_factor() -> None:
    """The demo admin's TOTP key: add it to an authenticator app, or compute a code with pyotp."""
    secret = db.session.scalar(select(User.totp_secret).where(User.username == "admin"))
    if not secret:
        return
    click.echo(f"\nAdmin loggar in med en andra faktor (TOTP). Nyckel för autentiseringsappen: {secret}")
    click.echo(f"  eller: python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\"")


def served_at() -> str:
    """The address ``flask run`` serves at, from the variables it reads itself."""
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # every interface: the local one is a link that opens
    if ":" in host:
        host = f"[{host}]"
    port = os.environ.get("FLASK_RUN_PORT") or "5000"
    return f"http://{host}:{port}"


def _print_links(base_url: str) -> None:
    click.echo("\nEnkätlänkar:")
    rows = db.session.execute(
        select(Forbund.slug, SurveyLink.questionnaire, Insats.name, SurveyLink.token, SurveyLink.requires_code)
        .join(Forbund, SurveyLink.forbund_id == Forbund.id)
        .outerjoin(Insats, SurveyLink.insats_id == Insats.id)
        .where(Forbund.is_demo.is_(True))
        .order_by(Forbund.slug, SurveyLink.id)
    )
    for slug, code, insats, token, requires_code in rows:
        extra = " (kräver engångskod)" if requires_code else ""
        click.echo(f"  {slug:<16} {code}  {(insats or '–'):<20} {base_url}/s/{token}{extra}")
