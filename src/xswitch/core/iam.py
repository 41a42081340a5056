"""IAM calls of the onboarding and diagnosis commands: who a caller is, its access keys (with
their ages) and MFA devices, creating and retiring access keys.

Every call signs with given credentials (never a configured profile), reaches IAM through
AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL like the AWS CLI, has the same deadline as the STS calls,
and raises only explained `XswitchError`s. botocore is imported only when a call is made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xswitch.core.errors import AwsError
from xswitch.core.model import Credentials

# arn:aws:iam::123456789012:user/path/name, arn:aws:sts::123456789012:assumed-role/Role/session
_CALLER_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):(?P<service>iam|sts)::(?P<account>\d{12}):"
    r"(?P<kind>user|assumed-role|role|root|federated-user)(?:/(?P<rest>.*))?$",
    re.ASCII,
)


@dataclass(frozen=True)
class Caller:
    """What STS GetCallerIdentity said about a set of credentials."""

    arn: str
    account: str
    user_id: str = ""

    @property
    def _match(self) -> re.Match[str] | None:
        return _CALLER_ARN.match(self.arn)

    @property
    def partition(self) -> str:
        match = self._match
        return match.group("partition") if match else "aws"

    @property
    def user_name(self) -> str | None:
        """The IAM user name (last path element) when the caller is an IAM user."""
        match = self._match
        if match and match.group("kind") == "user" and match.group("rest"):
            return match.group("rest").rsplit("/", 1)[-1]
        return None

    @property
    def principal_arn(self) -> str:
        """The ARN a trust policy names to trust this caller: the user itself, or for an assumed
        role the role (an assumed-role session ARN is not a valid principal)."""
        match = self._match
        if match and match.group("kind") == "assumed-role" and match.group("rest"):
            role = match.group("rest").split("/", 1)[0]
            return f"arn:{match.group('partition')}:iam::{match.group('account')}:role/{role}"
        return self.arn

    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    status: str  # Active | Inactive
    created: datetime

    def age_days(self, now: datetime | None = None) -> int:
        return int(((now or datetime.now(UTC)) - self.created).total_seconds() // 86400)


def masked(key_id: str) -> str:
    """An access key ID as it may be shown: its first and last four characters."""
    return key_id[:4] + "…" + key_id[-4:]


def client(
    service: str, creds: Credentials, env: Mapping[str, str], *, timeout: float, region: str
) -> Any:
    """A bounded botocore client for `service` ("iam" or "sts") signing with `creds`, from the
    one client pool (`core.aws.clients`)."""
    from xswitch.core.aws.clients import signed_client

    return signed_client(service, creds, region, env, timeout=timeout)


def call(step: str, function: Any, **params: Any) -> Any:
    """One AWS call of a client's method; whatever botocore raises becomes an explained
    XswitchError (the one translator, `core.aws.errors`)."""
    from xswitch.core.aws.errors import Call, attempt

    made = getattr(function, "__self__", None)
    service = made.meta.service_model.service_name if made is not None else "iam"
    return attempt(lambda: function(**params), Call(service, step, client=made))


def is_denied(error: BaseException) -> bool:
    """True for an AWS refusal of the call itself (the identity lacks the IAM permission)."""
    return isinstance(error, AwsError) and error.code in (
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
    )


def caller(sts: Any) -> tuple[Caller, Any]:
    """GetCallerIdentity: the caller, and the raw response (its Date header tells the clock)."""
    response = call("GetCallerIdentity", sts.get_caller_identity)
    return (
        Caller(
            str(response.get("Arn", "")),
            str(response.get("Account", "")),
            str(response.get("UserId", "")),
        ),
        response,
    )


def access_keys(iam: Any, user: str) -> list[AccessKey]:
    response = call("ListAccessKeys", iam.list_access_keys, UserName=user)
    keys = []
    for entry in response.get("AccessKeyMetadata", []):
        created = entry.get("CreateDate")
        if isinstance(created, datetime):
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            keys.append(AccessKey(str(entry.get("AccessKeyId")), str(entry.get("Status")), created))
    return keys


def mfa_devices(iam: Any, user: str) -> list[str]:
    """Serial numbers (ARNs) of the MFA devices of `user`."""
    response = call("ListMFADevices", iam.list_mfa_devices, UserName=user)
    return [str(d.get("SerialNumber")) for d in response.get("MFADevices", [])]
