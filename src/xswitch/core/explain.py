"""AWS failures turned into explanations in the user's terms.

`explain()` receives whatever botocore raised while talking to STS and returns an `XswitchError`
whose message says what happened and whose hint says the likely cause and what to do, using the
local configuration to narrow the cause down. AWS's own message is quoted, with anything that
looks like a secret removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from xswitch.core.errors import (
    AwsError,
    ConfigError,
    CredentialError,
    EndpointMisbehaved,
    EndpointUnreachable,
    XswitchError,
)
from xswitch.core.model import Profile

# Long base64-ish runs: secret access keys are 40 characters, session tokens hundreds.
_SECRET_LOOKING = re.compile(r"[A-Za-z0-9+/=_-]{40,}")
_MAX_QUOTE = 300


def redact(text: str) -> str:
    """`text` with secret-looking values removed and cut to a readable length."""
    cleaned = _SECRET_LOOKING.sub(_redact_match, text or "").strip()
    if len(cleaned) > _MAX_QUOTE:
        cleaned = cleaned[:_MAX_QUOTE].rstrip() + "…"
    return cleaned


def _redact_match(match: re.Match[str]) -> str:
    # Secrets mix upper case, lower case and digits; long role names and paths rarely do.
    value = match.group(0)
    looks_random = any(c.isupper() for c in value) and any(c.isdigit() for c in value)
    return "[redacted]" if looks_random else value


def explain(
    error: BaseException,
    profile: Profile | None,
    step: str,
    limits: Mapping[str, Any] | None = None,
) -> XswitchError:
    """Turn what botocore raised during `step` (e.g. "AssumeRole") into an XswitchError.

    `limits` is the client's `xswitch_limits` (timeout, attempts, endpoint; see core.network).
    """
    if isinstance(error, XswitchError):
        return error
    name = profile.name if profile else ""
    who = f" for profile '{name}'" if name else ""
    blamed = _configuration_problem(error, step, who) or endpoint_problem(
        error, "AWS STS", step, who, limits
    )
    if blamed is not None:
        return blamed
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = str(response["Error"].get("Code", "") or "")
        aws_message = redact(str(response["Error"].get("Message", "") or ""))
        return _explain_client_error(code, aws_message, profile, step, name)
    return _explain_transport_error(error, profile, step, name)


# --- AWS answered with an error code ------------------------------------------------------------


def _explain_client_error(
    code: str, aws_message: str, profile: Profile | None, step: str, name: str
) -> AwsError:
    explainer: _Explainer | None = _invalid_mfa_code if _mfa_refused(aws_message) else None
    explainer = explainer or _EXPLAINERS.get(code)
    if explainer is None and code == "ValidationError" and "DurationSeconds" in aws_message:
        explainer = _duration_too_long
    if explainer is None:
        explainer = _unknown_code
    message, hint = explainer(code, profile, step)
    who = f" for profile '{name}'" if name else ""
    quoted = f' AWS said: "{aws_message}"' if aws_message else ""
    return AwsError(f"{step}{who} failed: {message}{quoted}", hint, code=code, profile=name)


def _mfa_refused(aws_message: str) -> bool:
    # AWS reports a wrong or expired MFA code as AccessDenied; the message tells it apart.
    return "MultiFactorAuthentication" in aws_message


def is_wrong_mfa_code(error: XswitchError) -> bool:
    """True when `error` (from `explain`) says AWS refused the MFA code itself."""
    return isinstance(error, AwsError) and _mfa_refused(error.message)


def _access_denied(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    if step != "AssumeRole" or profile is None:
        return (
            "AWS denied the request (AccessDenied).",
            "The identity used is not allowed to perform this action; check its IAM policies.",
        )
    role = profile.role_arn or "the role"
    causes = (
        f"Three causes give this same answer: (1) the identity you assume it from lacks "
        f"sts:AssumeRole permission on {role}; (2) the role's trust policy does not trust "
        f"that identity; (3) the external ID is wrong or missing."
    )
    likely: list[str] = []
    if profile.external_id:
        likely.append(
            "An external_id is configured: check that it matches the one in the role's trust "
            "policy (the account owner gave it to you)."
        )
    else:
        likely.append(
            "No external_id is configured: if the role belongs to a third party, its trust policy "
            "probably requires one; ask the account owner and set external_id."
        )
    if profile.mfa_serial:
        likely.append(
            "An mfa_serial is configured: check that it is the MFA device of the source identity."
        )
    else:
        likely.append(
            "No mfa_serial is configured: if the trust policy requires MFA "
            "(aws:MultiFactorAuthPresent), add mfa_serial to the profile."
        )
    return "AWS denied the AssumeRole call (AccessDenied).", " ".join([causes, *likely])


def _invalid_mfa_code(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    return (
        "the MFA code was not accepted.",
        "Codes change every 30 seconds and each can be used only once: wait for the next code and "
        "try again. If it keeps failing, check that mfa_serial names the device you are reading "
        "the code from and that the device's clock is right.",
    )


def _invalid_client_token(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    source = _source_name(profile)
    return (
        "AWS does not know the access key (InvalidClientTokenId).",
        "The key was probably deleted or deactivated in IAM, or belongs to another partition. "
        f"Create a new access key and store it with 'xswitch keys add {source}'.",
    )


def _signature_mismatch(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    source = _source_name(profile)
    return (
        "the secret access key does not match the access key ID (SignatureDoesNotMatch).",
        f"The secret was probably mistyped or truncated. Store the right pair with "
        f"'xswitch keys add {source}'. A wrong system clock can cause this too.",
    )


def _expired_token(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    return (
        "the credentials used for the call have expired (ExpiredToken).",
        "The session that this profile is assumed from ran out. Refresh it (press 'r' in the "
        "picker, or run the command again with --refresh); xswitch will log in again.",
    )


def _duration_too_long(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    configured = profile.duration_seconds if profile else None
    setting = f"duration_seconds = {configured}" if configured else "the requested duration"
    return (
        "AWS refused the session duration (ValidationError).",
        f"{setting.capitalize()} is above the role's maximum session duration (1 hour unless the "
        "role owner raised it), or above 1 hour for a role assumed from another role or from an "
        "MFA session. Lower duration_seconds in the profile.",
    )


def _region_disabled(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    region = profile.region if profile and profile.region else "this region"
    return (
        f"STS is not activated in {region} for this account (RegionDisabledException).",
        "Activate the region in the account settings (IAM > Account settings > STS regional "
        "endpoints), or set the profile's region to one that is active, such as us-east-1.",
    )


def _throttled(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    return (
        f"AWS is throttling requests ({code}).",
        "Too many requests were made in a short time; wait a few seconds and try again.",
    )


def _unknown_code(code: str, profile: Profile | None, step: str) -> tuple[str, str]:
    return (
        f"AWS returned the error {code or 'without a code'}.",
        "Check the profile's settings; run with the AWS message above in mind.",
    )


_Explainer = Callable[[str, "Profile | None", str], tuple[str, str]]

_EXPLAINERS: dict[str, _Explainer] = {
    "AccessDenied": _access_denied,
    "AccessDeniedException": _access_denied,
    "InvalidClientTokenId": _invalid_client_token,
    "SignatureDoesNotMatch": _signature_mismatch,
    "ExpiredToken": _expired_token,
    "ExpiredTokenException": _expired_token,
    "RegionDisabledException": _region_disabled,
    "Throttling": _throttled,
    "ThrottlingException": _throttled,
}


def _source_name(profile: Profile | None) -> str:
    if profile is None:
        return "PROFILE"
    return profile.source_profile or profile.name


# --- the endpoint's fault ----------------------------------------------------------------------

# What botocore's parsers raise, unwrapped, on some malformed answers (a bad timestamp, ...).
_PARSING_FAILURES = (
    ValueError,
    OverflowError,
    RecursionError,
    LookupError,
    TypeError,
    AttributeError,
    SyntaxError,
)


def call_failures() -> tuple[type[BaseException], ...]:
    """What a botocore call can raise about its answer or its transport (to catch, then pass
    to `explain` or `endpoint_problem`)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    return (BotoCoreError, ClientError, ResponseParserError, *_PARSING_FAILURES)


