"""Subject keys wrapped under a key-encryption key (KEK) that the application holds.

Envelope encryption, as key-management services do it: each customer's data key
(:class:`~globalcrm.privacy.evidence.SubjectKey`) is stored only *wrapped* (encrypted) under a
KEK that never enters the database, so the database alone (a dump, a stolen file, a replica)
decrypts nothing. The wrap is AES-256-GCM (NIST SP 800-38D) with the row it belongs to (tenant,
subject, key id) as additional authenticated data, so a wrapped key copied onto another
customer's row does not unwrap.

A :class:`KeyProvider` is anything with a ``kek_id``, ``wrap`` and ``unwrap``: the three
providers here keep the KEK in an environment variable (:class:`EnvKeyProvider`), in a local
file (:class:`LocalKeyFile`) or in memory for a throw-away database
(:class:`EphemeralKeyProvider`); a KMS is a small class of your own (recipe in
``docs/security.md``). A KEK is named by a fingerprint (``kek-`` and 16 hex digits of a hash of
it), which reveals nothing of it; rotation wraps every key under the new KEK while the old one
still unwraps (see ``crm.privacy.rewrap_keys``).

```pycon
>>> provider = EphemeralKeyProvider()
>>> wrapped = provider.wrap(b"k" * 32, context=b"default|s-1|k-1")
>>> provider.unwrap(wrapped, kek_id=provider.kek_id, context=b"default|s-1|k-1") == b"k" * 32
True
>>> provider.unwrap(wrapped, kek_id=provider.kek_id, context=b"default|s-2|k-1")
Traceback (most recent call last):
globalcrm.errors.ConfigurationError: the subject key does not unwrap under this key-encryption ...

```
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from globalcrm import _checks
from globalcrm.errors import ConfigurationError, InvalidFormat

__all__ = [
    "KEK_BYTES",
    "EnvKeyProvider",
    "EphemeralKeyProvider",
    "KeyProvider",
    "LocalKeyFile",
    "default_key_file",
    "generate_kek",
    "kek_fingerprint",
    "wrap_context",
]

KEK_BYTES = 32
_NONCE = 12
_AAD_PREFIX = b"globalcrm subject key v1\x00"


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps and unwraps subject keys under the application's key-encryption key."""

    @property
    def kek_id(self) -> str:
        """The id of the KEK new keys are wrapped under (a fingerprint, never the key)."""
        ...

    def wrap(self, key: bytes, *, context: bytes) -> bytes:
        """Encrypt ``key`` under the current KEK, bound to ``context``."""
        ...

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        """Decrypt a key wrapped under the KEK ``kek_id`` with the same ``context``."""
        ...


def wrap_context(tenant: str, subject_ref: str, key_id: str) -> bytes:
    """The additional authenticated data that binds a wrapped key to its row."""
    return "\x00".join((tenant, subject_ref, key_id)).encode("utf-8")


def kek_fingerprint(kek: bytes) -> str:
    """``kek-`` and 16 hex digits of a hash of the KEK: its name, which reveals nothing of it."""
    return "kek-" + hashlib.sha256(b"globalcrm kek id\x00" + kek).hexdigest()[:16]


def generate_kek() -> str:
    """A new random KEK as base64 text, for ``GLOBALCRM_KEK`` or a key file."""
    return base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode("ascii")


def _decode_kek(text: str, *, where: str) -> bytes:
    value = text.strip()
    try:
        raw = bytes.fromhex(value) if len(value) == 2 * KEK_BYTES else base64.b64decode(value)
    except (binascii.Error, ValueError) as error:
        raise ConfigurationError(f"{where}: the KEK is neither base64 nor hex") from error
    if len(raw) != KEK_BYTES:
        raise ConfigurationError(f"{where}: the KEK must be {KEK_BYTES} bytes")
    return raw


class _Keks:
    """The AES-GCM wrap shared by the providers here: a current KEK and retired ones."""

    def __init__(self, current: bytes, retired: Iterable[bytes] = ()) -> None:
        self._current = kek_fingerprint(current)
        self._keks = {kek_fingerprint(k): k for k in (*retired, current)}

    @property
    def kek_id(self) -> str:
        return self._current

    def wrap(self, key: bytes, *, context: bytes) -> bytes:
        if not isinstance(key, bytes) or not isinstance(context, bytes):
            raise InvalidFormat("expected bytes", field="key")
        nonce = os.urandom(_NONCE)
        kek = self._keks[self._current]
        return nonce + AESGCM(kek).encrypt(nonce, key, _AAD_PREFIX + context)

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        if not isinstance(kek_id, str) or not isinstance(context, bytes):
            raise InvalidFormat("expected a KEK id and context bytes", field="kek_id")
        kek = self._keks.get(kek_id)
        if kek is None:
            raise ConfigurationError(
                f"the key-encryption key {kek_id!r} is not available to this key provider"
            )
        if not isinstance(wrapped, bytes) or len(wrapped) < _NONCE + 16:
            raise ConfigurationError("the wrapped subject key is malformed")
        try:
            return AESGCM(kek).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _AAD_PREFIX + context)
        except InvalidTag as error:
            raise ConfigurationError(
                "the subject key does not unwrap under this key-encryption key "
                "(another KEK, or the row was altered)"
            ) from error


