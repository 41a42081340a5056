"""The picker's last selection (client and profile), kept in xswitch's state directory so that the
next start opens where the person left off.

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


def save(client: str | None, profile: str | None, env: Mapping[str, str] = os.environ) -> None:
    """Remember the selection; a failure to write is not worth interrupting anyone for."""
    data = json.dumps({"client": client, "profile": profile}).encode()
    with contextlib.suppress(OSError):
        fs.write_private(recent_file(env), data)
