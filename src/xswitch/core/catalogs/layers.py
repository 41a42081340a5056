"""The catalogs layered under the user's config.toml, for `core.config.catalog.load_catalog`.

Precedence: the user's config.toml, then the catalogs listed last. Clients merge key by key (a
later layer's colour or prod flag wins; `profiles`, `match` and `tags` lists are joined without
duplicates), so the same client in two catalogs is one client. A profile's settings come whole
from the highest layer that defines them; a table holding only grouping keys (client, tags)
regroups a profile defined lower down without replacing it. SSO sessions come whole from the
highest layer. Only last good copies are read (JSON, no git, no network).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xswitch.core.catalogs import document, registry, store
from xswitch.core.model import Layers

_LIST_KEYS = ("profiles", "match", "tags")


@dataclass
class _Merge:
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)
    profile_source: dict[str, str] = field(default_factory=dict)
    client_sources: dict[str, list[str]] = field(default_factory=dict)

    def add(self, doc: Mapping[str, Any], source: str | None) -> None:
        for key, table in doc.get("clients", {}).items():
            merged = self.clients.setdefault(key, {})
            for item, value in table.items():
                if item in _LIST_KEYS:
                    merged[item] = list(dict.fromkeys([*merged.get(item, ()), *value]))
                else:
                    merged[item] = value
            if source is not None:
                self.client_sources.setdefault(key, []).append(source)
        keys = _client_keys(doc) if source is not None else {}
        for name, table in doc.get("profiles", {}).items():
            wanted = table.get("client")
            if keys and wanted is not None and wanted not in keys.values():
                # A catalog may name its client by display name (any case); its key stays right
                # when the user renames the client in config.toml.
                table = {**table, "client": keys.get(wanted.casefold(), wanted)}
            below = self.profiles.get(name)
            if below is not None and document.grouping_only(table):
                self.profiles[name] = {**below, **table}
                continue
            self.profiles[name] = dict(table)
            if source is None:
                self.profile_source.pop(name, None)
            else:
                self.profile_source[name] = source
        self.sessions.update(doc.get("sso-sessions", {}))


def _client_keys(doc: Mapping[str, Any]) -> dict[str, str]:
    """A catalog's client display names, case-folded -> their keys."""
    keys = {}
    for key, table in reversed(doc.get("clients", {}).items()):
        keys[str(table.get("name", key)).casefold()] = key  # the first client of a name wins
    return keys


def apply(
    doc: dict[str, Any], env: Mapping[str, str] = os.environ
) -> tuple[dict[str, Any], Layers]:
    """config.toml's document with the followed catalogs under it, and where entries came from.

    A catalog whose last good copy is missing or unreadable contributes nothing (its state says
    why); one that runs commands it is no longer allowed to is left out too.
    """
    entries = registry.entries(doc)
    if not entries:
        return doc, Layers()
    merge = _Merge()
    problems: list[str] = []
    for entry in entries:
        try:
            _, shared = store.load_snapshot(entry.name, env)
        except (OSError, ValueError):
            problems.append(
                f"The last good copy of catalog '{entry.name}' is damaged; run "
                f"'xswitch catalog pull {entry.name}' to fetch it again."
            )
            continue
        if not entry.allow_commands and (runner := document.runs_commands(shared)):
            problems.append(
                f"Catalog '{entry.name}' is left out: its profile '{runner}' runs a command and "
                f"the catalog is not allowed to (allow_commands in [catalogs.{entry.name}])."
            )
            continue
        merge.add(shared, entry.name)
    merge.add(doc, None)
    merged = dict(doc)
    for key, value in (
        ("clients", merge.clients),
        ("profiles", merge.profiles),
        ("sso-sessions", merge.sessions),
    ):
        if value:
            merged[key] = value
    return merged, Layers(
        names=tuple(entry.name for entry in entries),
        profiles=merge.profile_source,
        clients={key: tuple(names) for key, names in merge.client_sources.items()},
        problems=tuple(problems),
    )