class EnvKeyProvider(_Keks):
    """The KEK from an environment variable (base64 or hex of 32 bytes), read once, here.

    ``retired`` names variables holding earlier KEKs: keys wrapped under them still unwrap, and
    ``crm.privacy.rewrap_keys()`` moves them to the current one.

    Raises:
        ConfigurationError: the variable is not set or does not hold a 32-byte key.
    """

    def __init__(self, variable: str = "GLOBALCRM_KEK", *, retired: Sequence[str] = ()) -> None:
        self.variable = _checks.text(variable, field="variable", max_length=200)
        names = [_checks.text(n, field="retired", max_length=200) for n in retired]
        super().__init__(self._read(self.variable), [self._read(n) for n in names])

    @staticmethod
    def _read(name: str) -> bytes:
        text = os.environ.get(name)
        if not text:
            raise ConfigurationError(f"the environment variable {name} holds no KEK")
        return _decode_kek(text, where=name)

    def __repr__(self) -> str:
        return f"EnvKeyProvider({self.variable!r}, kek_id={self.kek_id!r})"


class EphemeralKeyProvider(_Keks):
    """A random KEK that lives as long as this object: for in-memory databases and tests."""

    def __init__(self) -> None:
        super().__init__(secrets.token_bytes(KEK_BYTES))

    def __repr__(self) -> str:
        return f"EphemeralKeyProvider(kek_id={self.kek_id!r})"


class LocalKeyFile:
    """The KEK in a local file, made (mode 0600) the first time a key is wrapped.

    The first line is the current KEK (base64), further lines are retired KEKs. Keep the file
    out of the database's backups and back it up on its own: without it no subject key unwraps,
    which is the same as erasing every sealed value.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not isinstance(path, str | os.PathLike):
            raise InvalidFormat("expected a file path", field="path")
        self.path = Path(path)
        self._keks: _Keks | None = None

    def _load(self, *, create: bool) -> _Keks:
        if self._keks is not None:
            return self._keks
        if not self.path.exists():
            if not create:
                raise ConfigurationError(f"the key file {self.path} does not exist")
            self._create()
        try:
            lines = [line for line in self.path.read_text("ascii").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"the key file {self.path} cannot be read") from error
        if not lines:
            raise ConfigurationError(f"the key file {self.path} is empty")
        where = str(self.path)
        keks = [_decode_kek(line, where=where) for line in lines]
        self._keks = _Keks(keks[0], keks[1:])
        return self._keks

    def _create(self) -> None:
        """Write a new KEK atomically: a finished temporary file is linked into place.

        A process racing to create the same file reads the winner's key, never half a file.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(generate_kek() + "\n")
            try:
                os.link(temporary, self.path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                temporary.unlink()
        except OSError as error:
            raise ConfigurationError(f"the key file {self.path} cannot be created") from error

    @property
    def kek_id(self) -> str:
        """The current KEK's fingerprint (the file is made if it does not exist yet)."""
        return self._load(create=True).kek_id

    def wrap(self, key: bytes, *, context: bytes) -> bytes:
        """Wrap under the file's current KEK (making the file on first use)."""
        return self._load(create=True).wrap(key, context=context)

    def unwrap(self, wrapped: bytes, *, kek_id: str, context: bytes) -> bytes:
        """Unwrap with the file's KEK named ``kek_id`` (a missing file is an error here)."""
        return self._load(create=False).unwrap(wrapped, kek_id=kek_id, context=context)

    def __repr__(self) -> str:
        return f"LocalKeyFile({str(self.path)!r})"


def default_key_file(
    backend: str, database: str | None, url_without_password: str, env: Mapping[str, str]
) -> Path:
    """Where a database without a key provider keeps its KEK (see ``docs/security.md``).

    ``GLOBALCRM_KEY_DIR`` if set, else the SQLite file's own directory (``<file>.kek``), else
    ``~/.globalcrm/keys``; outside SQLite the file is named by a hash of the URL (no password).
    """
    folder = env.get("GLOBALCRM_KEY_DIR")
    if backend == "sqlite" and database:
        base = Path(database)
        return (Path(folder) if folder else base.parent) / f"{base.name}.kek"
    name = hashlib.sha256(url_without_password.encode("utf-8")).hexdigest()[:16] + ".kek"
    return (Path(folder) if folder else Path.home() / ".globalcrm" / "keys") / name
