"""`xswitch doctor`: walk the chain of a profile and test every link against AWS.

One `Check` per link or property (configuration, region, source credentials, endpoint, clock,
identity, key age, MFA device, each AssumeRole or SSO step), each ok, warn or fail; a failure
carries its cause in the user's terms and the fix, by AWS error code (for AccessDenied: both
candidates, your side's permission and their trust policy, with the policy that fixes each).
Nothing is cached: every link is obtained afresh, so the answer is today's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from xswitch.core import iam, policies
from xswitch.core.errors import (
    AwsError,
    EndpointMisbehaved,
    EndpointUnreachable,
    MissingSourceKeys,
    SsoLoginRequired,
    SsoRoleNotAssigned,
    XswitchError,
)
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Prompter

KEY_AGE_LIMIT = 90  # days: rotate long-lived keys older than this
CLOCK_SKEW_LIMIT = 300  # seconds: AWS refuses signatures further off than this
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")  # fmt: skip


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis; `cause` and `fix` explain a warning or a failure."""

    profile: str
    name: str
    status: Status
    summary: str
    cause: str = ""
    fix: str = ""
    code: str = ""  # the AWS error code behind a failure, if any

    def as_json(self) -> dict[str, str]:
        return {
            "profile": self.profile,
            "check": self.name,
            "status": str(self.status),
            "summary": self.summary,
            "cause": self.cause,
            "fix": self.fix,
            "code": self.code,
        }


def failed(checks: list[Check]) -> bool:
    return any(check.status is Status.FAIL for check in checks)


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

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        return self.inner.passphrase(path, new=new, problem=problem)

    def cancelled(self) -> bool:
        return self.inner.cancelled()

    def can_prompt(self) -> bool:
        return False


@dataclass
class _Walk:
    """State shared by the links of one diagnosis."""

    profile: Profile
    catalog: Catalog
    env: Mapping[str, str]
    checks: list[Check] = field(default_factory=list)
    principal: str = ""  # who the next AssumeRole is made by (a trust policy's principal)
    failed: bool = False

    def add(self, name: str, status: Status, summary: str, **more: str) -> None:
        self.checks.append(Check(self.profile.name, name, status, summary, **more))
        self.failed = self.failed or status is Status.FAIL


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

    walk = _Walk(profile, catalog, env)
    recorders: list[_Recorder] = []

    def wrap(inner: Any, *, profile: str, kind: str, mfa_session: bool) -> Any:
        recorder = _Recorder(inner, kind, profile, walk)
        recorders.append(recorder)
        return recorder

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
    _check_region(walk, region, configured=profile.region_in(env) is not None)
    leaf = _leaf(chain)
    creds = _source_credentials(walk, leaf)
    if creds is None:
        return walk.checks
    timeout = catalog.settings.network_timeout
    caller = _identity(walk, creds, region, timeout)
    if caller is None:
        return walk.checks
    if not creds.session_token and caller.user_name:
        _key_age(walk, creds, caller.user_name, region, timeout)
        serials = _mfa_serials(profile, catalog)
        if serials:
            _mfa_device(walk, creds, caller.user_name, serials, region, timeout)
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


# --- the checks -----------------------------------------------------------------------------------


def _check_region(walk: _Walk, region: str, *, configured: bool) -> None:
    known = known_regions()
    if not known or region in known:
        how = "" if configured else " (none set: the default, where STS is called)"
        walk.add("region", Status.OK, f"{region}{how}")
        return
    walk.add(
        "region",
        Status.WARN,
        f"{region} is not a region this version of botocore knows",
        cause="A typo in the profile's region (or AWS_REGION), or a region newer than botocore.",
        fix="Check the spelling (e.g. eu-west-1); update boto3 if the region is new.",
    )


