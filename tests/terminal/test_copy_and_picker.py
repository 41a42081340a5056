"""`export --copy` says what really happened (a clipboard program, OSC 52 to the terminal, or
nothing), and `xswitch` without a terminal says the picker needs one."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

from termtesting import BIN

OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07")


def test_without_a_clipboard_program_the_lines_go_to_the_terminal_by_osc52(term, dev_role):
    # No display: pyperclip finds no clipboard, so only the terminal can take the lines.
    t = term.run('xswitch export dev --copy >out.txt; echo "rc=$?"')
    assert t.report("rc") == "0"
    assert t.finish() == 0
    copied = base64.b64decode(OSC52.search(t.screen).group(1)).decode()
    assert "export AWS_ACCESS_KEY_ID='ASIA" in copied
    assert "to the terminal's clipboard (OSC 52)" in t.screen and "paste to check" in t.screen
    assert "Copied" not in t.screen
    assert (term.tmp_path / "out.txt").read_text() == ""


def test_a_failing_clipboard_program_falls_back_to_osc52_and_says_why(term, dev_role):
    # xclip is installed, but there is no X server behind this DISPLAY.
    t = term.run('xswitch export dev --copy --shell fish; echo "rc=$?"', DISPLAY=":97")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "set -gx AWS_ACCESS_KEY_ID" in base64.b64decode(OSC52.search(t.screen).group(1)).decode()
    assert "cannot reach a clipboard" in t.screen and "OSC 52" in t.screen


def test_a_clipboard_program_that_works_is_named(term, dev_role, tmp_path: Path):
    tools = tmp_path / "tools"
    tools.mkdir()
    received = tmp_path / "clipboard.txt"
    xclip = tools / "xclip"
    xclip.write_text(f'#!/bin/sh\ncat > "{received}"\n')
    xclip.chmod(0o755)
    t = term.run(f'PATH="{tools}:$PATH" xswitch export dev --copy; echo "rc=$?"', DISPLAY=":97")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "Copied bash export lines for 'dev' to the clipboard (xclip)." in t.screen
    assert "\x1b]52" not in t.screen
    assert "export AWS_ACCESS_KEY_ID='ASIA" in received.read_text()


def test_without_clipboard_or_terminal_the_error_says_so(dev_role):
    result = subprocess.run(
        [str(BIN / "xswitch"), "export", "dev", "--copy"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if k != "DISPLAY"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot reach a clipboard" in result.stderr
    assert result.stdout == ""


def test_the_picker_without_a_terminal_points_to_list(term, dev_role):
    t = term.run('xswitch | cat; echo "rc=${PIPESTATUS[0]}"')
    assert t.report("rc") == "2"
    assert t.finish() == 0
    assert "needs a terminal" in t.screen and "xswitch list" in t.screen
    assert "\x1b[?1049h" not in t.screen  # the alternate screen was never entered
