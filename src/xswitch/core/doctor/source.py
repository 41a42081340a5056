"""doctor's checks of what a chain starts from: the region, where the source credentials are,
then with them STS GetCallerIdentity (the endpoint and the proxy variables, the clock against
STS's `Date` header, whether AWS knows the keys) and IAM (the key's age, the MFA device)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from xswitch.core import iam
from xswitch.core.doctor.advice import credential_advice
from xswitch.core.doctor.report import (
    CLOCK_SKEW_LIMIT,
    KEY_AGE_LIMIT,
    PROXY_VARIABLES,
    Status,
    Walk,
)
from xswitch.core.errors import (
    EndpointMisbehaved,
    EndpointUnreachable,
    MissingSourceKeys,
    XswitchError,
)
from xswitch.core.model import Credentials


def check_region(walk: Walk, region: str, *, configured: bool) -> None:
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


def check_source_credentials(
    walk: Walk, leaf: Any, where: str, *, recorded: bool
) -> Credentials | None:
    """The chain's first credentials (`leaf`, described as `where`); a link that records its own
    outcome (an SSO role) is `recorded`."""
    try:
        creds = leaf.retrieve()
    except MissingSourceKeys as error:
        walk.add("source credentials", Status.FAIL, f"none found: {error.message}", fix=error.hint)
        return None
    except XswitchError as error:
        if not walk.failed:
            walk.add("source credentials", Status.FAIL, error.message, fix=error.hint)
        return None
    if not recorded:
        walk.add("source credentials", Status.OK, f"found: {where}")
    return creds


def check_identity(
    walk: Walk, creds: Credentials, region: str, timeout: float
) -> iam.Caller | None:
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
        cause, fix = credential_advice(code, problem, skewed)
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


def _clock(walk: Walk, response: Any, now: datetime | None = None) -> bool:
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


def check_key_age(walk: Walk, creds: Credentials, user: str, region: str, timeout: float) -> None:
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


def check_mfa_device(
    walk: Walk, creds: Credentials, user: str, serials: list[str], region: str, timeout: float
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