def known_regions() -> set[str]:
    """Every region of every partition in botocore's endpoint data (no network)."""
    try:
        import botocore.session

        session = botocore.session.get_session()
        regions: set[str] = set()
        for partition in session.get_available_partitions():
            regions.update(session.get_available_regions("sts", partition))
        return regions
    except Exception:  # endpoint data missing: no opinion rather than a false alarm
        return set()


def _source_credentials(walk: _Walk, leaf: Any) -> Credentials | None:
    inner = _unwrapped(leaf)
    where = inner.describe()
    try:
        creds = leaf.retrieve()
    except MissingSourceKeys as error:
        walk.add("source credentials", Status.FAIL, f"none found: {error.message}", fix=error.hint)
        return None
    except XswitchError as error:
        if not walk.failed:
            walk.add("source credentials", Status.FAIL, error.message, fix=error.hint)
        return None
    if not isinstance(leaf, _Recorder):
        walk.add("source credentials", Status.OK, f"found: {where}")
    return creds


def _identity(walk: _Walk, creds: Credentials, region: str, timeout: float) -> iam.Caller | None:
    """GetCallerIdentity with the source credentials: the endpoint, the clock, the keys."""
    from botocore.exceptions import ClientError

    from xswitch.core.aws.errors import Call, translate

    sts = iam.client("sts", creds, walk.env, timeout=timeout, region=region)
    url = str(getattr(sts, "xswitch_limits", {}).get("endpoint") or sts.meta.endpoint_url)
    proxies = proxy_summary(walk.env)
    try:
        response = sts.get_caller_identity()
    except Exception as error:
        problem = translate(error, Call("sts", "GetCallerIdentity", walk.profile, client=sts))
        if isinstance(problem, EndpointUnreachable | EndpointMisbehaved):
            walk.add(
                "endpoint",
                Status.FAIL,
                f"{url} could not be used{proxies}",
                cause=problem.message,
                fix=problem.hint
                + (" Check the proxy settings shown." if "proxy settings" in proxies else ""),
            )
            return None
        skewed = False
        if isinstance(error, ClientError):
            walk.add("endpoint", Status.OK, f"{url} answered{proxies}")
            skewed = _clock(walk, error.response)
        code = getattr(problem, "code", "")
        cause, fix = _credential_advice(code, problem, skewed)
        walk.add("source credentials work", Status.FAIL, problem.message, cause=cause, fix=fix,
                 code=code)  # fmt: skip
        return None
    walk.add("endpoint", Status.OK, f"{url} answered{proxies}")
    _clock(walk, response)
    caller = iam.Caller(
        str(response.get("Arn", "")), str(response.get("Account", "")),
        str(response.get("UserId", "")),
    )  # fmt: skip
    walk.add("source credentials work", Status.OK, f"AWS knows them: {caller.arn}")
    return caller


def _clock(walk: _Walk, response: Any, now: datetime | None = None) -> bool:
    """Compare this computer's clock with STS's Date header; True when it is too far off."""
    from xswitch.core.providers.base import server_date

    server = server_date(response)
    if server is None:
        walk.add("clock", Status.WARN, "STS's answer had no Date header to compare with")
        return False
    skew = ((now or datetime.now(UTC)) - server).total_seconds()
    if abs(skew) <= CLOCK_SKEW_LIMIT:
        walk.add("clock", Status.OK, f"within {max(1, round(abs(skew)))} s of AWS's")
        return False
    direction = "ahead of" if skew > 0 else "behind"
    walk.add(
        "clock",
        Status.FAIL,
        f"this computer's clock is {_span(abs(skew))} {direction} AWS's "
        f"(AWS says {server:%Y-%m-%d %H:%M:%S} UTC)",
        cause="AWS refuses requests signed more than 5 minutes away from its own time "
        "(SignatureDoesNotMatch or 'Signature expired').",
        fix="Set the clock right: enable time synchronisation (e.g. 'timedatectl set-ntp true', "
        "or the Date & Time settings), then run doctor again.",
    )
    return True


