"""Inside tmux the picker opens a role in a window of its own, named client/profile, and stays
open; `w` goes back to that window. The real program in a real tmux, against the moto server."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from tmuxterm import Terminal

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def windows(terminal: Terminal) -> dict[str, str]:
    """Window name -> index."""
    listing = terminal.tmux("list-windows", "-t", "t", "-F", "#{window_index} #{window_name}")
    return {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in listing.splitlines()}


def current_window(terminal: Terminal) -> str:
    return terminal.tmux("display-message", "-p", "-t", "t", "#{window_name}").strip()


def test_enter_in_tmux_opens_a_window_per_role_and_w_returns_to_it(dev_role, tmp_path: Path):
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    env.update(PATH=f"{bindir}:/usr/bin:/bin", SHELL="/bin/bash", TERM="xterm-256color")
    terminal = Terminal(str(bindir / "xswitch"), env)
    try:
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer", timeout=60)
        terminal.keys("/")
        terminal.type("dev")
        terminal.keys("Enter")
        terminal.keys("Enter")
        terminal.wait_for(lambda _: "Other/dev" in windows(terminal), "the role's window")
        window = windows(terminal)["Other/dev"]
        assert current_window(terminal) == "Other/dev"
        shell = f"t:{window}"
        terminal.wait_for(
            lambda _: "Entering a subshell" in terminal.tmux("capture-pane", "-p", "-t", shell),
            "the window's shell",
        )
        echo = "echo URI=$AWS_CONTAINER_CREDENTIALS_FULL_URI"
        terminal.tmux("send-keys", "-t", shell, "-l", echo)
        terminal.tmux("send-keys", "-t", shell, "Enter")
        terminal.wait_for(
            lambda _: "URI=http://127.0.0.1:" in terminal.tmux("capture-pane", "-p", "-t", shell),
            "the agent's endpoint in the window",
        )
        # Back to the picker, which stayed open and marks the role as used by a shell.
        terminal.tmux("select-window", "-t", "t:0")
        terminal.wait_for(lambda s: "⧉" in s, "the open-shell mark")
        terminal.keys("w")
        terminal.wait_for(lambda _: current_window(terminal) == "Other/dev", "w's jump")
    finally:
        terminal.close()
