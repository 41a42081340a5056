"""The one entry point of the engine: credentials for a profile (`SessionManager`).

`SessionManager.credentials()` returns a cached session when enough of it is left (no network, no
prompt, no botocore import); otherwise it builds the provider chain, obtains fresh credentials and
stores them. Caching is a decorator (`session_store.CachedProvider`) around the AssumeRole, MFA
session and SSO providers; the files and their locks are `session_store.SessionStore`'s.

All AWS calls use `env` (endpoint, region, AWS_CONFIG_FILE), so a SessionManager built with a custom
environment talks to the endpoint that environment names.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xswitch.core import paths
from xswitch.core.errors import (
    CredentialError,
    UnknownProfile,
    UnusableCredentials,
)
from xswitch.core.model import (
    Catalog,
    Credentials,
    MfaSessionInfo,
    Profile,
    Prompter,
    SessionInfo,
)
from xswitch.core.providers.base import Provider, region_for
from xswitch.core.providers.chain import build_chain
from xswitch.core.providers.mfa import mfa_groups, mfa_unlocks
from xswitch.core.session_store import CachedProvider, SessionStore
from xswitch.core.times import utc_text

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class CallerIdentity:
    """Who AWS says the credentials of a profile are (STS GetCallerIdentity)."""

    account: str
    arn: str
    user_id: str


# --- the entry point --------------------------------------------------------------------------


class _NobodyToAsk:
    """A prompter for building chains that are only described, never run."""

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        raise CredentialError("No MFA code can be asked for here.")

    def sso_device_code(self, authorization: Any) -> None:
        raise CredentialError("No SSO login can be started here.")

    def sso_browser_login(self, session: str, url: str) -> None:
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

    def caller_identity(self, profile: str | Profile, prompter: Prompter) -> CallerIdentity:
        """STS GetCallerIdentity with the profile's credentials."""
        from xswitch.core.aws.clients import signed_client
        from xswitch.core.aws.errors import Call, attempt

        target = self.profile(profile)
        creds = self.credentials(target, prompter)
        region = region_for(target, self.env)
        client = signed_client(
            "sts", creds, region, self.env, timeout=self.settings.network_timeout
        )
        call = Call("sts", "GetCallerIdentity", profile=target, client=client)
        response = attempt(client.get_caller_identity, call)
        return CallerIdentity(
            account=str(response.get("Account", "")),
            arn=str(response.get("Arn", "")),
            user_id=str(response.get("UserId", "")),
        )

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
