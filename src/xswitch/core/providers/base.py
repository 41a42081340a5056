"""The `Provider` protocol and what every provider checks in what AWS hands out.

`credentials_from` reads an STS answer (AssumeRole, GetSessionToken), `check_not_expired` refuses
credentials already expired when issued (telling clock skew apart), `server_date` reads the
answer's Date header for that.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from xswitch.core.aws.errors import Call, malformed
from xswitch.core.errors import UnusableCredentials
from xswitch.core.model import Credentials, Profile, Prompter
from xswitch.core.times import parse_rfc3339, utc_text
from xswitch.core.validate import credential_fields_problem

CHAINED_ROLE_LIMIT = 3600  # AWS caps roles assumed from temporary credentials at one hour
DEFAULT_REGION = "us-east-1"
# Attempts per STS call: idempotent calls are retried twice; a call carrying a one-time MFA code
# is sent once (a retry would present a used code).
STS_ATTEMPTS = 3


class Provider(Protocol):
    """Obtains credentials; `temporary` says whether they expire (and so cap chained roles).

    Every provider subclasses it; the chain wraps one provider in the next.
    """

    temporary: bool = True

    @abstractmethod
    def retrieve(self) -> Credentials:
        """Obtain fresh credentials (may call AWS or prompt)."""

    @abstractmethod
    def describe(self) -> str:
        """One line for people: where the credentials come from."""

    def identity(self) -> tuple[str, ...]:
        """Everything that determines the result; a cache keyed by it is invalidated by edits."""
        return (type(self).__name__,)

    def chain(self) -> list[str]:
        """Descriptions from the first source to this provider."""
        return [self.describe()]


def can_prompt(prompter: Prompter | None) -> bool:
    """Whether `prompter` can ask somebody (prompters without `can_prompt()` always can)."""
    check = getattr(prompter, "can_prompt", None)
    return bool(check()) if callable(check) else True


def region_for(profile: Profile, env: Mapping[str, str]) -> str:
    """Where to call STS: the profile's region, else the environment's, else us-east-1."""
    return profile.region_in(env) or DEFAULT_REGION


def hours(seconds: int) -> str:
    """A duration as people write it in a description: "1 h", "1.5 h", or seconds."""
    return f"{seconds / 3600:g} h" if seconds % 900 == 0 else f"{seconds} s"


def credentials_from(response: Mapping[str, Any], via: tuple[str, ...], call: Call) -> Credentials:
    """Credentials out of an STS response (AssumeRole, GetSessionToken), checked: an answer
    without valid credentials, or with credentials already expired, blames the endpoint."""
    url = call.endpoint
    data = response.get("Credentials") if isinstance(response, Mapping) else None
    if not isinstance(data, Mapping):
        raise malformed(call, "no Credentials element", url)
    key_id, secret = data.get("AccessKeyId"), data.get("SecretAccessKey")
    token = data.get("SessionToken")
    problem = credential_fields_problem(key_id, secret, token)
    expiration = data.get("Expiration")
    try:
        if isinstance(expiration, str):
            expiration = parse_rfc3339(expiration)
        if not isinstance(expiration, datetime):
            raise TypeError
        expiration = expiration.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        problem = problem or "an Expiration that is not a time"
    if problem:
        raise malformed(call, problem, url)
    # What the checks above established: no problem means two key strings and a time.
    assert isinstance(key_id, str) and isinstance(secret, str) and isinstance(expiration, datetime)
    check_not_expired(expiration, server_date(response), "AWS STS", url, call.step + call.who)
    return Credentials(key_id, secret, token or None, expiration, via=via)


def server_date(response: Any) -> datetime | None:
    """The `Date` header of a botocore response, if it has a valid one."""
    from email.utils import parsedate_to_datetime

    try:
        text = response["ResponseMetadata"]["HTTPHeaders"]["date"]
        value = parsedate_to_datetime(text)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_not_expired(
    expiration: datetime, server_now: datetime | None, service: str, url: str, what: str
) -> None:
    """Refuse credentials that are already expired when issued; tell clock skew apart."""
    now = datetime.now(UTC)
    if expiration > now:
        return
    at = f"{service} at {url}" if url else service
    expired = utc_text(expiration)
    if server_now is not None and expiration > server_now:
        ahead = round((now - server_now).total_seconds() / 60)
        raise UnusableCredentials(
            f"{what}: {at} issued credentials valid until {expired}, which by this computer's "
            f"clock ({utc_text(now)}) has already passed; the server's clock says "
            f"{utc_text(server_now)}.",
            f"This computer's clock is about {ahead} minutes ahead. Fix it (enable time "
            "synchronisation, e.g. 'timedatectl set-ntp true') and try again.",
        )
    server = f" (the server's clock says {utc_text(server_now)})" if server_now else ""
    raise UnusableCredentials(
        f"{what}: {at} issued credentials that were already expired ({expired}, now "
        f"{utc_text(now)}){server}.",
        "The endpoint is misbehaving, or its clock is wrong; nothing was handed out. Try "
        "again later, and check AWS_ENDPOINT_URL if it is set.",
    )
