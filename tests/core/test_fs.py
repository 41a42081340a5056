"""core.fs readers: regular files only, never blocking, one way of opening and checking."""

from __future__ import annotations

import os

import pytest

from xswitch.core import fs
from xswitch.core.errors import ConfigError


def test_config_file_kinds(tmp_path):
    regular = tmp_path / "config"
    regular.write_bytes(b"[default]\n" * 20000)
    assert fs.read_config_file(regular) == b"[default]\n" * 20000
    assert fs.read_config_file(tmp_path / "missing") is None
    assert fs.read_config_file(tmp_path, directory_is_missing=True) is None
    assert fs.read_config_file(type(tmp_path)(os.devnull)) == b""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, kind in [(tmp_path, "a directory"), (fifo, "a named pipe (FIFO)")]:
        with pytest.raises(ConfigError) as error:
            fs.read_config_file(path)
        assert f"is {kind}, not a regular file" in str(error.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_config_file_is_one_clear_error(tmp_path):
    path = tmp_path / "config"
    path.write_text("[default]\n")
    path.chmod(0)
    with pytest.raises(ConfigError) as error:
        fs.read_config_file(path)
    assert "could not be read (Permission denied)" in str(error.value)


def test_private_file_checks(tmp_path):
    path = tmp_path / "session.json"
    fs.write_private(path, b"x" * 2048)
    warned = []
    assert fs.read_private_file(path, 4096, lambda p, mode: warned.append(mode)) == b"x" * 2048
    assert warned == []
    path.chmod(0o644)
    with pytest.raises(OSError, match="larger than 1 KB"):
        fs.read_private_file(path, 1024, lambda p, mode: warned.append(mode))
    assert warned == []  # too large: refused before anything else is said about it
    fs.read_private_file(path, 4096, lambda p, mode: warned.append(mode))
    assert warned == [0o644]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        fs.read_private_file(fifo, 4096)
    with pytest.raises(FileNotFoundError):
        fs.read_private_file(tmp_path / "missing", 4096)