def _span(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes / 60:.1f} hours"


def _key_age(walk: _Walk, creds: Credentials, user: str, region: str, timeout: float) -> None:
    try:
        client = iam.client("iam", creds, walk.env, timeout=timeout, region=region)
        keys = iam.access_keys(client, user)
    except XswitchError as error:
        walk.add(
            "key age",
            Status.WARN,
            "unknown: IAM did not allow ListAccessKeys"
            if iam.is_denied(error)
            else f"unknown: {error.message}",
            fix="Allow iam:ListAccessKeys on your own user to have key ages checked.",
        )
        return
    key = next((k for k in keys if k.key_id == creds.access_key_id), None)
    if key is None:
        walk.add("key age", Status.WARN, "unknown: IAM did not list this key for " + user)
        return
    age = key.age_days()
    if age > KEY_AGE_LIMIT:
        walk.add(
            "key age",
            Status.WARN,
            f"{iam.masked(key.key_id)} is {age} days old (over {KEY_AGE_LIMIT})",
            cause="Long-lived keys should be rotated regularly; an old key has had more chances "
            "to leak.",
            fix="Rotate it: 'xswitch keys rotate NAME' (NAME: the keys' name in 'xswitch keys "
            "list').",
        )
    else:
        walk.add("key age", Status.OK, f"{iam.masked(key.key_id)} is {age} days old")


def _mfa_device(
    walk: _Walk, creds: Credentials, user: str, serials: list[str], region: str, timeout: float
) -> None:
    try:
        client = iam.client("iam", creds, walk.env, timeout=timeout, region=region)
        devices = iam.mfa_devices(client, user)
    except XswitchError as error:
        walk.add(
            "MFA device",
            Status.WARN,
            f"{serials[0]}: not checked (IAM did not allow ListMFADevices)"
            if iam.is_denied(error)
            else f"{serials[0]}: not checked ({error.message})",
        )
        return
    for serial in serials:
        if serial in devices:
            walk.add("MFA device", Status.OK, f"{serial} belongs to {user}")
        else:
            walk.add(
                "MFA device",
                Status.FAIL,
                f"{serial} is not an MFA device of {user}",
                cause="mfa_serial must name a device of the identity the role is assumed from; "
                "codes from another device are refused.",
                fix="Set mfa_serial to one of: "
                + (
                    ", ".join(devices)
                    or "(no device; add one in IAM > Users > Security credentials)"
                )
                + ".",
            )


def proxy_summary(env: Mapping[str, str]) -> str:
    """' (through HTTPS_PROXY=http://proxy:3128, ...)' with passwords masked, or ''."""
    shown = [f"{name}={_without_password(env[name])}" for name in PROXY_VARIABLES if env.get(name)]
    return f" (proxy settings: {', '.join(shown)})" if shown else " (no proxy variables set)"


