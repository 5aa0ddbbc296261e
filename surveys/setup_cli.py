"""Scripted set-up: ``flask create-forbund``, ``flask create-insats`` and ``flask create-user``.

Each command validates everything before it commits, so a refused command leaves nothing behind.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import accounts
from .errors import ServiceError
from .extensions import db
from .models import ROLES, Insats


def _fail(exc: ValueError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(exc))


def register(app: Flask) -> None:
    @app.cli.command("create-forbund")
    @click.argument("slug")
    @click.argument("name")
    def create_forbund_command(slug: str, name: str) -> None:
        """Create a förbund: SLUG is its short name in URLs and commands, NAME its full name."""
        try:
            forbund = accounts.create_forbund(slug, name)
        except ValueError as exc:
            raise _fail(exc) from None
        db.session.commit()
        click.echo(f"Förbundet {forbund.name} ({forbund.slug}) är skapat.")

    @app.cli.command("create-insats")
    @click.option("--forbund", "slug", required=True, help="The förbund's short name (slug).")
    @click.argument("name")
    def create_insats_command(slug: str, name: str) -> None:
        """Create an insats NAME in a förbund."""
        try:
            forbund = accounts.forbund_by_slug(slug)
            insats = accounts.create_insats(forbund, name)
        except ValueError as exc:
            raise _fail(exc) from None
        db.session.commit()
        click.echo(f"Insatsen {insats.name} är skapad i {forbund.name}.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(ROLES), help="admin, officer (förbundskansli) or staff.")
    @click.option("--forbund", "slug", help="The förbund of an officer or staff member (slug).")
    @click.option("--insats", "insats_names", multiple=True, help="An insats of a staff member (repeat for several).")
    @click.option("--name", default="", help="Full name shown in the interface.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
    def create_user_command(username: str, role: str, slug: str | None, insats_names: tuple[str, ...], name: str,
                            password_stdin: bool) -> None:
        """Create a user account. The password is asked for (hidden) unless --password-stdin is given."""
        try:
            forbund = accounts.forbund_by_slug(slug) if slug else None
            insatser = [_insats_by_name(forbund, n) for n in insats_names]
        except ValueError as exc:
            raise _fail(exc) from None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet")
        try:
            user = accounts.create_user(username, role, password, forbund=forbund, insatser=insatser, name=name)
        except ValueError as exc:
            raise _fail(exc) from None
        db.session.commit()
        where = f" i {forbund.name}" if forbund else ""
        click.echo(f"Användaren {user.username} ({user.role}){where} är skapad.")


def _insats_by_name(forbund, name: str) -> Insats:
    if forbund is None:
        raise ServiceError("insats", _l("Ange --forbund för att välja insatser."))
    insats = db.session.scalar(select(Insats).where(Insats.forbund_id == forbund.id, Insats.name == name.strip()))
    if insats is None:
        raise ServiceError("insats", _l("%(slug)s har ingen insats som heter %(name)s.", slug=forbund.slug, name=repr(name)))
    return insats
