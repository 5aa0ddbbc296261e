"""``flask backup FILE`` and ``flask restore FILE`` (see README, "Backup and restore")."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask

from . import audit
from .backup import BackupError, backup_to, restore_from
from .backup_crypto import PASSPHRASE_ENV, is_encrypted
from .extensions import db


def _passphrase(from_stdin: bool, confirm: bool) -> str:
    """The passphrase: environment, one line of stdin, or a hidden prompt; never an argument."""
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Lösenfras", hide_input=True, confirmation_prompt=confirm)


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    @click.option("--encrypt", is_flag=True, help=f"Kryptera med age: lösenfras från {PASSPHRASE_ENV}, stdin eller "
                                                   "en fråga, eller till --recipient.")
    @click.option("--recipient", "recipients", multiple=True, help="age-mottagare (publik nyckel age1…); kan upprepas.")
    @click.option("--passphrase-stdin", is_flag=True, help="Läs lösenfrasen från första raden på stdin.")
    def backup_command(path: str, encrypt: bool, recipients: tuple[str, ...], passphrase_stdin: bool) -> None:
        """Write all data of the installation to PATH (JSON lines with a manifest; .gz compresses; 0600)."""
        passphrase = None
        if encrypt and not recipients:
            passphrase = _passphrase(passphrase_stdin, confirm=True)
        try:
            counts = backup_to(path, passphrase=passphrase, recipients=recipients)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record("backup.create", "säkerhetskopia",
                     f"{sum(counts.values())} rader; krypterad={'ja' if encrypt or recipients else 'nej'}")
        db.session.commit()
        click.echo(f"Säkerhetskopia skriven till {path}: {sum(counts.values())} rader i {len(counts)} tabeller"
                   f"{' (krypterad)' if encrypt or recipients else ''}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option("--passphrase-stdin", is_flag=True, help="Läs lösenfrasen från första raden på stdin.")
    @click.option("--identity", type=click.Path(exists=True, dir_okay=False), help="age-nyckelfil för dekryptering.")
    def restore_command(path: str, passphrase_stdin: bool, identity: str | None) -> None:
        """Verify, then restore a backup from PATH into this EMPTY, migrated database (one transaction)."""
        passphrase = identity_text = None
        with open(path, "rb") as fh:
            encrypted = is_encrypted(fh.read(64))
        if encrypted and identity:
            with open(identity, encoding="utf-8") as fh:
                identity_text = fh.read()
        elif encrypted:
            passphrase = _passphrase(passphrase_stdin, confirm=False)
        try:
            counts = restore_from(path, passphrase=passphrase, identity_text=identity_text)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Återställt från {path}: {sum(counts.values())} rader i {len(counts)} tabeller.")
