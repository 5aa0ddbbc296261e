"""``flask results`` (results as JSON) and ``flask import-references`` (riket from a CSV file)."""

from __future__ import annotations

import json

import click
from flask import Flask
from sqlalchemy import select

from indicators.catalogue import GROUP_CODES

from . import audit
from .extensions import db
from .models import Forbund, Insats
from .references import ReferenceImportError, import_references
from .results import REFERENCE_KINDS, ResultRequest, build_result_set


def register(app: Flask) -> None:
    @app.cli.command("results")
    @click.option("--forbund", "slug", required=True, help="Förbundets kortnamn (slug).")
    @click.option("--year", "years", type=int, multiple=True, required=True, help="Mätår; kan anges flera gånger.")
    @click.option("--insats", "insats_name", default=None, help="Insatsens namn (utelämna för hela förbundet).")
    @click.option("--group", "groups", type=click.Choice(GROUP_CODES), multiple=True, help="Svarsgrupp (standard: alla).")
    @click.option("--reference", type=click.Choice(REFERENCE_KINDS), default="computed", show_default=True)
    @click.option("--reference-source", default=None, help="Källa för importerade riksvärden (standard: senaste).")
    @click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
    def results_command(slug, years, insats_name, groups, reference, reference_source, fmt) -> None:
        """Print a förbund's (or one insats's) results as JSON."""
        forbund = db.session.scalar(select(Forbund).where(Forbund.slug == slug))
        if forbund is None:
            raise click.BadParameter(f"inget förbund med kortnamnet {slug!r}", param_hint="--forbund")
        insats = None
        if insats_name is not None:
            insats = db.session.scalar(select(Insats).where(Insats.forbund_id == forbund.id, Insats.name == insats_name))
            if insats is None:
                raise click.BadParameter(f"förbundet har ingen insats {insats_name!r}", param_hint="--insats")
        request = ResultRequest(forbund=forbund, years=tuple(years), groups=tuple(groups) or GROUP_CODES,
                                insats=insats, reference=reference, reference_source=reference_source)
        output = json.dumps(build_result_set(request).to_json_dict(), ensure_ascii=False, indent=2)
        audit.record("results.export", f"resultat {','.join(map(str, years))}",
                     f"kommandorad; insats={insats.name if insats else '-'} format={fmt}", forbund_id=forbund.id)
        db.session.commit()
        click.echo(output)

    @app.cli.command("import-references")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_references_command(path: str) -> None:
        """Import national reference values (riket) from a CSV file."""
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            summary = import_references(data, filename=path)
        except ReferenceImportError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        for (year, source), count in sorted(summary.items()):
            click.echo(f"{year}  {source}: {count} rader importerade")
