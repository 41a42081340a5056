"""STS GetSessionToken with an MFA code: one code unlocks every role assumed from its source."""

from __future__ import annotations

from collections.abc import Mapping

from xswitch.core.aws.clients import signed_client
from xswitch.core.aws.errors import Call, attempt
from xswitch.core.model import Credentials, Profile, Prompter
from xswitch.core.providers.base import Provider, credentials_from, hours
from xswitch.core.providers.mfa import with_mfa_code


class SessionTokenProvider(Provider):
    """An MFA session on top of long-lived keys; the roles above it need no further code."""

    def __init__(
        self,
        source: Provider,
        mfa_serial: str,
        prompter: Prompter,
        duration: int,
        *,
        region: str,
        env: Mapping[str, str],
        unlocks: list[str],
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> None:
        self.source = source
        self.mfa_serial = mfa_serial
        self.prompter = prompter
        self.duration = duration
        self.region = region
        self.env = env
        self.unlocks = unlocks
        self.profile = profile
        self.timeout = timeout

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        client = signed_client("sts", base, self.region, self.env, timeout=self.timeout, attempts=1)
        call = Call("sts", "GetSessionToken", profile=self.profile, client=client)
        response = with_mfa_code(
            self.prompter,
            self.mfa_serial,
            list(self.unlocks),
            lambda code: attempt(
                lambda: client.get_session_token(
                    DurationSeconds=self.duration, SerialNumber=self.mfa_serial, TokenCode=code
                ),
                call,
            ),
        )
        return credentials_from(response, (*base.via, "mfa"), call)

    def describe(self) -> str:
        return f"MFA session ({self.mfa_serial}, {hours(self.duration)})"

    def identity(self) -> tuple[str, ...]:
        return ("mfa", self.mfa_serial, *self.source.identity())

    def chain(self) -> list[str]:
        return [*self.source.chain(), self.describe()]