def _without_password(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.password:
            host = parts.hostname or ""
            netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "(unreadable)"
    return url


# --- the links after the source -------------------------------------------------------------------


class _Recorder:
    """A chain link that records how obtaining it went (the cache hook of `build_chain`)."""

    def __init__(self, inner: Any, kind: str, profile: str, walk: _Walk) -> None:
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


# --- advice by error code -------------------------------------------------------------------------


def _credential_advice(code: str, problem: XswitchError, skewed: bool) -> tuple[str, str]:
    clock = " The clock check above failed: fix the clock first." if skewed else ""
    if code == "InvalidClientTokenId":
        return (
            "AWS does not know this access key: it was deleted or deactivated in IAM, belongs to "
            "another partition (China, GovCloud), or is a temporary key without its token.",
            "Create a new access key for your user in IAM and store it with 'xswitch keys add "
            "NAME --force' (or rotate an old one with 'xswitch keys rotate NAME').",
        )
    if code == "SignatureDoesNotMatch":
        return (
            "The secret access key does not belong to the access key ID (mistyped, truncated, or "
            "from another pair), or this computer's clock is wrong." + clock,
            "Store the right pair again with 'xswitch keys add NAME --force'.",
        )
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        return (
            "The source credentials are temporary and have expired (a session token in the "
            "environment or in ~/.aws/credentials)." + clock,
            "Get fresh ones from where they came from (unset AWS_SESSION_TOKEN and friends if "
            "they are stale), or use long-lived keys from the keyring as the source.",
        )
    return problem.hint + clock, ""


def assume_role_advice(
    code: str, error: XswitchError, provider: Any, principal: str, client: str
) -> tuple[str, str]:
    """(cause, fix) for an AssumeRole failure, by AWS error code."""
    role = str(getattr(provider, "role_arn", "") or "the role")
    external_id = getattr(provider, "external_id", None)
    mfa = bool(getattr(provider, "mfa_serial", None))
    text = str(error)
    if code in ("AccessDenied", "AccessDeniedException"):
        who = principal or "your identity"
        yours = policies.compact(policies.identity_policy([role]))
        theirs = policies.compact(policies.trust_policy(principal or "YOUR-ARN", external_id, mfa))
        extra = []
        if external_id:
            extra.append(
                "The external ID is case-sensitive and must match the trust policy's exactly "
                "(compare it character by character with what the client set)."
            )
        else:
            extra.append(
                "No external_id is configured: a third party's trust policy usually requires "
                "one; ask the client for it."
            )
        extra.append(
            "If their trust policy requires MFA (aws:MultiFactorAuthPresent), the profile needs "
            "mfa_serial" + (" (it has one: check the device)." if mfa else " (it has none).")
        )
        cause = (
            "AWS gives the same AccessDenied for two different problems, one on each side. "
            f"(1) Your side: {who} is not allowed sts:AssumeRole on {role} - the part that is "
            f"often missed. (2) Their side: the trust policy of {role} does not trust {who}. "
            + " ".join(extra)
        )
        fix = (
            f"(1) Attach to {who} in your account: {yours} "
            f"(2) The client sets as the role's trust policy (Trust relationships tab): {theirs} "
            f"- 'xswitch client policy {client}' prints both and a request to send."
        )
        return cause, fix
    if code == "ValidationError" and "chaining" in text:
        return (
            "AWS limits a role assumed from another role's session (role chaining) to one hour.",
            "Set duration_seconds = 3600 (or less) in the profile.",
        )
    if code == "ValidationError" and "DurationSeconds" in text:
        wanted = getattr(provider, "duration", None)
        return (
            f"The requested session duration ({wanted} s) is above the role's maximum session "
            "duration (1 hour unless the client raised it).",
            "Lower duration_seconds in the profile, or ask the client to raise the role's "
            "maximum session duration (IAM > Roles > the role > Edit, up to 12 hours).",
        )
    if code == "RegionDisabledException":
        return (
            "STS is not activated in this region for the account that owns the role.",
            "Set the profile's region to an active one (us-east-1 always is), or ask the client "
            "to activate the region (IAM > Account settings > STS endpoints).",
        )
    if code in ("ExpiredToken", "ExpiredTokenException"):
        return (
            "The session this role is assumed from has expired.",
            "Run 'xswitch logout PROFILE' for the source, then doctor again to log in afresh.",
        )
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch"):
        return _credential_advice(code, error, False)
    return error.hint, ""


# --- presentation helpers shared by the CLI and the picker ----------------------------------------


def lines(checks: list[Check], mark: Callable[[Status], str] = str) -> list[str]:
    """Plain lines: `mark(status)` padded, the check's name and summary; cause and fix indented."""
    out = []
    for check in checks:
        out.append(f"{mark(check.status):<4}  {check.name}: {check.summary}")
        if check.cause:
            out.append(f"        cause: {check.cause}")
        if check.fix:
            out.append(f"        fix:   {check.fix}")
    return out
