"""The SSO token cache is shared with the AWS CLI, in both directions.

The AWS CLI (awscli v1 with botocore) reads sso-session and legacy SSO profiles from ~/.aws/config,
loads the token from ~/.aws/sso/cache, calls GetRoleCredentials on our SSO server and then STS on
moto. awscli v1 has no `sso login` command, so the token an `aws sso login` (AWS CLI v2) leaves
behind is written here exactly as its `SSOTokenFetcher._create_token_attempt` builds it and
`_sso_json_dumps` serialises it (awscli v2, awscli/botocore/utils.py and awscli/customizations/sso).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ssotesting import REGION, START_URL

from xswitch.core.model import Kind, Profile, SsoSession
from xswitch.core.providers.sso_role import SsoRoleProvider
from xswitch.core.sso.auth import SsoAuth

AWS = str(Path(sys.executable).with_name("aws"))

CONFIG = f"""
[profile prod]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[profile legacy]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess
region = eu-west-1

[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access
"""


@pytest.fixture
def aws_env(isolated, moto, sso_server) -> dict[str, str]:
    isolated.write_aws_config(CONFIG)
    env = dict(os.environ)
    env["AWS_ENDPOINT_URL_STS"] = moto.url
    env.pop("AWS_ENDPOINT_URL", None)  # SSO calls must reach our server, STS calls moto
    return env


def aws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=60
    )


def test_aws_cli_uses_a_login_made_by_xswitch(aws_env, sso_server, session, approver):
    SsoAuth(session).login(approver)

    result = aws(aws_env, "sts", "get-caller-identity", "--profile", "prod")

    assert result.returncode == 0, result.stderr
    assert "Arn" in json.loads(result.stdout)
    assert sso_server.requests["GetRoleCredentials"] == 1
    assert sso_server.requests["StartDeviceAuthorization"] == 1  # only xswitch's own login


def test_aws_cli_uses_a_legacy_login_made_by_xswitch(aws_env, sso_server, legacy_session, approver):
    SsoAuth(legacy_session).login(approver)

    result = aws(aws_env, "sts", "get-caller-identity", "--profile", "legacy")

    assert result.returncode == 0, result.stderr
    assert sso_server.requests["GetRoleCredentials"] == 1


def test_aws_cli_refreshes_an_xswitch_token_and_xswitch_reads_the_result(
    aws_env, sso_server, session, approver
):
    auth = SsoAuth(session)
    token = auth.login(approver)
    # Move the expiry into botocore's 15-minute refresh window.
    path = auth.cache.token_path(session)
    data = json.loads(path.read_text())
    data["expiresAt"] = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(data))

    result = aws(aws_env, "sts", "get-caller-identity", "--profile", "prod")
    assert result.returncode == 0, result.stderr

    refreshed = auth.cached()
    assert refreshed is not None and refreshed.access_token != token.access_token
    assert refreshed.seconds_left() > 3600
    assert auth.token(None).access_token == refreshed.access_token  # no second refresh


def _cli_v2_token(session_name: str | None, access_token: str, expires_in: int) -> Path:
    """Write the token file `aws sso login` (AWS CLI v2) writes after CreateToken succeeds."""
    now = datetime.now(UTC)
    token = {
        "startUrl": START_URL,
        "region": REGION,
        "accessToken": access_token,
        "expiresAt": (now + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clientId": "cid-from-cli",
        "clientSecret": "secret-from-cli",
        "registrationExpiresAt": (now + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # SSOTokenLoader / JSONFileCache: sha1 of the session name, or of the start URL (legacy).
    key = hashlib.sha1((session_name or START_URL).encode()).hexdigest()
    path = Path.home() / ".aws" / "sso" / "cache" / f"{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(token))
    return path


def _portal_token(sso_server) -> str:
    """A real access token of our server, obtained with plain botocore (as the AWS CLI would)."""
    import boto3
    import botocore
    from botocore.config import Config

    oidc = boto3.client(
        "sso-oidc",
        endpoint_url=sso_server.url,
        config=Config(signature_version=botocore.UNSIGNED, region_name=REGION),
    )
    client = oidc.register_client(clientName="botocore-client-acme", clientType="public")
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START_URL
    )
    sso_server.approve(device["userCode"])
    answer = oidc.create_token(
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        deviceCode=device["deviceCode"],
    )
    return answer["accessToken"]


@pytest.mark.parametrize("legacy", [False, True], ids=["sso-session", "legacy"])
def test_xswitch_uses_a_login_made_by_the_aws_cli(sso_server, legacy, bystander):
    session = (
        SsoSession(START_URL, START_URL, REGION, legacy=True)
        if legacy
        else SsoSession("acme", START_URL, REGION)
    )
    _cli_v2_token(None if legacy else "acme", _portal_token(sso_server), 8 * 3600)
    profile = Profile(
        "prod",
        Kind.SSO,
        settings={"sso_account_id": "111111111111", "sso_role_name": "AdministratorAccess"},
    )

    creds = SsoRoleProvider(profile, session, prompter=bystander).retrieve()

    assert creds.access_key_id.startswith("ASIA")
    assert bystander.shown == []  # no device login: the AWS CLI's token was used
    assert sso_server.requests["StartDeviceAuthorization"] == 1  # the one made for the CLI
