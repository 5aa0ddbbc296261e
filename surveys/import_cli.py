"""``flask import-responses``: batch import of paper answers from a CSV file."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .imports import MAX_BYTES, ImportRejected, import_responses
from .instruments import instrument
from .models import Forbund


def register(app: Flask) -> None:
    @app.cli.command("import-responses")
    @click.option("--forbund", "slug", required=True, help="The förbund's short name (slug).")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_responses_command(slug: str, path: Path) -> None:
        """Import paper answers from a CSV file: all rows or, if any row is bad, none."""
        forbund = db.session.scalar(select(Forbund).where(Forbund.slug == slug))
        if forbund is None:
            raise click.ClickException(f"Det finns inget förbund med kortnamnet {slug!r}.")
        if path.stat().st_size > MAX_BYTES:
            raise click.ClickException(f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB). Inget importerades.")
        try:
            result = import_responses(forbund, path.read_bytes(), instrument(), entered_by_id=None, source=path.name)
        except ImportRejected as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc} Inget importerades.") from None
        db.session.commit()
        click.echo(
            f"{result.rows} formulär i filen: {result.created} nya sparade, "
            f"{result.existing} fanns redan (importerade tidigare)."
        )
