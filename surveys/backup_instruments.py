"""Instrument files in the backup: every ``*.toml`` of the instrument folder travels as a record
``{"instrument": file name, "text": content}`` right after the header, so an installation that
added the official wording (another version file) gets it back with the answers given in it.

On restore a file that is missing here is written; one that exists with the same content is left
alone; one that exists with other content stops the restore before anything is kept (the answers
must not end up scored with another wording).
"""

from __future__ import annotations

from pathlib import Path

from indicators.catalogue import INSTRUMENT_DIR, clear_cache


def instrument_records(directory: Path = INSTRUMENT_DIR) -> list[dict]:
    return [{"instrument": path.name, "text": path.read_text(encoding="utf-8")}
            for path in sorted(Path(directory).glob("*.toml"))]


def check_instrument_record(record: dict, directory: Path = INSTRUMENT_DIR) -> bool:
    """True when the file must be written; BackupError when another file of that name is here."""
    from .backup import BackupError  # backup.py imports this module

    name, content = record.get("instrument"), record.get("text")
    if not isinstance(name, str) or not isinstance(content, str) or Path(name).name != name or not name.endswith(".toml"):
        raise BackupError("Säkerhetskopian har en trasig instrumentfil.")
    target = Path(directory) / name
    if not target.exists():
        return True
    if target.read_text(encoding="utf-8") != content:
        raise BackupError(
            f"Instrumentfilen {name} finns redan här med annat innehåll. Flytta undan den och återställ igen.")
    return False


def write_instrument_files(records: list[dict], directory: Path = INSTRUMENT_DIR) -> list[str]:
    """Write the missing files (after the data is committed); return their names."""
    for record in records:
        (Path(directory) / record["instrument"]).write_text(record["text"], encoding="utf-8")
    if records:
        clear_cache()
    return [r["instrument"] for r in records]
