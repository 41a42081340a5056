"""The cached-switch shortcut: same answers as the ordinary path, and only when it is safe."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from xswitch.core import keycache

pytestmark = pytest.mark.skipif(
    keycache.get("xswitch:probe") is None and not keycache.put("xswitch:probe", b"1", 5),
    reason="no kernel keyring here (the shortcut then always misses, by design)",
)

HEAVY = ("argparse", "xswitch.core.config", "xswitch.core.sessions", "keyring", "botocore")


def run(*args: str, env: dict | None = None, importtime: bool = False):
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=60,
    )


def imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if "|" in line}


def test_second_export_takes_the_shortcut_with_the_same_answer(dev_role):
    first = run("export", "dev")
    assert first.returncode == 0, first.stderr
    offline = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    second = run("export", "dev", env=offline, importtime=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    loaded = imported(second.stderr)
    assert "xswitch.core.hotpath" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_credential_process_shortcut_matches_the_session(dev_role):
    exported = run("export", "dev", "--shell", "fish").stdout
    second = run("credential-process", "dev", importtime=True)
    document = json.loads(second.stdout)
    assert document["Version"] == 1
    assert f"'{document['AccessKeyId']}'" in exported
    assert "argparse" not in imported(second.stderr)


def test_an_edited_config_is_never_answered_from_the_shortcut(dev_role):
    assert run("export", "dev").returncode == 0
    text = dev_role.aws_config.read_text().replace("eu-west-1", "ap-south-1")
    dev_role.aws_config.write_text(text)
    result = run("export", "dev", importtime=True)
    assert "export AWS_REGION='ap-south-1'" in result.stdout
    assert "xswitch.core.config" in imported(result.stderr)


def test_without_the_kernel_copy_the_ordinary_path_answers(dev_role):
    first = run("export", "dev")
    env = dict(os.environ, XSWITCH_KERNEL_KEYRING="0")
    second = run("export", "dev", env=env, importtime=True)
    assert second.stdout == first.stdout
    assert "xswitch.core.sessions" in imported(second.stderr)


def test_kernel_keyring_round_trip():
    name = f"xswitch:test:{os.getpid()}"
    assert keycache.put(name, b"0123456789", timeout=30)
    assert keycache.get(name) == b"0123456789"
    keycache.forget(name)
    assert keycache.get(name) is None
