"""Backup and restore of an installation's data as JSON lines.

The file starts with a header line (format name and version, the Alembic revision of the schema,
the tables in dependency order); then one line per row: ``{"t": table, "r": {column: value}}``.
Values are typed by their column, so dates, times, booleans, floats and NULL round-trip exactly.
A restore goes into an empty database of the same schema revision, in one transaction.
Files ending in ``.gz`` are compressed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, func, inspect, select, text
from sqlalchemy.engine import Connection

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
    return lambda v: v


def _open(path: str, mode: str) -> IO[str]:
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def dump(out: IO[str]) -> dict[str, int]:
    """Write the whole installation to ``out``; return the row count per table."""
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
    return counts


def backup_to(path: str) -> dict[str, int]:
    with _open(path, "w") as out:
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
            if not line.strip():
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


def restore_from(path: str) -> dict[str, int]:
    with _open(path, "r") as src:
        return load(iter(src))


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
