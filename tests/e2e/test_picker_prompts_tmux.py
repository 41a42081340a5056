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


MFA_SERIAL = "arn:aws:iam::123456789012:mfa/me"


@pytest.fixture
def roles(isolated, moto):
    """Keys in ~/.aws/credentials; a role behind MFA, and a production client."""
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile acme-admin]
        role_arn = arn:aws:iam::111111111111:role/Admin
        source_profile = me
        mfa_serial = {MFA_SERIAL}
        region = eu-west-1

        [profile bank-prod]
        role_arn = arn:aws:iam::222222222222:role/ReadOnly
        source_profile = me
        region = us-east-1
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.acme]
        name = "Acme Retail"
        match = ["acme-*"]

        [clients.bank]
        name = "First Bank"
        prod = true
        match = ["bank-*"]
        """
    )
    return dict(os.environ)


def ready(terminal: Terminal) -> None:
    """The picker drew its first frame and takes keys (the details pane is filled after it)."""
    terminal.wait_text("arn:aws:iam::111111111111:role/Admin", timeout=60)


def test_mfa_modal_right_code_makes_the_row_live(tmp_path, roles):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles))
    try:
        ready(terminal)
        terminal.keys("l")
        screen = terminal.wait_text("MFA code")
        assert MFA_SERIAL in screen
        terminal.type("864209")
        screen = terminal.wait_text("••••••")  # masked as typed
        assert "864209" not in screen
        terminal.keys("Enter")
        terminal.wait_for(lambda s: countdown_of(s, "acme-admin") is not None, "the row to go live")
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_mfa_modal_escape_cancels_and_the_picker_keeps_running(tmp_path, roles):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles))
    try:
        ready(terminal)
        terminal.keys("l")
        terminal.wait_text("MFA code")
        terminal.keys("Escape")
        screen = terminal.wait_text("Login cancelled: acme-admin")
        assert "MFA code" not in screen
        # Still running: keys work.
        terminal.keys("2")
        terminal.wait_text("bank-prod")
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_production_confirmation_refuses_a_wrong_name_and_proceeds_with_the_right_one(
    tmp_path, roles
):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles))
    try:
        ready(terminal)
        terminal.keys("2")
        terminal.wait_text("arn:aws:iam::222222222222:role/ReadOnly")
        terminal.keys("c")
        terminal.wait_text("Type the client's name")
        terminal.type("First Bnak")
        terminal.keys("Enter")
        screen = terminal.wait_text("not the client's name")
        assert countdown_of(screen, "bank-prod") is None  # nothing was done
        terminal.keys("C-u")  # clear the field
        terminal.type("First Bank")
        terminal.keys("Enter")
        screen = terminal.wait_for(
            lambda s: countdown_of(s, "bank-prod") is not None, "the copy's login"
        )
        assert "Production account" not in screen  # the dialog closed
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_ctrl_c_while_the_mfa_modal_is_open_exits_cleanly(tmp_path, roles):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles))
    try:
        ready(terminal)
        terminal.keys("l")
        terminal.wait_text("MFA code")
        assert quit_and_check(terminal, marker, "C-c") in ("0", "130")
    finally:
        terminal.close()


def test_ctrl_c_while_the_production_confirmation_is_open_exits_cleanly(tmp_path, roles):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles))
    try:
        ready(terminal)
        terminal.keys("2")
        terminal.wait_text("arn:aws:iam::222222222222:role/ReadOnly")
        terminal.keys("c")
        terminal.wait_text("Type the client's name")
        terminal.type("Fir")
        assert quit_and_check(terminal, marker, "C-c") in ("0", "130")
    finally:
        terminal.close()


# --- SSO ----------------------------------------------------------------------------------------

SSO_START_URL = "https://acme.awsapps.com/start"


@pytest.fixture
def sso_role(isolated):
    """The project's SSO server (as in the demo), approving nothing by itself."""
    from sso_controls import ControlledSsoServer
    from xswitch.demo.ssoserver import Account, ServerOptions

    server = ControlledSsoServer(
        [Account("333333333333", "Acme Sandbox", "sandbox@acme.example", ("Developer",))],
        options=ServerOptions(poll_interval=1),
    ).start()
    isolated.write_aws_config(
        f"""
        [sso-session acme]
        sso_start_url = {SSO_START_URL}
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        [profile sandbox]
        sso_session = acme
        sso_account_id = 333333333333
        sso_role_name = Developer
        region = eu-west-1
        """
    )
    env = {**os.environ, **server.environment(), "XSWITCH_NO_BROWSER": "1"}
    try:
        yield server, env
    finally:
        server.stop()


def test_sso_device_code_modal_then_approval_makes_the_row_live(tmp_path, sso_role):
    server, env = sso_role
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, env))
    try:
        terminal.wait_text("SSO role Developer in 333333333333", timeout=60)
        terminal.keys("l")
        terminal.wait_text("SSO login")
        code = server.pending_user_codes()[0]
        terminal.wait_text(code)  # the code the person compares with the browser's
        server.approve(code)
        screen = terminal.wait_for(
            lambda s: countdown_of(s, "sandbox") is not None, "the row to go live"
        )
        assert "SSO login" not in screen  # the modal closed
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()


def test_q_while_the_device_code_modal_is_open_exits_cleanly(tmp_path, sso_role):
    _server, env = sso_role
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, env))
    try:
        terminal.wait_text("SSO role Developer in 333333333333", timeout=60)
        terminal.keys("l")
        terminal.wait_text("SSO login")
        assert quit_and_check(terminal, marker, "q") in ("0", "130")
    finally:
        terminal.close()


# --- two terminals, a small terminal ------------------------------------------------------------


def test_a_login_in_one_picker_shows_in_another(tmp_path, roles):
    env = terminal_env(tmp_path, roles)
    first, first_marker = run_picker(tmp_path, env)
    second, second_marker = run_picker(tmp_path, env)
    try:
        ready(first)
        ready(second)
        first.keys("2")
        first.wait_text("arn:aws:iam::222222222222:role/ReadOnly")
        first.keys("l")
        first.wait_for(lambda s: countdown_of(s, "bank-prod") is not None, "the login")
        # The other picker was not touched: its cache watch finds the new session.
        second.keys("2")
        second.wait_for(
            lambda s: countdown_of(s, "bank-prod") is not None, "the other picker's countdown"
        )
        assert quit_and_check(first, first_marker) == "0"
        assert quit_and_check(second, second_marker) == "0"
    finally:
        first.close()
        second.close()


def test_an_80x24_terminal_shows_quit_the_palette_and_all_of_help(tmp_path, roles):
    terminal, marker = run_picker(tmp_path, terminal_env(tmp_path, roles), size=(80, 24))
    try:
        screen = terminal.wait_text("acme-admin", timeout=60)
        bar = screen.rstrip("\n").splitlines()[-1]
        assert "q  Quit" in bar and "ctrl+p  Palette" in bar, bar
        terminal.keys("?")
        screen = terminal.wait_text("Keys")
        for text in ("Filter", "Reload the configuration", "Quit", "Palette: every profile"):
            assert text in screen, text
        terminal.keys("Escape")
        terminal.wait_for(lambda s: "Palette: every profile" not in s, "help to close")
        assert quit_and_check(terminal, marker) == "0"
    finally:
        terminal.close()
