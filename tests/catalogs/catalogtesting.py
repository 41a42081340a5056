"""A team's catalog repository for tests: a bare repository (the team's server, reached through a
file:// URL) and a working clone in which the platform engineer commits and pushes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ACME = """
[clients.acme]
name = "Acme Corp"
color = "#e5484d"
prod = true
notes = "Production"

[profiles.acme-prod]
client = "acme"
role_arn = "arn:aws:iam::111111111111:role/ReadOnly"
source_profile = "me"
external_id = "acme-7f3a"
region = "eu-west-1"
"""


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60
    ).stdout


class TeamRepo:
    """`bare` is the server side, `work` the engineer's clone; `url` the file:// URL to add."""

    def __init__(self, root: Path, name: str = "team") -> None:
        self.bare = root / f"{name}.git"
        self.work = root / f"{name}-work"
        git("init", "--quiet", "--bare", "--initial-branch=main", str(self.bare))
        git("init", "--quiet", "--initial-branch=main", str(self.work))
        git("remote", "add", "origin", str(self.bare), cwd=self.work)
        self.url = self.bare.as_uri()

    def commit(self, text: str, message: str = "update", path: str = "catalog.toml") -> str:
        """Write `text` as the catalog file, commit and push; the new commit."""
        file = self.work / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(text).lstrip())
        git("add", "-A", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", "HEAD:main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work).strip()


def xswitch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
