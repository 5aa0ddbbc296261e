"""Backups that hold up: created 0600, ending in a manifest that a restore checks before writing
anything, optionally encrypted (age), and every restore failure one clear line with nothing written.
The SQLite database file is created 0600 too."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import stat

import pyrage
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from surveys.backup import tables
from surveys.extensions import db
from surveys.models import AuditEvent, Forbund, FreeText, Response
from tests.test_backup import _fill
from tests.test_migrations import scratch_app, scratch_database

PASSPHRASE = "en lång lösenfras för säkerhetskopian"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def total_rows() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(t)) for t in tables())


def with_manifest(lines: list[str]) -> str:
    """Lines plus a manifest computed here, independently of surveys.backup."""
    counts: dict[str, int] = {}
    for line in lines[1:]:
        entry = json.loads(line)
        name = entry["t"] if "t" in entry else "instrument_files"  # the instrument files come first
        counts[name] = counts.get(name, 0) + 1
    digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return "".join(lines) + json.dumps({"manifest": {"rows": counts, "sha256": digest}}) + "\n"


@pytest.fixture(scope="session")
def _demo_backup(tmp_path_factory) -> dict:
    """The demo backup, made once per session by the first test that asks (building the demo
    takes seconds): its path and the number of responses backed up."""
    return {"path": tmp_path_factory.mktemp("backup") / "backup.jsonl", "responses": None}


@pytest.fixture
def backup_file(app, runner, tmp_path, _demo_backup):
    """A copy of the demo backup for one test to read or alter."""
    if _demo_backup["responses"] is None:
        _fill()
        assert runner.invoke(args=["backup", str(_demo_backup["path"])]).exit_code == 0
        _demo_backup["responses"] = db.session.scalar(select(func.count()).select_from(Response))
    path = tmp_path / "backup.jsonl"
    shutil.copyfile(_demo_backup["path"], path)
    return path


def restore_into_scratch(tmp_path, path, args=(), env=None, input=None):
    """Restore into a fresh migrated database; return (result, rows in the database afterwards)."""
    with scratch_database(tmp_path) as url:
        other = scratch_app(url)
        with other.app_context():
            upgrade()
            result = other.test_cli_runner().invoke(args=["restore", str(path), *args], env=env, input=input)
            rows = total_rows()
            texts = list(db.session.scalars(select(FreeText.text)))
            db.session.remove()
            db.engine.dispose()
    return result, rows, texts


def one_clear_line(result, words: str):
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.output
    assert "Traceback" not in result.output


def test_backups_and_the_sqlite_file_are_owner_only(app, runner, tmp_path, monkeypatch):
    os.umask(0o022)  # a typical umask: files would be world-readable
    for name in ("b.jsonl", "b.jsonl.gz"):
        assert runner.invoke(args=["backup", str(tmp_path / name)]).exit_code == 0
        assert mode(tmp_path / name) == 0o600, name
    monkeypatch.setenv("SURVEYS_BACKUP_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(args=["backup", "--encrypt", str(tmp_path / "b.age")]).exit_code == 0
    assert mode(tmp_path / "b.age") == 0o600
    created = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "backup.create")).all()
    assert len(created) == 3 and created[-1].endswith("krypterad=ja")
    existing = tmp_path / "existing.jsonl"
    existing.write_text("")
    os.chmod(existing, 0o644)
    assert runner.invoke(args=["backup", str(existing)]).exit_code == 0 and mode(existing) == 0o600

    url = "sqlite:///" + str(tmp_path / "new.sqlite")
    new = scratch_app(url)
    with new.app_context():
        upgrade()
        db.engine.dispose()
    assert mode(tmp_path / "new.sqlite") == 0o600


def test_a_backup_ends_with_a_manifest_of_counts_and_sha256(backup_file, _demo_backup):
    lines = backup_file.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest = json.loads(lines[-1])["manifest"]
    assert manifest["sha256"] == hashlib.sha256("".join(lines[:-1]).encode("utf-8")).hexdigest()
    assert manifest["rows"]["response"] == _demo_backup["responses"] > 0
    assert sum(manifest["rows"].values()) == len(lines) - 2


@pytest.mark.parametrize("cut", ["line", "middle", "manifest"])
def test_a_truncated_backup_is_refused_and_nothing_is_written(backup_file, tmp_path, cut):
    lines = backup_file.read_text(encoding="utf-8").splitlines(keepends=True)
    short = tmp_path / f"short-{cut}.jsonl"
    if cut == "line":  # cut at a line boundary: every remaining line is valid JSON
        short.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
        words = "saknar sitt avslutande manifest"
    elif cut == "middle":  # cut inside a line (never at its end), wherever the demo's line lengths fall
        half = len(lines) // 2
        line = lines[half]
        short.write_text("".join(lines[:half]) + line[: len(line) // 2], encoding="utf-8")
        words = "trasig"
    else:  # the manifest kept, rows lost
        short.write_text("".join(lines[:100] + lines[-1:]), encoding="utf-8")
        words = "kontrollsumma"
    result, rows, _ = restore_into_scratch(tmp_path, short)
    one_clear_line(result, words)
    assert "Inget har skrivits" in result.output and rows == 0


def test_an_altered_backup_is_refused(backup_file, tmp_path):
    text = backup_file.read_text(encoding="utf-8").replace('"value": 4', '"value": 5', 1)
    assert text != backup_file.read_text(encoding="utf-8")
    altered = tmp_path / "altered.jsonl"
    altered.write_text(text, encoding="utf-8")
    result, rows, _ = restore_into_scratch(tmp_path, altered)
    one_clear_line(result, "kontrollsumma")
    assert rows == 0


def test_a_constraint_error_is_one_line_and_rolls_everything_back(backup_file, tmp_path):
    lines = backup_file.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]
    forbund_line = next(line for line in lines if line.startswith('{"t": "forbund"'))
    index = lines.index(forbund_line)
    duplicate = with_manifest(lines[: index + 1] + [forbund_line] + lines[index + 1:])  # same primary key twice
    bad = tmp_path / "duplicate.jsonl"
    bad.write_text(duplicate, encoding="utf-8")
    result, rows, _ = restore_into_scratch(tmp_path, bad)
    one_clear_line(result, "Databasen vägrade en rad")
    assert rows == 0


def test_nul_in_an_old_sqlite_backup_restores_without_it(backup_file, tmp_path):
    lines = backup_file.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]
    i = next(n for n, line in enumerate(lines) if line.startswith('{"t": "free_text"'))
    entry = json.loads(lines[i])
    entry["r"]["text"] = "före\x00efter"
    lines[i] = json.dumps(entry, ensure_ascii=False) + "\n"
    path = tmp_path / "nul.jsonl"
    path.write_text(with_manifest(lines), encoding="utf-8")
    result, rows, texts = restore_into_scratch(tmp_path, path)
    assert result.exit_code == 0, result.output
    assert "föreefter" in texts and not any("\x00" in t for t in texts)


def test_encrypted_backup_with_a_passphrase(app, runner, tmp_path):
    _fill()
    path = tmp_path / "backup.jsonl.gz.age"
    result = runner.invoke(args=["backup", "--encrypt", "--passphrase-stdin", str(path)], input=PASSPHRASE + "\n")
    assert result.exit_code == 0 and "krypterad" in result.output
    data = path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1") and b"forbund" not in data
    assert gzip.decompress(pyrage.passphrase.decrypt(data, PASSPHRASE)).startswith(b'{"format": "surveys-backup"')
    before = total_rows() - 1  # the backup's own audit event came after it

    wrong, rows, _ = restore_into_scratch(tmp_path, path, ["--passphrase-stdin"], input="fel lösenfras\n")
    one_clear_line(wrong, "kunde inte dekrypteras")
    assert rows == 0
    ok, rows, _ = restore_into_scratch(tmp_path, path, env={"SURVEYS_BACKUP_PASSPHRASE": PASSPHRASE})
    assert ok.exit_code == 0, ok.output
    assert rows == before
    short = runner.invoke(args=["backup", "--encrypt", "--passphrase-stdin", str(tmp_path / "x.age")], input="kort\n")
    one_clear_line(short, "minst 12 tecken")


def test_encrypted_backup_to_an_age_recipient(app, runner, tmp_path):
    _fill()
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"# created: test\n{identity}\n")
    path = tmp_path / "backup.age"
    result = runner.invoke(args=["backup", "--recipient", str(identity.to_public()), str(path)])
    assert result.exit_code == 0, result.output
    ok, rows, _ = restore_into_scratch(tmp_path, path, ["--identity", str(key)])
    assert ok.exit_code == 0, ok.output
    assert rows == total_rows() - 1
    other = tmp_path / "other.txt"
    other.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    wrong, rows, _ = restore_into_scratch(tmp_path, path, ["--identity", str(other)])
    one_clear_line(wrong, "kunde inte dekrypteras")
    assert db.session.scalar(select(func.count()).select_from(Forbund)) == 4  # the demo's four förbund, untouched
