"""The profiles used last by any xswitch command, most recent first (the picker's Recent group).

A small JSON list of names in the state directory, written atomically; never a secret. A missing
or damaged file is an empty list.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from xswitch.core import fs, paths

FILE_NAME = "recent.json"
LIMIT = 10
_FILE_LIMIT = 64 * 1024


def recent_file(env: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(env) / FILE_NAME


def load(env: Mapping[str, str] = os.environ) -> list[str]:
    """The last profiles used, most recent first (at most LIMIT)."""
    try:
        data = json.loads(fs.read_private_file(recent_file(env), _FILE_LIMIT))
    except (OSError, ValueError, RecursionError):
        return []
    if not isinstance(data, list):
        return []
    return [name for name in data if isinstance(name, str)][:LIMIT]


def record(profile: str, env: Mapping[str, str] = os.environ) -> None:
    """Put `profile` first; a failure to write is not worth interrupting anyone for. Nothing is
    written when it is first already (the cached switch calls this every time)."""
    known = load(env)
    if known[:1] == [profile]:
        return
    names = [profile, *(name for name in known if name != profile)][:LIMIT]
    with contextlib.suppress(OSError):
        fs.write_private(recent_file(env), json.dumps(names).encode())
