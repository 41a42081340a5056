"""The export syntax follows the caller (--shell, else $SHELL, else the setting) on the cached and
the ordinary path: real bash, zsh and fish evaluate `xswitch export`, one after the other, in both
orders. Lines for another shell are dangerous: fish's `set -e VAR` turns on errexit in bash."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from termtesting import BIN

pytestmark = pytest.mark.shells

# Each loader evaluates the export the way its users do, then reports the key and whether the
# shell is still in its normal mode (errexit off).
LOADERS = {
    "bash": [
        "bash",
        "--norc",
        "--noprofile",
        "-c",
        'eval "$(xswitch export dev)"; echo "key=$AWS_ACCESS_KEY_ID"; '
        "case $- in *e*) echo errexit=on;; *) echo errexit=off;; esac",
    ],
    "zsh": [
        "zsh",
        "-f",
        "-c",
        'eval "$(xswitch export dev)"; echo "key=$AWS_ACCESS_KEY_ID"; '
        "if [[ -o errexit ]]; then echo errexit=on; else echo errexit=off; fi",
    ],
    "fish": [
        "fish",
        "--no-config",
        "-c",
        'xswitch export dev | source; echo "key=$AWS_ACCESS_KEY_ID"; echo errexit=off',
    ],
}


def raw_export(shell: str, **extra: str) -> str:
    result = subprocess.run(
        [str(BIN / "xswitch"), "export", "dev"],
        capture_output=True,
        text=True,
        env=dict(os.environ, SHELL=shutil.which(shell) or f"/bin/{shell}", **extra),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def evaluate(shell: str) -> dict[str, str]:
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed")
    env = dict(os.environ, SHELL=shutil.which(shell), PATH=f"{BIN}:{os.environ['PATH']}")
    result = subprocess.run(LOADERS[shell], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", (shell, result.stderr)  # lines of another syntax complain here
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


@pytest.fixture(params=["plaintext", "encrypted"])
def dev(request, dev_role):
    # A plaintext cache lets the cached switch (cli/hot.py) answer even without a kernel keyring.
    dev_role.write_xswitch_config(f'[settings]\ncache = "{request.param}"\n')
    return dev_role


@pytest.mark.parametrize(
    "order",
    [("fish", "bash", "zsh", "fish", "bash"), ("bash", "fish", "zsh", "bash", "fish")],
    ids=["fish-first", "bash-first"],
)
def test_each_shell_gets_its_own_syntax_cached_or_not(dev, order):
    keys = set()
    for shell in order:
        seen = evaluate(shell)
        assert seen["key"].startswith("ASIA"), (shell, seen)
        assert seen["errexit"] == "off", shell
        keys.add(seen["key"])
    assert len(keys) == 1  # one session, served from the cache after the first export


def test_bash_and_zsh_lines_never_contain_set_e(dev):
    assert "set -gx" in raw_export("fish")
    for shell in ("bash", "zsh", "bash"):
        lines = raw_export(shell)
        assert "set -e" not in lines and "export AWS_ACCESS_KEY_ID=" in lines, shell


def test_the_flag_wins_then_shell_then_the_setting(dev_role):
    dev_role.write_xswitch_config('[settings]\nshell = "fish"\ncache = "plaintext"\n')
    assert raw_export("bash").startswith("unset ")  # the first export caches the session
    assert raw_export("zsh").startswith("unset ")
    result = subprocess.run(
        [str(BIN / "xswitch"), "export", "dev", "--shell", "bash"],
        capture_output=True,
        text=True,
        env=dict(os.environ, SHELL="/usr/bin/fish"),
        timeout=60,
    )
    assert result.stdout.startswith("unset ")
    no_shell = {k: v for k, v in os.environ.items() if k != "SHELL"}
    for _ in range(2):  # ordinary path, then cached: both read the setting
        result = subprocess.run(
            [str(BIN / "xswitch"), "export", "dev"],
            capture_output=True,
            text=True,
            env=no_shell,
            timeout=60,
        )
        assert result.stdout.startswith("set -e AWS_PROFILE;"), result.stdout
