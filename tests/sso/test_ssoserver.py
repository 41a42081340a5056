"""The SSO server speaks botocore's sso-oidc and sso wire protocols, as plain botocore sees it."""

from __future__ import annotations

import subprocess
import sys

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from ssotesting import REGION, START_URL

from sso_controls import ControlledSsoServer
from xswitch.demo.ssoserver import ServerOptions, sample_accounts

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def clients(url: str):
    config = Config(
        signature_version=botocore.UNSIGNED, region_name=REGION, retries={"total_max_attempts": 1}
    )
    return (
        boto3.client("sso-oidc", endpoint_url=url, config=config),
        boto3.client("sso", endpoint_url=url, config=config),
    )


def device_token(oidc, server: ControlledSsoServer, scopes: list[str] | None = None) -> dict:
    extra = {"scopes": scopes} if scopes else {}
    client = oidc.register_client(clientName="test", clientType="public", **extra)
    assert client["clientSecretExpiresAt"] > client["clientIdIssuedAt"]
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START_URL
    )
    arguments = {
        "grantType": DEVICE_GRANT,
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "deviceCode": device["deviceCode"],
    }
    with pytest.raises(oidc.exceptions.AuthorizationPendingException) as pending:
        oidc.create_token(**arguments)
    # The modeled OIDC error members, as botocore parses them.
    assert pending.value.response["error"] == "authorization_pending"
    assert pending.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    server.approve(device["userCode"])
    token = oidc.create_token(**arguments)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**arguments)  # a device code is redeemed once
    return {**token, "clientId": client["clientId"], "clientSecret": client["clientSecret"]}


def test_device_flow_refresh_and_portal_with_botocore():
    with ControlledSsoServer(sample_accounts(45, 2), options=ServerOptions(page_size=20)) as server:
        oidc, sso = clients(server.url)
        token = device_token(oidc, server, scopes=["sso:account:access"])
        assert token["tokenType"] == "Bearer" and token["expiresIn"] == 8 * 3600

        refreshed = oidc.create_token(
            grantType="refresh_token",
            clientId=token["clientId"],
            clientSecret=token["clientSecret"],
            refreshToken=token["refreshToken"],
        )
        with pytest.raises(oidc.exceptions.InvalidGrantException):
            oidc.create_token(  # refresh tokens rotate
                grantType="refresh_token",
                clientId=token["clientId"],
                clientSecret=token["clientSecret"],
                refreshToken=token["refreshToken"],
            )
        bearer = refreshed["accessToken"]

        pages = list(sso.get_paginator("list_accounts").paginate(accessToken=bearer))
        assert len(pages) == 3  # 45 accounts, 20 per page
        accounts = [a for page in pages for a in page["accountList"]]
        assert accounts[0] == {
            "accountId": "100000000001",
            "accountName": "account-0001",
            "emailAddress": "aws+0001@example.com",
        }
        roles = sso.list_account_roles(accessToken=bearer, accountId="100000000001")["roleList"]
        assert [r["roleName"] for r in roles] == ["AdministratorAccess", "ReadOnlyAccess"]

        creds = sso.get_role_credentials(
            accessToken=bearer, accountId="100000000001", roleName="ReadOnlyAccess"
        )["roleCredentials"]
        assert creds["accessKeyId"].startswith("ASIA") and len(creds["secretAccessKey"]) == 40
        assert creds["expiration"] > 10**12  # epoch milliseconds

        with pytest.raises(ClientError) as forbidden:
            sso.get_role_credentials(accessToken=bearer, accountId="100000000001", roleName="X")
        assert forbidden.value.response["Error"]["Code"] == "ForbiddenException"
        assert forbidden.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

        with pytest.raises(sso.exceptions.ResourceNotFoundException):
            sso.list_account_roles(accessToken=bearer, accountId="999999999999")

        sso.logout(accessToken=bearer)
        with pytest.raises(sso.exceptions.UnauthorizedException) as unauthorized:
            sso.list_accounts(accessToken=bearer)
        assert unauthorized.value.response["Error"]["Message"]


def test_legacy_registration_gets_no_refresh_token_and_bad_clients_are_refused():
    with ControlledSsoServer([]) as server:
        oidc, _ = clients(server.url)
        assert "refreshToken" not in device_token(oidc, server)
        with pytest.raises(oidc.exceptions.InvalidClientException) as invalid:
            oidc.start_device_authorization(clientId="x", clientSecret="y", startUrl=START_URL)
        assert invalid.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
        assert invalid.value.response["error"] == "invalid_client"


def test_rate_limit_answers_429_too_many_requests():
    with ControlledSsoServer(sample_accounts(1, 1), rate_limit=2) as server:
        oidc, sso = clients(server.url)
        bearer = device_token(oidc, server)["accessToken"]
        with pytest.raises(sso.exceptions.TooManyRequestsException) as throttled:
            for _ in range(10):
                sso.list_accounts(accessToken=bearer)
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert server.requests["Throttled"] == 1


def test_runs_standalone():
    server = subprocess.Popen(
        [sys.executable, "-m", "xswitch.demo.ssoserver", "--accounts", "3", "--roles", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[3]
        oidc, sso = clients(url)
        client = oidc.register_client(clientName="t", clientType="public")
        device = oidc.start_device_authorization(
            clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START_URL
        )
        token = oidc.create_token(  # auto-approved by default when run standalone
            grantType=DEVICE_GRANT,
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            deviceCode=device["deviceCode"],
        )
        accounts = sso.list_accounts(accessToken=token["accessToken"])["accountList"]
        assert len(accounts) == 3
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_shipped_server_only_speaks_the_protocol():
    """Counters, misbehaviour switches and the administrator's controls live in the tests."""
    import dataclasses

    from xswitch.demo.ssoserver import ServerOptions, SsoServer

    server = SsoServer()
    for control in ("requests", "deny", "revoke_all", "expire_access_tokens", "set_roles",
                    "forget_clients", "wait_for_user_code", "pending_user_codes"):  # fmt: skip
        assert not hasattr(server, control), control
    options = {field.name for field in dataclasses.fields(ServerOptions)}
    assert options.isdisjoint({"slow_down_polls", "throttle_every", "issue_refresh_tokens"})
