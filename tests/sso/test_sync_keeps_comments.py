"""`xswitch sso sync` adds its profiles to config.toml without touching the user's own lines."""

from __future__ import annotations

import difflib
import threading
import tomllib

from ssotesting import REGION, START_URL

from xswitch.cli import main

COMMENTED = """\
# My clients. Keep this comment.

[settings]
refresh_margin = 300  # five minutes

[clients.acme]
name = "Acme"   # the display name
prod = true
"""


def test_sync_changes_only_its_own_lines(isolated, sso_server, capsys):
    isolated.write_aws_config(
        f"[sso-session acme]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n"
    )
    path = isolated.write_xswitch_config(COMMENTED)
    approving = threading.Thread(
        target=lambda: sso_server.approve(sso_server.wait_for_user_code(10))
    )
    approving.start()
    assert main(["sso", "sync", "--rate", "50", "--no-browser"]) == 0
    approving.join()
    after = path.read_text()
    removed = [
        line
        for line in difflib.unified_diff(COMMENTED.splitlines(), after.splitlines(), lineterm="")
        if line.startswith("-") and not line.startswith("---")
    ]
    assert removed == []
    assert after.startswith(COMMENTED)
    synced = tomllib.loads(after)["profiles"]
    assert len(synced) == 3 and all(p["origin"] == "sso-sync" for p in synced.values())
