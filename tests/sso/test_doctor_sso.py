"""`xswitch doctor` on SSO profiles, against the local SSO server: a missing login and a role that
is not assigned are named with their fix; an assigned role passes (moto answers its STS calls)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from ssotesting import REGION, START_URL

CONFIG = f"""
[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access

[profile prod-admin]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess

[profile staging-admin]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def checks_of(done: subprocess.CompletedProcess) -> dict[str, dict[str, str]]:
    return {check["check"]: check for check in json.loads(done.stdout)}


def log_in(server) -> None:
    approving = threading.Thread(target=lambda: server.approve(server.wait_for_user_code(10)))
    approving.start()
    done = run("sso", "login", "acme", "--no-browser")
    approving.join()
    assert done.returncode == 0, done.stderr


def test_doctor_without_an_sso_login_says_to_log_in(isolated, sso_server):
    isolated.write_aws_config(CONFIG)
    done = run("doctor", "prod-admin", "--json")
    assert done.returncode == 1
    login = checks_of(done)["SSO login"]
    assert login["status"] == "fail"
    assert "missing or expired" in login["cause"]
    assert "xswitch sso login acme" in login["fix"]
    assert sso_server.pending_user_codes() == []  # no device login was started


def test_doctor_names_a_role_that_is_not_assigned(isolated, sso_server, moto):
    isolated.write_aws_config(CONFIG)
    log_in(sso_server)
    done = run("doctor", "staging-admin", "--json")
    assert done.returncode == 1
    failed = checks_of(done)["SSO role"]
    assert failed["status"] == "fail"
    assert "no access to this account/role" in failed["cause"]


def test_doctor_passes_an_assigned_sso_role(isolated, sso_server, moto):
    isolated.write_aws_config(CONFIG)
    log_in(sso_server)
    done = run("doctor", "prod-admin")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    SSO role: SSO role AdministratorAccess in 111111111111" in done.stdout
    assert "ok    source credentials work: AWS knows them" in done.stdout
