"""The real program in a real terminal: `xswitch demo` driven through tmux.

Filters to a profile, logs in, watches the countdown go down, opens the subshell, runs the real
AWS CLI in it against the embedded STS, leaves the subshell, quits, and checks nothing is left.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

COUNTDOWN = re.compile(r"\b(\d{1,2}):(\d{2})\s*$")


class Terminal:
    """One tmux session on a private server socket, 120x40."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"xswitch-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self._tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "40", command, check=True)

    def _tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=check,
        )

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t").stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def wait_for(self, predicate, what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")

    def wait_text(self, text: str, timeout: float = 30.0) -> str:
        return self.wait_for(lambda s: text in s, repr(text), timeout)

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", "t").returncode == 0

    def close(self) -> None:
        self._tmux("kill-server")


def countdown_of(screen: str, profile: str) -> int | None:
    for line in screen.splitlines():
        if profile in line:
            match = COUNTDOWN.search(line)
            if match:
                return int(match.group(1)) * 60 + int(match.group(2))
    return None


def test_demo_filter_login_countdown_subshell_and_quit(tmp_path: Path):
    bindir = Path(sys.executable).parent
    marker = tmp_path / "exit-code"
    env = dict(os.environ)
    env.update(
        # A virtual environment that is not activated: the demo puts its commands on PATH.
        PATH="/usr/bin:/bin",
        SHELL=shutil.which("bash") or "/bin/bash",
        TERM="xterm-256color",
        TMPDIR=str(tmp_path),
    )
    command = f"{bindir / 'xswitch'} demo; echo $? > {marker}"
    terminal = Terminal(command, env)
    try:
        screen = terminal.wait_text("Acme Retail", timeout=60)
        assert "Globex Production" in screen
        port = int(re.search(r"127\.0\.0\.1:(\d+)", screen).group(1))
        # The details pane is filled once the app is ready for input (after the first frame).
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer")

        # Filter to one profile; Enter leaves the filter with that profile selected.
        terminal.keys("/")
        terminal.type("acme-dev")
        terminal.wait_for(
            lambda s: "acme-dev" in s and "acme-readonly" not in s, "the filtered list"
        )
        terminal.keys("Enter")

        # Log in: a countdown appears and goes down.
        terminal.keys("l")
        screen = terminal.wait_for(
            lambda s: countdown_of(s, "acme-dev") is not None, "a countdown for acme-dev"
        )
        first = countdown_of(screen, "acme-dev")
        assert first is not None and 50 * 60 < first <= 60 * 60
        terminal.wait_for(
            lambda s: (countdown_of(s, "acme-dev") or first) < first,
            "the countdown to decrease",
            timeout=10,
        )

        # The subshell: its prompt carries the marker; the real AWS CLI acts as the role.
        terminal.keys("Enter")
        terminal.wait_text("(Acme Retail/acme-dev)")
        terminal.type("aws sts get-caller-identity --query Arn --output text")
        terminal.keys("Enter")
        terminal.wait_text("arn:aws:sts::111111111111:assumed-role/Developer/demo-user")
        terminal.type("xswitch list | head -1")
        terminal.keys("Enter")
        terminal.wait_text("PROFILE")

        # Leaving the subshell brings the picker back, still counting.
        terminal.type("exit")
        terminal.keys("Enter")
        terminal.wait_for(
            lambda s: "Acme Retail" in s and countdown_of(s, "acme-dev") is not None,
            "the picker to come back",
        )

        terminal.keys("q")
        terminal.wait_for(lambda s: marker.exists(), "xswitch to exit", timeout=30)
        assert marker.read_text().strip() == "0"
    finally:
        terminal.close()
    # Quitting leaves nothing behind: no throwaway home, no server still answering.
    assert list(tmp_path.glob("xswitch-demo-*")) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
