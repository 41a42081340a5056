"""Clipboard: the real xclip without a display, a recording xclip on PATH, and no mechanism."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from xswitch.core.clipboard import copy
from xswitch.core.errors import ClipboardUnavailable

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="exercises the X11/Wayland paths")

TEXT = "export AWS_SECRET_ACCESS_KEY='s3cr3t/value'\nexport AWS_REGION='eu-west-1'\n"


def test_no_display_and_no_wayland(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(ClipboardUnavailable) as caught:
        copy(TEXT)
    message = str(caught.value)
    assert "xclip" in message and "wl-clipboard" in message and "xswitch export" in message
    assert caught.value.exit_code == 2


@pytest.mark.skipif(not shutil.which("xclip"), reason="xclip is not installed")
def test_real_xclip_without_an_x_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISPLAY", ":97")  # no X server listens there
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(ClipboardUnavailable) as caught:
        copy(TEXT)
    assert "xclip" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


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
    copy(TEXT)
    assert Path(f"{record}.stdin").read_text() == TEXT
    assert Path(f"{record}.argv").read_text() == "-selection clipboard\n"
