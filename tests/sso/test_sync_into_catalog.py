"""`xswitch sso sync SESSION --into-catalog NAME`: what discovery finds is written into a followed
catalog's clone for a platform engineer to review, commit and push; the person's own config.toml
is left alone, and the catalog's users see the roles once the commit is pulled."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import tomllib

import pytest
from ssotesting import REGION, START_URL

from catalogs.catalogtesting import TeamRepo, git

CLONE = ".local/share/xswitch/catalogs/team"
SESSION = f"""
[sso-session acme]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access
"""
OWN = """
[clients.ops]
name = "Operations"
color = "#8e4ec6"
"""


def xswitch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def team(tmp_path, monkeypatch) -> TeamRepo:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Platform Engineer")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "platform@example.com")
    repo = TeamRepo(tmp_path / "server")
    repo.commit(OWN)
    return repo


def test_sync_into_a_catalog_writes_its_clone_for_review(isolated, sso_server, team):
    isolated.write_aws_config(SESSION)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    before = isolated.xswitch_config.read_text()
    approving = threading.Thread(
        target=lambda: sso_server.approve(sso_server.wait_for_user_code(30))
    )
    approving.start()
    synced = xswitch("sso", "sync", "acme", "--into-catalog", "team", "--no-browser")
    approving.join()
    assert synced.returncode == 0, synced.stderr
    assert "3 new profiles" in synced.stdout
    assert f"{isolated.root / CLONE / 'catalog.toml'}" in synced.stdout
    assert isolated.xswitch_config.read_text() == before  # the person's own file: untouched

    clone = isolated.root / CLONE
    written = (clone / "catalog.toml").read_text()
    doc = tomllib.loads(written)
    assert written.startswith(OWN.lstrip())  # what was there stays, layout and all
    assert doc["profiles"]["acme-staging.ReadOnlyAccess"]["sso_session"] == "acme"
    assert doc["sso-sessions"]["acme"] == {
        "start_url": START_URL,
        "region": REGION,
        "scopes": ["sso:account:access"],
    }
    assert git("status", "--porcelain", cwd=clone).strip() == "M catalog.toml"
    listed = {row["profile"] for row in json.loads(xswitch("list", "--json").stdout)}
    assert "acme-staging.ReadOnlyAccess" not in listed  # not reviewed and committed yet

    git("commit", "--quiet", "-am", "Roles of the acme SSO session", cwd=clone)
    git("push", "--quiet", "origin", "HEAD:main", cwd=clone)
    pulled = xswitch("catalog", "pull", "team")
    assert pulled.returncode == 0, pulled.stderr
    rows = {row["profile"]: row for row in json.loads(xswitch("list", "--json").stdout)}
    assert rows["acme-staging.ReadOnlyAccess"]["source"] == "catalog:team"
    assert rows["acme-staging.ReadOnlyAccess"]["kind"] == "sso"


def test_sync_into_a_catalog_that_is_not_followed(isolated):
    isolated.write_aws_config(SESSION)
    synced = xswitch("sso", "sync", "acme", "--into-catalog", "nope", "--no-browser")
    assert synced.returncode == 2
    assert "xswitch follows no catalog named 'nope'" in synced.stderr
