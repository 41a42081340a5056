"""The session cache and the one entry point of the engine: credentials for a profile.

`SessionManager.credentials()` returns a cached session when enough of it is left (no network, no
prompt, no botocore import); otherwise it builds the provider chain, obtains fresh credentials and
stores them. Caching is a decorator (`CachedProvider`) around the AssumeRole, MFA session and SSO
providers. Each session is one file whose metadata (profile, expiry) is plaintext and whose
credentials are encrypted with a key kept in the keyring. A file lock per session makes concurrent
threads and processes wait for each other instead of asking twice for the same MFA code.

All AWS calls use `env` (endpoint, region, AWS_CONFIG_FILE), so a SessionManager built with a custom
environment talks to the endpoint that environment names.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xswitch.core import fs, locks, paths
from xswitch.core.errors import (
    CredentialError,
    UnknownProfile,
    UnusableCredentials,
    XswitchError,
)
from xswitch.core.model import (
    Catalog,
    Credentials,
    MfaSessionInfo,
    Profile,
    Prompter,
    SessionInfo,
)
from xswitch.core.providers import (
    Provider,
    build_chain,
    call_sts,
    mfa_groups,
    mfa_unlocks,
    region_for,
    sts_client,
)
from xswitch.core.times import parse_rfc3339, utc_text

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CACHE_FILE_LIMIT = 256 * 1024  # a session file is a few kilobytes
CORRUPT_SUFFIX = ".corrupt"
LOCK_TIMEOUT = 600  # seconds to wait for another xswitch that is logging in (it may be prompting)
CACHED_KINDS = ("role", "sso")  # sessions shown per profile; "mfa" sessions belong to a source


def now_utc() -> datetime:
    return datetime.now(UTC)


def live_mfa_session(
    profile: str, mfa_sessions: list[MfaSessionInfo], now: datetime
) -> MfaSessionInfo | None:
    """The live MFA session that `profile`'s role is assumed from (or that `profile`'s keys
    obtained), if there is one."""
    for info in mfa_sessions:
        if (profile in info.covers or profile == info.source) and info.expiration > now:
            return info
    return None


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


# --- the entry point --------------------------------------------------------------------------


class _NobodyToAsk:
    """A prompter for building chains that are only described, never run."""

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        raise CredentialError("No MFA code can be asked for here.")

    def sso_device_code(self, authorization: Any) -> None:
        raise CredentialError("No SSO login can be started here.")

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        raise CredentialError("No keyring passphrase can be asked for here.")

    def cancelled(self) -> bool:
        return True


class SessionManager:
    """Credentials for profiles, cached across processes; see the module docstring."""

    def __init__(
        self,
        catalog: Catalog,
        env: Mapping[str, str] = os.environ,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.catalog = catalog
        self.env = env
        self.clock = clock
        self.settings = catalog.settings
        self.store = SessionStore(
            paths.cache_dir(env) / "sessions",
            self._data_key,
            plaintext=self.settings.cache == "plaintext",
        )
        # The prompter of the credentials() call running on this thread: the session cache's key
        # may sit in a locked keyring file whose passphrase that caller's front end must ask for.
        self._asking = threading.local()

    def reload(self, catalog: Catalog) -> None:
        """Serve a re-read catalog (after `sso sync` or a config edit); cached sessions stay."""
        self.catalog = catalog
        self.settings = catalog.settings
        self.store.plaintext = self.settings.cache == "plaintext"

    def credentials(
        self,
        profile: str | Profile,
        prompter: Prompter,
        *,
        force_refresh: bool = False,
        min_seconds_left: int | None = None,
    ) -> Credentials:
        """Credentials for `profile`: cached when more than the margin is left, else fresh."""
        target = self.profile(profile)
        margin = max(self.settings.refresh_margin, min_seconds_left or 0)

        def wrap(inner: Provider, *, profile: str, kind: str, mfa_session: bool) -> Provider:
            # Only the requested session honours --refresh and the caller's margin; the sessions
            # beneath it (MFA session, intermediate roles) are reused while they are good.
            requested = profile == target.name and kind != "mfa"
            return CachedProvider(
                inner,
                self.store,
                profile=profile,
                kind=kind,
                mfa_session=mfa_session,
                margin=margin if requested else self.settings.refresh_margin,
                clock=self.clock,
                force_refresh=force_refresh and requested,
            )

        chain = build_chain(target, self.catalog, self.env, prompter, self.settings, wrap=wrap)
        outer = getattr(self._asking, "prompter", None)
        self._asking.prompter = prompter
        try:
            creds = chain.retrieve()
        finally:
            self._asking.prompter = outer
        self._check_time_left(target, creds, min_seconds_left or 0)
        if isinstance(chain, CachedProvider):
            # Imported here: it loads ctypes (kernel keyring), which the picker's start can skip.
            from xswitch.core import hotpath
            from xswitch.core.shell import choose_shell

            hotpath.remember(
                self.env,
                target.name,
                self.store.path(chain.identity()),
                region=target.region,
                shell=choose_shell(None, self.env, self.settings.shell),
                margin=self.settings.refresh_margin,
                encrypted=not self.store.plaintext,
                prod=self._prod(target),
            )
        return creds

    def _check_time_left(self, target: Profile, creds: Credentials, needed: int) -> None:
        """Never hand out credentials that are expired, or inside the margin the caller
        promised its own caller (credential_process: more than 15 minutes)."""
        left = creds.seconds_left()  # the real clock: the caller's tools use it
        expiration = creds.expiration
        if expiration is None or left is None or left > needed:
            return
        until = utc_text(expiration)
        if left <= 0:
            raise UnusableCredentials(
                f"The credentials obtained for profile '{target.name}' expired at {until}, by "
                "this computer's clock; they were not handed out.",
                "Their source gave out expired credentials, or this computer's clock is ahead. "
                "Check the clock (time synchronisation), then run 'xswitch login "
                f"{target.name}'.",
            )
        from xswitch.core.times import countdown, local_time

        raise UnusableCredentials(
            f"The credentials obtained for profile '{target.name}' are good for only "
            f"{countdown(left)} more (until {local_time(expiration)}), less than the "
            f"{needed // 60} minutes this command promises; they were not handed out.",
            "The session lasts too short (duration_seconds of the profile, or the session "
            "duration of the SSO permission set), or its source or this computer has a wrong "
            "clock. Raise the duration or check the clock, then try again.",
        )

    def _prod(self, profile: Profile) -> bool:
        client = self.catalog.client(profile.client)
        return bool(client and client.prod)

    def cached_sessions(self) -> dict[str, SessionInfo]:
        """Profile name -> cached session expiry, expired ones included. No keyring, no network."""
        sessions: dict[str, SessionInfo] = {}
        for entry in self.store.entries():
            if entry.kind not in CACHED_KINDS:
                continue
            known = sessions.get(entry.profile)
            if known is None or entry.expiration > known.expiration:
                sessions[entry.profile] = SessionInfo(
                    entry.profile, entry.expiration, entry.mfa_session
                )
        return sessions

    def mfa_sessions(self) -> list[MfaSessionInfo]:
        """Cached MFA (GetSessionToken) sessions, expired ones included, latest expiry first,
        with the roles each one serves. Metadata only: no keyring, no network."""
        entries = [entry for entry in self.store.entries() if entry.kind == "mfa"]
        groups = mfa_groups(self.catalog) if entries else {}
        found: dict[tuple[str, str | None], MfaSessionInfo] = {}
        for entry in entries:
            covers = tuple(
                name
                for (serial, source), names in groups.items()
                if source == entry.profile and entry.mfa_serial in (None, serial)
                for name in names
            )
            key = (entry.profile, entry.mfa_serial)
            known = found.get(key)
            if known is None or entry.expiration > known.expiration:
                found[key] = MfaSessionInfo(
                    entry.profile, entry.mfa_serial, entry.expiration, covers
                )
        return sorted(found.values(), key=lambda info: info.expiration, reverse=True)

    def logout(self, profile: str | None = None) -> list[str]:
        """Forget the cached sessions of `profile` (and MFA sessions of it as a source); None: all.

        Returns the names whose sessions were forgotten.
        """
        forgotten: set[str] = set()
        for entry in self.store.entries():
            if profile is None or entry.profile == profile:
                self.store.delete(entry.path)
                forgotten.add(entry.profile)
        from xswitch.core import hotpath

        # The cached-switch pointers go too: a damaged one would otherwise be reported again
        # after the logout that was meant to clean up.
        for name in forgotten if profile is not None else ():
            hotpath.forget(self.env, name)
        if profile is None:
            self.store.delete_set_aside()
            hotpath.forget(self.env)
        from xswitch.core import agentlink

        # The agent holds sessions in memory too: its shells get a new one at their next call.
        agentlink.forget(self.env, profile)
        return sorted(forgotten)

    def caller_identity(self, profile: str | Profile, prompter: Prompter) -> dict[str, str]:
        """STS GetCallerIdentity with the profile's credentials: Account, Arn, UserId."""
        target = self.profile(profile)
        creds = self.credentials(target, prompter)
        client = sts_client(
            creds, region_for(target, self.env), self.env, timeout=self.settings.network_timeout
        )
        response = call_sts(client.get_caller_identity, target, "GetCallerIdentity", client)
        return {key: str(response.get(key, "")) for key in ("Account", "Arn", "UserId")}

    def unlocks(self, profile: str | Profile) -> list[str]:
        """The profiles one MFA code for `profile` unlocks (empty when it needs no MFA)."""
        return mfa_unlocks(self.profile(profile), self.catalog)

    def chain_description(self, profile: str | Profile) -> list[str]:
        """How credentials for `profile` are obtained, source first. No network, no prompt."""
        chain = build_chain(self.profile(profile), self.catalog, self.env, _NobodyToAsk())
        return chain.chain()

    def profile(self, profile: str | Profile) -> Profile:
        if isinstance(profile, Profile):
            return profile
        found = self.catalog.profiles.get(profile)
        if found is not None:
            return found
        try:
            from xswitch.core.config import resolve
        except ImportError:
            raise UnknownProfile(profile, []) from None
        return resolve(self.catalog, profile)

    def _data_key(self) -> bytes:
        from xswitch.core.vault import Vault

        return Vault(self.env, getattr(self._asking, "prompter", None)).data_key()
