"""A real terminal for end-to-end tests: one tmux session on a private server socket.

Tests type with `keys`/`type` (tmux send-keys) and read the screen with capture-pane, as a person
at the terminal would.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid

COUNTDOWN = re.compile(r"\b(\d{1,2}):(\d{2})\s*$")


class Terminal:
    """One tmux session running `command` (120x40 unless told)."""

    def __init__(self, command: str, env: dict[str, str], width: int = 120, height: int = 40):
        self.socket = f"xswitch-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self._tmux(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command, check=True
        )

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

    def tmux(self, *args: str) -> str:
        """Any other tmux command on this session's server; its output."""
        return self._tmux(*args, check=True).stdout

    def alive(self) -> bool:
        return self._tmux("has-session", "-t", "t").returncode == 0

    def close(self) -> None:
        self._tmux("kill-server")


def countdown_of(screen: str, profile: str) -> int | None:
    """Seconds left on `profile`'s row (mm:ss at the end of the line), or None."""
    for line in screen.splitlines():
        if profile in line:
            match = COUNTDOWN.search(line)
            if match:
                return int(match.group(1)) * 60 + int(match.group(2))
    return None
