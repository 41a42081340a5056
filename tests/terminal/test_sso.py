"""SSO device codes at the terminal: `sso login` and an SSO profile's `export` through eval show
the link and code on the terminal even with stderr or stdout captured; the local SSO server
approves the code the test reads from the screen."""

from __future__ import annotations

import os
import subprocess

import pytest
from termtesting import BIN, SSO_REGION, SSO_START_URL, approve_shown_code

CONFIG = f"""
[sso-session acme]
sso_start_url = {SSO_START_URL}
sso_region = {SSO_REGION}
sso_registration_scopes = sso:account:access

[profile acme-admin]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1
"""


@pytest.fixture
def sso_config(isolated, sso_server):
    isolated.write_aws_config(CONFIG)
    return isolated


def test_sso_login_shows_the_code_on_the_terminal_and_the_expiry_in_local_time(
    term, sso_config, sso_server
):
    t = term.run('xswitch sso login 2>err.txt; echo "rc=$?"; cat err.txt', TZ="Europe/Paris")
    approve_shown_code(t, sso_server)
    assert t.report("rc") == "0"
    # November in Paris: the zone's name follows the time.
    t.expect(r"Logged in to SSO session 'acme' until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d CET\.")
    assert t.finish() == 0


def test_export_of_an_sso_profile_through_eval_shows_the_code(term, sso_config, sso_server):
    t = term.run('eval "$(xswitch export acme-admin)"; echo "key=${AWS_ACCESS_KEY_ID:-none}"')
    approve_shown_code(t, sso_server)
    assert t.report("key") not in ("", "none")
    assert t.finish() == 0


def test_ctrl_c_while_waiting_for_the_approval(term, sso_config, sso_server):
    t = term.run('xswitch sso login; echo "rc=$?"')
    t.expect(r"shows the code [A-Z0-9-]+\.")
    t.expect("Waiting for the approval")
    t.ctrl_c()
    t.expect("Interrupted")
    assert t.report("rc") == "130"
    assert t.finish() == 0


def test_credential_process_of_an_sso_profile_without_a_terminal_fails_at_once(
    sso_config, sso_server
):
    result = subprocess.run(
        [str(BIN / "xswitch"), "credential-process", "acme-admin"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 1
    assert "xswitch sso login acme" in result.stderr
    assert "Traceback" not in result.stderr
    assert "login to SSO session 'acme'" in result.stderr and "no terminal" in result.stderr


def test_sso_login_in_the_browser_says_so_on_the_terminal(term, sso_config, sso_server, browser):
    # A browser command (the stand-in) is configured: the sign-in is authorization code + PKCE,
    # and the terminal says where to go if no window opened, then the login ends by itself.
    import json

    sso_config.write_xswitch_config(f"[settings]\nbrowser = {json.dumps(browser.template)}\n")
    sso_server.options.auto_approve = True  # the /authorize page approves, as in the demo
    t = term.run('xswitch sso login; echo "rc=$?"', XSWITCH_NO_BROWSER="")
    t.expect("Signing in to SSO session 'acme' in the browser")
    t.expect("/authorize\\?response_type=code")
    t.expect("Logged in to SSO session 'acme'")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert browser.argvs()[0][0].startswith(sso_server.url + "/authorize?")
