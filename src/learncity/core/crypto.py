"""Personal data at rest: AES-256-GCM encryption and a keyed look-up hash (HMAC-SHA256).

Two independent keys are derived from LEARNCITY_PII_KEY with HKDF, one to encrypt and one to hash, so a
leaked hash column cannot be brute-forced over the small space of valid ID numbers without the key.
Ciphertexts are stored as text: "v1:" + urlsafe-base64(nonce || ciphertext || tag).
"""

import base64
import functools
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = "v1"


@functools.cache
def _keys(master: str) -> tuple[bytes, bytes]:
    derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"learncity-pii", info=b"enc+hash").derive(
        master.encode()
    )
    return derived[:32], derived[32:]


def _enc_key() -> bytes:
    return _keys(settings.LEARNCITY_PII_KEY)[0]


def _hash_key() -> bytes:
    return _keys(settings.LEARNCITY_PII_KEY)[1]


@functools.cache
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str, master: str | None = None) -> str:
    """Encrypt; `context` (e.g. "resident_id") is bound as associated data, so values can't be swapped across columns.
    `master` is another key than the configured one (only for key rotation)."""
    nonce = os.urandom(12)
    ct = _aead(_keys(master)[0] if master else _enc_key()).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + ct).decode()


def decrypt(token: str, *, context: str, master: str | None = None) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError(f"unknown ciphertext version {version!r}")
    raw = base64.urlsafe_b64decode(body)
    return _aead(_keys(master)[0] if master else _enc_key()).decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str, *, context: str, master: str | None = None) -> str:
    """A keyed, deterministic hash for exact look-up of an encrypted value."""
    key = _keys(master)[1] if master else _hash_key()
    return hmac.new(key, f"{context}\x00{value}".encode(), hashlib.sha256).hexdigest()


def new_master_key() -> str:
    """A fresh master key, as settings generate one into the data folder."""
    return secrets.token_urlsafe(32)
