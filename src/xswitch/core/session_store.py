"""The session cache: one file per session, and `CachedProvider`, which puts it in front of any
provider (caching is a decorator, not sprinkled through the providers).

A session file's metadata (profile, kind, expiry) is plaintext, so listing sessions needs no
keyring; its credentials are encrypted with a key kept in the keyring (or, when the user opted
in, stored in plaintext). A file lock per session makes concurrent threads and processes wait for
each other instead of asking twice for the same MFA code. A damaged file is a miss, set aside as
`*.corrupt` and reported once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xswitch.core import fs, locks
from xswitch.core.errors import CredentialError, XswitchError
from xswitch.core.model import Credentials
from xswitch.core.providers.base import Provider
from xswitch.core.times import parse_rfc3339

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CACHE_FILE_LIMIT = 256 * 1024  # a session file is a few kilobytes
CORRUPT_SUFFIX = ".corrupt"
LOCK_TIMEOUT = 600  # seconds to wait for another xswitch that is logging in (it may be prompting)


# --- the store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSession:
    """One cache file's plaintext metadata."""

    path: Path
    profile: str
    kind: str
    expiration: datetime
    mfa_session: bool
    mfa_serial: str | None = None  # the device of an MFA session (kind "mfa")


class SessionStore:
    """One file per session under `directory`: 0700 directory, 0600 files, atomic writes."""

    def __init__(
        self,
        directory: Path,
        key_source: Callable[[], bytes],
        *,
        plaintext: bool = False,
    ) -> None:
        self.directory = directory
        self.plaintext = plaintext
        self._key_source = key_source
        self._fernet: Any = None

    @staticmethod
    def digest(key: tuple[str, ...]) -> str:
        import hashlib

        return hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()[:32]

    def path(self, key: tuple[str, ...]) -> Path:
        return self.directory / f"{self.digest(key)}.json"

    def locked(self, digest: str) -> contextlib.AbstractContextManager[None]:
        """Hold the lock of one session (across threads and processes)."""
        return locks.held(
            self.directory / f"{digest}.lock",
            timeout=LOCK_TIMEOUT,
            busy=lambda: CredentialError(
                "Another xswitch has been logging in to this session for too long.",
                "Finish or cancel the login in the other window, then try again.",
            ),
        )

    def load(self, key: tuple[str, ...]) -> Credentials | None:
        """The stored credentials, or None when missing, unreadable or undecryptable."""
        path = self.path(key)
        document = self._read(path)
        if document is None:
            return None
        try:
            if isinstance(document.get("secret"), str):
                from cryptography.fernet import InvalidToken

                try:
                    payload = self._cipher().decrypt(document["secret"].encode())
                except InvalidToken:
                    return None  # encrypted with a key that is gone: a miss, replaced later
                return _credentials_from_json(json.loads(payload))
            if self.plaintext and isinstance(document.get("credentials"), dict):
                return _credentials_from_json(document["credentials"])
            if "secret" not in document and "credentials" not in document:
                return None
        except XswitchError:  # the key could not be had (locked keyring, cancelled prompt)
            raise
        except Exception:
            pass
        # Tampered with or damaged: a miss, moved aside so that it is reported only once.
        self._set_aside(path, "its credentials cannot be read")
        return None

    def save(
        self,
        key: tuple[str, ...],
        creds: Credentials,
        *,
        profile: str,
        kind: str,
        mfa_session: bool,
        mfa_serial: str | None = None,
    ) -> None:
        if creds.expiration is None:
            return  # nothing to count down; long-lived credentials are never cached
        document: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "profile": profile,
            "kind": kind,
            "expiration": creds.expiration.astimezone(UTC).isoformat(),
            "mfa_session": mfa_session,
        }
        if mfa_serial:
            document["mfa_serial"] = mfa_serial
        payload = _credentials_to_json(creds)
        if self.plaintext:
            document["credentials"] = payload
        else:
            document["secret"] = self._cipher().encrypt(json.dumps(payload).encode()).decode()
        fs.write_private(self.path(key), json.dumps(document, indent=1).encode())

    def entries(self) -> list[StoredSession]:
        """Metadata of every readable cache file; reads no secret and needs no keyring."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json")):
            document = self._read(path)
            if document is not None:
                found.append(self._metadata(path, document))
        return found

    def delete(self, path: Path) -> None:
        with self.locked(path.stem):
            path.unlink(missing_ok=True)

    def delete_set_aside(self) -> int:
        """Remove the damaged files moved aside earlier; returns how many there were."""
        removed = 0
        for path in self.directory.glob("*" + CORRUPT_SUFFIX) if self.directory.is_dir() else ():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    @staticmethod
    def _metadata(path: Path, document: dict[str, Any]) -> StoredSession:
        """Checked by `_read`: every field has its type."""
        return StoredSession(
            path,
            document["profile"],
            document.get("kind", "role"),
            parse_rfc3339(document["expiration"]),
            document.get("mfa_session", False),
            document.get("mfa_serial") or None,
        )

    def _read(self, path: Path) -> dict[str, Any] | None:
        """A session file of this format version with valid metadata, else None.

        Unreadable or damaged files are moved aside (and reported once); files of another
        format version are left alone.
        """
        try:
            raw = fs.read_private_file(path, CACHE_FILE_LIMIT)
        except FileNotFoundError:
            return None
        except OSError as error:
            self._set_aside(path, error.strerror or str(error))
            return None
        try:
            document = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            self._set_aside(path, "it is not valid JSON")
            return None
        if not isinstance(document, dict):
            self._set_aside(path, "it is not a JSON object")
            return None
        if document.get("version") != FORMAT_VERSION:
            return None
        problem = _metadata_problem(document)
        if problem:
            self._set_aside(path, problem)
            return None
        return document

    def _set_aside(self, path: Path, reason: str) -> None:
        """Rename a damaged cache file to *.corrupt and say so on stderr (once: it is moved)."""
        aside = path.with_name(path.name + CORRUPT_SUFFIX)
        try:
            if path.is_dir():
                return
            os.replace(path, aside)
        except OSError:
            return
        log.warning(
            "xswitch: the cached session %s was damaged (%s); it was moved to %s and will be "
            "replaced by a fresh session. 'xswitch logout --all' removes it.",
            path.name,
            reason,
            aside.name,
        )

    def _cipher(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(self._key_source())
        return self._fernet


def _metadata_problem(document: Mapping[str, Any]) -> str | None:
    """What is wrong with the plaintext metadata of a session file (None: nothing)."""
    if not isinstance(document.get("profile"), str) or not document["profile"]:
        return "no profile name"
    if not isinstance(document.get("kind", "role"), str):
        return "a kind that is not text"
    if not isinstance(document.get("mfa_session", False), bool):
        return "an mfa_session flag that is not true or false"
    if not isinstance(document.get("mfa_serial"), str | None):
        return "an mfa_serial that is not text"
    try:
        expiration = document.get("expiration")
        if not isinstance(expiration, str):
            raise ValueError
        parse_rfc3339(expiration)
    except (ValueError, OverflowError):
        return "no valid expiration time"
    return None


def _credentials_to_json(creds: Credentials) -> dict[str, Any]:
    return {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": creds.expiration.isoformat() if creds.expiration else None,
        "Via": list(creds.via),
    }


def _credentials_from_json(data: Mapping[str, Any]) -> Credentials:
    """Stored credentials; raises ValueError when the stored values are not valid ones."""
    from xswitch.core.validate import credential_fields_problem

    key_id, secret = data["AccessKeyId"], data["SecretAccessKey"]
    token, expiration = data.get("SessionToken"), data.get("Expiration")
    problem = credential_fields_problem(key_id, secret, token)
    via = data.get("Via") or []
    if problem or not isinstance(via, list) or not all(isinstance(v, str) for v in via):
        raise ValueError(problem or "bad Via")
    if expiration is not None and not isinstance(expiration, str):
        raise ValueError("bad Expiration")
    return Credentials(
        key_id,
        secret,
        token or None,
        parse_rfc3339(expiration) if expiration else None,
        via=tuple(via),
    )


# --- caching as a decorator ------------------------------------------------------------------


class CachedProvider(Provider):
    """Answers from the store while more than `margin` seconds are left; else asks `inner`.

    The lock is held from the cache check to the store, so a second caller waits for the first
    and then finds its fresh session.
    """

    temporary = True

    def __init__(
        self,
        inner: Provider,
        store: SessionStore,
        *,
        profile: str,
        kind: str,
        mfa_session: bool,
        margin: int,
        clock: Callable[[], datetime],
        force_refresh: bool = False,
    ) -> None:
        self.inner = inner
        self.store = store
        self.profile = profile
        self.kind = kind
        self.mfa_session = mfa_session
        self.margin = margin
        self.clock = clock
        self.force_refresh = force_refresh

    def retrieve(self) -> Credentials:
        key = self.identity()
        # Writes are atomic renames, so a hit needs no lock: the common case stays cheap.
        cached = None if self.force_refresh else self._fresh_from_store(key)
        if cached is not None:
            return cached
        with self.store.locked(self.store.digest(key)):
            if not self.force_refresh:
                cached = self._fresh_from_store(key)  # another caller may have just stored it
                if cached is not None:
                    return cached
            fresh = self.inner.retrieve()
            serial = getattr(self.inner, "mfa_serial", None) if self.kind == "mfa" else None
            self.store.save(
                key,
                fresh,
                profile=self.profile,
                kind=self.kind,
                mfa_session=self.mfa_session,
                mfa_serial=serial,
            )
            return fresh

    def _fresh_from_store(self, key: tuple[str, ...]) -> Credentials | None:
        cached = self.store.load(key)
        left = cached.seconds_left(self.clock()) if cached else None
        return cached if left is not None and left > self.margin else None

    def describe(self) -> str:
        return self.inner.describe()

    def identity(self) -> tuple[str, ...]:
        return self.inner.identity()

    def chain(self) -> list[str]:
        return self.inner.chain()
