"""The one translator of AWS failures into explanations in the user's terms.

`translate(error, call)` receives whatever botocore raised during `call` (which service, which
step, for which profile or SSO session, on which client) and returns an `XswitchError` whose
message says what happened and whose hint says the likely cause and what to do. Failures that are
the endpoint's fault (no complete answer in time, server errors, garbled answers) read the same for
every service; error codes are explained per service (STS in `sts_codes`, Identity Center here).
AWS's own message is quoted, with anything that looks like a secret removed. `checked_answer`
blames the endpoint for an answer that parsed but lacks what it must hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xswitch.core.errors import (
    AwsError,
    EndpointMisbehaved,
    EndpointUnreachable,
    SsoLoginRequired,
    SsoThrottled,
    XswitchError,
)
from xswitch.core.model import Profile, SsoSession

T = TypeVar("T")

SERVICE_NAMES = {
    "sts": "AWS STS",
    "sso": "the SSO portal",
    "sso-oidc": "the SSO login service (OIDC)",
    "iam": "AWS IAM",
}
# Upper bounds of numbers in answers: lifetimes in seconds, expiry times in (milli)seconds.
_NUMBER_LIMITS = {"expiresIn": 10**8, "clientSecretExpiresAt": 2 * 10**11, "expiration": 2 * 10**14}
# Long base64-ish runs: secret access keys are 40 characters, session tokens hundreds.
_SECRET_LOOKING = re.compile(r"[A-Za-z0-9+/=_-]{40,}")
_MAX_QUOTE = 300
_ENDPOINT_SETTINGS = "AWS_ENDPOINT_URL (or the service's own AWS_ENDPOINT_URL_* variable)"
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


@dataclass(frozen=True)
class Call:
    """One AWS call, as error messages name it: "`step` for profile 'x'" at `service`'s endpoint.

    `client` is the botocore client made by `core.aws.clients` (its `xswitch_limits` say how long
    was waited, how often, and where); `env` names the endpoint when no client was made.
    """

    service: str  # "sts", "sso" or "sso-oidc"
    step: str  # e.g. "AssumeRole", "CreateToken (refresh)"
    profile: Profile | None = None
    sso_session: SsoSession | None = None
    client: Any = field(default=None, compare=False)
    env: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def who(self) -> str:
        if self.sso_session is not None:
            return f" for SSO session '{self.sso_session.name}'"
        return f" for profile '{self.profile.name}'" if self.profile else ""

    @property
    def limits(self) -> dict[str, Any]:
        return dict(getattr(self.client, "xswitch_limits", None) or {})

    @property
    def configured_endpoint(self) -> str:
        from xswitch.core.aws.clients import endpoint_for

        return endpoint_for(self.service, self.env) or ""

    @property
    def endpoint(self) -> str:
        """Where the call went, for messages: the client's endpoint, else the configured one."""
        return str(self.limits.get("endpoint") or "") or self.configured_endpoint


def attempt(action: Callable[[], T], call: Call) -> T:
    """Run one AWS call; anything it raises becomes an explained XswitchError."""
    try:
        return action()
    except XswitchError:
        raise
    except Exception as error:
        raise translate(error, call) from None


def translate(error: BaseException, call: Call) -> XswitchError:
    """What botocore raised during `call`, in the user's terms."""
    if isinstance(error, XswitchError):
        return error
    if call.service in ("sts", "iam"):  # IAM answers with the same query-protocol errors
        from xswitch.core.aws.sts_codes import explain_sts

        return explain_sts(error, call)
    return _explain_sso(error, call)


