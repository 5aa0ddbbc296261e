"""``flask import-responses``: batch import of paper answers from an XLSX or CSV file."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .import_store import import_warnings, run_import, summary_text
from .imports import MAX_BYTES, ImportRejected
from .models import Forbund


def register(app: Flask) -> None:
    @app.cli.command("import-responses")
    @click.option("--forbund", "slug", required=True, help="The förbund's short name (slug).")
    @click.option("--timing", is_flag=True, help="Print how long the import took.")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_responses_command(slug: str, path: Path, timing: bool) -> None:
        """Import paper answers from an XLSX or CSV file: all rows or, if any row is bad, none."""
        forbund = db.session.scalar(select(Forbund).where(Forbund.slug == slug))
        if forbund is None:
            raise click.ClickException(f"Det finns inget förbund med kortnamnet {slug!r}.")
        if path.stat().st_size > MAX_BYTES:
            raise click.ClickException(f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB). Inget importerades.")
        started = time.perf_counter()
        try:
            result = run_import(forbund.id, None, path.read_bytes(), path.name)
        except ImportRejected as exc:
            raise click.ClickException(f"Filen importerades inte:\n{exc}\nInget importerades.") from None
        click.echo(summary_text(result))
        for warning in import_warnings(result):
            click.echo(f"Obs! {warning}", err=True)
        if timing:
            click.echo(f"Tid: {time.perf_counter() - started:.2f} s", err=True)
