"""SSO profiles when nobody can approve a login, when the token cache is damaged, and when the
portal or the OIDC service answer with nonsense; all through the real `xswitch` command.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ssotesting import REGION, START_URL

from hostile_http import KEY_ID, HostileServer, http_date, role_credentials_json
from xswitch.core.model import SsoSession
from xswitch.core.sso.auth import SsoAuth
from xswitch.core.sso.tokens import SsoToken, TokenCache

SESSION = SsoSession("acme", START_URL, REGION, scopes=("sso:account:access",))
CONFIG = f"""
[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access

[profile acme-admin]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1

[profile via-xswitch]
credential_process = {sys.executable} -m xswitch credential-process acme-admin
region = us-east-1

[profile me]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile dev-mfa]
role_arn = arn:aws:iam::111111111111:role/Developer
source_profile = me
mfa_serial = arn:aws:iam::111111111111:mfa/me
"""


@pytest.fixture
def configured(isolated):
    isolated.write_aws_config(CONFIG)
    isolated.write_xswitch_config("[settings]\nnetwork_timeout = 2\n")
    return isolated


def xswitch(*args: str, **options) -> subprocess.CompletedProcess[str]:
    """The real command, without a controlling terminal (a new session), stdin closed."""
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=options.pop("env", dict(os.environ)),
        timeout=60,  # a wait for an approval nobody can give fails the test, not the suite
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        **options,
    )


def clean_failure(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "report" not in result.stderr.lower()
    return result.stderr


def expired_token(**changes) -> SsoToken:
    fields = {
        "start_url": START_URL,
        "region": REGION,
        "access_token": "expired-access-token",
        "expires_at": datetime.now(UTC) - timedelta(hours=1),
    }
    return SsoToken(**{**fields, **changes})


def token_file() -> Path:
    return TokenCache().token_path(SESSION)


# --- point 1: nobody can approve a login -------------------------------------------------


def test_credential_process_with_an_expired_login_fails_at_once(configured, sso_server):
    TokenCache().save_token(SESSION, expired_token())
    for command in ("credential-process", "export"):
        err = clean_failure(xswitch(command, "acme-admin"))
        assert "xswitch sso login acme" in err
        assert "no terminal" in err
    assert sso_server.requests["StartDeviceAuthorization"] == 0
    assert sso_server.requests["RegisterClient"] == 0


def test_the_aws_cli_gets_the_explanation_instead_of_a_silent_wait(configured, sso_server):
    TokenCache().save_token(SESSION, expired_token())
    aws = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [str(aws), "sts", "get-caller-identity", "--profile", "via-xswitch"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert result.returncode != 0
    assert "xswitch sso login acme" in result.stderr
    assert sso_server.requests["StartDeviceAuthorization"] == 0


# --- point 5: damaged token cache files --------------------------------------------------


def write_token_file(content: str | bytes) -> Path:
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(0o600)
    return path


def valid_fields() -> dict:
    return {
        "startUrl": START_URL,
        "region": REGION,
        "accessToken": "x",
        "expiresAt": "2099-01-01T00:00:00Z",
        "clientId": "c",
        "clientSecret": "s",
        "refreshToken": "r",
    }


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({**valid_fields(), "registrationExpiresAt": 1700000000}),
        json.dumps({**valid_fields(), "registrationExpiresAt": ["2099-01-01T00:00:00Z"]}),
        json.dumps({**valid_fields(), "expiresAt": 4102444800}),
        json.dumps({**valid_fields(), "refreshToken": {"nested": True}}),
        "[" * 100_000 + "]" * 100_000,
        "{" * 3 + "garbage",
    ],
    ids=[
        "registration-number",
        "registration-list",
        "expiry-number",
        "refresh-object",
        "deep",
        "garbage",
    ],
)
def test_a_damaged_token_file_means_a_login_is_needed_said_once(configured, sso_server, content):
    write_token_file(content)
    err = clean_failure(xswitch("export", "acme-admin"))
    assert "xswitch sso login acme" in err
    assert err.count("ignoring the SSO token cache file") == 1
    assert sso_server.requests["GetRoleCredentials"] == 0


def test_a_fifo_in_place_of_the_token_file_does_not_hang(configured, sso_server):
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path, 0o600)
    err = clean_failure(xswitch("export", "acme-admin"))
    assert "not a regular file" in err
    assert "xswitch sso login acme" in err


def test_a_token_file_readable_by_others_is_used_with_a_warning(configured, sso_server, approver):
    SsoAuth(SESSION).login(approver)
    path = token_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    result = xswitch("export", "acme-admin")
    assert result.returncode == 0, result.stderr
    assert "AWS_ACCESS_KEY_ID" in result.stdout
    assert f"{path} is readable by other users (mode 0644)" in result.stderr
    assert "chmod 600" in result.stderr


# --- point 3 and 4: the portal and the OIDC service answer with nonsense ------------------


@pytest.fixture
def logged_in_portal(configured, sso_server, approver, monkeypatch):
    """A good login from the real SSO server; the portal then moves to a hostile server."""
    SsoAuth(SESSION).login(approver)
    with HostileServer() as portal:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", portal.url)
        yield portal


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b"{}", "answered without valid data (no roleCredentials)"),
        (200, b'{"roleCredentials": {"expiration": "soon"}}', "is not a valid answer"),
        (200, role_credentials_json(-5), "expiration is out of range"),
        (200, role_credentials_json(sessionToken=123), "SessionToken that is not a string"),
        (200, role_credentials_json(secretAccessKey="a\x00b"), "SecretAccessKey with characters"),
        (200, b"\x00garbage{{", "answered without valid data"),
        (200, b"[" * 100_000, "is not a valid answer"),
        (200, b"{" + b" " * (50 * 1024 * 1024) + b"}", "more than 4 MB"),
        (503, b"", "a server error (HTTP 503)"),
    ],
    ids=[
        "empty",
        "bad-expiration",
        "negative-expiration",
        "token-number",
        "nul",
        "garbage",
        "deep",
        "50MB",
        "503",
    ],
)
def test_an_invalid_portal_answer_blames_the_portal(logged_in_portal, status, body, expected):
    logged_in_portal.behave = logged_in_portal.answer(status, body)
    err = clean_failure(xswitch("export", "acme-admin"))
    assert expected in err
    assert logged_in_portal.url in err
    assert "Check sso_start_url" not in err


def test_a_trickling_portal_is_given_up_on(logged_in_portal):
    logged_in_portal.behave = logged_in_portal.trickle(0.5)
    err = clean_failure(xswitch("export", "acme-admin"))
    assert "gave no complete answer within 2 s (3 attempts" in err
    assert logged_in_portal.url in err
    assert len(logged_in_portal.requests) == 3


def test_role_credentials_already_expired_are_refused(logged_in_portal):
    past = int((time.time() - 600) * 1000)
    logged_in_portal.behave = logged_in_portal.answer(
        200, role_credentials_json(past), {"Date": http_date()}
    )
    err = clean_failure(xswitch("credential-process", "acme-admin"))
    assert "already expired" in err
    assert KEY_ID not in err


def test_an_invalid_refresh_answer_blames_the_oidc_service(configured, monkeypatch):
    TokenCache().save_token(
        SESSION,
        expired_token(
            client_id="client",
            client_secret="secret",
            refresh_token="refresh",
            registration_expires_at=datetime.now(UTC) + timedelta(days=30),
        ),
    )
    with HostileServer() as oidc:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url)
        oidc.behave = oidc.answer(200, b'{"accessToken": 5}')
        err = clean_failure(xswitch("credential-process", "acme-admin"))
        assert "answered without valid data (accessToken has the wrong type)" in err
        assert oidc.url in err
        assert len(oidc.requests) == 1  # a refresh token is presented once


def test_an_invalid_account_list_blames_the_portal(logged_in_portal):
    logged_in_portal.behave = logged_in_portal.answer(200, b'{"accountList": [{"x": 1}]}')
    err = clean_failure(xswitch("sso", "sync", "acme", "--no-browser"))
    assert "accountList is not a list of entries, each with accountId" in err
    assert logged_in_portal.url in err


# --- point 8: permissions -------------------------------------------------------------------


def assert_private(root: Path) -> None:
    assert root.exists()
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path} is {mode:04o}"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_an_sso_login_is_private_whatever_the_umask(isolated, sso_server, umask):
    isolated.write_aws_config(
        f"[sso-session acme]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n"
    )
    approving = threading.Thread(
        target=lambda: sso_server.approve(sso_server.wait_for_user_code(20))
    )
    approving.start()
    result = xswitch("sso", "login", "acme", "--no-browser", preexec_fn=lambda: os.umask(umask))
    approving.join()
    assert result.returncode == 0, result.stderr
    assert_private(isolated.root / ".aws" / "sso")
    assert_private(Path(os.environ["XDG_CACHE_HOME"]) / "xswitch")
