"""Clipboard: the real xclip without a display, a recording xclip on PATH, and no mechanism."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xswitch.core.clipboard import Route, copy

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="exercises the X11/Wayland paths")

TEXT = "export AWS_SECRET_ACCESS_KEY='s3cr3t/value'\nexport AWS_REGION='eu-west-1'\n"


def test_no_display_and_no_wayland(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    copied = copy(TEXT)
    assert copied.route is Route.NONE and not copied.copied
    message = copied.describe("export lines")
    assert "xclip" in message and "wl-clipboard" in message and "xswitch export" in message
    assert copied.problem is not None and copied.problem.exit_code == 2


@pytest.mark.skipif(not shutil.which("xclip"), reason="xclip is not installed")
def test_real_xclip_without_an_x_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISPLAY", ":97")  # no X server listens there
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    copied = copy(TEXT)
    assert copied.route is Route.NONE
    assert "xclip" in str(copied.problem)
    assert "s3cr3t" not in copied.describe("export lines")


def test_text_goes_through_stdin_not_argv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "record"
    fake = bin_dir / "xclip"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" > {record}.argv\ncat > {record}.stdin\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":97")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    copied = copy(TEXT)
    assert copied.route is Route.SYSTEM and copied.tool == "xclip"
    assert copied.describe("the lines") == "Copied the lines to the clipboard (xclip)."
    assert Path(f"{record}.stdin").read_text() == TEXT
    assert Path(f"{record}.argv").read_text() == "-selection clipboard\n"


def no_system_clipboard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No display, and no clipboard program on PATH."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/bin{os.pathsep}/bin")


def test_without_a_system_clipboard_the_terminal_gets_it_and_that_is_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_system_clipboard(monkeypatch, tmp_path)
    sent: list[str] = []
    copied = copy(TEXT, terminal=sent.append)
    assert sent == [TEXT]
    assert copied.route is Route.TERMINAL and not copied.copied
    message = copied.describe("bash export lines for dev")
    assert message.startswith("Sent bash export lines for dev to the terminal's clipboard (OSC 52)")
    assert "paste to check" in message and "Copied" not in message


class TmuxServer:
    """A private tmux server; TMUX in the environment says 'inside it'."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = str(tmp_path / "tmux.sock")
        self.run("new-session", "-d", "-s", "t", "sleep 600")

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed")
def test_inside_tmux_the_answer_depends_on_set_clipboard(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_system_clipboard(monkeypatch, tmp_path)
    server = TmuxServer(tmp_path)
    try:
        monkeypatch.setenv("TMUX", f"{server.socket},1,0")
        for setting in ("external", "off"):
            server.run("set-option", "-g", "set-clipboard", setting)
            sent: list[str] = []
            copied = copy(TEXT, terminal=sent.append)
            assert copied.route is Route.NONE and sent == []
            message = copied.describe("bash export lines for dev")
            assert message.startswith("Nothing was copied")
            assert ". and" not in message and "found), and tmux drops" in message  # one sentence
            assert f"set-clipboard {setting}" in message and "set-clipboard on" in message
        server.run("set-option", "-g", "set-clipboard", "on")
        sent = []
        copied = copy(TEXT, terminal=sent.append)
        assert copied.route is Route.TERMINAL and sent == [TEXT]
        assert "through tmux (set-clipboard on)" in copied.describe("the lines")
    finally:
        server.close()
