"""Fixtures for the catalog tests: git identities for commits, a team repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogtesting import TeamRepo


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits in the tests' repositories, whatever the machine's git configuration."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Platform Engineer")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "platform@example.com")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def team(tmp_path: Path) -> TeamRepo:
    return TeamRepo(tmp_path / "server")


@pytest.fixture
def me(isolated):
    """The person's own source profile, which catalog roles are assumed from."""
    isolated.write_aws_config(
        """
        [profile me]
        region = eu-west-1
        """
    )
    return isolated
