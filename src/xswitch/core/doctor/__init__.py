"""`xswitch doctor`: walk the chain of a profile and test every link against AWS.

One `Check` per link or property (configuration, region, source credentials, endpoint, clock,
identity, key age, MFA device, each AssumeRole or SSO step), each ok, warn or fail; a failure
carries its cause in the user's terms and the fix, by AWS error code (`advice`). Nothing is
cached: every link is obtained afresh, so the answer is today's. `report` holds what is reported,
`source` the checks of the chain's start, this module the walk and the links after it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from xswitch.core.doctor.advice import assume_role_advice
from xswitch.core.doctor.report import KEY_AGE_LIMIT, Check, Status, Walk, failed, lines
from xswitch.core.doctor.source import (
    check_identity,
    check_key_age,
    check_mfa_device,
    check_region,
    check_source_credentials,
)
from xswitch.core.errors import (
    AwsError,
    MissingSourceKeys,
    SsoLoginRequired,
    SsoRoleNotAssigned,
    XswitchError,
)
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Prompter

__all__ = ["KEY_AGE_LIMIT", "Check", "Status", "diagnose", "doctor_profiles", "failed", "lines"]


def doctor_profiles(catalog: Catalog) -> list[Profile]:
    """The profiles `doctor --all` examines: every one that obtains credentials."""
    return [p for p in catalog.profiles.values() if p.kind is not Kind.OTHER and not p.stale]


class _NoDeviceLogin:
    """The caller's prompter (MFA codes, keyring passphrase) that never starts an SSO device
    login: doctor reports a missing SSO login instead of waiting for one."""

    def __init__(self, inner: Prompter) -> None:
        self.inner = inner

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        if problem is None:
            return self.inner.mfa_code(serial, unlocks)
        return self.inner.mfa_code(serial, unlocks, problem=problem)

    def sso_device_code(self, authorization: Any) -> None:
        raise SsoLoginRequired(authorization.session)

    def sso_browser_login(self, session: str, url: str) -> None:
        raise SsoLoginRequired(session)

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        return self.inner.passphrase(path, new=new, problem=problem)

    def cancelled(self) -> bool:
        return self.inner.cancelled()

    def can_prompt(self) -> bool:
        return False


def diagnose(
    profile: Profile,
    catalog: Catalog,
    prompter: Prompter,
    env: Mapping[str, str] = os.environ,
) -> list[Check]:
    """Every check of `profile`'s chain, in the order they were made; stops at the first link
    that fails (the ones after it cannot be tested)."""
    from xswitch.core.providers.base import region_for
    from xswitch.core.providers.chain import build_chain

    walk = Walk(profile, catalog, env)

    def wrap(inner: Any, *, profile: str, kind: str, mfa_session: bool) -> Any:
        return _Recorder(inner, kind, profile, walk)

    try:
        chain = build_chain(
            profile, catalog, env, _NoDeviceLogin(prompter), catalog.settings, wrap=wrap
        )
    except MissingSourceKeys as error:
        walk.add("configuration", Status.OK, "the profile resolves")
        walk.add("source credentials", Status.FAIL, f"none found: {error.message}", fix=error.hint)
        return walk.checks
    except XswitchError as error:
        walk.add("configuration", Status.FAIL, error.message, fix=error.hint)
        return walk.checks
    links = " -> ".join(_unwrapped(chain).chain())
    walk.add("configuration", Status.OK, f"the profile resolves: {links}")
    region = region_for(profile, env)
    check_region(walk, region, configured=profile.region_in(env) is not None)
    leaf = _leaf(chain)
    creds = check_source_credentials(
        walk, leaf, _unwrapped(leaf).describe(), recorded=isinstance(leaf, _Recorder)
    )
    if creds is None:
        return walk.checks
    timeout = catalog.settings.network_timeout
    caller = check_identity(walk, creds, region, timeout)
    if caller is None:
        return walk.checks
    if not creds.session_token and caller.user_name:
        check_key_age(walk, creds, caller.user_name, region, timeout)
        serials = _mfa_serials(profile, catalog)
        if serials:
            check_mfa_device(walk, creds, caller.user_name, serials, region, timeout)
    walk.principal = caller.principal_arn
    # The rest of the chain, each link recorded by its wrapper as it is obtained.
    leaf.retrieve = lambda: creds
    try:
        chain.retrieve()
    except XswitchError as error:
        if not walk.failed:  # raised outside a link (a prompt cancelled, say)
            walk.add("chain", Status.FAIL, error.message, fix=error.hint)
    return walk.checks


def _unwrapped(provider: Any) -> Any:
    return provider.inner if isinstance(provider, _Recorder) else provider


def _leaf(chain: Any) -> Any:
    """The first provider of the chain: where the source credentials come from."""
    current = chain
    while True:
        source = getattr(_unwrapped(current), "source", None)
        if source is None:
            return current
        current = source


def _mfa_serials(profile: Profile, catalog: Catalog) -> list[str]:
    serials = []
    current: Profile | None = profile
    seen: set[str] = set()
    while current is not None and current.name not in seen:
        seen.add(current.name)
        if current.mfa_serial:
            serials.append(current.mfa_serial)
        source = current.source_profile
        current = catalog.profiles.get(source) if source and source != current.name else None
    return serials


# --- the links after the source -------------------------------------------------------------------


class _Recorder:
    """A chain link that records how obtaining it went (the cache hook of `build_chain`)."""

    def __init__(self, inner: Any, kind: str, profile: str, walk: Walk) -> None:
        self.inner = inner
        self.kind = kind
        self.profile = profile
        self.walk = walk
        self.temporary = getattr(inner, "temporary", True)
        self._result: Credentials | None = None

    def describe(self) -> str:
        return str(self.inner.describe())

    def identity(self) -> tuple[str, ...]:
        return tuple(self.inner.identity())

    def chain(self) -> list[str]:
        return list(self.inner.chain())

    def retrieve(self) -> Credentials:
        if self._result is not None:
            return self._result
        already_failed = self.walk.failed
        try:
            creds = self.inner.retrieve()
        except XswitchError as error:
            if not self.walk.failed and not already_failed:
                self._record_failure(error)
            raise
        self._record_success(creds)
        self._result = creds
        return creds

    @property
    def _name(self) -> str:
        role = getattr(self.inner, "role_arn", None)
        if self.kind == "role" and role:
            return f"AssumeRole {role}"
        if self.kind == "mfa":
            return "MFA session"
        return "SSO role"

    def _record_success(self, creds: Credentials) -> None:
        walk = self.walk
        until = f" (until {creds.expiration:%H:%M} UTC)" if creds.expiration else ""
        if self.kind == "role":
            walk.add(self._name, Status.OK, f"assumed as profile '{self.profile}'{until}")
            if getattr(self.inner, "capped", False):
                walk.add(
                    "session duration",
                    Status.WARN,
                    f"duration_seconds {self.inner.requested_duration} is capped to 1 hour",
                    cause="AWS limits a role assumed with temporary credentials (from another "
                    "role or an MFA session) to one hour: role chaining.",
                    fix="Lower duration_seconds to 3600, or assume the role straight from "
                    "long-lived keys without an MFA session (mfa_mode = direct).",
                )
            walk.principal = self.inner.role_arn
        elif self.kind == "mfa":
            walk.add(self._name, Status.OK, f"code accepted for {self.inner.mfa_serial}{until}")
        else:
            walk.add(self._name, Status.OK, f"{self.describe()}{until}")

    def _record_failure(self, error: XswitchError) -> None:
        walk = self.walk
        code = error.code if isinstance(error, AwsError) else ""
        if isinstance(error, SsoLoginRequired):
            walk.add(
                "SSO login",
                Status.FAIL,
                f"no valid login to SSO session '{error.session}'",
                cause="The SSO token is missing or expired (or was revoked).",
                fix=f"Run 'xswitch sso login {error.session}', then doctor again.",
            )
            return
        if isinstance(error, SsoRoleNotAssigned):
            walk.add(
                self._name,
                Status.FAIL,
                error.message,
                cause="You have no access to this account/role: the permission set is not (or "
                "no longer) assigned to you in IAM Identity Center.",
                fix="Ask your AWS administrator for the assignment, or run 'xswitch sso sync' to "
                "see the roles you do have.",
                code=code,
            )
            return
        cause, fix = error.hint, ""
        if self.kind == "role":
            cause, fix = assume_role_advice(
                code, error, self.inner, walk.principal, self._client_name()
            )
        walk.add(self._name, Status.FAIL, error.message, cause=cause, fix=fix, code=code)

    def _client_name(self) -> str:
        profile = self.walk.catalog.profiles.get(self.profile)
        return profile.client if profile and profile.client else "CLIENT"
