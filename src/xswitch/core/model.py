"""Domain values shared by every layer: profiles, clients, the catalog, credentials, prompts.

Plain frozen dataclasses with no I/O, so the UI, the CLI and the engine can pass them around freely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from xswitch.core.text import whole_number

_ARN_ACCOUNT = re.compile(r"^arn:[\w-]+:(?:iam|sts)::(\d{12}):", re.ASCII)


class Kind(StrEnum):
    """How a profile obtains credentials."""

    ROLE = "role"  # AssumeRole from a source (source_profile or credential_source)
    SSO = "sso"  # IAM Identity Center role
    KEYS = "keys"  # long-lived keys (keyring or ~/.aws/credentials)
    PROCESS = "process"  # credential_process of another tool
    OTHER = "other"  # settings only (region...), no credentials of its own


class Origin(StrEnum):
    """Where a profile was defined."""

    AWS = "aws"  # ~/.aws/config and/or ~/.aws/credentials
    XSWITCH = "xswitch"  # xswitch's config.toml
    SSO_SYNC = "sso-sync"  # discovered by `xswitch sso sync`


@dataclass(frozen=True)
class Profile:
    """One way to obtain credentials for one account.

    `settings` holds every key of the profile exactly as configured (lower-cased option names,
    string values), after merging the credentials file over the config file the way botocore
    does. Static secrets never live here: `aws_secret_access_key` and `aws_session_token` are
    dropped from `settings` and kept in `static_keys`, which is excluded from repr.
    """

    name: str
    kind: Kind
    origin: Origin = Origin.AWS
    client: str = ""  # key of the Client this profile is grouped under
    settings: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    static_keys: Credentials | None = field(default=None, repr=False, compare=False)
    keyring_name: str | None = None  # long-lived keys kept in the keyring under this name
    stale: bool = False  # an SSO role that disappeared at the last sync

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.settings.get(key, default)

    @property
    def region(self) -> str | None:
        return self.settings.get("region")

    def region_in(self, env: Mapping[str, str]) -> str | None:
        """The region to use: the profile's own, else AWS_REGION, else AWS_DEFAULT_REGION."""
        return self.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")

    @property
    def role_arn(self) -> str | None:
        return self.settings.get("role_arn")

    @property
    def source_profile(self) -> str | None:
        return self.settings.get("source_profile")

    @property
    def credential_source(self) -> str | None:
        return self.settings.get("credential_source")

    @property
    def external_id(self) -> str | None:
        return self.settings.get("external_id")

    @property
    def mfa_serial(self) -> str | None:
        return self.settings.get("mfa_serial")

    @property
    def duration_seconds(self) -> int | None:
        return whole_number(self.settings.get("duration_seconds"))

    @property
    def role_session_name(self) -> str | None:
        return self.settings.get("role_session_name")

    @property
    def sso_session(self) -> str | None:
        return self.settings.get("sso_session")

    @property
    def account_id(self) -> str | None:
        if self.kind is Kind.SSO:
            return self.settings.get("sso_account_id")
        match = _ARN_ACCOUNT.match(self.role_arn or "")
        if match:
            return match.group(1)
        account = self.settings.get("aws_account_id")
        return account if account and whole_number(account) is not None else None

    @property
    def role_name(self) -> str | None:
        if self.kind is Kind.SSO:
            return self.settings.get("sso_role_name")
        arn = self.role_arn
        if arn and ":role/" in arn:
            return arn.rsplit("/", 1)[-1]
        return None


@dataclass(frozen=True)
class SsoSession:
    """An `[sso-session NAME]` section, or the pseudo-session of a legacy `sso_start_url`."""

    name: str  # the section name; for legacy profiles the start URL
    start_url: str
    region: str
    scopes: tuple[str, ...] = ()
    legacy: bool = False  # legacy tokens are cached under sha1(start_url) and never refreshed


@dataclass(frozen=True)
class Client:
    """A group of profiles for one customer or environment."""

    key: str  # stable identifier (config.toml table name, or a derived group name)
    name: str  # display name
    color: str | None = None  # CSS colour, e.g. "#e5484d" or "green"
    prod: bool = False
    notes: str = ""
    tags: tuple[str, ...] = ()
    derived: bool = False  # grouped automatically, not defined in config.toml
    browser: str | None = None  # how this client's console opens (core.browser); None: default


@dataclass(frozen=True)
class Settings:
    """xswitch's own settings (the `[settings]` table of config.toml)."""

    session_name: str = ""  # default RoleSessionName; empty means derived from the user name
    refresh_margin: int = 600  # seconds: a session with less left is refreshed
    shell: str = "bash"  # default shell syntax for export lines: bash, zsh, fish, powershell
    cache: str = "encrypted"  # session cache: "encrypted" or "plaintext"
    theme: str = "dark"
    sso_rate_limit: float = 10.0  # SSO portal requests per second during sync
    mfa_session_duration: int = 28800  # seconds an MFA GetSessionToken session lasts (a workday)
    network_timeout: int = 15  # seconds each attempt of an AWS call may take, all in all
    catalog_pull_hours: int = 24  # shared catalogs are pulled in the background this often; 0 never
    browser: str = "default"  # how URLs open unless a client says otherwise (core.browser)
    keys: tuple[tuple[str, str], ...] = ()  # [keys]: picker action id -> key(s), as written


