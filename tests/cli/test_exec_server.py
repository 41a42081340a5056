"""`xswitch exec --server`: the AWS CLI gets credentials from xswitch's local endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

AWS = Path(sys.executable).with_name("aws")


def test_the_aws_cli_in_exec_server_acts_as_the_role_without_exported_keys(dev_role):
    script = (
        'test -z "$AWS_ACCESS_KEY_ID" && test -z "$AWS_SECRET_ACCESS_KEY" || exit 9; '
        f"{AWS} sts get-caller-identity --output json"
    )
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "exec", "--server", "dev", "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ":assumed-role/Developer/" in json.loads(result.stdout)["Arn"]


def _get(url: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_exec_options_after_the_profile_as_the_readme_writes_them(dev_role):
    # `exec P --server -- CMD` used to run a program named '--server'.
    script = 'test -z "$AWS_ACCESS_KEY_ID" && echo "uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI"'
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "exec", "dev", "--server", "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("uri=http://127.0.0.1:")
    # --force after the profile too: a nested interactive shell (here /bin/true) is allowed.
    nested = dict(os.environ, XSWITCH_PROFILE="other", SHELL="/bin/true")
    for argv in (["dev", "--force"], ["dev", "--force", "--"], ["dev", "--force", "--server"]):
        forced = subprocess.run(
            [sys.executable, "-m", "xswitch", "exec", *argv],
            capture_output=True,
            text=True,
            env=nested,
            timeout=60,
        )
        assert forced.returncode == 0, (argv, forced.stderr)
    # What follows `--` is the command's, even when it looks like an option of exec.
    echoed = subprocess.run(
        [sys.executable, "-m", "xswitch", "exec", "dev", "--", "echo", "--server"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert echoed.stdout == "--server\n", echoed.stderr


def test_exec_mfa_code_after_the_profile_without_a_value(dev_role):
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "exec", "dev", "--mfa-code", "--", "true"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 2
    assert "--mfa-code needs a value" in result.stderr
    assert "Traceback" not in result.stderr
