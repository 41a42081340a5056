"""The picker's last selection (client and profile), kept in xswitch's state directory so that the
next start opens where the person left off; and the Recent group (the profiles any command used).

A tiny JSON file written atomically, readable by the user only. It holds names, never a secret;
a missing or damaged file just means starting on the first client.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from xswitch.core import fs, paths
from xswitch.core.model import Catalog, Client

FILE_NAME = "picker.json"


def recent_file(env: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(env) / FILE_NAME


def load(env: Mapping[str, str] = os.environ) -> tuple[str | None, str | None]:
    """(client key, profile name) of the last selection; (None, None) when unknown."""
    try:
        data = json.loads(recent_file(env).read_bytes())
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    client, profile = data.get("client"), data.get("profile")
    return (
        client if isinstance(client, str) else None,
        profile if isinstance(profile, str) else None,
    )


def save(
    client: str | None,
    profile: str | None,
    env: Mapping[str, str] = os.environ,
    *,
    used: bool = False,
) -> None:
    """Remember the selection; a failure to write is not worth interrupting anyone for. A
    profile `used` (a login, a shell, a copy) also joins the Recent group (`core.recents`)."""
    if used and profile is not None:
        from xswitch.core import recents

        recents.record(profile, env)
    data = json.dumps({"client": client, "profile": profile}).encode()
    with contextlib.suppress(OSError):
        fs.write_private(recent_file(env), data)


# --- the Recent group -------------------------------------------------------------------------

# The profiles used last (core.recents), above the clients; not a client of the catalog.
RECENT = Client(key="\x00recent", name="Recent")


def recent_profiles(catalog: Catalog, env: Mapping[str, str] = os.environ) -> list[str]:
    """The profiles any xswitch command used last that the catalog still has, latest first."""
    from xswitch.core import recents

    return [name for name in recents.load(env) if name in catalog.profiles]


def opening_profile(catalog: Catalog, env: Mapping[str, str] = os.environ) -> str | None:
    """The profile to open on: the picker's last selection, unless a command used another one
    after it (whichever file was written last)."""
    from xswitch.core import recents

    _, name = load(env)
    used = recent_profiles(catalog, env)
    if used and _newer(recents.recent_file(env), recent_file(env)):
        return used[0]
    return name


def _newer(first: Path, second: Path) -> bool:
    """Whether `first` was written after `second` (a missing file is older than any)."""
    try:
        mine = first.stat().st_mtime_ns
    except OSError:
        return False
    try:
        return mine > second.stat().st_mtime_ns
    except OSError:
        return True
