"""The command line as scripts use it: real subprocesses against a moto server over HTTP.

Also proves interop with the real AWS CLI: a `credential_process = xswitch credential-process P`
profile and the exported environment both work for `aws sts get-caller-identity`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROLE_ACME = "arn:aws:iam::111111111111:role/Developer"
ROLE_EXT = "arn:aws:iam::111111111111:role/ReadOnly"
AWS = Path(sys.executable).with_name("aws")


def xswitch(*args: str, input: str | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        input=input,
        env=env or dict(os.environ),
        timeout=60,
    )


@pytest.fixture
def config(isolated, moto):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile me]
        region = eu-west-1

        [profile acme-dev]
        role_arn = {ROLE_ACME}
        source_profile = me
        region = eu-west-1

        [profile acme-readonly]
        role_arn = {ROLE_EXT}
        source_profile = me
        external_id = acme-7f3c91

        [profile acme-admin]
        role_arn = arn:aws:iam::111111111111:role/Admin
        source_profile = me
        mfa_serial = arn:aws:iam::123456789012:mfa/me

        [profile bank-admin]
        role_arn = arn:aws:iam::222222222222:role/Admin
        source_profile = me

        [profile via-xswitch]
        credential_process = {sys.executable} -m xswitch credential-process acme-dev
        region = eu-west-1
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.acme]
        name = "Acme Retail"
        match = ["acme-*"]

        [clients.bank]
        name = "Vault Bank"
        prod = true
        profiles = ["bank-admin"]
        """
    )
    return isolated


