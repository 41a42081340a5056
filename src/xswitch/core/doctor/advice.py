"""doctor's advice by AWS error code: the cause in the user's terms and the fix. For an
AccessDenied on AssumeRole both candidates, your side's permission and their trust policy, each
with the policy that fixes it."""

from __future__ import annotations

from typing import Any

from xswitch.core import policies
from xswitch.core.errors import XswitchError


def credential_advice(code: str, problem: XswitchError, skewed: bool) -> tuple[str, str]:
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
    text = str(error)
    if code in ("AccessDenied", "AccessDeniedException"):
        return access_denied_advice(provider, principal, client)
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
        return credential_advice(code, error, False)
    return error.hint, ""


def access_denied_advice(provider: Any, principal: str, client: str) -> tuple[str, str]:
    """Both candidates of an AssumeRole AccessDenied, each with the policy that fixes it; the
    external ID's case and the MFA condition."""
    role = str(getattr(provider, "role_arn", "") or "the role")
    external_id = getattr(provider, "external_id", None)
    mfa = bool(getattr(provider, "mfa_serial", None))
    who = principal or "your identity"
    yours = policies.compact(policies.identity_policy([role]))
    theirs = policies.compact(policies.trust_policy(principal or "YOUR-ARN", external_id, mfa))
    if external_id:
        external = (
            "The external ID is case-sensitive and must match the trust policy's exactly "
            "(compare it character by character with what the client set)."
        )
    else:
        external = (
            "No external_id is configured: a third party's trust policy usually requires "
            "one; ask the client for it."
        )
    needs_mfa = (
        "If their trust policy requires MFA (aws:MultiFactorAuthPresent), the profile needs "
        "mfa_serial" + (" (it has one: check the device)." if mfa else " (it has none).")
    )
    cause = (
        "AWS gives the same AccessDenied for two different problems, one on each side. "
        f"(1) Your side: {who} is not allowed sts:AssumeRole on {role} - the part that is "
        f"often missed. (2) Their side: the trust policy of {role} does not trust {who}. "
        f"{external} {needs_mfa}"
    )
    fix = (
        f"(1) Attach to {who} in your account: {yours} "
        f"(2) The client sets as the role's trust policy (Trust relationships tab): {theirs} "
        f"- 'xswitch client policy {client}' prints both and a request to send."
    )
    return cause, fix
