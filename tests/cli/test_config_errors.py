"""Broken or hostile configuration is a configuration error: exit 2, one clear paragraph, no
traceback, no hang, and no AWS call before it is found.

Every case runs the real `xswitch` in a subprocess with an isolated home. AWS_ENDPOINT_URL points
at a local listener that counts connections: a setting AWS would refuse must be caught before
anything is sent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

KEYS = (
    "[me]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)
ROLE = "arn:aws:iam::111111111111:role/Developer"


def xswitch(*args: str, env: dict | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_config_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


class Listener:
    """A TCP port that accepts and counts connections (and answers nothing)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener(monkeypatch):
    server = Listener()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    yield server
    server.close()


def role(**settings: str) -> str:
    values = {"role_arn": ROLE, "source_profile": "me", **settings}
    return "[profile bad]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


# --- what AWS or botocore would refuse, found before any call ------------------------------------

BAD_SETTINGS = {
    "role_arn_not_an_arn": (role(role_arn="not-an-arn-at-all-really"), "role_arn"),
    "role_arn_too_short": (role(role_arn="arn:aws:iam::1:r"), "role_arn"),
    "role_arn_with_spaces": (role(role_arn="arn:aws:iam::111111111111:role/a b"), "role_arn"),
    "external_id_too_short": (role(external_id="x"), "external_id"),
    "external_id_bad_chars": (role(external_id="acme id!"), "external_id"),
    "external_id_too_long": (role(external_id="x" * 1225), "external_id"),
    "session_name_bad_chars": (role(role_session_name="me and you"), "role_session_name"),
    "session_name_too_long": (role(role_session_name="s" * 65), "role_session_name"),
    "duration_too_short": (role(duration_seconds="60"), "duration_seconds"),
    "duration_too_long": (role(duration_seconds="50000"), "duration_seconds"),
    "duration_superscript": (role(duration_seconds="²"), "duration_seconds"),
    "duration_circled": (role(duration_seconds="①"), "duration_seconds"),
    "duration_huge": (role(duration_seconds="9" * 5000), "duration_seconds"),
    "duration_not_a_number": (role(duration_seconds="1h"), "duration_seconds"),
    "mfa_serial_bad": (role(mfa_serial="my phone"), "mfa_serial"),
    "credential_source_ec2": (
        "[profile bad]\nrole_arn = " + ROLE + "\ncredential_source = Ec2InstanceMetadata\n",
        "credential_source",
    ),
    "credential_source_unknown": (
        "[profile bad]\nrole_arn = " + ROLE + "\ncredential_source = Laptop\n",
        "credential_source",
    ),
    "region_with_shell_characters": (role(region="eu-west-1;rm"), "eu-west-1"),
    "region_with_spaces": (role(region="eu west 1"), "region"),
    "no_credentials": ("[profile bad]\nregion = eu-west-1\n", "no credentials of its own"),
    "endpoint_url_not_a_url": (role(endpoint_url="sts.example.com:x"), "endpoint_url"),
}


@pytest.mark.parametrize("command", ["export", "login", "whoami"])
@pytest.mark.parametrize("case", sorted(BAD_SETTINGS))
def test_settings_aws_would_refuse_are_configuration_errors(isolated, listener, case, command):
    text, word = BAD_SETTINGS[case]
    isolated.write_aws_credentials(KEYS)
    isolated.write_aws_config(text)
    result = xswitch(command, "bad")
    assert_config_error(result, "'bad'", word, str(isolated.aws_config))
    assert listener.connections == 0


def test_a_bad_region_names_the_file_and_line(isolated, listener):
    isolated.write_aws_credentials(KEYS)
    isolated.write_aws_config("[profile other]\nregion = eu-west-1\n\n" + role(region="$(id)"))
    result = xswitch("export", "bad")
    assert_config_error(result, f"{isolated.aws_config}:7:", "'bad'", "eu-west-1")
    assert listener.connections == 0


