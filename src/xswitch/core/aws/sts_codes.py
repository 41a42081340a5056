"""STS error codes explained with the profile's configuration (the causes AccessDenied can have,
the key to store again, the duration to lower); part of the one translator, `aws.errors`.

AWS's own message is quoted after the explanation, with anything that looks like a secret removed.
"""

from __future__ import annotations

from collections.abc import Callable

from xswitch.core.aws.errors import Call, endpoint_problem, redact, url_in
from xswitch.core.errors import (
    AwsError,
    ConfigError,
    CredentialError,
    EndpointUnreachable,
    XswitchError,
)
from xswitch.core.model import Profile


def explain_sts(error: BaseException, call: Call) -> XswitchError:
    """What botocore raised during an STS `call`, in the user's terms (see `aws.errors.translate`,
    the entry point)."""
    profile = call.profile
    name = profile.name if profile else ""
    blamed = _configuration_problem(error, call.step, call.who) or endpoint_problem(error, call)
    if blamed is not None:
        return blamed
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = str(response["Error"].get("Code", "") or "")
        aws_message = redact(str(response["Error"].get("Message", "") or ""))
        return _explain_client_error(code, aws_message, profile, call.step, name)
    return _explain_transport_error(error, profile, call.step, name)


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
        "The session that this profile is assumed from ran out. Forget it with 'xswitch logout "
        f"{_source_name(profile)}' and try again: xswitch will log in again. Keys taken from the "
        "environment (credential_source = Environment) must be renewed there.",
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


# --- refused before sending ---------------------------------------------------------------------


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
    url = getattr(error, "kwargs", {}).get("endpoint_url", "") or url_in(str(error))
    where = f" at {url}" if url else ""
    # (Timeouts never get here: `endpoint_problem` explains them.)
    if isinstance(error, bce.EndpointConnectionError):
        return EndpointUnreachable(
            f"{step}{who} failed: could not connect to AWS STS{where}, even after retrying.",
            "Check the network connection, VPN and proxy settings, and AWS_ENDPOINT_URL / "
            "AWS_ENDPOINT_URL_STS if they are set.",
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
