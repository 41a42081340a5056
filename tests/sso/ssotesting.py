"""Shared values for the SSO tests: the directory of accounts and a prompter that approves."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sso_controls import ControlledSsoServer
from xswitch.core.model import DeviceAuthorization
from xswitch.demo.ssoserver import Account

START_URL = "https://acme.awsapps.com/start"
REGION = "eu-west-1"

ACCOUNTS = [
    Account("111111111111", "Acme Production", "prod@acme.example", ("AdministratorAccess",)),
    Account("222222222222", "Acme Staging", "staging@acme.example", ("ReadOnlyAccess", "Dev")),
]


@dataclass
class ApprovingPrompter:
    """Plays the person at the browser: approves (or denies) every code it is shown."""

    server: ControlledSsoServer | None
    deny: bool = False
    shown: list[DeviceAuthorization] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def mfa_code(self, serial: str, unlocks: list[str]) -> str:
        raise AssertionError("no MFA code is needed for SSO")

    def sso_device_code(self, authorization: DeviceAuthorization) -> None:
        self.shown.append(authorization)
        if self.server is None:
            return
        if self.deny:
            self.server.deny(authorization.user_code)
        else:
            self.server.approve(authorization.user_code)

    def cancelled(self) -> bool:
        return self.cancel.is_set()
