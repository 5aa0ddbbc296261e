"""``flask report``: the appendix PDF and DOCX, XLSX, CSVs and charts of a förbund and year, into a folder."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from . import audit
from .extensions import db
from .models import Forbund
from .reports import CHART_FORMATS, REFERENCES, ReportOptions, write_report_files

#: The steps write_report_files reports, for the progress bar.
STEPS = ("results", "charts", "pdf", "docx", "tables", "zip", "files")


def register(app: Flask) -> None:
    @app.cli.command("report")
    @click.option("--forbund", "slug", required=True, help="Förbundets kortnamn (slug).")
    @click.option("--year", type=int, required=True, help="Mätår, t.ex. 2024.")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Mapp att skriva filerna i.")
    @click.option("--reference", type=click.Choice(REFERENCES), default="computed", show_default=True,
                  help="Jämförelse med riket.")
    @click.option("--format", "chart_format", type=click.Choice(CHART_FORMATS), default="png300", show_default=True,
                  help="Format för diagrammen (png300 för tryck, png för skärm, svg, pdf).")
    @click.option("--decimal", type=click.Choice(("comma", "point")), default=None,
                  help="Decimaltecken i CSV-filerna: comma (4,22; standard på svenska) eller point (4.22; "
                       "standard på engelska). Fälten skiljs alltid med semikolon.")
    @click.option("--free-text", is_flag=True, help="Ta med fritextsvar (aldrig för grupper under gränsen).")
    @click.option("--lang", type=click.Choice(("sv", "en")), default="sv", show_default=True)
    def report_command(slug, year, out_dir, reference, chart_format, decimal, free_text, lang):
        """Write the appendix PDF and DOCX, the XLSX, the CSVs and every chart of a förbund and year."""
        forbund = db.session.scalar(select(Forbund).where(Forbund.slug == slug))
        if forbund is None:
            raise click.BadParameter(f"inget förbund med kortnamnet {slug!r}", param_hint="--forbund")
        try:
            options = ReportOptions(year=year, reference=reference, include_free_text=free_text,
                                    chart_format=chart_format, lang=lang, decimal=decimal)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        with click.progressbar(length=len(STEPS), label="Skapar rapporten", show_pos=True) as bar:
            written = write_report_files(forbund, options, out_dir, expand=True, progress=lambda label: bar.update(1))
            bar.update(max(0, len(STEPS) - bar.pos))
        audit.record("report.create", f"{year}", f"kommandorad; reference={reference} free_text={free_text} "
                     f"format={chart_format} filer={len(written)}", forbund_id=forbund.id)
        db.session.commit()
        click.echo(f"{len(written)} filer skrivna i {out_dir}")
        for path in written[:4]:
            click.echo(f"  {path}")
