"""Backup and restore of an installation's data as JSON lines.

The file starts with a header line (format name and version, the Alembic revision of the schema,
the tables in dependency order); then one line per row: ``{"t": table, "r": {column: value}}``.
Values are typed by their column, so dates, times, booleans, floats and NULL round-trip exactly.
The last line is a manifest: the row count per table and the SHA-256 of every line before it.
A restore reads the whole file and checks the manifest before it writes anything, so a file cut
short (even at a line boundary) or altered is refused; then it goes into an empty database of the
same schema revision, in one transaction, and any database error rolls all of it back.
Files ending in ``.gz`` are compressed; encrypted files (age) are recognised by their header.
Backups are created readable by their owner only (0600).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from . import backup_crypto
from .backup_instruments import check_instrument_record, instrument_records, write_instrument_files
from .extensions import db

FORMAT = "surveys-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(ValueError):
    """A backup file that cannot be restored here, or a database that cannot receive it."""


def tables() -> list[Table]:
    """Every application table, parents before children."""
    return list(db.metadata.sorted_tables)


def current_revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _decoder(column):
    if isinstance(column.type, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(column.type, Boolean):
        return lambda v: None if v is None else bool(v)
    # NUL cannot be stored in PostgreSQL text; an old SQLite installation may hold one.
    return lambda v: v.replace("\x00", "") if isinstance(v, str) else v


def private_file(path: str) -> IO[bytes]:
    """Open ``path`` for writing, readable and writable by its owner only (also if it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


class _HashingWriter:
    """Write text lines, hashing exactly the bytes written, then the manifest line."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.sha = hashlib.sha256()

    def write(self, line: str) -> None:
        self.sha.update(line.encode("utf-8"))
        self.out.write(line)

    def manifest(self, counts: dict[str, int]) -> None:
        self.out.write(json.dumps({"manifest": {"rows": counts, "sha256": self.sha.hexdigest()}}) + "\n")


def dump(target: IO[str]) -> dict[str, int]:
    """Write the whole installation to ``target``, ending with the manifest; return row counts."""
    out = _HashingWriter(target)
    counts: dict[str, int] = {}
    engine = db.engine
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():  # one snapshot
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "alembic_revision": current_revision(conn),
            "tables": [t.name for t in tables()],
        }
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for record in instrument_records():  # the instrument files (backup_instruments.py)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        for table in tables():
            names = [c.name for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            counts[table.name] = 0
            for row in conn.execute(select(table).order_by(*order)):
                record = {name: _encode(value) for name, value in zip(names, row, strict=True)}
                out.write(json.dumps({"t": table.name, "r": record}, ensure_ascii=False) + "\n")
                counts[table.name] += 1
    out.manifest(counts)
    return counts


def backup_to(path: str, *, passphrase: str | None = None, recipients: tuple[str, ...] = ()) -> dict[str, int]:
    """Write a backup to ``path`` (0600); ``.gz`` compresses; a passphrase or recipients encrypt."""
    if passphrase is not None or recipients:
        buffer = io.StringIO(newline="")
        counts = dump(buffer)
        data = buffer.getvalue().encode("utf-8")
        if "gz" in os.path.basename(path).split(".")[1:]:  # backup.jsonl.gz.age: compressed, then encrypted
            data = gzip.compress(data)
        try:
            data = backup_crypto.encrypt(data, passphrase=passphrase, recipients=recipients)
        except backup_crypto.CryptoError as exc:
            raise BackupError(str(exc)) from None
        with private_file(path) as fh:
            fh.write(data)
        return counts
    with private_file(path) as raw:
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb") if path.endswith(".gz") else raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="") as out:
            return dump(out)


def read_header(lines: Iterator[str]) -> dict:
    try:
        header = json.loads(next(lines))
    except (StopIteration, ValueError) as exc:
        raise BackupError("Filen är ingen säkerhetskopia (första raden saknas eller är inte JSON).") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("Filen är ingen säkerhetskopia från den här plattformen.")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(f"Säkerhetskopians format {header.get('version')} stöds inte (bara {FORMAT_VERSION}).")
    return header


def check_target(conn: Connection, header: dict) -> None:
    """Refuse a database on another schema revision or one that already holds data."""
    revision = current_revision(conn)
    if revision != header.get("alembic_revision"):
        raise BackupError(
            f"Databasens schemaversion ({revision or 'ingen'}) är inte säkerhetskopians "
            f"({header.get('alembic_revision')}). Kör 'flask --app app db upgrade {header.get('alembic_revision')}' "
            "på en tom databas först."
        )
    known = {t.name for t in tables()}
    unknown = [name for name in header.get("tables", []) if name not in known]
    if unknown:
        raise BackupError(f"Säkerhetskopian innehåller tabeller som saknas här: {', '.join(unknown)}.")
    for table in tables():
        if conn.execute(select(func.count()).select_from(table)).scalar():
            raise BackupError(
                f"Databasen är inte tom (tabellen {table.name} har rader). Återställ bara till en tom databas."
            )


def verify(lines: Iterator[str]) -> dict:
    """Read a whole backup and check its manifest (row counts, SHA-256); return the header.

    Nothing is written: this runs before a restore touches the database.
    """
    sha = hashlib.sha256()
    first = next(lines, "")
    sha.update(first.encode("utf-8"))
    header = read_header(iter([first]))
    counts: dict[str, int] = {}
    manifest = None
    number = 1
    for number, line in enumerate(lines, start=2):
        if manifest is not None:
            raise BackupError(f"Rad {number} i säkerhetskopian kommer efter manifestet; filen är ändrad.")
        try:
            entry = json.loads(line)
        except ValueError:
            raise BackupError(f"Rad {number} i säkerhetskopian är trasig (ofullständig JSON); filen kan vara "
                              "avklippt. Inget har skrivits.") from None
        if isinstance(entry, dict) and "manifest" in entry:
            manifest = entry["manifest"]
            continue
        sha.update(line.encode("utf-8"))
        name = entry.get("t") if isinstance(entry, dict) else None
        counts[str(name)] = counts.get(str(name), 0) + 1
    if manifest is None:
        raise BackupError(f"Säkerhetskopian saknar sitt avslutande manifest efter rad {number}: filen är avklippt "
                          "eller ofullständig. Inget har skrivits.")
    if not isinstance(manifest, dict) or manifest.get("sha256") != sha.hexdigest():
        raise BackupError("Säkerhetskopians kontrollsumma (SHA-256) stämmer inte med innehållet: filen är ändrad "
                          "eller skadad. Inget har skrivits.")
    expected = {k: v for k, v in (manifest.get("rows") or {}).items() if v}
    if expected != counts:
        raise BackupError("Antalet rader per tabell stämmer inte med manifestet. Inget har skrivits.")
    return header


def load(lines: Iterator[str]) -> dict[str, int]:
    """Restore a backup into the app's empty database in one transaction; return row counts."""
    header = read_header(lines)
    by_name = {t.name: t for t in tables()}
    decoders = {t.name: {c.name: _decoder(c) for c in t.columns} for t in tables()}
    counts: dict[str, int] = dict.fromkeys(header.get("tables", []), 0)
    new_files: list[dict] = []
    with db.engine.begin() as conn:
        check_target(conn, header)
        batch: list[dict] = []
        batch_table: str | None = None

        def flush() -> None:
            if batch:
                conn.execute(by_name[batch_table].insert(), batch)
                batch.clear()

        for number, line in enumerate(lines, start=2):
            if not line.strip() or line.startswith('{"manifest"'):
                continue
            try:
                entry = json.loads(line)
                if isinstance(entry, dict) and "instrument" in entry:
                    if check_instrument_record(entry):
                        new_files.append(entry)
                    continue
                name, row = entry["t"], entry["r"]
                decode = decoders[name]
                record = {column: decode[column](value) for column, value in row.items()}
            except (ValueError, KeyError, TypeError) as exc:
                raise BackupError(f"Rad {number} i säkerhetskopian är trasig: {exc}") from exc
            if name != batch_table or len(batch) >= BATCH:
                flush()
                batch_table = name
            batch.append(record)
            counts[name] = counts.get(name, 0) + 1
        flush()
        if conn.dialect.name == "postgresql":
            fix_sequences(conn)
    write_instrument_files(new_files)
    return counts


def _reader(path: str, passphrase: str | None, identity_text: str | None) -> Callable[[], Iterator[str]]:
    """Return a function that yields the backup's lines afresh (read twice: verify, then load)."""
    with open(path, "rb") as fh:
        head = fh.read(64)
    if backup_crypto.is_encrypted(head):
        with open(path, "rb") as fh:
            try:
                data = backup_crypto.decrypt(fh.read(), passphrase=passphrase, identity_text=identity_text)
            except backup_crypto.CryptoError as exc:
                raise BackupError(str(exc)) from None
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data)
        text_data = _utf8(data)
        return lambda: iter(io.StringIO(text_data, newline=""))
    if head[:2] == b"\x1f\x8b":
        def lines() -> Iterator[str]:
            with io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="") as src:
                yield from src
        return lines

    def plain() -> Iterator[str]:
        with open(path, encoding="utf-8", newline="") as src:
            yield from src
    return plain


def _gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise BackupError(f"Den komprimerade säkerhetskopian är trasig: {exc}. Inget har skrivits.") from None


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError("Säkerhetskopian är inte UTF-8-text. Inget har skrivits.") from None


def restore_from(path: str, *, passphrase: str | None = None, identity_text: str | None = None) -> dict[str, int]:
    """Verify the whole backup, then restore it in one transaction; any failure is a BackupError
    (one readable line) and leaves the database as it was."""
    lines = _reader(path, passphrase, identity_text)
    try:
        verify(lines())
        return load(lines())
    except (UnicodeDecodeError, EOFError, OSError) as exc:
        raise BackupError(f"Säkerhetskopian kunde inte läsas ({type(exc).__name__}: {exc}). Inget har skrivits.") from None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"Databasen vägrade en rad ({type(exc).__name__}: {detail}). Återställningen är avbruten "
                          "och inget har skrivits.") from None


def fix_sequences(conn: Connection) -> None:
    """After inserting explicit ids, move each serial sequence past the largest id."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        column = pk[0].name
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": f'"{table.name}"', "column": column}
        ).scalar()
        if sequence:
            conn.execute(
                text(f'SELECT setval(:seq, COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table.name}"'),
                {"seq": sequence},
            )
