"""`xswitch demo -- CMD`: the commands and the real AWS CLI against the embedded STS."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_demo_runs_a_shell_with_xswitch_and_aws_on_path(tmp_path: Path):
    script = (
        'eval "$(xswitch export acme-dev)" && '
        "aws sts get-caller-identity --query Arn --output text; "
        "xswitch export acme-dve; echo rc=$?; "
        "xswitch console acme-dev --print; echo console=$?"
    )
    env = {
        **os.environ,
        # A virtual environment that is not activated: only system directories on PATH.
        "PATH": "/usr/bin:/bin",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "demo", "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "arn:aws:sts::111111111111:assumed-role/Developer/demo-user" in result.stdout
    assert "rc=2" in result.stdout  # an unknown profile, suggested
    assert "Did you mean 'acme-dev'" in result.stderr
    # No console sign-in service in the local AWS: the role's switch-role link, not a failure.
    assert "console=0" in result.stdout
    assert "https://signin.aws.amazon.com/switchrole?roleName=Developer&account=111111111111" in (
        result.stdout
    )
    # The embedded servers' request logs stay out of the user's terminal.
    assert "POST /" not in result.stderr
    # Nothing is left behind.
    assert list(tmp_path.glob("xswitch-demo-*")) == []


def test_doctor_finds_nothing_wrong_in_the_demo(tmp_path: Path):
    """The demo's user exists in its IAM, with the key and MFA device the profiles name, so
    doctor's checks of key age and MFA device pass instead of warning about a user AWS lacks."""
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "demo", "--", "xswitch", "doctor", "acme-dev"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^ok +key age:", result.stdout, re.M)
    assert "user/demo-user" in result.stdout
    assert "warn" not in result.stdout and "fail" not in result.stdout
