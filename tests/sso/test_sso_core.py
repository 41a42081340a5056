"""core.sso against the local SSO server over HTTP: device login, token cache, refresh, failures."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ssotesting import ACCOUNTS, ApprovingPrompter

from sso_controls import ControlledOptions, ControlledSsoServer
from xswitch.core.errors import (
    EndpointUnreachable,
    PromptCancelled,
    SsoDeviceCodeExpired,
    SsoLoginRequired,
    SsoRoleNotAssigned,
    SsoThrottled,
)
from xswitch.core.model import Kind, Profile, SsoSession
from xswitch.core.providers.sso_role import SsoRoleProvider
from xswitch.core.sso.auth import SsoAuth
from xswitch.core.sso.tokens import SsoToken, TokenCache
from xswitch.core.times import rfc3339 as format_time
from xswitch.demo.ssoserver import ServerOptions

TOKEN_KEYS = {
    "startUrl",
    "region",
    "accessToken",
    "expiresAt",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "refreshToken",
}


def sso_profile(
    session: SsoSession, account: str = "111111111111", role: str = "AdministratorAccess"
):
    return Profile(
        name="acme-prod",
        kind=Kind.SSO,
        settings={"sso_session": session.name, "sso_account_id": account, "sso_role_name": role},
    )


def token_file(session: SsoSession) -> Path:
    return TokenCache().token_path(session)


def test_device_login_writes_the_aws_cli_token_file(sso_server, session, approver):
    token = SsoAuth(session).login(approver)

    path = Path.home() / ".aws" / "sso" / "cache" / (hashlib.sha1(b"acme").hexdigest() + ".json")
    assert path == token_file(session)
    data = json.loads(path.read_text())
    assert set(data) == TOKEN_KEYS
    assert data["startUrl"] == session.start_url and data["region"] == session.region
    assert data["accessToken"] == token.access_token
    # The AWS CLI's timestamp format, to the second, in UTC.
    assert datetime.strptime(data["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [a.user_code for a in approver.shown] and approver.shown[0].session == "acme"
    assert sso_server.requests["StartDeviceAuthorization"] == 1
    assert "accessToken" not in repr(token) and token.access_token not in repr(token)


def test_cached_token_needs_no_network_and_registration_is_reused(sso_server, session, approver):
    auth = SsoAuth(session)
    first = auth.login(approver)
    assert auth.token(None).access_token == first.access_token
    assert sso_server.requests["CreateToken"] == 1

    auth.login(approver)  # a forced second login reuses the cached client registration
    assert sso_server.requests["RegisterClient"] == 1
    assert sso_server.requests["StartDeviceAuthorization"] == 2


def test_forgotten_client_registration_is_replaced(sso_server, session, approver):
    auth = SsoAuth(session)
    auth.login(approver)
    sso_server.forget_clients()  # the server restarted

    auth.login(approver)
    assert sso_server.requests["RegisterClient"] == 2


def test_role_credentials_through_the_provider(sso_server, session, approver):
    provider = SsoRoleProvider(sso_profile(session), session, prompter=approver)
    creds = provider.retrieve()

    assert creds.access_key_id.startswith("ASIA") and len(creds.access_key_id) == 20
    assert 3500 < creds.seconds_left() <= 3600
    assert sso_server.requests["GetRoleCredentials"] == 1
    assert "111111111111" in provider.describe()
    assert creds.secret_access_key not in repr(creds)


def test_without_prompter_and_token_login_is_required(sso_server, session):
    with pytest.raises(SsoLoginRequired, match="xswitch sso login acme"):
        SsoAuth(session).token(None)
    assert sso_server.requests["StartDeviceAuthorization"] == 0


def test_token_near_expiry_is_refreshed_with_the_refresh_token(sso_server, session, approver):
    auth = SsoAuth(session)
    old = auth.login(approver)
    # Ten minutes left: inside the 15-minute refresh window, still usable.
    near = SsoToken(**{**old.__dict__, "expires_at": datetime.now(UTC) + timedelta(minutes=10)})
    auth.cache.save_token(session, near)

    fresh = auth.token(None)
    assert fresh.access_token != old.access_token
    assert fresh.seconds_left() > 3600
    assert fresh.refresh_token and fresh.refresh_token != old.refresh_token  # rotated
    assert json.loads(token_file(session).read_text())["accessToken"] == fresh.access_token
    assert sso_server.requests["StartDeviceAuthorization"] == 1


def test_expired_token_is_refreshed_too(sso_server, session, approver):
    auth = SsoAuth(session)
    old = auth.login(approver)
    sso_server.expire_access_tokens()
    expired = SsoToken(**{**old.__dict__, "expires_at": datetime.now(UTC) - timedelta(hours=1)})
    auth.cache.save_token(session, expired)

    creds = SsoRoleProvider(sso_profile(session), session).retrieve()
    assert creds.access_key_id.startswith("ASIA")


def test_rejected_refresh_of_expired_token_requires_login(sso_server, session, approver):
    auth = SsoAuth(session)
    old = auth.login(approver)
    sso_server.revoke_all()
    expired = SsoToken(**{**old.__dict__, "expires_at": datetime.now(UTC) - timedelta(minutes=1)})
    auth.cache.save_token(session, expired)

    with pytest.raises(SsoLoginRequired, match="refused to renew") as caught:
        auth.token(None)
    assert "xswitch sso login acme" in str(caught.value)
    assert old.refresh_token not in str(caught.value)


def test_legacy_token_is_cached_under_the_start_url_and_never_refreshed(
    sso_server, legacy_session, approver
):
    auth = SsoAuth(legacy_session)
    token = auth.login(approver)
    assert token_file(legacy_session).name == (
        hashlib.sha1(legacy_session.start_url.encode()).hexdigest() + ".json"
    )
    # Registered without scopes, as the AWS CLI does for legacy profiles: no refresh token.
    assert token.refresh_token is None
    assert "refreshToken" not in json.loads(token_file(legacy_session).read_text())


def test_revoked_token_gives_a_clear_error(sso_server, session, approver):
    SsoAuth(session).login(approver)
    sso_server.revoke_all()

    with pytest.raises(SsoLoginRequired, match="revoked"):
        SsoRoleProvider(sso_profile(session), session, prompter=approver).retrieve()


def test_unassigned_role_is_forbidden(sso_server, session, approver):
    provider = SsoRoleProvider(sso_profile(session, role="Billing"), session, prompter=approver)
    with pytest.raises(SsoRoleNotAssigned, match="no access to role 'Billing'") as caught:
        provider.retrieve()
    assert caught.value.code == "ForbiddenException"
    assert caught.value.exit_code == 1


def test_throttling_after_retries_is_explained(session, approver, monkeypatch):
    options = ServerOptions(rate_limit=0.001)  # one request, then nothing for a long time
    with ControlledSsoServer(ACCOUNTS[:1], options=options) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        approver.server = server
        provider = SsoRoleProvider(sso_profile(session), session, prompter=approver)
        provider.retrieve()  # the one request the bucket allows
        with pytest.raises(SsoThrottled, match="throttling"):
            provider.retrieve()
        assert server.requests["Throttled"] >= 2  # botocore retried before giving up


def test_unreachable_portal(session, approver, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
    with pytest.raises(EndpointUnreachable, match="Could not reach IAM Identity Center") as caught:
        SsoAuth(session).login(approver)
    assert "127.0.0.1:9" in str(caught.value)


def test_device_code_expiring_before_approval(session, bystander, monkeypatch):
    options = ServerOptions(device_code_lifetime=1, poll_interval=1)
    with ControlledSsoServer([], options=options) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SsoDeviceCodeExpired, match="expired before it was approved"):
            SsoAuth(session).login(bystander)
    assert not token_file(session).exists()


def test_denied_login(sso_server, session):
    with pytest.raises(SsoDeviceCodeExpired, match="denied"):
        SsoAuth(session).login(ApprovingPrompter(sso_server, deny=True))


def test_slow_down_adds_five_seconds_to_the_interval(session, monkeypatch):
    options = ControlledOptions(poll_interval=1, slow_down_polls=1)
    with ControlledSsoServer([], options=options) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        waits: list[float] = []
        prompter = ApprovingPrompter(server)
        SsoAuth(session, sleep=waits.append).login(prompter)
    # Immediate first poll -> SlowDown; then wait 1 + 5 s; the next poll succeeds.
    assert sum(waits) == pytest.approx(6.0)
    assert server.requests["CreateToken"] == 2


def test_pending_authorization_is_polled_at_the_interval(sso_server, session, bystander):
    def approve_later() -> None:
        code = sso_server.wait_for_user_code(timeout=5)
        threading.Timer(1.2, sso_server.approve, args=[code]).start()

    threading.Thread(target=approve_later).start()
    SsoAuth(session).login(bystander)
    assert 2 <= sso_server.requests["CreateToken"] <= 4


def test_cancelled_login(sso_server, session, bystander):
    bystander.cancel.set()
    with pytest.raises(PromptCancelled):
        SsoAuth(session).login(bystander)


def test_malformed_cache_file_is_ignored_with_a_warning_and_kept(
    sso_server, session, approver, caplog
):
    path = token_file(session)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")

    with (
        caplog.at_level(logging.WARNING, logger="xswitch.core.sso"),
        pytest.raises(SsoLoginRequired),
    ):
        SsoAuth(session).token(None)
    assert "not valid JSON" in caplog.text and str(path) in caplog.text
    assert path.read_text() == "{not json"

    SsoAuth(session).login(approver)
    assert path.with_suffix(".malformed").read_text() == "{not json"
    assert json.loads(path.read_text())["startUrl"] == session.start_url


def test_token_file_missing_keys_is_ignored(sso_server, session, caplog):
    path = token_file(session)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"startUrl": session.start_url, "expiresAt": "soon"}))
    with caplog.at_level(logging.WARNING, logger="xswitch.core.sso"):
        assert SsoAuth(session).cached() is None
    assert "accessToken" in caplog.text


def test_fifty_parallel_requests_start_one_device_authorization(sso_server, session, bystander):
    def approve() -> None:
        sso_server.approve(sso_server.wait_for_user_code(timeout=10))

    approving = threading.Thread(target=approve)
    approving.start()
    provider = SsoRoleProvider(sso_profile(session), session, prompter=bystander)
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda _: provider.retrieve(), range(50)))
    approving.join()

    assert len(results) == 50
    assert sso_server.requests["StartDeviceAuthorization"] == 1
    assert sso_server.requests["GetRoleCredentials"] == 50
    assert len(bystander.shown) == 1


_CHILD = """
import sys
from xswitch.core.model import SsoSession
from xswitch.core.sso.auth import SsoAuth

