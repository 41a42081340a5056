"""Export lines evaluated by the real shells: every value must arrive byte for byte.

Hostile values (quotes, $(), backticks, newlines, backslashes, %, !, unicode) come from hypothesis;
the shell evaluates the lines the way users do, then `env -0` shows what really got exported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xswitch.core.errors import UsageError
from xswitch.core.model import Credentials
from xswitch.core.shell import choose_shell, export_lines

pytestmark = pytest.mark.shells

# Loaders as users type them; the file holds the output of `xswitch export`.
LOADERS = {
    "bash": ["bash", "--norc", "--noprofile", "-c", 'eval "$(cat "$1")" && env -0', "_"],
    "zsh": ["zsh", "-f", "-c", 'eval "$(cat "$1")" && env -0', "_"],
    "fish": ["fish", "--no-config", "-c", "eval (cat $argv[1]); and env -0"],
    "fish-source": ["fish", "--no-config", "-c", "cat $argv[1] | source; and env -0"],
    "powershell": [
        "pwsh",
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        "Get-Content -Raw $args[0] | Invoke-Expression; env -0",
    ],
}

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
HOSTILE = "a'b\"c$(touch /tmp/x)`id`\\n\\\\ %s %% !! \n\r\t ‘’ é 漢 🙂 $HOME ${X} \\' end\\"


def evaluate(loader: str, script: str, tmp_path: Path) -> dict[str, str]:
    argv = LOADERS[loader]
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    path = tmp_path / "export.txt"
    path.write_text(script, encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "LC_ALL": "C.UTF-8",
        # Stale values that the export must replace or remove.
        "AWS_PROFILE": "stale",
        "AWS_DEFAULT_PROFILE": "stale",
        "AWS_SESSION_TOKEN": "stale",
        "AWS_SECURITY_TOKEN": "stale",
        "AWS_CREDENTIAL_EXPIRATION": "stale",
    }
    result = subprocess.run([*argv, str(path)], env=env, capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    variables = {}
    for entry in result.stdout.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name.startswith(b"AWS_"):
            variables[name.decode()] = value.decode("utf-8")
    return variables


def expected(creds: Credentials, region: str | None) -> dict[str, str]:
    """What the environment must hold, written out independently of the code under test."""
    result = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
    }
    if creds.session_token:
        result["AWS_SESSION_TOKEN"] = creds.session_token
    if creds.expiration:
        result["AWS_CREDENTIAL_EXPIRATION"] = creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    if region:
        result["AWS_REGION"] = result["AWS_DEFAULT_REGION"] = region
    return result


def shell_of(loader: str) -> str:
    return loader.split("-")[0]


@pytest.mark.parametrize("loader", sorted(LOADERS))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(key=TEXT, secret=TEXT, token=st.none() | TEXT, region=st.none() | TEXT)
@example(key=HOSTILE, secret=HOSTILE[::-1], token="'", region="\n")
@example(key="", secret="\\", token="\\'", region="'\\''")
@example(key="\uf600\uf6ff", secret="\ufeff\u202e", token="\x1b[31m", region="\x7f")
def test_values_round_trip_exactly(
    loader: str, key: str, secret: str, token: str | None, region: str | None, tmp_path: Path
) -> None:
    creds = Credentials(key, secret, token, datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC))
    got = evaluate(loader, export_lines(creds, region, shell_of(loader)), tmp_path)
    assert got == expected(creds, region)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_long_lived_keys_unset_token_and_expiry(loader: str, tmp_path: Path) -> None:
    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    got = evaluate(loader, export_lines(creds, None, shell_of(loader)), tmp_path)
    assert got == {
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }


def test_the_aws_cli_uses_the_exported_credentials(tmp_path: Path, moto) -> None:
    """The AWS CLI, run from a shell that evaluated the lines, signs with the exported keys."""
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    script = tmp_path / "export.sh"
    script.write_text(export_lines(creds, "eu-west-1", "bash"))
    aws = str(Path(os.sys.executable).with_name("aws"))
    env = {**os.environ, "AWS_PROFILE": "does-not-exist"}
    result = subprocess.run(
        [
            "bash",
            "--norc",
            "-c",
            f'eval "$(cat "$1")" && "{aws}" sts get-caller-identity',
            "_",
            script,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ":user/alice" in result.stdout


def test_unknown_shell_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="tcsh"):
        export_lines(Credentials("A", "B"), None, "tcsh")


@pytest.mark.parametrize(
    ("shell", "name"),
    [
        ("/bin/bash", "bash"),
        ("/usr/bin/zsh", "zsh"),
        ("/opt/homebrew/bin/fish", "fish"),
        ("/usr/bin/pwsh", "powershell"),
        ("/bin/tcsh", "bash"),
        ("", "bash"),
    ],
)
def test_shell_follows_shell_variable(shell: str, name: str) -> None:
    assert choose_shell(None, {"SHELL": shell}, None) == name


def test_shell_flag_then_variable_then_setting() -> None:
    assert choose_shell("fish", {"SHELL": "/bin/zsh"}, "bash") == "fish"
    assert choose_shell(None, {"SHELL": "/bin/zsh"}, "fish") == "zsh"
    assert choose_shell(None, {"SHELL": "/bin/tcsh"}, "fish") == "fish"
    assert choose_shell(None, {}, "zsh") == "zsh"
