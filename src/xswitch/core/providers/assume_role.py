"""STS AssumeRole from a source; with `mfa_serial` the code is sent with the call itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xswitch.core.aws.clients import signed_client
from xswitch.core.aws.errors import Call, attempt
from xswitch.core.errors import CredentialError
from xswitch.core.model import Credentials, Profile, Prompter
from xswitch.core.providers.base import (
    CHAINED_ROLE_LIMIT,
    DEFAULT_REGION,
    STS_ATTEMPTS,
    Provider,
    credentials_from,
    hours,
)
from xswitch.core.providers.mfa import with_mfa_code


class AssumeRoleProvider(Provider):
    """A role assumed with the credentials of its source (keys, an MFA session, another role)."""

    def __init__(
        self,
        source: Provider,
        role_arn: str,
        session_name: str,
        *,
        external_id: str | None = None,
        mfa_serial: str | None = None,
        duration: int | None = None,
        prompter: Prompter | None = None,
        region: str = DEFAULT_REGION,
        env: Mapping[str, str] | None = None,
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> None:
        self.timeout = timeout
        self.source = source
        self.role_arn = role_arn
        self.session_name = session_name
        self.external_id = external_id
        self.mfa_serial = mfa_serial
        self.requested_duration = duration
        # A role assumed from temporary credentials (a role, an MFA session) lasts one hour at most.
        self.capped = bool(source.temporary and duration and duration > CHAINED_ROLE_LIMIT)
        self.duration = CHAINED_ROLE_LIMIT if self.capped else duration
        self.prompter = prompter
        self.region = region
        self.env = env if env is not None else {}
        self.profile = profile

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        params: dict[str, Any] = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name}
        if self.external_id:
            params["ExternalId"] = self.external_id
        if self.duration:
            params["DurationSeconds"] = self.duration
        attempts = 1 if self.mfa_serial else STS_ATTEMPTS
        client = signed_client(
            "sts", base, self.region, self.env, timeout=self.timeout, attempts=attempts
        )
        call = Call("sts", "AssumeRole", profile=self.profile, client=client)
        if self.mfa_serial:
            if self.prompter is None:
                raise CredentialError(f"Assuming {self.role_arn} needs an MFA code.")
            params["SerialNumber"] = self.mfa_serial
            response = with_mfa_code(
                self.prompter,
                self.mfa_serial,
                [self.profile.name] if self.profile else [],
                lambda code: attempt(lambda: client.assume_role(**params, TokenCode=code), call),
            )
        else:
            response = attempt(lambda: client.assume_role(**params), call)
        label = f"role:{self.profile.name}" if self.profile else f"role:{self.role_arn}"
        return credentials_from(response, (*base.via, label), call)

    def describe(self) -> str:
        parts = [f"AssumeRole {self.role_arn}"]
        if self.external_id:
            parts.append("with external ID")
        if self.mfa_serial:
            parts.append(f"with MFA {self.mfa_serial}")
        if self.capped:
            parts.append(
                f"for 1 h (duration_seconds {self.requested_duration} capped: AWS limits roles "
                "assumed from temporary credentials to 1 hour)"
            )
        elif self.duration:
            parts.append(f"for {hours(self.duration)}")
        return " ".join(parts)

    def identity(self) -> tuple[str, ...]:
        return (
            "role",
            self.profile.name if self.profile else "",
            self.role_arn,
            self.session_name,
            self.external_id or "",
            self.mfa_serial or "",
            str(self.duration or ""),
            *self.source.identity(),
        )

    def chain(self) -> list[str]:
        return [*self.source.chain(), self.describe()]
