"""Fixtures for the pty tests (helpers in termtesting.py): a terminal session, an MFA role on an
STS that judges codes, an SSO server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from termtesting import BIN, ROLE_ADMIN, SERIAL, Session

from xswitch.demo.ssoserver import Account, ServerOptions, SsoServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.terminal)


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Session]:
    session = Session(tmp_path)
    yield session
    for terminal in session.started:
        if terminal.child.isalive():
            terminal.child.close(force=True)


@pytest.fixture
def mfa_role(isolated, mfa_sts):
    """Keys in ~/.aws/credentials and a role behind an MFA device, on an STS that refuses the
    codes 000000 and 111111 (tests/conftest.py: MfaCheckingSts)."""
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile admin]
        role_arn = {ROLE_ADMIN}
        source_profile = me
        mfa_serial = {SERIAL}
        region = eu-west-1

        [profile via-xswitch]
        credential_process = {BIN / "xswitch"} credential-process admin
        region = us-east-1
        """
    )
    return isolated


@pytest.fixture
def sso_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoServer]:
    accounts = [Account("111111111111", "Acme Production", "prod@acme.example", ("Admin",))]
    server = SsoServer(accounts, options=ServerOptions(device_code_lifetime=60)).start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    try:
        yield server
    finally:
        server.stop()
