"""Damaged files and bad output from other tools, seen through the real `xswitch` command:
session-cache and cached-switch files, a source profile's credential_process, and the
permissions of everything xswitch creates.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def xswitch(*args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=90,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )


def no_crash(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def cache_dir() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "xswitch"


def session_files() -> list[Path]:
    return sorted((cache_dir() / "sessions").glob("*.json"))


def pointer_files() -> list[Path]:
    return sorted((cache_dir() / "hot").glob("*.json"))


# --- point 7: damaged session-cache and cached-switch files -----------------------------


DAMAGE = {
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "garbage": b"\x00\xff not json",
    "wrong-types": json.dumps({"version": 1, "profile": 5, "expiration": [], "secret": 7}).encode(),
    "bad-secret": None,  # filled in by the test: valid metadata, a secret of the wrong type
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_session_file_is_a_miss_moved_aside_and_cleaned_up(dev_role, damage):
    first = xswitch("export", "dev")
    assert first.returncode == 0, first.stderr
    [path] = session_files()
    content = DAMAGE[damage]
    if content is None:
        document = json.loads(path.read_text())
        content = json.dumps({**document, "secret": {"not": "a token"}}).encode()
    path.write_bytes(content)

    again = xswitch("export", "dev")
    no_crash(again)
    assert again.returncode == 0, again.stderr
    assert "AWS_ACCESS_KEY_ID" in again.stdout
    assert again.stderr.count("was damaged") == 1
    assert path.with_name(path.name + ".corrupt").exists()

    for args in (["list"], ["export", "dev"], ["logout", "--all"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 0, result.stderr
        assert "was damaged" not in result.stderr  # said once
    assert list((cache_dir() / "sessions").glob("*.corrupt")) == []


@pytest.mark.parametrize("damage", ["deep", "garbage"])
def test_a_damaged_cache_file_before_list_and_logout(dev_role, damage):
    assert xswitch("export", "dev").returncode == 0
    [path] = session_files()
    path.write_bytes(DAMAGE[damage])
    for args in (["list"], ["logout", "--all"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("damage", ["deep", "garbage", "wrong-types"])
def test_a_damaged_pointer_never_breaks_the_cached_switch(dev_role, damage):
    assert xswitch("export", "dev").returncode == 0
    [pointer] = pointer_files()
    pointer.write_bytes(DAMAGE[damage])
    for command in ("export", "credential-process"):
        result = xswitch(command, "dev")
        no_crash(result)
        assert result.returncode == 0, result.stderr
        assert "AWS_ACCESS_KEY_ID" in result.stdout or "AccessKeyId" in result.stdout


def test_a_fifo_in_place_of_a_session_file_does_not_hang(dev_role):
    assert xswitch("export", "dev").returncode == 0
    [path] = session_files()
    path.unlink()
    os.mkfifo(path, 0o600)
    for args in (["export", "dev"], ["list"], ["logout", "--all"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 0, result.stderr


# --- point 6: a source profile's credential_process prints nonsense ----------------------


@pytest.fixture
def process_profile(isolated, tmp_path):
    """[profile ext] whose credential_process prints the JSON document in `document.json`."""
    document = tmp_path / "document.json"
    script = tmp_path / "emit.py"
    script.write_text(f"import sys; sys.stdout.buffer.write(open({str(document)!r}, 'rb').read())")
    isolated.write_aws_config(
        f"""
        [profile ext]
        credential_process = {sys.executable} {script}
        region = eu-west-1
        """
    )
    return document


GOOD = {
    "Version": 1,
    "AccessKeyId": "ASIAPROCESS000000001",
    "SecretAccessKey": "processSecret000000000000000000000000000",
    "SessionToken": "processToken",
    "Expiration": "2099-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SessionToken": 123}, "a SessionToken that is not a string"),
        ({"SecretAccessKey": "secret\x00more"}, "a SecretAccessKey with characters"),
        ({"AccessKeyId": "ASIA\x1b[31mRED"}, "an AccessKeyId with characters"),
        ({"SessionToken": "line\nbreak"}, "a SessionToken with characters"),
        ({"Expiration": 1700000000}, "an Expiration that is not an RFC 3339 time"),
        ({"Version": "1"}, '"Version": 1'),
        ({"Padding": "x" * 100_000}, "printed more than 64 KB"),
    ],
    ids=["token-number", "nul", "escape", "newline", "expiration-number", "version-text", "huge"],
)
def test_bad_credential_process_output_is_refused_by_every_command(
    process_profile, change, expected
):
    process_profile.write_text(json.dumps({**GOOD, **change}))
    for args in (["export", "ext"], ["exec", "ext", "--", "true"], ["credential-process", "ext"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 1, (args, result.stderr)
        assert result.stdout == ""
        assert "The credential_process of profile 'ext'" in result.stderr
        assert expected in result.stderr
        assert "\x00" not in result.stderr and "\x1b" not in result.stderr


def test_expired_credential_process_output_is_not_handed_out(process_profile):
    process_profile.write_text(json.dumps({**GOOD, "Expiration": "2020-01-01T00:00:00Z"}))
    for args in (["export", "ext"], ["credential-process", "ext"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 1, result.stderr
        assert "expired at 2020-01-01" in result.stderr


def test_good_credential_process_output_still_works(process_profile):
    process_profile.write_text(json.dumps(GOOD))
    result = xswitch("export", "ext")
    assert result.returncode == 0, result.stderr
    assert "ASIAPROCESS000000001" in result.stdout


# --- point 8: permissions of what xswitch creates -----------------------------------------


def modes_under(root: Path) -> dict[str, int]:
    found = {str(root): stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path)] = stat.S_IMODE(path.lstat().st_mode)
    return found


def assert_private(root: Path) -> None:
    assert root.exists()
    for name, mode in modes_under(root).items():
        wanted = 0o700 if Path(name).is_dir() else 0o600
        assert mode == wanted, f"{name} is {mode:04o}"


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_everything_xswitch_creates_is_private_whatever_the_umask(dev_role, umask):
    result = xswitch("export", "dev", umask=umask)
    assert result.returncode == 0, result.stderr
    assert any(path.suffix == ".lock" for path in (cache_dir() / "sessions").iterdir())
    assert_private(cache_dir())


def test_logout_all_also_clears_damaged_cached_switch_pointers(dev_role):
    assert xswitch("export", "dev").returncode == 0
    [pointer] = pointer_files()
    pointer.write_bytes(DAMAGE["deep"])
    other = pointer.with_name("0" * 32 + ".json")  # a damaged pointer not read yet
    other.write_bytes(DAMAGE["garbage"])
    assert "was damaged" in xswitch("export", "dev").stderr  # the first one, set aside

    logout = xswitch("logout", "--all")
    no_crash(logout)
    assert logout.returncode == 0, logout.stderr
    assert sorted(p.name for p in (cache_dir() / "hot").iterdir()) == []
    after = xswitch("export", "dev")
    assert after.returncode == 0, after.stderr
    assert "was damaged" not in after.stderr  # the logout cleaned up; nothing is reported again


def test_a_credential_process_that_never_answers_is_stopped_without_a_terminal(
    process_profile, isolated
):
    # A tool waiting for a question nobody sees (no terminal): bounded by the settings.
    isolated.write_xswitch_config("[settings]\nnetwork_timeout = 1\n")
    script = process_profile.with_name("emit.py")
    script.write_text("import time; time.sleep(600)")
    for args in (["credential-process", "ext"], ["export", "ext"]):
        result = xswitch(*args)
        no_crash(result)
        assert result.returncode == 1, result.stderr
        assert "gave no answer within 4 s and was stopped" in result.stderr
        assert "network_timeout" in result.stderr
