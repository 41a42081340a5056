"""MFA codes typed at the terminal while stdout and stderr are captured, wrong and malformed codes,
Ctrl+C, and the AWS CLI calling `credential_process = xswitch credential-process P`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from termtesting import BIN, MFA_PROMPT, echo_state


def session_cached(profile: str = "admin") -> bool:
    listing = subprocess.run(
        [sys.executable, "-m", "xswitch", "list", "--json"], capture_output=True, text=True
    )
    rows = {row["profile"]: row for row in json.loads(listing.stdout)}
    return rows[profile]["expires_at"] is not None


def test_login_asks_on_the_terminal_with_stdout_and_stderr_captured(term, mfa_role, mfa_sts):
    t = term.run('xswitch login admin >out.txt 2>err.txt; echo "rc=$?"; cat err.txt')
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("rc") == "0"
    t.expect("Logged in to 'admin'")
    assert t.finish() == 0
    assert mfa_sts.codes == ["123456"]


def test_eval_export_in_bash_asks_on_the_terminal(term, mfa_role):
    t = term.run('eval "$(xswitch export admin)"; echo "key=$AWS_ACCESS_KEY_ID"')
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0


def test_exec_and_whoami_ask_on_the_terminal_with_output_captured(term, mfa_role):
    t = term.run(
        "xswitch exec admin --keys -- sh -c 'echo $AWS_ACCESS_KEY_ID' >exec.txt 2>&1; "
        'echo "rc=$?"; echo "key=$(cat exec.txt)"'
    )
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("rc") == "0"
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0

    # whoami of another role behind the same device: the MFA session serves it, no prompt.
    t = term.run('arn=$(xswitch whoami admin 2>&1 | head -1); echo "arn=$arn"')
    assert ":assumed-role/Admin/" in t.report("arn")
    assert "MFA code" not in t.screen
    assert t.finish() == 0


def test_whoami_asks_on_the_terminal_when_its_output_is_captured(term, mfa_role):
    t = term.run('arn=$(xswitch whoami admin 2>/dev/null | head -1); echo "arn=$arn"')
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert ":assumed-role/Admin/" in t.report("arn")
    assert t.finish() == 0


def test_the_aws_cli_runs_credential_process_and_the_code_is_typed_on_the_terminal(term, mfa_role):
    t = term.run(
        "aws sts get-caller-identity --profile via-xswitch --output json > id.json; "
        'echo "rc=$?"; echo "arn=$(grep -o \'arn:[^"]*\' id.json)"'
    )
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("rc") == "0"
    assert ":assumed-role/Admin/" in t.report("arn")
    assert t.finish() == 0


def test_credential_process_without_a_terminal_fails_at_once_naming_the_fix(mfa_role):
    result = subprocess.run(
        [str(BIN / "xswitch"), "credential-process", "admin"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "xswitch login admin" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_code_is_asked_again_with_the_reason(term, mfa_role, mfa_sts):
    t = term.run('eval "$(xswitch export admin)"; echo "key=$AWS_ACCESS_KEY_ID"')
    t.expect(MFA_PROMPT)
    t.type("000000")
    t.expect("wrong or has expired")
    t.expect(MFA_PROMPT)
    t.type("222222")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0
    assert mfa_sts.codes == ["000000", "222222"]


def test_three_wrong_codes_end_with_the_explanation(term, mfa_role, mfa_sts):
    t = term.run('xswitch login admin; echo "rc=$?"')
    for code in ("000000", "111111", "000000"):
        t.expect(MFA_PROMPT)
        t.type(code)
    t.expect("MFA code was not accepted")
    assert t.report("rc") == "1"
    assert t.finish() == 0
    assert len(mfa_sts.codes) == 3
    assert not session_cached()


def test_a_typed_code_that_is_not_six_digits_is_asked_again_and_never_sent(term, mfa_role, mfa_sts):
    t = term.run('xswitch login admin; echo "rc=$?"')
    t.expect(MFA_PROMPT)
    t.type("12")
    t.expect("MFA codes are 6 digits")
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert mfa_sts.codes == ["123456"]


def test_a_wrong_code_from_the_flag_is_asked_again_at_the_terminal(term, mfa_role, mfa_sts):
    t = term.run('xswitch login admin --mfa-code 000000; echo "rc=$?"')
    t.expect("wrong or has expired")
    t.expect(MFA_PROMPT)
    t.type("123456")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert mfa_sts.codes == ["000000", "123456"]


def test_malformed_codes_from_the_flag_or_the_environment_are_refused_before_aws(mfa_role, mfa_sts):
    for argv, extra in (
        (["login", "admin", "--mfa-code", "12"], {}),
        (["export", "admin"], {"XSWITCH_MFA_CODE": "12345a"}),
        (["exec", "admin", "--mfa-code", "1234567", "--", "true"], {}),
    ):
        result = subprocess.run(
            [str(BIN / "xswitch"), *argv],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ, **extra),
            timeout=60,
        )
        assert result.returncode == 2, (argv, result.stderr)
        assert "MFA codes are 6 digits" in result.stderr
        assert "Traceback" not in result.stderr
    assert mfa_sts.codes == []
    # A command without an MFA code ignores the variable.
    listing = subprocess.run(
        [str(BIN / "xswitch"), "list"],
        capture_output=True,
        text=True,
        env=dict(os.environ, XSWITCH_MFA_CODE="12"),
    )
    assert listing.returncode == 0, listing.stderr


def test_ctrl_c_at_the_mfa_prompt(term, mfa_role, mfa_sts):
    t = term.run('xswitch login admin; echo "rc=$?"; ' + echo_state())
    t.expect(MFA_PROMPT)
    t.child.send("12")
    t.ctrl_c()
    t.expect("Interrupted")
    assert t.report("rc") == "130"
    assert t.report("ECHO") == "echo"
    assert t.finish() == 0

    # In the user's interactive shell, Ctrl+C inside eval "$(...)" leaves it unchanged.
    t = term.spawn("bash", ["--norc", "--noprofile", "-i"], PS1="ready$ ")
    t.expect(r"ready\$ ")
    t.type('eval "$(xswitch export admin)"')
    t.expect(MFA_PROMPT)
    t.ctrl_c()
    t.expect(r"ready\$ ")
    t.type('echo "key=${AWS_ACCESS_KEY_ID:-none}"; exit')
    assert t.report("key") == "none"
    assert t.finish() == 0
    assert mfa_sts.codes == []
    assert not session_cached()