_ENDPOINT_SETTINGS = "AWS_ENDPOINT_URL (or the service's own AWS_ENDPOINT_URL_* variable)"


def endpoint_problem(
    error: BaseException,
    service: str,
    step: str,
    who: str = "",
    limits: Mapping[str, Any] | None = None,
) -> XswitchError | None:
    """Failures that are the endpoint's fault, for any service: no complete answer in time, a
    server error, an answer too large or not an answer at all. None for anything else.

    `error` was raised by a botocore call, so a plain ValueError or TypeError comes from parsing
    the answer."""
    from botocore import exceptions as bce

    from xswitch.core import network

    limits = limits or {}
    url = str(limits.get("endpoint") or getattr(error, "kwargs", {}).get("endpoint_url") or "")
    url = url or _url_in(str(error))
    at = f"{service} at {url}" if url else service
    retry = (
        "This is a problem at the endpoint or in the network, not in your profile: try again in "
        f"a minute; if it persists, check the network (VPN, proxy) and {_ENDPOINT_SETTINGS} if "
        "set."
    )
    if isinstance(error, network.DeadlineExceeded | bce.ReadTimeoutError | bce.ConnectTimeoutError):
        timeout = limits.get("timeout") or getattr(error, "kwargs", {}).get("seconds")
        attempts = int(limits.get("attempts") or 1)
        waited = f" within {timeout:g} s" if timeout else " in time"
        tries = (
            f" ({attempts} attempts, about {timeout * attempts:g} s in all)"
            if (timeout and attempts > 1)
            else ""
        )
        connect = isinstance(error, bce.ConnectTimeoutError)
        return EndpointUnreachable(
            f"{step}{who} failed: {at} "
            + ("could not be connected to" if connect else "gave no complete answer")
            + waited
            + tries
            + ".",
            retry + " settings.network_timeout in config.toml sets the wait per attempt.",
        )
    if isinstance(error, network.ResponseTooLarge):
        return EndpointMisbehaved(
            f"{step}{who} failed: {at} answered with more than {network.MAX_BODY // 2**20} MB, "
            "which no real answer is; the rest was not read.",
            "The endpoint is not the service it should be, or is misbehaving. " + retry,
        )
    if type(error).__name__ == "ResponseParserError" or isinstance(
        error, (bce.IncompleteReadError, bce.ConnectionClosedError, *_PARSING_FAILURES)
    ):
        return EndpointMisbehaved(
            f"{step}{who} failed: {at} answered with something that is not a valid answer "
            "(cut short, empty or garbled).",
            "The endpoint (or a proxy in between) is misbehaving, or is not the service it "
            "should be. " + retry,
        )
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(response.get("Error", {}).get("Code", "") or "")
        if isinstance(status, int) and (status >= 500 or code.isdigit() or not code):
            kind = "a server error" if status >= 500 else "an error without an AWS error code"
            return EndpointMisbehaved(
                f"{step}{who} failed: {at} answered with {kind} (HTTP {status}), even after "
                "retrying.",
                (
                    "The service is having trouble. "
                    if status >= 500
                    else "The endpoint is probably not the service it should be. "
                )
                + retry,
            )
    return None


