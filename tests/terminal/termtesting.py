"""Helpers for the pty tests: the real `xswitch` executable in a real pseudo-terminal, typed
into with pexpect.

Each test runs a small bash script in the pty (so that stdout and stderr can be captured the way
`eval "$(...)"`, `$(...)` and tools do), reads the prompts from the screen, types the answers, and
reads the script's report. The environment is the isolated one of tests/conftest.py.
"""

from __future__ import annotations

import io
import os
import re
import signal
import sys
from pathlib import Path

import pexpect

from xswitch.demo.ssoserver import SsoServer

BIN = Path(sys.executable).parent  # this installation's xswitch and aws
ROLE_ADMIN = "arn:aws:iam::111111111111:role/Admin"
SERIAL = "arn:aws:iam::123456789012:mfa/me"
SSO_START_URL = "https://acme.awsapps.com/start"
SSO_REGION = "eu-west-1"


class Terminal:
    """A program in a pty; `screen` is everything it has shown so far."""

    def __init__(self, child: pexpect.spawn, log: io.StringIO) -> None:
        self.child = child
        self._log = log

    @property
    def screen(self) -> str:
        return self._log.getvalue()

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait for `pattern` (a regular expression); return what matched."""
        self.child.expect(pattern, timeout=timeout)
        return self.child.match.group(0)

    def type(self, text: str) -> None:
        self.child.sendline(text)

    def ctrl_c(self) -> None:
        self.child.sendintr()

    def report(self, name: str, timeout: float = 30, value: str = r"\S*") -> str:
        """The value the script printed as `name=VALUE` (see `Session.run`). In an interactive
        shell the typed command is echoed too: `value` then excludes what was typed ('$')."""
        self.child.expect(rf"{name}=({value})\r?\n", timeout=timeout)
        return self.child.match.group(1)

    def finish(self, timeout: float = 30) -> int:
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        assert "Traceback" not in self.screen, self.screen
        return self.child.exitstatus if self.child.exitstatus is not None else -1


class Session:
    """Starts scripts in ptys with the test's environment (plus `extra` variables)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Terminal] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PATH=f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
            TERM="xterm",
            SHELL="/bin/bash",
            LC_ALL="C.UTF-8",
            XSWITCH_NO_BROWSER="1",
        )
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        env.update(extra)
        return env

    def run(self, script: str, **extra: str) -> Terminal:
        """`script` run by a real bash (no rc files) in a new pty."""
        return self.spawn("bash", ["--norc", "--noprofile", "-c", script], **extra)

    def spawn(self, program: str, argv: list[str], **extra: str) -> Terminal:
        log = io.StringIO()
        child = pexpect.spawn(
            program,
            argv,
            env=self.env(**extra),
            cwd=str(self.tmp_path),
            encoding="utf-8",
            codec_errors="replace",
            dimensions=(40, 200),
            timeout=30,
            # Ctrl+C as at a terminal: a runner that started the tests in the background (as a
            # non-interactive shell does with '&') passes SIGINT on ignored, and no prompt ends.
            preexec_fn=_default_sigint,
        )
        child.logfile_read = log
        terminal = Terminal(child, log)
        self.started.append(terminal)
        return terminal


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def echo_state(variable: str = "ECHO") -> str:
    """Shell code that reports whether the terminal echoes (after a prompt was interrupted)."""
    return f"echo {variable}=$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo)"


MFA_PROMPT = r"MFA code for arn:aws:iam::123456789012:mfa/me \(unlocks admin\): "


def approve_shown_code(terminal: Terminal, server: SsoServer) -> str:
    """Read the device code from the terminal, check the link, approve it at the server."""
    code = terminal.expect(r"shows the code ([A-Z0-9-]+)\.")
    user_code = re.search(r"code ([A-Z0-9-]+)\.", code).group(1)
    assert f"{server.url}/device?user_code={user_code}" in terminal.screen
    server.approve(user_code)
    return user_code