def call_failures() -> tuple[type[BaseException], ...]:
    """What a botocore call can raise about its answer or its transport (to catch, then pass
    to `translate`)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    return (BotoCoreError, ClientError, ResponseParserError, *_PARSING_FAILURES)


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "") or "")
    return ""


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


# --- answers without what they must hold --------------------------------------------------------


def checked_answer(answer: Any, call: Call, checks: Mapping[str, type[Any]]) -> Mapping[str, Any]:
    """`answer` when it has each key of `checks` with a value of that type; else the endpoint
    is blamed (a 200 without the data is the endpoint's fault, not the user's)."""
    problem = "" if isinstance(answer, Mapping) else "not a JSON object"
    for key, kind in checks.items():
        if problem:
            break
        value = answer.get(key)
        if value is None or (kind is str and value == ""):
            problem = f"no {key}"
        elif not isinstance(value, kind) or isinstance(value, bool):
            problem = f"{key} has the wrong type"
        elif kind is int and not 0 <= value <= _NUMBER_LIMITS.get(key, 10**8):
            problem = f"{key} is out of range"
    if problem:
        raise malformed(call, problem)
    return answer


def malformed(call: Call, detail: str, url: str | None = None) -> XswitchError:
    """An answer that parsed but lacks what it must contain (no credentials, a bad time...).

    Named by the configured endpoint (or the service in its region), unless `url` is given."""
    if url is None:
        region = call.sso_session.region if call.sso_session else ""
        url = call.configured_endpoint or (f"{call.service} in {region}" if region else "")
    service = SERVICE_NAMES[call.service]
    at = f"{service} at {url}" if url else service
    return EndpointMisbehaved(
        f"{call.step}{call.who} failed: {at} answered without valid data ({detail}).",
        "The endpoint (or a proxy in between) is misbehaving, or is not the service it should "
        f"be. Try again in a minute; check {_ENDPOINT_SETTINGS} if set.",
    )


# --- the endpoint's fault ----------------------------------------------------------------------


def endpoint_problem(error: BaseException, call: Call) -> XswitchError | None:
    """Failures that are the endpoint's fault, for any service: no complete answer in time, a
    server error, an answer too large or not an answer at all. None for anything else.

    `error` was raised by a botocore call, so a plain ValueError or TypeError comes from parsing
    the answer."""
    from botocore import exceptions as bce

    from xswitch.core.aws import network

    limits = call.limits
    url = call.endpoint or str(getattr(error, "kwargs", {}).get("endpoint_url") or "")
    url = url or url_in(str(error))
    service = SERVICE_NAMES[call.service]
    at = f"{service} at {url}" if url else service
    failed = f"{call.step}{call.who} failed: {at}"
    retry = (
        "This is a problem at the endpoint or in the network, not in your profile: try again in "
        f"a minute; if it persists, check the network (VPN, proxy) and {_ENDPOINT_SETTINGS} if "
        "set."
    )
    if isinstance(error, network.DeadlineExceeded | bce.ReadTimeoutError | bce.ConnectTimeoutError):
        return _no_answer_in_time(error, failed, limits, retry)
    if isinstance(error, network.ResponseTooLarge):
        return EndpointMisbehaved(
            f"{failed} answered with more than {network.MAX_BODY // 2**20} MB, which no real "
            "answer is; the rest was not read.",
            "The endpoint is not the service it should be, or is misbehaving. " + retry,
        )
    if type(error).__name__ == "ResponseParserError" or isinstance(
        error, (bce.IncompleteReadError, bce.ConnectionClosedError, *_PARSING_FAILURES)
    ):
        return EndpointMisbehaved(
            f"{failed} answered with something that is not a valid answer (cut short, empty or "
            "garbled).",
            "The endpoint (or a proxy in between) is misbehaving, or is not the service it "
            "should be. " + retry,
        )
    return _server_error(error, failed, retry)


def _no_answer_in_time(
    error: BaseException, failed: str, limits: Mapping[str, Any], retry: str
) -> XswitchError:
    from botocore import exceptions as bce

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
        f"{failed} "
        + ("could not be connected to" if connect else "gave no complete answer")
        + waited
        + tries
        + ".",
        retry + " settings.network_timeout in config.toml sets the wait per attempt.",
    )


def _server_error(error: BaseException, failed: str, retry: str) -> XswitchError | None:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(response.get("Error", {}).get("Code", "") or "")
    if not isinstance(status, int) or not (status >= 500 or code.isdigit() or not code):
        return None
    kind = "a server error" if status >= 500 else "an error without an AWS error code"
    return EndpointMisbehaved(
        f"{failed} answered with {kind} (HTTP {status}), even after retrying.",
        (
            "The service is having trouble. "
            if status >= 500
            else "The endpoint is probably not the service it should be. "
        )
        + retry,
    )


def url_in(text: str) -> str:
    """The first URL in `text` (botocore names the endpoint in its messages)."""
    match = re.search(r'https?://[^\s"\']+', text)
    return match.group(0) if match else ""


# --- Identity Center's error codes ---------------------------------------------------------------


def _explain_sso(error: BaseException, call: Call) -> XswitchError:
    session = call.sso_session
    assert session is not None, "an Identity Center call names its SSO session"
    blamed = endpoint_problem(error, call)
    if blamed is not None:
        return blamed
    code = error_code(error)
    if code == "UnauthorizedException":
        return SsoLoginRequired(
            session.name,
            f"The SSO portal rejected the login of SSO session '{session.name}': the token "
            "expired or was revoked (signed out in the portal, or ended by an administrator).",
        )
    if code in ("TooManyRequestsException", "SlowDownException"):
        return SsoThrottled(
            f"The SSO portal is throttling requests ({call.step}).",
            "Wait a minute and try again; for 'xswitch sso sync' lower --rate.",
            code=code,
        )
    if code in ("InvalidGrantException", "InvalidClientException", "ExpiredTokenException"):
        return SsoLoginRequired(
            session.name,
            f"Identity Center no longer accepts the saved login of SSO session '{session.name}'.",
        )
    if code:
        message = ""
        response = getattr(error, "response", {}) or {}
        if isinstance(response, dict):
            message = str(response.get("Error", {}).get("Message", "") or "")
            message = message or str(response.get("error_description", "") or "")
        quoted = f" ({redact(message)})" if message else ""
        return AwsError(
            f"Identity Center refused {call.step} with {code}{quoted}.",
            f"Check sso_start_url and sso_region of SSO session '{session.name}'.",
            code=code,
        )
    override = call.configured_endpoint
    return EndpointUnreachable(
        f"Could not reach IAM Identity Center for SSO session '{session.name}' ({call.step}): "
        f"{redact(str(error))}.",
        f"Check the network (VPN, proxy) and sso_region '{session.region}'"
        + (f"; the endpoint is overridden to {override}" if override else "")
        + ".",
    )
