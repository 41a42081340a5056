"""`xswitch sso login|sync|logout` as people and scripts run them, against the local SSO server."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import tomllib

import pytest
from ssotesting import REGION, START_URL

from xswitch.cli import main
from xswitch.core.model import SsoSession
from xswitch.core.sso.tokens import TokenCache

ONE_SESSION = f"""
[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access
"""

TWO_SESSIONS = (
    ONE_SESSION
    + """
[sso-session other]
sso_start_url = https://other.awsapps.com/start
sso_region = us-east-1
"""
)


def approve_when_asked(server) -> threading.Thread:
    thread = threading.Thread(target=lambda: server.approve(server.wait_for_user_code(10)))
    thread.start()
    return thread


def test_login_in_a_real_process_prints_url_and_code_on_stderr(isolated, sso_server, xswitch_cmd):
    isolated.write_aws_config(ONE_SESSION)
    approving = approve_when_asked(sso_server)
    result = subprocess.run(
        [*xswitch_cmd, "sso", "login", "--no-browser"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    approving.join()

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"{sso_server.url}/device?user_code=" in result.stderr
    assert "Logged in to SSO session 'acme'" in result.stderr
    assert TokenCache().token_path(SsoSession("acme", START_URL, REGION)).exists()


def test_login_needs_a_session_name_when_several_exist(isolated, capsys):
    isolated.write_aws_config(TWO_SESSIONS)
    assert main(["sso", "login"]) == 2
    err = capsys.readouterr().err
    assert "Several SSO sessions" in err and "acme, other" in err


def test_login_to_an_unknown_session(isolated, capsys):
    isolated.write_aws_config(TWO_SESSIONS)
    assert main(["sso", "login", "nope"]) == 2
    assert "no SSO session (or SSO profile) named 'nope'" in capsys.readouterr().err


def test_login_without_any_session(isolated, capsys):
    assert main(["sso", "login"]) == 2
    assert "No SSO session is configured" in capsys.readouterr().err


def test_login_failure_is_one_clear_sentence(isolated, monkeypatch, xswitch_cmd):
    isolated.write_aws_config(ONE_SESSION)
    env = dict(os.environ, AWS_ENDPOINT_URL_SSO_OIDC="http://127.0.0.1:9")
    result = subprocess.run(
        [*xswitch_cmd, "sso", "login", "acme", "--no-browser"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Could not reach IAM Identity Center" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_then_export_a_discovered_role_through_the_engine(isolated, sso_server, moto, capsys):
    isolated.write_aws_config(ONE_SESSION)
    approving = approve_when_asked(sso_server)
    assert main(["sso", "sync", "--rate", "50", "--no-browser"]) == 0
    approving.join()
    out = capsys.readouterr().out
    assert "2 accounts, 3 roles" in out and "3 new profiles" in out
    assert "+ acme-staging.ReadOnlyAccess" in out

    doc = tomllib.loads(isolated.xswitch_config.read_text())
    assert doc["profiles"]["acme-staging.ReadOnlyAccess"]["origin"] == "sso-sync"

    # The discovered profile works through the credential engine with the cached SSO login.
    assert main(["export", "acme-staging.ReadOnlyAccess"]) == 0
    exported = capsys.readouterr().out
    assert "AWS_ACCESS_KEY_ID=ASIA" in exported or "AWS_ACCESS_KEY_ID='ASIA" in exported
    assert sso_server.requests["StartDeviceAuthorization"] == 1
    assert sso_server.requests["GetRoleCredentials"] == 1

    # A second sync changes nothing and needs no login.
    assert main(["sso", "sync", "acme"]) == 0
    assert "0 new profiles, 3 unchanged" in capsys.readouterr().out


def test_sync_with_a_bad_rate(isolated, capsys):
    isolated.write_aws_config(ONE_SESSION)
    assert main(["sso", "sync", "--rate", "0"]) == 2
    assert "--rate" in capsys.readouterr().err


def test_logout(isolated, sso_server, capsys):
    isolated.write_aws_config(ONE_SESSION)
    approving = approve_when_asked(sso_server)
    assert main(["sso", "login", "acme", "--no-browser"]) == 0
    approving.join()
    assert main(["sso", "logout"]) == 0
    assert "Logged out of SSO session 'acme'" in capsys.readouterr().err
    assert not TokenCache().token_path(SsoSession("acme", START_URL, REGION)).exists()
    assert main(["sso", "logout"]) == 0
    assert "nothing to do" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["acme", "prod"])
def test_session_can_be_named_by_an_sso_profile(isolated, sso_server, name, capsys):
    isolated.write_aws_config(
        ONE_SESSION
        + """
[profile prod]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
"""
    )
    approving = approve_when_asked(sso_server)
    assert main(["sso", "login", name, "--no-browser"]) == 0
    approving.join()
    assert "Logged in to SSO session 'acme'" in capsys.readouterr().err


def test_help_lists_the_sso_actions():
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "sso", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for action in ("login", "sync", "logout"):
        assert action in result.stdout


@pytest.mark.parametrize("no_browser", [False, True], ids=["browser", "no-browser"])
def test_browser_is_opened_unless_told_not_to(isolated, sso_server, xswitch_cmd, no_browser):
    isolated.write_aws_config(ONE_SESSION)
    opened = isolated.root / "opened.txt"
    recorder = isolated.root / "browser.sh"
    recorder.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    recorder.chmod(0o755)
    env = dict(os.environ, BROWSER=f"{recorder} %s", DISPLAY=":99")
    env.pop("XSWITCH_NO_BROWSER")
    approving = approve_when_asked(sso_server)
    result = subprocess.run(
        # The device code flow (a browser here would otherwise sign in with PKCE: test_pkce.py).
        [
            *xswitch_cmd,
            "sso",
            "login",
            "acme",
            "--use-device-code",
            *(["--no-browser"] if no_browser else []),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    approving.join()

    assert result.returncode == 0, result.stderr
    if no_browser:
        assert not opened.exists()
    else:
        assert opened.read_text().startswith(f"{sso_server.url}/device?user_code=")


def test_sync_offers_aws_config_sync_then_keeps_the_block_current(isolated, sso_server, capsys):
    isolated.write_aws_config(ONE_SESSION)
    approving = approve_when_asked(sso_server)
    assert main(["sso", "sync", "--rate", "50", "--no-browser"]) == 0
    approving.join()
    assert "run 'xswitch aws-config sync'" in capsys.readouterr().err
    assert "xswitch generated" not in isolated.aws_config.read_text()  # only offered

    assert main(["aws-config", "sync"]) == 0
    assert "[profile acme-staging.Dev]" in isolated.aws_config.read_text()
    sso_server.set_roles("222222222222", ["ReadOnlyAccess", "Dev", "Billing"])
    capsys.readouterr()

    assert main(["sso", "sync", "acme"]) == 0  # opted in: the block follows the sync
    assert "4 generated profiles for other tools" in capsys.readouterr().err
    text = isolated.aws_config.read_text()
    assert "[profile acme-staging.Billing]" in text
    assert text.startswith(ONE_SESSION.lstrip())
