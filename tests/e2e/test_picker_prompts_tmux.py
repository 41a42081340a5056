"""The picker's prompts typed into in a real terminal: the real `xswitch` in tmux.

Each test runs the installed command on the test's isolated home (a moto server for STS) and types
as a person would: the keyring passphrase, the MFA code, the production confirmation, the SSO
device code, and quitting while a modal is open.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tmuxterm import Terminal, countdown_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

XSWITCH = Path(sys.executable).parent / "xswitch"
PASSPHRASE = "correct horse battery staple"


def terminal_env(tmp_path: Path, base: dict[str, str] | None = None, **extra: str):
    """`base` (this process's environment by default) for a terminal, plus `extra`."""
    env = dict(os.environ if base is None else base)
    env.update(
        SHELL=shutil.which("bash") or "/bin/bash",
        TERM="xterm-256color",
        TMPDIR=str(tmp_path),
        **extra,
    )
    return env


def run_picker(tmp_path: Path, env: dict[str, str], size=(120, 40)) -> tuple[Terminal, Path]:
    """`xswitch` in tmux; the returned file receives its exit status once it ends, and the
    terminal's settings after it (the pane stays open to be read)."""
    marker = tmp_path / f"exit-code-{len(list(tmp_path.glob('exit-code-*')))}"
    command = (
        f"{XSWITCH}; status=$?; stty -a > {marker}.stty; echo $status > {marker}; "
        "echo PICKER-ENDED; sleep 120"
    )
    return Terminal(command, env, *size), marker


def quit_and_check(terminal: Terminal, marker: Path, *keys: str) -> str:
    """Press `keys` (q by default); the picker ends with no traceback and a usable terminal.
    Returns its exit status."""
    terminal.keys(*(keys or ("q",)))
    screen = terminal.wait_for(lambda s: marker.exists(), "xswitch to exit", timeout=30)
    screen = terminal.wait_text("PICKER-ENDED")
    assert "Traceback" not in screen and "Error" not in screen, screen
    settings = Path(f"{marker}.stty").read_text().split()
    assert "echo" in settings and "icanon" in settings, "the terminal was left in raw mode"
    return marker.read_text().strip()


@pytest.fixture
def keyring_role(isolated, moto, xswitch_cmd):
    """Keys stored beforehand with `xswitch keys add` in the encrypted file store, and a role
    assumed from them."""
    isolated.write_aws_config(
        """
        [profile vault-dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = vaultkeys
        region = eu-west-1
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.vault]
        name = "Vault Client"
        match = ["vault-*"]
        """
    )
    env = {
        **os.environ,
        "XSWITCH_KEYRING_BACKEND": "file",
        "XSWITCH_KEYRING_PASSPHRASE": PASSPHRASE,
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    subprocess.run(
        [*xswitch_cmd, "keys", "add", "vaultkeys", "--stdin"],
        input="AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    env.pop("XSWITCH_KEYRING_PASSPHRASE")
    # Each run asks anew: no kernel-keyring copy of the session key from an earlier run.
    env["XSWITCH_KERNEL_KEYRING"] = "0"
    return env


def test_passphrase_modal_wrong_then_right(tmp_path, keyring_role):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, keyring_role))
    try:
        terminal.wait_text("vault-dev")
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer")  # ready for keys
        terminal.keys("l")
        terminal.wait_text("Keyring passphrase")
        terminal.type("not the passphrase")
        terminal.keys("Enter")
        screen = terminal.wait_text("does not unlock")
        assert "not the passphrase" not in screen  # masked
        terminal.type(PASSPHRASE)
        terminal.keys("Enter")
        screen = terminal.wait_for(
            lambda s: countdown_of(s, "vault-dev") is not None, "the row to go live"
        )
        assert PASSPHRASE not in screen
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_passphrase_modal_escape_cancels_the_login(tmp_path, keyring_role):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, keyring_role))
    try:
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer")
        terminal.keys("l")
        terminal.wait_text("Keyring passphrase")
        terminal.keys("Escape")
        screen = terminal.wait_text("Login cancelled: vault-dev")
        assert "Keyring passphrase" not in screen
        assert "login" not in next(line for line in screen.splitlines() if "vault-dev" in line)
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()
