"""Encryption of backups with age (pyrage): a passphrase or age recipients (public keys).

The passphrase never comes from the command line (it would sit in the shell history and the
process list): it comes from the environment (``SURVEYS_BACKUP_PASSPHRASE``) or from stdin.
"""

from __future__ import annotations

import pyrage

AGE_MAGIC = b"age-encryption.org/v1"
PASSPHRASE_ENV = "SURVEYS_BACKUP_PASSPHRASE"
MIN_PASSPHRASE = 12


class CryptoError(ValueError):
    pass


def is_encrypted(head: bytes) -> bool:
    return head.startswith(AGE_MAGIC) or head.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")


def encrypt(data: bytes, *, passphrase: str | None = None, recipients: tuple[str, ...] = ()) -> bytes:
    if recipients:
        try:
            keys = [pyrage.x25519.Recipient.from_str(r.strip()) for r in recipients]
        except pyrage.RecipientError as exc:
            raise CryptoError(f"Mottagaren är ingen giltig age-nyckel (age1…): {exc}.") from None
        return pyrage.encrypt(data, keys)
    if not passphrase or len(passphrase) < MIN_PASSPHRASE:
        raise CryptoError(f"Lösenfrasen för krypteringen måste vara minst {MIN_PASSPHRASE} tecken.")
    return pyrage.passphrase.encrypt(data, passphrase)


def decrypt(data: bytes, *, passphrase: str | None = None, identity_text: str | None = None) -> bytes:
    try:
        if identity_text:
            identities = [pyrage.x25519.Identity.from_str(line.strip()) for line in identity_text.splitlines()
                          if line.strip().startswith("AGE-SECRET-KEY-")]
            if not identities:
                raise CryptoError("Nyckelfilen innehåller ingen age-nyckel (AGE-SECRET-KEY-…).")
            return pyrage.decrypt(data, identities)
        if not passphrase:
            raise CryptoError(f"Säkerhetskopian är krypterad: ange lösenfrasen (miljövariabeln {PASSPHRASE_ENV} "
                              "eller --passphrase-stdin) eller en nyckelfil (--identity).")
        return pyrage.passphrase.decrypt(data, passphrase)
    except (pyrage.DecryptError, pyrage.IdentityError) as exc:
        raise CryptoError(f"Säkerhetskopian kunde inte dekrypteras (fel lösenfras eller nyckel: {exc}).") from None