def test_list_json_has_the_contract_fields(config):
    result = xswitch("list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["profile"]: row for row in json.loads(result.stdout)}
    dev = rows["acme-dev"]
    assert dev["client"] == "Acme Retail"
    assert dev["kind"] == "role"
    assert dev["account_id"] == "111111111111"
    assert dev["region"] == "eu-west-1"
    assert dev["expires_at"] is None
    assert {"profile", "client", "kind", "account_id", "region", "expires_at"} <= set(dev)


def test_export_then_list_shows_the_session(config):
    result = xswitch("export", "acme-dev")
    assert result.returncode == 0, result.stderr
    assert "AWS_ACCESS_KEY_ID=" in result.stdout
    rows = {row["profile"]: row for row in json.loads(xswitch("list", "--json").stdout)}
    expires = datetime.fromisoformat(rows["acme-dev"]["expires_at"].replace("Z", "+00:00"))
    assert expires > datetime.now(UTC)
    assert rows["acme-dev"]["seconds_left"] > 600
    text = xswitch("list").stdout
    assert "Vault Bank  [prod]" in text and "Acme Retail\n" in text and "acme-dev" in text


def test_eval_export_in_bash_reaches_sts_as_the_role(config):
    script = 'eval "$(python -m xswitch export acme-readonly)" && env | grep ^AWS_ | sort'
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    exported = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert exported["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "AWS_PROFILE" not in exported
    # The real AWS CLI, given only the exported environment, acts as the assumed role.
    cli_env = {k: v for k, v in os.environ.items() if k not in ("AWS_CONFIG_FILE",)}
    cli_env.update({k: v for k, v in exported.items() if k != "AWS_CREDENTIAL_EXPIRATION"})
    cli_env["AWS_DEFAULT_REGION"] = "us-east-1"  # acme-readonly names no region
    identity = subprocess.run(
        [str(AWS), "sts", "get-caller-identity", "--output", "json"],
        capture_output=True,
        text=True,
        env=cli_env,
    )
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"].startswith(
        "arn:aws:sts::111111111111:assumed-role/ReadOnly/"
    )


def test_aws_cli_uses_xswitch_as_credential_process(config):
    result = subprocess.run(
        [str(AWS), "sts", "get-caller-identity", "--profile", "via-xswitch", "--output", "json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ":assumed-role/Developer/" in json.loads(result.stdout)["Arn"]


def test_credential_process_prints_version_1_with_more_than_15_minutes(config):
    result = xswitch("credential-process", "acme-dev")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["Version"] == 1
    assert document["AccessKeyId"] and document["SecretAccessKey"] and document["SessionToken"]
    expires = datetime.fromisoformat(document["Expiration"].replace("Z", "+00:00"))
    assert (expires - datetime.now(UTC)).total_seconds() > 15 * 60


def test_whoami_reports_the_assumed_role(config):
    result = xswitch("whoami", "acme-dev", "--json")
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["account"] == "111111111111"
    assert ":assumed-role/Developer/" in identity["arn"]


def test_mfa_code_from_the_environment_and_one_code_for_the_mfa_session(config):
    env = dict(os.environ, XSWITCH_MFA_CODE="123456")
    first = xswitch("login", "acme-admin", env=env)
    assert first.returncode == 0, first.stderr
    info = {r["profile"]: r for r in json.loads(xswitch("list", "--json").stdout)}["acme-admin"]
    assert info["mfa_session_cap"] is True
    assert 0 < info["seconds_left"] <= 3600


def test_mfa_without_terminal_or_code_is_a_clear_error(config):
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "export", "acme-admin"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        env=dict(os.environ),
    )
    assert result.returncode == 1
    assert "MFA" in result.stderr and "--mfa-code" in result.stderr
    assert "Traceback" not in result.stderr


def test_exec_runs_a_command_with_credentials_and_passes_the_exit_code(config):
    result = xswitch(
        "exec", "acme-dev", "--", "sh", "-c", 'echo "$XSWITCH_PROFILE $AWS_REGION"; exit 7'
    )
    assert result.returncode == 7, result.stderr
    assert result.stdout.strip() == "acme-dev eu-west-1"


def test_exec_refuses_a_nested_shell_unless_forced(config):
    # The "shell" here is /bin/true: a forced nested shell starts, and ends at once.
    nested = dict(os.environ, XSWITCH_PROFILE="acme-dev", SHELL="/bin/true")
    refused = xswitch("exec", "acme-dev", env=nested)
    assert refused.returncode == 2
    assert "already in an xswitch subshell" in refused.stderr
    forced = xswitch("exec", "--force", "acme-dev", env=nested)
    assert forced.returncode == 0, forced.stderr
    forced_after = xswitch("exec", "acme-dev", "--force", env=nested)
    assert forced_after.returncode == 0, forced_after.stderr


def test_exec_of_one_command_inside_an_xswitch_shell_is_allowed(config):
    nested = dict(os.environ, XSWITCH_PROFILE="acme-dev")
    result = xswitch(
        "exec", "acme-readonly", "--", "sh", "-c", 'echo "$XSWITCH_PROFILE"', env=nested
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "acme-readonly"


def test_client_slash_profile_and_did_you_mean(config):
    assert xswitch("export", "Acme Retail/acme-dev").returncode == 0
    result = xswitch("export", "acme-dve")
    assert result.returncode == 2
    assert "acme-dev" in result.stderr and "Did you mean" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_config_names_file_and_line(config):
    config.write_aws_config("[profile ok]\nregion = eu-west-1\nthis line is broken\n")
    result = xswitch("list")
    assert result.returncode == 2
    assert str(config.aws_config) in result.stderr and ":3" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_toml_names_file_and_line(config):
    config.write_xswitch_config('[clients.acme]\nname = "unterminated\n')
    result = xswitch("list")
    assert result.returncode == 2
    assert "config.toml" in result.stderr and ":2" in result.stderr


def test_unreachable_sts_is_exit_1_without_traceback(config):
    env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    result = xswitch("export", "acme-dev", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "127.0.0.1:9" in result.stderr


def test_keys_add_reads_stdin_and_never_argv(config):
    result = xswitch(
        "keys",
        "add",
        "personal",
        "--stdin",
        input="AKIAZZZZZZZZZZZZZZZZ\nsecret/secret/secret/secret/secret/secret\n",
    )
    assert result.returncode == 0, result.stderr
    assert "secret/secret" not in result.stderr + result.stdout
    assert xswitch("keys", "list").stdout.split() == ["personal"]
    # The new keys profile can be a source for a role.
    rows = {r["profile"]: r for r in json.loads(xswitch("list", "--json").stdout)}
    assert rows["personal"]["kind"] == "keys"
    assert xswitch("keys", "remove", "personal").returncode == 0
    assert xswitch("keys", "list").stdout.strip() == ""


def test_logout_forgets_the_session(config):
    assert xswitch("login", "acme-dev").returncode == 0
    result = xswitch("logout", "acme-dev")
    assert result.returncode == 0 and "acme-dev" in result.stderr
    rows = {r["profile"]: r for r in json.loads(xswitch("list", "--json").stdout)}
    assert rows["acme-dev"]["expires_at"] is None


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_completes_profile_names(config, shell):
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed")
    script = xswitch("completion", shell)
    assert script.returncode == 0
    bindir = config.root / "bin"
    bindir.mkdir()
    launcher = bindir / "xswitch"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m xswitch "$@"\n')
    launcher.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    completion_file = config.root / f"completion.{shell}"
    completion_file.write_text(script.stdout)
    probes = {
        "bash": f"source {completion_file}; COMP_WORDS=(xswitch export acme-r); COMP_CWORD=2; "
        '_xswitch; printf "%s\\n" "${COMPREPLY[@]}"',
        "zsh": f"autoload -Uz compinit && compinit -u; source {completion_file}; "
        'print -l ${(f)"$(xswitch _profiles)"} | grep acme-r',
        "fish": f"source {completion_file}; complete -C 'xswitch export acme-r'",
    }
    result = subprocess.run([shell, "-c", probes[shell]], capture_output=True, text=True, env=env)
    assert "acme-readonly" in result.stdout, result.stderr


DAY = r"\d{4}-\d{2}-\d{2}"


def test_list_and_whoami_show_the_mfa_session_in_local_time(config, time_zone):
    env = dict(os.environ, XSWITCH_MFA_CODE="123456", TZ="Asia/Kolkata")
    assert xswitch("login", "acme-admin", env=env).returncode == 0
    rows = {r["profile"]: r for r in json.loads(xswitch("list", "--json", env=env).stdout)}
    mfa = rows["acme-admin"]["mfa_session"]
    assert mfa["source"] == "me" and mfa["covers"] == ["acme-admin"]
    assert mfa["mfa_serial"] == "arn:aws:iam::123456789012:mfa/me"
    assert 3600 < mfa["seconds_left"] <= 12 * 3600  # the MFA session outlives the role's hour
    assert rows["me"]["mfa_session"] == mfa  # the source keys' own MFA session
    assert rows["acme-dev"]["mfa_session"] is None  # assumed without MFA
    # Times on screen are in the local zone (UTC+05:30 here), named.
    time_zone("Asia/Kolkata")
    until = datetime.fromisoformat(mfa["expires_at"].replace("Z", "+00:00")).astimezone()
    text = xswitch("list", env=env).stdout
    # The date is added when the time is on another local day (late in the evening in India).
    assert re.search(rf"until ({DAY} )?{until:%H:%M:%S} IST; covers acme-admin", text)
    assert "me (arn:aws:iam::123456789012:mfa/me): " in text.split("MFA sessions")[1]
    role_until = datetime.fromisoformat(rows["acme-admin"]["expires_at"].replace("Z", "+00:00"))
    assert re.search(rf"\(until ({DAY} )?{role_until.astimezone():%H:%M:%S} IST\)", text)
    whoami = xswitch("whoami", "acme-admin", env=env)
    assert whoami.returncode == 0, whoami.stderr
    role_time = f"{role_until.astimezone():%H:%M:%S}"
    assert re.search(rf"  expires  ({DAY} )?{role_time} IST \(", whoami.stdout)
    assert "  mfa      session of me (arn:aws:iam::123456789012:mfa/me): " in whoami.stdout
    document = json.loads(xswitch("whoami", "acme-admin", "--json", env=env).stdout)
    assert document["mfa_session"]["covers"] == ["acme-admin"]
    assert document["expires_at"].endswith("Z")  # machine-readable times stay UTC


def test_exec_names_a_mistyped_option_after_the_profile(config):
    result = xswitch("exec", "acme-dev", "--sever", "--", "true")
    assert result.returncode == 2
    assert "exec has no option '--sever'. Did you mean '--server'?" in result.stderr
    assert "not found" not in result.stderr and "Traceback" not in result.stderr
    # After '--' a word that starts with '-' is the command's own business.
    passed = xswitch("exec", "acme-dev", "--force", "--", "sh", "-c", "exit 3")
    assert passed.returncode == 3, passed.stderr
