"""Shell completion with hostile profile names, in real bash, zsh and fish driven through tmux.

Profile names come from files anyone may edit (or sync from an SSO portal): every shell must get
them as data. A name holding `$(...)`, backticks, quotes, globs, spaces, a newline or an escape
sequence is completed by pressing Tab; the test then has the shell print the completed word and
checks it is the name (control characters shown escaped) and that nothing was executed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from xswitch.core.text import visible

pytestmark = [
    pytest.mark.shells,
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

# Each starts with its own letter, so that typing the letter and Tab completes exactly that name.
AWS_NAMES = ["a$(touch${IFS}pwned-a)"]
TOML_NAMES = [
    "b`touch pwned-b`",
    "c'it\"s",
    "d*?[x]",
    "e sp; touch pwned-e",
    "f\nnl;touch pwned-f",
    "g\x1b]0;pwned\x07",
    "h$(touch pwned-h) x",
]
NAMES = AWS_NAMES + TOML_NAMES


def _toml_key(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return (
        '"'
        + escaped.replace("\n", "\\n").replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
        + '"'
    )


class Terminal:
    """One shell in a tmux session on a private server socket."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.socket = f"xswitch-completion-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.cwd = cwd
        self._tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "-c", str(cwd),
                   *command, check=True)  # fmt: skip

    def _tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env,
            check=check,
        )  # fmt: skip

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t").stdout

    def wait_file(self, path: Path, lines: int, timeout: float = 30.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists():
                content = path.read_text().splitlines()
                if len(content) >= lines:
                    return content
            time.sleep(0.1)
        raise AssertionError(f"{path.name} was not written; screen:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server")


SETUP = {
    "bash": (["bash", "--norc", "--noprofile"], "PS1='$ '; source {script}"),
    "zsh": (
        ["zsh", "-f"],
        "PS1='$ '; bindkey -e; autoload -Uz compinit; compinit -u -D; source {script}",
    ),
    "fish": (
        ["fish", "-C", "set -g fish_greeting; set -g fish_autosuggestion_enabled 0"],
        "source {script}",
    ),
}


@pytest.fixture
def hostile(isolated):
    isolated.write_aws_config(
        "".join(f"[profile {name}]\nregion = eu-west-1\n\n" for name in AWS_NAMES)
    )
    isolated.write_xswitch_config(
        "".join(f'[profiles.{_toml_key(name)}]\nregion = "eu-west-1"\n\n' for name in TOML_NAMES)
    )
    bindir = isolated.root / "bin"
    bindir.mkdir()
    launcher = bindir / "xswitch"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m xswitch "$@"\n')
    launcher.chmod(0o755)
    work = isolated.root / "work"
    work.mkdir()
    (work / "d1x").write_text("")  # what the glob name would match if it were expanded
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", TERM="xterm-256color")
    return isolated, env, work


def _xswitch(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args], capture_output=True, text=True, env=env,
        timeout=60,
    )  # fmt: skip


def test_profiles_prints_one_escaped_name_per_line(hostile):
    _, env, _ = hostile
    result = _xswitch("_profiles", env=env)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [visible(name) for name in NAMES]
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_tab_completes_hostile_names_as_data(hostile, shell):
    if not shutil.which(shell):
        pytest.skip(f"{shell} is not installed")
    home, env, work = hostile
    script = home.root / f"completion.{shell}"
    script.write_text(_xswitch("completion", shell, env=env).stdout)
    command, setup = SETUP[shell]
    terminal = Terminal(command, env, work)
    try:
        terminal.type(setup.format(script=script))
        terminal.keys("Enter")
        cases = [(name[0], visible(name)) for name in NAMES] + [("sso s", "sync")]
        for index, (typed, expected) in enumerate(cases):
            out = work / f"out-{index}"
            terminal.type(f"xswitch export {typed}" if " " not in typed else f"xswitch {typed}")
            terminal.keys("Tab")
            time.sleep(0.3 if index else 1.0)  # let the completion finish before typing on
            terminal.type(f" >{out.name}")
            terminal.keys("C-a")
            terminal.type("printf '%s\\n' ")
            terminal.keys("Enter")
            words = terminal.wait_file(out, 3)
            assert words[2] == expected, (typed, words, terminal.screen())
    finally:
        terminal.close()
    assert sorted(path.name for path in work.iterdir() if path.name.startswith("pwned")) == []


def test_bash_offers_every_name_quoted_for_the_command_line(hostile):
    home, env, work = hostile
    script = home.root / "completion.bash"
    script.write_text(_xswitch("completion", "bash", env=env).stdout)
    probe = (
        f"source {script}; COMP_WORDS=(xswitch export ''); COMP_CWORD=2; _xswitch; "
        'for reply in "${COMPREPLY[@]}"; do eval "set -- $reply"; printf "%s:%s\\0" "$#" "$1"; '
        "done; COMP_WORDS=(xswitch sso ''); COMP_CWORD=2; _xswitch; "
        'printf "sso:%s\\0" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        ["bash", "-c", probe], capture_output=True, text=True, env=env, cwd=work, timeout=60
    )
    replies = result.stdout.split("\0")[:-1]
    assert sorted(r for r in replies if not r.startswith("sso:")) == sorted(
        f"1:{visible(name)}" for name in NAMES
    ), result.stderr
    assert sorted(r for r in replies if r.startswith("sso:")) == [
        "sso:login",
        "sso:logout",
        "sso:sync",
    ]
    assert not [path for path in work.iterdir() if path.name.startswith("pwned")]


def test_fish_offers_every_name(hostile):
    if not shutil.which("fish"):
        pytest.skip("fish is not installed")
    home, env, work = hostile
    script = home.root / "completion.fish"
    script.write_text(_xswitch("completion", "fish", env=env).stdout)
    result = subprocess.run(
        ["fish", "-c", f"source {script}; complete -C 'xswitch export '; echo ---; "
         "complete -C 'xswitch sso '"],
        capture_output=True, text=True, env=env, cwd=work, timeout=60,
    )  # fmt: skip
    profiles, sso = result.stdout.split("---\n")
    assert sorted(profiles.splitlines()) == sorted(visible(name) for name in NAMES), result.stderr
    assert sorted(line.split("\t")[0] for line in sso.splitlines()) == ["login", "logout", "sync"]
    assert not [path for path in work.iterdir() if path.name.startswith("pwned")]


def test_a_mistyped_command_gets_a_suggestion(hostile):
    _, env, _ = hostile
    result = _xswitch("exprot", "P", env=env)
    assert result.returncode == 2
    assert "did you mean 'export'" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert "_profiles" not in result.stderr


def test_the_internal_command_is_not_in_help(hostile):
    _, env, _ = hostile
    result = _xswitch("--help", env=env)
    assert result.returncode == 0 and "export" in result.stdout
    assert "_profiles" not in result.stdout


def test_a_completed_escaped_name_resolves_to_the_profile(hostile):
    _, env, _ = hostile
    result = _xswitch("logout", visible("g\x1b]0;pwned\x07"), env=env)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr
