"""The rows `list` and `whoami` show (and print as JSON): small frozen dataclasses whose
`to_json()` is the command's `--json` object, keys in the documented order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xswitch.core.model import Catalog, MfaSessionInfo, Profile
from xswitch.core.times import rfc3339

if TYPE_CHECKING:
    from xswitch.core.model import Prompter, SessionInfo
    from xswitch.core.sessions import SessionManager


def session_state(left: int | None, margin: int) -> str:
    if left is None:
        return "none"
    if left <= 0:
        return "expired"
    return "expiring" if left < margin else "live"


@dataclass(frozen=True)
class MfaSessionRow:
    source: str
    mfa_serial: str | None
    expires_at: str
    seconds_left: int
    covers: tuple[str, ...]

    @classmethod
    def of(cls, mfa: MfaSessionInfo, now: datetime) -> MfaSessionRow:
        left = max(int(mfa.seconds_left(now)), 0)
        return cls(mfa.source, mfa.mfa_serial, rfc3339(mfa.expiration), left, mfa.covers)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mfa_serial": self.mfa_serial,
            "expires_at": self.expires_at,
            "seconds_left": self.seconds_left,
            "covers": list(self.covers),
        }


@dataclass(frozen=True)
class ProfileRow:
    """One profile as `list` shows it; `to_json()` is its `--json` object, keys in this order."""

    profile: str
    client: str
    client_key: str
    prod: bool
    kind: str
    account_id: str | None
    role: str | None
    role_arn: str | None
    region: str | None
    mfa_serial: str | None
    tags: tuple[str, ...]
    source: str  # Catalog.source_of: "aws", "config.toml" or "catalog:NAME"
    expires: datetime | None
    seconds_left: int | None
    state: str
    mfa_session_cap: bool
    mfa_session: MfaSessionRow | None

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "client": self.client,
            "client_key": self.client_key,
            "prod": self.prod,
            "kind": self.kind,
            "account_id": self.account_id,
            "role": self.role,
            "role_arn": self.role_arn,
            "region": self.region,
            "mfa_serial": self.mfa_serial,
            "tags": list(self.tags),
            "source": self.source,
            "expires_at": rfc3339(self.expires) if self.expires else None,
            "seconds_left": self.seconds_left,
            "state": self.state,
            "mfa_session_cap": self.mfa_session_cap,
            "mfa_session": self.mfa_session.to_json() if self.mfa_session else None,
        }


def profile_rows(
    catalog: Catalog,
    sessions: Mapping[str, SessionInfo],
    mfa_sessions: list[MfaSessionInfo],
    now: datetime,
) -> list[ProfileRow]:
    """Every profile with its session's state; `mfa_sessions` the live ones."""
    from xswitch.core.sessions import live_mfa_session

    rows = []
    for profile in catalog.profiles.values():
        client = catalog.client(profile.client)
        info = sessions.get(profile.name)
        left = int((info.expiration - now).total_seconds()) if info else None
        mfa = live_mfa_session(profile.name, mfa_sessions, now) if mfa_sessions else None
        rows.append(
            ProfileRow(
                profile=profile.name,
                client=client.name if client else profile.client,
                client_key=profile.client,
                prod=bool(client and client.prod),
                kind=profile.kind.value,
                account_id=profile.account_id,
                role=profile.role_name,
                role_arn=profile.role_arn,
                region=profile.region,
                mfa_serial=profile.mfa_serial,
                tags=tuple(profile.tags),
                source=catalog.source_of(profile),
                expires=info.expiration if info else None,
                seconds_left=max(left, 0) if left is not None else None,
                state=session_state(left, catalog.settings.refresh_margin),
                mfa_session_cap=bool(info and info.mfa_session),
                mfa_session=MfaSessionRow.of(mfa, now) if mfa else None,
            )
        )
    return rows


@dataclass(frozen=True)
class IdentityRow:
    """`whoami`: who the credentials belong to, and their session."""

    profile: str
    account: str | None
    arn: str | None
    user_id: str | None
    expires: datetime | None
    mfa_session_cap: bool
    mfa_session: MfaSessionRow | None

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "account": self.account,
            "arn": self.arn,
            "user_id": self.user_id,
            "expires_at": rfc3339(self.expires) if self.expires else None,
            "mfa_session_cap": self.mfa_session_cap,
            "mfa_session": self.mfa_session.to_json() if self.mfa_session else None,
        }


def whoami(
    manager: SessionManager, profile: Profile, prompter: Prompter, now: datetime
) -> tuple[IdentityRow, MfaSessionInfo | None]:
    """GetCallerIdentity with the profile's credentials, with its cached session's expiry and
    the MFA session it was assumed from."""
    from xswitch.core.sessions import live_mfa_session

    identity = manager.caller_identity(profile, prompter)
    info = manager.cached_sessions().get(profile.name)
    mfa = live_mfa_session(profile.name, manager.mfa_sessions(), now)
    row = IdentityRow(
        profile=profile.name,
        account=identity.account,
        arn=identity.arn,
        user_id=identity.user_id,
        expires=info.expiration if info else None,
        mfa_session_cap=bool(info and info.mfa_session),
        mfa_session=MfaSessionRow.of(mfa, now) if mfa else None,
    )
    return row, mfa
