"""SSO sign-in with authorization code + PKCE, end to end: the real `xswitch sso login`, the
project's SSO server, a browser stand-in that opens /authorize and follows the redirect to the
loopback listener, and the real AWS CLI using the token xswitch cached. Then the server's refusals
(wrong verifier, reused code, foreign redirect URI), as the real service refuses them."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from ssotesting import REGION, START_URL

from xswitch.core.model import SsoSession
from xswitch.core.sso.tokens import TokenCache

AWS = str(Path(sys.executable).with_name("aws"))

CONFIG = f"""
[profile prod]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access
"""


@pytest.fixture
def signed_in_env(isolated, sso_server, browser, moto, monkeypatch) -> dict[str, str]:
    """An SSO profile, the stand-in as the browser; browsers allowed (no XSWITCH_NO_BROWSER)."""
    monkeypatch.delenv("XSWITCH_NO_BROWSER")
    isolated.write_aws_config(CONFIG)
    isolated.write_xswitch_config(f"[settings]\nbrowser = {json.dumps(browser.template)}\n")
    env = dict(os.environ)
    env["AWS_ENDPOINT_URL_STS"] = moto.url
    env.pop("AWS_ENDPOINT_URL", None)  # SSO calls reach our server, STS calls moto
    return env


def login(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", "sso", "login", "acme", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=90,
    )


def token_file() -> dict:
    path = TokenCache().token_path(SsoSession("acme", START_URL, REGION))
    return json.loads(path.read_text())


def test_login_signs_in_with_pkce_and_the_aws_cli_uses_the_token(
    signed_in_env, sso_server, browser
):
    result = login(signed_in_env)

    assert result.returncode == 0, result.stderr
    assert "Logged in to SSO session 'acme'" in result.stderr
    assert sso_server.requests["StartDeviceAuthorization"] == 0
    assert sso_server.requests["Authorize"] == 1
    # The client registered for the code grant, with a loopback redirect and the issuer.
    (client,) = sso_server._state.clients.values()
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.redirect_uris == ("http://127.0.0.1/oauth/callback",)
    # The browser was sent to /authorize with an S256 challenge, consent was given, and the
    # redirect reached xswitch's listener on 127.0.0.1.
    (argv,) = browser.wait(1)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(argv[0]).query))
    assert argv[0].startswith(sso_server.url + "/authorize?")
    assert query["code_challenge_method"] == "S256"
    assert query["response_type"] == "code"
    assert query["scopes"] == "sso:account:access"
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    visits = [r for r in browser.records() if "visited" in r]
    assert visits[-1]["visited"].startswith(query["redirect_uri"] + "?code=")
    assert visits[-1]["status"] == 200
    # The cache is the AWS CLI's: same keys, a refresh token, the registration.
    cached = token_file()
    assert {"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret"} <= set(
        cached
    )
    assert cached["refreshToken"]

    aws = subprocess.run(
        [AWS, "sts", "get-caller-identity", "--profile", "prod", "--output", "json"],
        env=signed_in_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert aws.returncode == 0, aws.stderr
    assert "Arn" in json.loads(aws.stdout)
    assert sso_server.requests["GetRoleCredentials"] == 1


def test_use_device_code_keeps_the_device_flow(signed_in_env, sso_server):
    approving = threading.Thread(
        target=lambda: sso_server.approve(sso_server.wait_for_user_code(20))
    )
    approving.start()
    result = login(signed_in_env, "--use-device-code")
    approving.join()

    assert result.returncode == 0, result.stderr
    assert sso_server.requests["StartDeviceAuthorization"] == 1
    assert sso_server.requests["Authorize"] == 0


def test_without_display_or_browser_command_the_device_code_is_used(
    signed_in_env, sso_server, isolated
):
    isolated.xswitch_config.unlink()  # the system default browser, and no DISPLAY here
    signed_in_env.pop("DISPLAY", None)
    signed_in_env.pop("WAYLAND_DISPLAY", None)
    approving = threading.Thread(
        target=lambda: sso_server.approve(sso_server.wait_for_user_code(20))
    )
    approving.start()
    result = login(signed_in_env)
    approving.join()

    assert result.returncode == 0, result.stderr
    assert "check that it shows the code" in result.stderr
    assert sso_server.requests["StartDeviceAuthorization"] == 1
    assert sso_server.requests["Authorize"] == 0


def test_denied_in_the_browser(signed_in_env, sso_server):
    signed_in_env["STANDIN_BROWSER_CLICK"] = "deny"
    result = login(signed_in_env)

    assert result.returncode == 1
    assert "refused in the browser (access_denied)" in result.stderr
    assert "Traceback" not in result.stderr
    assert sso_server.requests["CreateToken"] == 0


def test_a_redirect_with_another_state_is_refused_and_its_code_never_redeemed(
    signed_in_env, sso_server
):
    signed_in_env["STANDIN_BROWSER_STATE"] = "tamper"
    result = login(signed_in_env)

    assert result.returncode == 1
    assert "state_mismatch" in result.stderr
    assert sso_server.requests["CreateToken"] == 0


# --- the server refuses what the real service refuses ---------------------------------------


def _oidc(sso_server):
    import boto3
    import botocore
    from botocore.config import Config

    return boto3.client(
        "sso-oidc",
        endpoint_url=sso_server.url,
        config=Config(signature_version=botocore.UNSIGNED, region_name=REGION),
    )


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _authorize(sso_server, client_id: str, redirect_uri: str, verifier: str) -> tuple[int, str]:
    """GET /authorize as a browser would: (status, Location or page)."""
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": "s1",
            "code_challenge_method": "S256",
            "code_challenge": _challenge(verifier),
        }
    )
    opener = urllib.request.build_opener(_Stop)
    try:
        with opener.open(f"{sso_server.url}/authorize?{query}") as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or error.read().decode()


@pytest.fixture
def code_client(sso_server):
    sso_server.options.auto_approve = True
    oidc = _oidc(sso_server)
    client = oidc.register_client(
        clientName="test",
        clientType="public",
        scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"],
        issuerUrl=START_URL,
    )
    return oidc, client


def _code(location: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]


def _redeem(oidc, client, code: str, verifier: str, redirect_uri: str):
    return oidc.create_token(
        grantType="authorization_code",
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        code=code,
        codeVerifier=verifier,
        redirectUri=redirect_uri,
    )


def test_server_refuses_a_wrong_verifier_and_burns_the_code(sso_server, code_client):
    oidc, client = code_client
    redirect = "http://127.0.0.1:50123/oauth/callback"
    status, location = _authorize(sso_server, client["clientId"], redirect, "v" * 50)
    assert status == 302 and location.startswith(redirect + "?code=")

    with pytest.raises(oidc.exceptions.InvalidGrantException):
        _redeem(oidc, client, _code(location), "w" * 50, redirect)
    # The right verifier is too late now: the code was presented once.
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        _redeem(oidc, client, _code(location), "v" * 50, redirect)


def test_server_refuses_a_reused_code(sso_server, code_client):
    oidc, client = code_client
    redirect = "http://127.0.0.1:50124/oauth/callback"
    _status, location = _authorize(sso_server, client["clientId"], redirect, "v" * 50)

    answer = _redeem(oidc, client, _code(location), "v" * 50, redirect)
    assert answer["accessToken"] and answer["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        _redeem(oidc, client, _code(location), "v" * 50, redirect)


def test_server_refuses_another_redirect_uri_at_the_token_step(sso_server, code_client):
    oidc, client = code_client
    redirect = "http://127.0.0.1:50125/oauth/callback"
    _status, location = _authorize(sso_server, client["clientId"], redirect, "v" * 50)

    with pytest.raises(oidc.exceptions.InvalidGrantException):
        _redeem(oidc, client, _code(location), "v" * 50, "http://127.0.0.1:50126/oauth/callback")


@pytest.mark.parametrize(
    "foreign",
    [
        "https://attacker.example/oauth/callback",
        "http://127.0.0.1.attacker.example/oauth/callback",
        "http://127.0.0.1:50127/other",
        "http://user@127.0.0.1:50127/oauth/callback",
    ],
)
def test_server_never_redirects_to_a_foreign_redirect_uri(sso_server, code_client, foreign):
    _oidc_client, client = code_client
    status, page = _authorize(sso_server, client["clientId"], foreign, "v" * 50)

    assert status == 400
    assert "not registered" in page


def test_registering_the_code_grant_needs_redirect_uris_and_issuer(sso_server):
    oidc = _oidc(sso_server)
    with pytest.raises(oidc.exceptions.InvalidRedirectUriException):
        oidc.register_client(clientName="t", clientType="public", grantTypes=["authorization_code"])
    with pytest.raises(oidc.exceptions.InvalidRequestException):
        oidc.register_client(
            clientName="t",
            clientType="public",
            grantTypes=["authorization_code"],
            redirectUris=["http://127.0.0.1/oauth/callback"],
        )