@pytest.mark.parametrize(
    "variable, value",
    [
        ("AWS_ENDPOINT_URL", "not a url"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:port"),
        ("AWS_ENDPOINT_URL_STS", "ftp://example.com"),
        ("AWS_REGION", "eu-west-1 && id"),
    ],
)
def test_bad_endpoint_and_region_variables_are_configuration_errors(isolated, variable, value):
    isolated.write_aws_credentials(KEYS)
    isolated.write_aws_config(role())
    env = dict(os.environ, **{variable: value})
    for command in ("export", "whoami"):
        assert_config_error(xswitch(command, "bad", env=env), variable)


def test_a_bad_endpoint_url_in_default_is_a_configuration_error(isolated, listener):
    isolated.write_aws_credentials(KEYS)
    isolated.write_aws_config("[default]\nendpoint_url = not a url\n\n" + role())
    result = xswitch("export", "bad")
    assert_config_error(result, "'default'", "endpoint_url", f"{isolated.aws_config}:2:")
    assert listener.connections == 0


# --- depth ---------------------------------------------------------------------------------------


def test_a_source_chain_of_400_is_cut_at_50(isolated, listener):
    isolated.write_aws_credentials(KEYS)
    links = [f"[profile p{i}]\nrole_arn = {ROLE}\nsource_profile = p{i + 1}\n" for i in range(400)]
    isolated.write_aws_config("\n".join(links) + f"[profile p400]\nrole_arn = {ROLE}\n")
    result = xswitch("export", "p0")
    assert_config_error(result, "'p0'", "50")
    assert listener.connections == 0
    # A chain within the limit is followed as before (to the missing credential_source at its end).
    assert "50" not in xswitch("export", "p360").stderr


def test_a_source_cycle_is_a_configuration_error(isolated, listener):
    isolated.write_aws_config(
        f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
        f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n"
    )
    assert_config_error(xswitch("export", "a"), "cycle", "a -> b -> a")
    assert listener.connections == 0


def test_a_deeply_nested_config_toml_names_the_file(isolated):
    isolated.write_xswitch_config("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    for args in (["list"], ["list", "--json"], ["export", "x"]):
        assert_config_error(xswitch(*args), str(isolated.xswitch_config), "nest")


# --- files that are not regular files ------------------------------------------------------------


@pytest.mark.parametrize("which", ["aws_config", "aws_credentials", "xswitch_config"])
def test_a_fifo_in_place_of_a_file_is_refused_at_once(isolated, which):
    path = getattr(isolated, which)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    for args in (["list"], ["export", "x"]):
        # A hang would end in TimeoutExpired here rather than in an assertion about speed.
        assert_config_error(xswitch(*args, timeout=30), str(path), "FIFO")


def test_dev_null_as_the_aws_config_means_no_profiles(isolated):
    env = dict(os.environ, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    result = xswitch("list", "--json", env=env)
    assert result.returncode == 0 and result.stdout.strip() == "[]"


@pytest.mark.parametrize("legacy", [False, True])
def test_a_bad_sso_region_is_a_configuration_error(isolated, listener, monkeypatch, legacy):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", listener.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", listener.url)
    if legacy:
        isolated.write_aws_config(
            "[profile s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu west\n"
            "sso_account_id = 111111111111\nsso_role_name = Dev\n"
        )
    else:
        isolated.write_aws_config(
            "[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n"
            "sso_region = $(id)\n\n[profile s]\nsso_session = corp\n"
            "sso_account_id = 111111111111\nsso_role_name = Dev\n"
        )
    for command in ("export", "login"):
        result = xswitch(command, "s")
        assert_config_error(result, "sso_region", str(isolated.aws_config))
    assert listener.connections == 0


# --- [keys]: the picker's keys remapped in config.toml ------------------------------------------

BAD_KEYS = {
    "unknown_action": ('login = "ctrl+l"\nlogni = "x"\n', 3, ["keys.logni", "login"]),
    "a_key_twice": ('login = "ctrl+l"\ncopy = "x"\n', 3, ["'x'", "copy", "logout"]),
    "not_a_string": ("copy = 3\n", 2, ["keys.copy", "in quotes"]),
    "an_empty_key": ('copy = "c,"\n', 2, ["keys.copy"]),
}


@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_a_bad_keys_table_names_the_file_and_line(isolated, case):
    table, line, words = BAD_KEYS[case]
    isolated.write_xswitch_config("[keys]\n" + table)
    result = xswitch("list")
    assert_config_error(result, f"{isolated.xswitch_config}:{line}:", *words)


def test_keys_that_move_an_action_out_of_the_way_are_accepted(isolated):
    # 'l' goes to copy only because login moved: no clash.
    isolated.write_xswitch_config('[keys]\nlogin = "ctrl+l"\ncopy = "l"\nhelp = "?"\n')
    result = xswitch("list")
    assert result.returncode == 0, result.stderr