@dataclass(frozen=True)
class Layers:
    """What the shared catalogs (git) brought, under the user's own configuration."""

    names: tuple[str, ...] = ()  # the catalogs followed, lowest precedence first
    profiles: Mapping[str, str] = field(default_factory=dict)  # profile name -> its catalog
    clients: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key -> catalogs
    problems: tuple[str, ...] = ()  # catalogs left out, and why


@dataclass(frozen=True)
class Catalog:
    """Every client and profile xswitch knows about, in display order."""

    clients: tuple[Client, ...]
    profiles: Mapping[str, Profile]  # by profile name, in display order
    sso_sessions: Mapping[str, SsoSession] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    layers: Layers = field(default_factory=Layers)

    def source_of(self, profile: Profile) -> str:
        """Where `profile` is defined: `catalog:NAME`, `config.toml` or `aws` (the AWS files)."""
        if profile.origin is Origin.AWS:
            return "aws"  # the AWS files win: a catalog only groups a profile they define
        shared = self.layers.profiles.get(profile.name)
        return f"catalog:{shared}" if shared is not None else "config.toml"

    def client(self, key: str) -> Client | None:
        return self._clients_by_key.get(key)

    @cached_property
    def _clients_by_key(self) -> dict[str, Client]:
        # Looked up once per profile by `list` and the picker: a scan per lookup was quadratic.
        by_key: dict[str, Client] = {}
        for client in self.clients:
            by_key.setdefault(client.key, client)
        return by_key

    def profiles_of(self, client_key: str) -> list[Profile]:
        return [p for p in self.profiles.values() if p.client == client_key]

    def sso_session_of(self, profile: Profile) -> SsoSession | None:
        """The SSO session a profile signs in with: its `sso_session`, or the pseudo-session of
        its legacy `sso_start_url`; None when it names none that exists."""
        return self.sso_sessions.get(profile.sso_session or profile.get("sso_start_url") or "")


@dataclass(frozen=True)
class Credentials:
    """AWS credentials; temporary ones carry an expiry (timezone-aware, UTC)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None
    # The GetSessionToken/AssumeRole path that produced them, e.g. ("keys:me", "mfa", "role:acme").
    via: tuple[str, ...] = ()

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expiration is None:
            return None
        return (self.expiration - (now or datetime.now(UTC))).total_seconds()


@dataclass(frozen=True)
class SessionInfo:
    """What is known about a cached session without decrypting it (safe to show, no secrets)."""

    profile: str
    expiration: datetime
    mfa_session: bool = False  # derived from an MFA GetSessionToken session (role capped at 1 h)


@dataclass(frozen=True)
class MfaSessionInfo:
    """A cached MFA (GetSessionToken) session, from metadata only: which source keys it was
    obtained with, and the roles that use it instead of asking for another code."""

    source: str  # the roles' source_profile (or credential_source=...)
    mfa_serial: str | None  # None for sessions cached before the device was recorded
    expiration: datetime
    covers: tuple[str, ...]  # role profiles assumed from this session, in catalog order

    def seconds_left(self, now: datetime) -> float:
        return (self.expiration - now).total_seconds()


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the user needs to approve an SSO device login."""

    session: str
    verification_uri: str
    verification_uri_complete: str
    user_code: str
    expires_in: int


MFA_CODE_RULE = "MFA codes are 6 digits (the number your device shows now)."


def valid_mfa_code(code: str) -> bool:
    """True for a code AWS may accept: exactly six ASCII digits."""
    return len(code) == 6 and code.isascii() and code.isdigit()


class Prompter(Protocol):
    """How the engine asks the person in front of the screen for something.

    The CLI answers on /dev/tty (or from --mfa-code / XSWITCH_MFA_CODE), the TUI with modals.
    Implementations raise `errors.PromptCancelled` when the user cancels and
    `errors.NoTerminal` when nobody can be asked.
    """

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        """A one-time code for MFA device `serial`; `unlocks` names the profiles it serves.

        `problem`: why the previous code was refused (malformed, wrong or expired), or None.
        """
        ...

    def sso_device_code(self, authorization: DeviceAuthorization) -> None:
        """Show the verification URL and code; return at once (the engine polls)."""
        ...

    def sso_browser_login(self, session: str, url: str) -> None:
        """Say that a browser was sent to `url` to sign in to SSO session `session` (the
        authorization code grant); return at once (the engine waits for the redirect and
        checks `cancelled()`)."""
        ...

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        """The passphrase of xswitch's encrypted keyring file at `path`.

        `new`: the file is being created, so the person chooses one (and confirms it).
        `problem`: why the previous answer was refused ("does not unlock ..."), or None.
        """
        ...

    def cancelled(self) -> bool:
        """True once the user gave up waiting (long polls check this)."""
        ...
