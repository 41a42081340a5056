"""The real program in a real terminal: `xswitch demo` driven through tmux.

Filters to a profile, logs in, watches the countdown go down, opens the subshell, runs the real
AWS CLI in it against the embedded STS, leaves the subshell, quits, and checks nothing is left.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
from pathlib import Path

import pytest
from tmuxterm import Terminal, countdown_of

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


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
    # The subshell as outside tmux (inside, Enter opens a window: test_tmux_windows.py).
    command = f"env -u TMUX {bindir / 'xswitch'} demo; echo $? > {marker}"
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


def demo_terminal(tmp_path: Path) -> tuple[Terminal, Path]:
    """`xswitch demo` in tmux at 120x40, with no system clipboard (no display)."""
    bindir = Path(sys.executable).parent
    marker = tmp_path / "exit-code"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(
        PATH="/usr/bin:/bin",
        SHELL=shutil.which("bash") or "/bin/bash",
        TERM="xterm-256color",
        TMPDIR=str(tmp_path),
        TZ="Asia/Kolkata",
    )
    terminal = Terminal(f"{bindir / 'xswitch'} demo; echo $? > {marker}", env)
    return terminal, marker


def details_of(screen: str) -> list[str]:
    """The details pane's lines: right of the clients column, below the rule."""
    lines = screen.splitlines()
    rule = max(i for i, line in enumerate(lines) if "▔▔▔" in line)
    return [line.split("▕", 1)[-1].strip() for line in lines[rule + 1 : -1]]


def test_demo_panes_names_mfa_session_prompt_clipboard_and_80_columns(tmp_path: Path):
    terminal, marker = demo_terminal(tmp_path)
    try:
        terminal.wait_text("Acme Retail", timeout=60)
        terminal.wait_text("arn:aws:iam::111111111111:role/Developer")

        # 7. Long SSO profile names are whole at 120 columns, next to their client.
        terminal.keys("/")
        terminal.type("umbrella")
        screen = terminal.wait_text("umbrella-staging-developer ")
        assert "umbrella-dev-readonly " in screen and "umbrella-dev-developer " in screen
        terminal.keys("Escape")
        terminal.wait_text("/ filter:")  # cleared: Esc must not merge with the next key

        # 16 + 8. Log in to an MFA role: the details show the MFA session, its time left in the
        # local zone (IST here) and the roles it covers, the session line and the labelled chain.
        terminal.keys("/")
        terminal.type("globex-prod-admin")
        terminal.wait_for(
            lambda s: "globex-prod-admin" in s.splitlines()[0] and "▕globex-prod-readonly" not in s,
            "the filtered list",
        )
        terminal.keys("Enter")
        terminal.keys("l")
        terminal.wait_text("6 digits")
        terminal.type("123456")
        terminal.keys("Enter")
        # (once the "Logged in" notice over the pane has gone)
        screen = terminal.wait_text("covers    acme-admin, globex-prod-admin, globex-prod-readonly")
        details = details_of(screen)
        assert details[0].startswith("globex-prod-admin")
        assert re.fullmatch(r"session   \d\d:\d\d left \(until .*\d\d:\d\d:\d\d IST\)", details[1])
        assert any(
            re.match(r"mfa sess\. live, \d+:\d\d:\d\d left \(until .*IST\)", d) for d in details
        )
        assert "covers    acme-admin, globex-prod-admin, globex-prod-readonly" in details
        assert any(
            d.startswith("via       keys in ~/.aws/credentials [demo-user]") for d in details
        )
        assert any(d.startswith("→ MFA session") for d in details)

        # 11. 'c' with no clipboard tool, inside tmux with its default set-clipboard: nothing
        # was copied, and the picker says so (acme-dev: no production confirmation).
        terminal.keys("Escape")
        terminal.wait_text("/ filter:")  # cleared: Esc must not merge with the next key
        terminal.keys("/")
        terminal.type("acme-dev")
        terminal.wait_for(
            lambda s: "acme-dev" in s.splitlines()[0] and "▕acme-readonly" not in s,
            "the filtered list",
        )
        terminal.keys("Enter")
        assert terminal.tmux("show-options", "-gv", "set-clipboard").strip() == "external"
        terminal.keys("c")
        terminal.wait_text("Nothing was copied")
        assert "Copied" not in terminal.screen()
        # With set-clipboard on, the sequence goes through: tmux keeps it as a paste buffer.
        terminal.tmux("set-option", "-g", "set-clipboard", "on")
        terminal.keys("c")
        terminal.wait_text("through tmux")
        buffer = terminal.tmux("show-buffer")
        assert "export AWS_ACCESS_KEY_ID=" in buffer and "AWS_SESSION_TOKEN" in buffer

        # 9. The role's shell (a tmux window here) shows the time left (a fresh one-hour role
        # session).
        terminal.keys("Enter")
        screen = terminal.wait_for(
            lambda s: re.search(r"\(Acme Retail/acme-dev\) (\d+m|1h00m) ", s), "the prompt"
        )
        left = re.search(r"\(Acme Retail/acme-dev\) (\d+m|1h00m) ", screen).group(1)
        assert left == "1h00m" or 50 <= int(left[:-1]) <= 60
        # Inside tmux that shell is a window of its own: 'exit' closes it, the picker is back.
        terminal.type("exit")
        terminal.keys("Enter")
        terminal.wait_for(
            lambda _: len(terminal.tmux("list-windows", "-t", "t").splitlines()) == 1,
            "the role's window to close",
        )
        terminal.wait_text("Acme Retail")

        # 7. At 80x24 the names stay whole; region and kind give way first.
        terminal.tmux("resize-window", "-t", "t", "-x", "80", "-y", "24")
        terminal.keys("Escape")
        terminal.wait_text("/ filter:")  # cleared: Esc must not merge with the next key
        terminal.keys("4")  # Umbrella (SSO)
        terminal.wait_text("umbrella-staging-developer ")
        # The header row, once the toast of step 6 (top right) has gone from over it.
        screen = terminal.wait_for(
            lambda s: "▕profile" in s.splitlines()[1] and "copied" not in s.splitlines()[1],
            "the table's header without the toast over it",
        )
        header = screen.splitlines()[1]
        assert "session" in header and "region" not in header and "kind" not in header
        assert "umbrella-dev-readonly " in screen

        terminal.keys("q")
        terminal.wait_for(lambda s: marker.exists(), "xswitch to exit", timeout=30)
        assert marker.read_text().strip() == "0"
    finally:
        terminal.close()
