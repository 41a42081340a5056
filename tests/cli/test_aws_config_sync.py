"""`xswitch aws-config sync`: one generated block at the end of ~/.aws/config, every other byte
as it was (a hostile, commented, CRLF file), and the real AWS CLI and botocore using the profiles
it holds (credential_process -> xswitch -> moto STS)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

AWS = str(Path(sys.executable).with_name("aws"))

# CRLF line ends, comments of both kinds, an inline '#', a quoted profile name, a nested block,
# text that looks like the markers but is not a marker line, and no newline at the very end.
HOSTILE = (
    b"# my AWS config \xe2\x80\x94 hand written\r\n"
    b"[default]\r\n"
    b"region = eu-west-1   # inline comments are part of the value for botocore\r\n"
    b"\r\n"
    b"; a semicolon comment\r\n"
    b'[profile "my client"]\r\n'
    b"role_arn = arn:aws:iam::111111111111:role/Dev\r\n"
    b"source_profile = me\r\n"
    b"s3 =\r\n"
    b"    max_concurrent_requests = 20\r\n"
    b"\r\n"
    b"[profile note]\r\n"
    b"description = x # >>> xswitch generated profiles: 'xswitch aws-config sync' rewrites\r\n"
    b"region = us-east-1"
)

XSWITCH_ONLY = """
[profiles."sandbox.Developer"]
role_arn = "arn:aws:iam::222222222222:role/Developer"
source_profile = "me"
region = "eu-central-1"

[profiles."odd name's"]
role_arn = "arn:aws:iam::333333333333:role/Odd"
source_profile = "me"

[profiles."bad]name"]
role_arn = "arn:aws:iam::444444444444:role/Bad"
source_profile = "me"
"""


@pytest.fixture
def hostile(isolated, moto) -> Path:
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.aws_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.aws_config.write_bytes(HOSTILE)
    isolated.aws_config.chmod(0o640)
    isolated.write_xswitch_config(XSWITCH_ONLY)
    return isolated.aws_config


def xswitch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def aws(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AWS, *args, "--output", "json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=90,
    )


def test_sync_appends_one_block_and_leaves_every_other_byte(hostile):
    result = xswitch("aws-config", "sync")

    assert result.returncode == 0, result.stderr
    after = hostile.read_bytes()
    # The file lacked a final newline: one is added (in its own style) before the block.
    assert after.startswith(HOSTILE + b"\r\n# >>> xswitch generated profiles")
    block = after[len(HOSTILE) + 2 :]
    assert block.endswith(b"edits inside this block are lost <<<\r\n")
    assert b"\n" not in block.replace(b"\r\n", b"")  # CRLF throughout, like the file
    assert b"[profile sandbox.Developer]\r\ncredential_process = " in block
    assert b"credential-process sandbox.Developer\r\nregion = eu-central-1\r\n" in block
    assert b"[profile 'odd name'\"'\"'s']" in block
    assert b"bad]name" not in block
    assert "left out: bad]name" in result.stderr
    # Atomic replacement kept the permissions; the previous file is kept whole.
    assert stat.S_IMODE(hostile.stat().st_mode) == 0o640
    assert hostile.with_name("config.xswitch-backup").read_bytes() == HOSTILE

    again = xswitch("aws-config", "sync")
    assert again.returncode == 0 and "up to date" in again.stderr
    assert hostile.read_bytes() == after


def test_the_aws_cli_and_botocore_use_the_generated_profiles(hostile, moto):
    assert xswitch("aws-config", "sync").returncode == 0

    result = aws("sts", "get-caller-identity", "--profile", "sandbox.Developer")
    assert result.returncode == 0, result.stderr
    assert ":assumed-role/Developer/" in json.loads(result.stdout)["Arn"]
    odd = aws("sts", "get-caller-identity", "--profile", "odd name's", "--region", "us-east-1")
    assert odd.returncode == 0, odd.stderr
    assert ":assumed-role/Odd/" in json.loads(odd.stdout)["Arn"]

    import botocore.session

    session = botocore.session.Session(profile="sandbox.Developer")
    assert session.get_config_variable("region") == "eu-central-1"
    assert session.get_credentials().get_frozen_credentials().token
    # The profiles the AWS files already had are read by the AWS CLI as before.
    assert botocore.session.Session(profile="my client").get_scoped_config()["s3"] == {
        "max_concurrent_requests": "20"
    }


def test_xswitch_never_reads_its_block_back(hostile):
    assert xswitch("aws-config", "sync").returncode == 0
    listed = json.loads(xswitch("list", "--json").stdout)
    origins = {row["profile"]: row.get("origin") for row in listed}

    assert "sandbox.Developer" in origins
    # Still xswitch's own profile, not a credential_process profile of the AWS files (which
    # would make `xswitch credential-process sandbox.Developer` call itself).
    kinds = {row["profile"]: row["kind"] for row in listed}
    assert kinds["sandbox.Developer"] == "role"
    ok = xswitch("credential-process", "sandbox.Developer")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["Version"] == 1


def test_remove_gives_back_the_file_as_it_was(isolated, hostile):
    original = HOSTILE + b"\r\n"  # a file that ends its last line: removal restores it exactly
    hostile.write_bytes(original)
    assert xswitch("aws-config", "sync").returncode == 0
    assert hostile.read_bytes() != original

    result = xswitch("aws-config", "sync", "--remove")

    assert result.returncode == 0, result.stderr
    assert hostile.read_bytes() == original
    assert "Removed xswitch's generated profiles" in result.stderr


def test_an_edited_block_in_the_middle_is_replaced_in_place(hostile):
    xswitch("aws-config", "sync")
    tail = b"\r\n[profile added-later]\r\nregion = us-west-2\r\n"
    hostile.write_bytes(
        hostile.read_bytes().replace(b"region = eu-central-1", b"region = x") + tail
    )
    before_block = hostile.read_bytes().split(b"# >>> xswitch")[0]

    assert xswitch("aws-config", "sync").returncode == 0
    after = hostile.read_bytes()
    assert after.startswith(before_block)
    assert after.endswith(tail)
    assert b"region = eu-central-1" in after and b"region = x\r\n" not in after


def test_a_symlinked_config_stays_a_symlink(isolated, hostile, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "aws-config"
    real.write_bytes(HOSTILE)
    hostile.unlink()
    hostile.symlink_to(real)

    assert xswitch("aws-config", "sync").returncode == 0
    assert hostile.is_symlink()
    assert real.read_bytes().startswith(HOSTILE + b"\r\n# >>> xswitch")


def test_a_block_without_its_end_is_refused_and_nothing_changes(hostile):
    damaged = HOSTILE + b"\r\n# >>> xswitch generated profiles: 'xswitch aws-config sync' "
    damaged += b"rewrites this block >>>\r\n[profile x]\r\n"
    hostile.write_bytes(damaged)

    result = xswitch("aws-config", "sync")

    assert result.returncode == 2
    assert "not its end marker" in result.stderr and "Traceback" not in result.stderr
    assert hostile.read_bytes() == damaged
