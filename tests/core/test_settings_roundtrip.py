"""Edits of config.toml keep the user's comments, blank lines, order and layout.

The file is edited through `edit_document` and through the real `xswitch keys add` command, then
compared line by line with what it was: only the intended lines differ.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tomllib

from xswitch.core.config.settings import edit_document, load_document

COMMENTED = """\
# xswitch settings, kept by hand.

[settings]
shell = "zsh"          # the shell I use at work
refresh_margin = 300   # five minutes

# --- customers ---

[clients.acme]
name = "Acme Retail"   # display name
prod = true
match = [
    "acme-*",  # every Acme account
]

[profiles.acme-dev]
region = "eu-west-1"
tags = ["team-a", "team-b"]

# Legacy, to be removed.
[profiles.old]
region = "us-east-1"
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def test_edit_document_changes_only_the_edited_lines(isolated):
    path = isolated.write_xswitch_config(COMMENTED)
    with edit_document(path) as doc:
        doc["settings"]["refresh_margin"] = 600
        doc["profiles"]["acme-dev"]["region"] = "eu-central-1"
        del doc["profiles"]["old"]["region"]
        doc["profiles"]["new"] = {"keys": "new"}
    after = path.read_text()
    assert changed_lines(COMMENTED, after) == [
        "-refresh_margin = 300   # five minutes",
        "+refresh_margin = 600   # five minutes",
        '-region = "eu-west-1"',
        '+region = "eu-central-1"',
        '-region = "us-east-1"',
        "+",
        "+[profiles.new]",
        '+keys = "new"',
    ]
    comments = [line for line in COMMENTED.splitlines() if "#" in line]
    assert all(line in after.splitlines() for line in comments if "300" not in line)
    assert load_document(path)["profiles"]["new"] == {"keys": "new"}
    assert (path.parent / "config.toml.bak").read_text() == COMMENTED


def test_keys_add_only_adds_its_profile(isolated):
    path = isolated.write_xswitch_config(COMMENTED)
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "keys", "add", "personal", "--stdin"],
        input="AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    after = path.read_text()
    assert [line for line in changed_lines(COMMENTED, after) if line.strip("+-")] == [
        "+[profiles.personal]",
        '+keys = "personal"',
    ]
    assert tomllib.loads(after)["profiles"]["personal"] == {"keys": "personal"}
