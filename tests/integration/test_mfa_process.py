"""`mfa_process`: the profile's command prints the MFA code before anyone is asked (an STS that
judges codes, tests/conftest.py), and its failures are explained, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROLE = "arn:aws:iam::111111111111:role/Admin"
SERIAL = "arn:aws:iam::123456789012:mfa/me"


@pytest.fixture
def role_with(isolated, mfa_sts, tmp_path):
    """`role_with(script)`: a role behind an MFA device whose mfa_process is a Python script."""

    def make(script: str) -> Path:
        tool = tmp_path / "code-tool.py"
        tool.write_text(script)
        isolated.write_aws_credentials(
            """
            [me]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            """
        )
        isolated.write_aws_config(
            f"""
            [profile admin]
            role_arn = {ROLE}
            source_profile = me
            mfa_serial = {SERIAL}
            mfa_process = {sys.executable} {tool}
            """
        )
        return tool

    return make


def export(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", "export", "admin", "--shell", "bash", *args],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # no terminal: a prompt would fail, so the code came from the tool
        stdin=subprocess.DEVNULL,
    )


def test_the_code_comes_from_mfa_process(role_with, mfa_sts):
    role_with("print('Touch your key...')\nprint('424242')\n")
    done = export()
    assert done.returncode == 0, done.stderr
    assert "export AWS_SESSION_TOKEN=" in done.stdout
    assert mfa_sts.codes == ["424242"]


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("import sys\nprint('no key found', file=sys.stderr)\nsys.exit(3)\n", "failed (exit 3)"),
        ("print('hello')\n", "did not print an MFA code"),
    ],
)
def test_a_failing_mfa_process_is_explained(role_with, mfa_sts, script, words):
    role_with(script)
    done = export()
    assert done.returncode == 1
    assert f"The mfa_process of profile 'admin' {words}" in done.stderr
    assert "Traceback" not in done.stderr
    assert mfa_sts.codes == []  # nothing was sent to AWS


def test_a_missing_mfa_process_program_is_explained(isolated, mfa_sts):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile admin]
        role_arn = {ROLE}
        source_profile = me
        mfa_serial = {SERIAL}
        mfa_process = no-such-oath-reader --account aws
        """
    )
    done = export()
    assert done.returncode == 1
    assert "could not be started" in done.stderr and "no-such-oath-reader" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_refused_code_from_mfa_process_says_so_without_a_terminal(role_with, mfa_sts):
    role_with("print('000000')\n")  # the STS refuses this code
    done = export()
    assert done.returncode == 1
    assert "AWS refused the code the mfa_process of profile 'admin' printed" in done.stderr
    assert mfa_sts.codes == ["000000"]
