"""The per-user agent against the moto server: its endpoint, its lifetime, what it never leaks.

Every command here is the real `xswitch` in a subprocess; the AWS CLI and boto3 in the commands it
runs fetch their credentials from the agent over HTTP, as they would on a workstation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from xswitch.core import agentlink

AWS = Path(sys.executable).with_name("aws")
KEY = (
    f'{sys.executable} -c "import boto3; '
    'print(boto3.Session().get_credentials().get_frozen_credentials().access_key)"'
)


def xswitch(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=90,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


@pytest.fixture
def two_roles(dev_role):
    dev_role.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1

        [profile ops]
        role_arn = arn:aws:iam::111111111111:role/Operator
        source_profile = me
        """
    )
    return dev_role


def endpoint_of(profile: str) -> dict[str, str]:
    """The variables `xswitch exec PROFILE` gives its command."""
    script = "env | grep -E '^(AWS_CONTAINER|XSWITCH_STATE|AWS_CREDENTIAL_EXPIRATION)'"
    # The command ends at once and its slot with it: a long-lived holder keeps the slot alive.
    result = xswitch("exec", profile, "--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def get(url: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def hold(profile: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """`xswitch exec PROFILE -- CMD` whose CMD prints its endpoint and waits for a line."""
    script = (
        'printf "%s %s %s\\n" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" '
        '"$AWS_CONTAINER_AUTHORIZATION_TOKEN" "$XSWITCH_STATE"; read line'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "xswitch", "exec", profile, "--", "sh", "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    url, token, state = process.stdout.readline().split()
    return process, {"url": url, "token": token, "state": state}


def release(process: subprocess.Popen) -> None:
    assert process.stdin is not None
    process.stdin.write("\n")
    process.stdin.close()
    process.wait(timeout=30)


def test_endpoint_answers_only_the_token_of_its_shell_and_profile(two_roles) -> None:
    dev, dev_endpoint = hold("dev")
    ops, ops_endpoint = hold("ops")
    try:
        url = dev_endpoint["url"]
        assert url.startswith("http://127.0.0.1:")
        assert get(url, None)[0] == 403
        assert get(url, "wrong-token")[0] == 403
        assert get(url, ops_endpoint["token"])[0] == 403  # the other profile's token
        assert get(url + "x", dev_endpoint["token"])[0] == 403
        status, body = get(url, dev_endpoint["token"])
        assert status == 200
        assert body["AccessKeyId"] and body["Token"] and body["Expiration"].endswith("Z")
        status, other = get(ops_endpoint["url"], ops_endpoint["token"])
        assert status == 200 and other["AccessKeyId"] != body["AccessKeyId"]
        # Listening on loopback only: the port appears in /proc/net/tcp bound to 127.0.0.1.
        port = int(url.split(":")[2].split("/")[0])
        assert _listeners(port) == ["0100007F"]
    finally:
        release(dev)
        release(ops)
    # The command ended: its token no longer opens anything.
    assert get(url, dev_endpoint["token"])[0] == 403


def _listeners(port: int) -> list[str]:
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as stream:
            for line in stream.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if int(hex_port, 16) == port and state == "0A":  # LISTEN
                    addresses.append(address)
    return addresses


def test_exec_command_gets_a_new_session_after_logout_without_a_prompt(two_roles) -> None:
    script = f"{KEY}; xswitch logout dev >/dev/null 2>&1; {KEY}; {AWS} sts get-caller-identity"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    result = xswitch("exec", "dev", "--", "sh", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    first, second, *_ = result.stdout.splitlines()
    assert first.startswith("ASIA") and second.startswith("ASIA") and first != second
    assert "assumed-role/Developer/" in result.stdout


def test_a_session_that_needs_an_mfa_code_fails_fast_and_says_what_to_run(
    dev_role, mfa_sts
) -> None:
    dev_role.write_aws_config(
        """
        [profile admin]
        role_arn = arn:aws:iam::111111111111:role/Admin
        source_profile = me
        mfa_serial = arn:aws:iam::111111111111:mfa/me
        """
    )
    process, endpoint = hold_with_code("admin")
    try:
        assert xswitch("logout", "--all").returncode == 0
        status, body = get(endpoint["url"], endpoint["token"])
        assert status == 500
        assert "MFA code" in body["message"] and "xs admin" in body["message"]
        # The shell's next prompt shows this line (the state file the hook reads).
        note = Path(endpoint["state"]).read_text().splitlines()[2]
        assert "admin" in note and "xs admin" in note
        # The AWS CLI in that shell fails at once with the explanation.
        result = subprocess.run(
            [str(AWS), "sts", "get-caller-identity"],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(
                os.environ,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=endpoint["url"],
                AWS_CONTAINER_AUTHORIZATION_TOKEN=endpoint["token"],
            ),
        )
        assert result.returncode != 0 and "xs admin" in result.stderr
    finally:
        release(process)


def hold_with_code(profile: str) -> tuple[subprocess.Popen, dict[str, str]]:
    os.environ["XSWITCH_MFA_CODE"] = "123456"
    try:
        return hold(profile)
    finally:
        del os.environ["XSWITCH_MFA_CODE"]


def test_no_session_secret_in_files_or_command_lines(two_roles, tmp_path: Path) -> None:
    process, endpoint = hold("dev")
    try:
        status, body = get(endpoint["url"], endpoint["token"])
        assert status == 200
        secrets = [body["SecretAccessKey"], body["Token"], endpoint["token"]]
        found = [str(p) for p in _files_holding(secrets, [Path(os.environ["HOME"]), Path("/tmp")])]
        assert found == []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                data = cmdline.read_bytes()
            except OSError:
                continue
            assert not any(secret.encode() in data for secret in secrets), cmdline
    finally:
        release(process)


def _files_holding(secrets: list[str], roots: list[Path]):
    needles = [s.encode() for s in secrets]
    for root in roots:
        for directory, _dirs, files in os.walk(root):
            for name in files:
                path = Path(directory) / name
                try:
                    if not path.is_file() or path.stat().st_size > 4 * 1024 * 1024:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                if any(needle in data for needle in needles):
                    yield path


def test_agent_status_stop_and_restart(two_roles) -> None:
    assert "not running" in xswitch("agent", "status").stdout
    process, endpoint = hold("dev")
    try:
        status = xswitch("agent", "status")
        assert "The xswitch agent runs" in status.stdout and "shell" in status.stdout
        assert "dev" in status.stdout
        stopped = xswitch("agent", "stop")
        assert "Stopped the xswitch agent" in stopped.stderr
        # The shell's endpoint is gone: a clear refusal, not a hang.
        with pytest.raises(OSError):  # refused, or reset by the agent on its way out
            urllib.request.urlopen(endpoint["url"], timeout=5)
        assert agentlink.running(os.environ) is None
    finally:
        release(process)
    # The next command that needs it starts a new one.
    assert xswitch("exec", "dev", "--", "true").returncode == 0
    assert agentlink.running(os.environ) is not None


def test_warm_export_comes_from_the_agent(two_roles) -> None:
    process, endpoint = hold("dev")
    try:
        held = get(endpoint["url"], endpoint["token"])[1]
        # The cached copy on disk is gone: only the agent can still answer with that session.
        for path in (Path(os.environ["XDG_CACHE_HOME"]) / "xswitch").rglob("*"):
            if path.is_file():
                path.unlink()
        result = xswitch("export", "dev", "--shell", "bash")
        assert result.returncode == 0, result.stderr
        assert f"AWS_ACCESS_KEY_ID='{held['AccessKeyId']}'" in result.stdout
        process_json = json.loads(xswitch("credential-process", "dev").stdout)
        assert process_json["AccessKeyId"] == held["AccessKeyId"]
    finally:
        release(process)
