"""`xs` in real bash, zsh and fish inside tmux, with the real AWS CLI against the moto server.

The temporary home's rc file holds the user's own prompt (rebuilt before every prompt, as themes
do) and `eval "$(xswitch init SHELL)"`. The shell is switched in place: the same shell, no
subshell; the AWS CLI in it gets its credentials from the agent's endpoint, and gets a new
session after `xswitch logout` with nothing typed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from tmuxterm import Terminal

pytestmark = [
    pytest.mark.shells,
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

BIN = Path(sys.executable).parent

RC = {
    "bash": (
        ".bashrc",
        'PROMPT_COMMAND=\'PS1="[$?] user-prompt\\$ "\'\neval "$(xswitch init bash)"\n',
    ),
    "zsh": (
        ".zshrc",
        "precmd() { PROMPT='[%?] user-prompt%# ' }\neval \"$(xswitch init zsh)\"\n",
    ),
    "fish": (
        ".config/fish/config.fish",
        'function fish_prompt\n    echo -n "[$status] user-prompt> "\nend\n'
        "xswitch init fish | source\n",
    ),
}

# What the shell prints for the variables xswitch may touch, one per line, sorted.
DUMP = {
    "bash": "env | grep -E '^(AWS|XSWITCH)_' | sort > {out}; echo DUMP''ED",
    "zsh": "env | grep -E '^(AWS|XSWITCH)_' | sort > {out}; echo DUMP''ED",
    "fish": "env | grep -E '^(AWS|XSWITCH)_' | sort > {out}; echo DUMP''ED",
}

KEY = (
    f'{sys.executable} -c "import boto3; '
    "print('KEY=' + boto3.Session().get_credentials().get_frozen_credentials().access_key)\""
)


def shell_terminal(shell: str, home: Path, tmp_path: Path) -> Terminal:
    path = shutil.which(shell)
    if not path:
        pytest.skip(f"{shell} is not installed")
    rc_name, rc_text = RC[shell]
    rc = home / rc_name
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(rc_text)
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}:/usr/bin:/bin",
        SHELL=path,
        TERM="xterm-256color",
        TMPDIR=str(tmp_path),
    )
    env.pop("PROMPT_COMMAND", None)
    terminal = Terminal(f"{path} -i" if shell != "fish" else path, env)
    terminal.wait_text("user-prompt")
    return terminal


@pytest.fixture(params=["bash", "zsh", "fish"])
def shell(request: pytest.FixtureRequest) -> str:
    return request.param


def access_key(terminal: Terminal) -> str:
    """The access key that an SDK started in the shell uses now."""
    run(terminal, KEY, "KEY")
    screen = terminal.wait_for(lambda s: re.search(r"^KEY=(\w+)", s, re.M), "the key")
    return re.search(r"^KEY=(\w+)", screen, re.M).group(1)


def run(terminal: Terminal, command: str, expect: str, timeout: float = 30) -> str:
    terminal.tmux("clear-history", "-t", "t")
    terminal.keys("C-l")
    terminal.type(command)
    terminal.keys("Enter")
    return terminal.wait_text(expect, timeout)


def test_xs_switches_this_shell_refreshes_after_logout_and_off_cleans_up(
    shell: str, dev_role, tmp_path: Path
) -> None:
    terminal = shell_terminal(shell, dev_role.root, tmp_path)
    before, after = tmp_path / "before", tmp_path / "after"
    try:
        run(terminal, DUMP[shell].format(out=before), "DUMPED")
        screen = run(terminal, "xs dev", "xs: ")
        # The marker leads the user's own prompt, with the time left.
        screen = terminal.wait_for(
            lambda s: re.search(r"\(\S+/dev\) (?:\d+h\d\dm|\d+m) \[0\] user-prompt", s) is not None,
            "the marker and the time left",
        )
        screen = run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        screen = terminal.wait_text("assumed-role/Developer/")
        keys = 'printf \'KEYS=%s:%s:end\\n\' "$AWS_ACCESS_KEY_ID" "$AWS_PROFILE"'
        screen = run(terminal, keys, "KEYS=::")
        assert "KEYS=::end" in screen  # no exported keys, no profile: the endpoint serves
        first = access_key(terminal)
        run(terminal, "xswitch logout dev; echo LOGGED''-OUT", "LOGGED-OUT")
        second = access_key(terminal)
        assert first != second
        screen = run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        terminal.wait_text("assumed-role/Developer/")

        run(terminal, "xs off; echo OFF''-DONE", "OFF-DONE")
        run(terminal, DUMP[shell].format(out=after), "DUMPED")
        assert after.read_text() == before.read_text()
        screen = terminal.wait_for(
            lambda s: s.rstrip().splitlines()[-1].startswith("[0] user-prompt"),
            "the prompt without the marker",
        )
    finally:
        terminal.close()


def test_xs_dash_goes_back_and_keys_exports_keys(shell: str, dev_role, tmp_path: Path) -> None:
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
    terminal = shell_terminal(shell, dev_role.root, tmp_path)
    try:
        run(terminal, "xs dev", "xs: ")
        run(terminal, "xs ops --region us-west-2 --keys", "exported keys")
        screen = run(
            terminal,
            'printf \'R=%s:%s:%s\\n\' "$AWS_REGION" "$XSWITCH_PROFILE" "$AWS_ACCESS_KEY_ID"',
            "R=us-west-2:ops:",
        )
        assert re.search(r"R=us-west-2:ops:\w{16}", screen)  # keys exported: --keys
        run(terminal, "xs -", "xs: ")
        run(terminal, 'printf \'P=%s:%s\\n\' "$XSWITCH_PROFILE" "$AWS_REGION"', "P=dev:eu-west-1")
        screen = run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        terminal.wait_text("assumed-role/Developer/")
    finally:
        terminal.close()


def test_xs_alone_opens_the_picker_and_enter_switches_this_shell(
    shell: str, dev_role, tmp_path: Path
) -> None:
    terminal = shell_terminal(shell, dev_role.root, tmp_path)
    try:
        terminal.type("xs")
        terminal.keys("Enter")
        # The details pane is filled once the picker is ready for input.
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer", timeout=60)
        terminal.keys("/")
        terminal.type("dev")
        terminal.keys("Enter")
        terminal.keys("Enter")
        terminal.wait_text("xs: ")
        screen = run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        terminal.wait_text("assumed-role/Developer/")
        screen = run(terminal, "printf 'P=%s\\n' \"$XSWITCH_PROFILE\"", "P=dev")
        assert "(Other/dev)" in screen or "/dev)" in screen
    finally:
        terminal.close()


def test_picker_subshell_gets_a_new_session_after_logout(dev_role, tmp_path: Path) -> None:
    terminal = shell_terminal("bash", dev_role.root, tmp_path)
    try:
        terminal.type("xswitch")
        terminal.keys("Enter")
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer", timeout=60)
        terminal.keys("/")
        terminal.type("dev")
        terminal.keys("Enter")
        terminal.keys("Enter")
        terminal.wait_text("Entering a subshell", timeout=60)
        terminal.wait_text("user-prompt")
        screen = run(terminal, "printf 'E=%s\\n' \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"", "E=h")
        assert "E=http://127.0.0.1:" in screen
        first = access_key(terminal)
        run(terminal, "xswitch logout dev; echo LOGGED''-OUT", "LOGGED-OUT")
        second = access_key(terminal)
        assert first != second
        run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        terminal.wait_text("assumed-role/Developer/")
    finally:
        terminal.close()


def test_the_prompt_says_when_the_agent_stopped(shell: str, dev_role, tmp_path: Path) -> None:
    terminal = shell_terminal(shell, dev_role.root, tmp_path)
    try:
        run(terminal, "xs dev", "xs: ")
        run(terminal, "xswitch agent stop", "Stopped the xswitch agent")
        terminal.wait_text("has stopped; run 'xs PROFILE' to start it again")
        # Said once, not at every prompt.
        screen = run(terminal, "echo AGAIN''-ONCE", "AGAIN-ONCE")
        assert "has stopped" not in screen
        run(terminal, "xs dev", "refreshed by the agent")
        run(terminal, "aws sts get-caller-identity --query Arn --output text", "Arn")
        terminal.wait_text("assumed-role/Developer/")
    finally:
        terminal.close()


def test_exec_subshell_has_xs_and_the_marker_once(dev_role, tmp_path: Path) -> None:
    terminal = shell_terminal("bash", dev_role.root, tmp_path)
    try:
        run(terminal, "xswitch exec dev", "Entering a subshell")
        screen = terminal.wait_for(
            lambda s: re.search(r"\(\S+/dev\) \S+ \[0\] user-prompt", s) is not None, "marker"
        )
        assert screen.count("/dev)") == 1  # the user's hook and the subshell draw one marker
        run(terminal, "xswitch agent stop", "Stopped the xswitch agent")
        terminal.wait_text("has stopped")
    finally:
        terminal.close()