class Quiet:
    def sso_device_code(self, authorization):
        print("CODE", authorization.user_code, flush=True)
    def cancelled(self):
        return False

session = SsoSession("acme", sys.argv[1], "eu-west-1", ("sso:account:access",))
token = SsoAuth(session).token(Quiet())
print("TOKEN", token.access_token[:8], flush=True)
"""


def test_parallel_processes_share_one_login(sso_server, session):
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, session.start_url],
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(3)
    ]
    sso_server.approve(sso_server.wait_for_user_code(timeout=20))
    outputs = [child.communicate(timeout=30)[0] for child in children]

    assert all(child.returncode == 0 for child in children), outputs
    assert sum(out.count("CODE") for out in outputs) == 1
    assert len({line for out in outputs for line in out.splitlines() if "TOKEN" in line}) == 1
    assert sso_server.requests["StartDeviceAuthorization"] == 1


def test_logout_deletes_the_token_and_ends_the_portal_session(sso_server, session, approver):
    auth = SsoAuth(session)
    token = auth.login(approver)
    assert auth.logout() is True
    assert not token_file(session).exists()
    assert sso_server.requests["Logout"] == 1
    with pytest.raises(SsoLoginRequired):
        from xswitch.core.providers.sso_role import role_credentials

        role_credentials(session, token, "111111111111", "AdministratorAccess")
    assert auth.logout() is False


def test_timestamps_written_by_other_tools_are_understood():
    from xswitch.core.times import parse_rfc3339 as parse_time

    expected = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    for text in ("2030-01-02T03:04:05Z", "2030-01-02T03:04:05UTC", "2030-01-02T03:04:05+00:00"):
        assert parse_time(text) == expected
    assert format_time(expected) == "2030-01-02T03:04:05Z"


def test_aws_profile_naming_a_missing_profile_does_not_break_sso(
    sso_server, session, approver, monkeypatch
):
    # The SSO clients come from the same botocore session as STS, which reads no profile:
    # AWS_PROFILE (set for other tools, or naming a profile botocore cannot read) is not its
    # business. A session that honoured it raised ProfileNotFound before the first request.
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-anywhere")
    provider = SsoRoleProvider(sso_profile(session), session, prompter=approver)
    creds = provider.retrieve()
    assert creds.session_token and creds.via[0] == "sso:acme"
    assert sso_server.requests["GetRoleCredentials"] == 1
