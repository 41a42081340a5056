"""Fixtures for the SSO tests: a running SSO server, a session pointing at it, prompters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ssotesting import ACCOUNTS, REGION, START_URL, ApprovingPrompter

from sso_controls import ControlledSsoServer
from xswitch.core.model import SsoSession
from xswitch.demo.ssoserver import ServerOptions


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never open a browser."""
    monkeypatch.setenv("XSWITCH_NO_BROWSER", "1")


@pytest.fixture
def server_options() -> ServerOptions:
    return ServerOptions(device_code_lifetime=30, poll_interval=1)


@pytest.fixture
def sso_server(
    server_options: ServerOptions, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ControlledSsoServer]:
    server = ControlledSsoServer(ACCOUNTS, options=server_options).start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def session() -> SsoSession:
    return SsoSession("acme", START_URL, REGION, scopes=("sso:account:access",))


@pytest.fixture
def legacy_session() -> SsoSession:
    return SsoSession(START_URL, START_URL, REGION, legacy=True)


@pytest.fixture
def approver(sso_server: ControlledSsoServer) -> ApprovingPrompter:
    return ApprovingPrompter(sso_server)


@pytest.fixture
def bystander() -> ApprovingPrompter:
    """Shows the code and approves nothing (the test or nobody approves)."""
    return ApprovingPrompter(None)