def malformed_answer(service: str, url: str, step: str, detail: str, who: str = "") -> XswitchError:
    """An answer that parsed but lacks what it must contain (no credentials, a bad time...)."""
    at = f"{service} at {url}" if url else service
    return EndpointMisbehaved(
        f"{step}{who} failed: {at} answered without valid data ({detail}).",
        "The endpoint (or a proxy in between) is misbehaving, or is not the service it should "
        f"be. Try again in a minute; check {_ENDPOINT_SETTINGS} if set.",
    )


def _configuration_problem(error: BaseException, step: str, who: str) -> XswitchError | None:
    """botocore refusing a value before sending anything: a configuration error, not AWS's.

    Checked first: InvalidRegionError is also a ValueError, which would read as a garbled answer.
    """
    from botocore import exceptions as bce

    if isinstance(error, bce.InvalidRegionError):
        return ConfigError(
            f"{step}{who} failed: the region is not a region name.",
            "A region looks like eu-west-1 or us-east-1: fix the profile's region or AWS_REGION.",
        )
    if isinstance(error, bce.ParamValidationError):
        return ConfigError(
            f"{step}{who} failed: a value from the profile is not valid for AWS: "
            f"{redact(str(error.kwargs.get('report', error)))}",
            "Fix that setting (role_arn, external_id, role_session_name, duration_seconds or "
            "mfa_serial) in the profile.",
        )
    return None


# --- AWS could not be reached -----------------------------------------------------------------


def _explain_transport_error(
    error: BaseException, profile: Profile | None, step: str, name: str
) -> XswitchError:
    from botocore import exceptions as bce

    who = f" for profile '{name}'" if name else ""
    url = getattr(error, "kwargs", {}).get("endpoint_url", "") or _url_in(str(error))
    where = f" at {url}" if url else ""
    if isinstance(error, bce.ConnectTimeoutError | bce.EndpointConnectionError):
        return EndpointUnreachable(
            f"{step}{who} failed: could not connect to AWS STS{where}, even after retrying.",
            "Check the network connection, VPN and proxy settings, and AWS_ENDPOINT_URL / "
            "AWS_ENDPOINT_URL_STS if they are set.",
        )
    if isinstance(error, bce.ReadTimeoutError):
        return EndpointUnreachable(
            f"{step}{who} failed: AWS STS{where} accepted the connection but did not answer in "
            "time, even after retrying.",
            "The endpoint or a proxy in between is hanging; try again later, and check "
            "AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS if they are set.",
        )
    if isinstance(error, bce.NoCredentialsError | bce.PartialCredentialsError):
        return CredentialError(
            f"{step}{who} failed: no credentials were available to sign the request.",
            "Add keys for the source profile with 'xswitch keys add NAME'.",
        )
    if isinstance(error, bce.BotoCoreError):
        return CredentialError(
            f"{step}{who} failed: {redact(str(error))}",
            "This is a problem talking to AWS; check the network and the profile settings.",
        )
    return CredentialError(
        f"{step}{who} failed unexpectedly ({type(error).__name__}).",
        "Please report this with the steps that led to it.",
    )


def _url_in(text: str) -> str:
    match = re.search(r'https?://[^\s"\']+', text)
    return match.group(0) if match else ""
