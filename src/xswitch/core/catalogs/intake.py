"""`sso sync --into-catalog NAME`: what discovery found, written into a followed catalog's clone
(its working tree, not committed) for a platform engineer to review, commit and push. The file
keeps its layout and comments; the result must pass the catalog checks before it is written."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xswitch.core import fs
from xswitch.core.catalogs import document, registry, store
from xswitch.core.errors import CatalogError, UsageError
from xswitch.core.sso.discovery import Discovery, SyncReport, merge_into


def clone_file(name: str, env: Mapping[str, str] = os.environ) -> Path:
    """The catalog file in catalog `name`'s clone; UsageError when it is not followed or cloned."""
    entry = store.find(name, env)
    clone = registry.clone_dir(name, env)
    if not (clone / ".git").is_dir():
        raise UsageError(
            f"Catalog '{name}' has no clone yet.", f"Run 'xswitch catalog pull {name}' first."
        )
    return clone / entry.path


def sync_into(
    name: str,
    discovery: Discovery,
    env: Mapping[str, str] = os.environ,
    *,
    region: str | None = None,
) -> tuple[SyncReport, Path]:
    """Merge `discovery` into catalog `name`'s working tree; what changed and the file written."""
    from xswitch.core.config.tomlfile import render

    entry = store.find(name, env)
    path = clone_file(name, env)
    where = document.label(name, entry.path)
    with store.locked(name, env):
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise CatalogError("is not a regular file in the clone.", path=where)
        raw = path.read_bytes() if path.exists() else b""
        doc = document.check(raw, name=name, file=entry.path, allow_commands=entry.allow_commands)
        report = merge_into(doc, discovery, region=region)
        session = discovery.session
        if not session.legacy:
            table: dict[str, Any] = {"start_url": session.start_url, "region": session.region}
            if session.scopes:
                table["scopes"] = list(session.scopes)
            doc.setdefault("sso-sessions", {}).setdefault(session.name, table)
        data = render(path, doc)
        document.check(data, name=name, file=entry.path, allow_commands=entry.allow_commands)
        fs.write_private(path, data)
    return report, path
