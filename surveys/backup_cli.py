"""``flask backup FILE`` and ``flask restore FILE`` (see README, "Backup and restore")."""

from __future__ import annotations

import click
from flask import Flask

from .backup import BackupError, backup_to, restore_from


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_command(path: str) -> None:
        """Write all data of the installation to PATH (JSON lines; .gz compresses)."""
        counts = backup_to(path)
        click.echo(f"Säkerhetskopia skriven till {path}: {sum(counts.values())} rader i {len(counts)} tabeller.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
    def restore_command(path: str) -> None:
        """Restore a backup from PATH into this EMPTY, migrated database (one transaction)."""
        try:
            counts = restore_from(path)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Återställt från {path}: {sum(counts.values())} rader i {len(counts)} tabeller.")
