"""Profiles into clients: the clients config.toml defines, and groups made for the profiles no
client claims.

A profile's client is, in order: its explicit `client` key, else the first client listing it in
`profiles`, else the first client with a matching `match` glob. Profiles left over are grouped
automatically (Client.derived) by shared name prefix, else shared account ID, else "Other"; a
derived group whose key equals a configured client's key joins that client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from xswitch.core.errors import ConfigError
from xswitch.core.model import Client, Profile

OTHER_CLIENT_KEY = "other"
OTHER_CLIENT_NAME = "Other"

_NAME_PREFIX = re.compile(r"[^-_./]*")  # a profile name up to its first separator


def _configured_clients(doc: Mapping[str, Any]) -> list[Client]:
    return [
        Client(
            key=key,
            name=table.get("name") or key,
            color=table.get("color"),
            prod=bool(table.get("prod", False)),
            notes=table.get("notes", ""),
            tags=tuple(table.get("tags", ())),
            browser=table.get("browser"),
        )
        for key, table in doc.get("clients", {}).items()
    ]


class _ClientAssigner:
    """Decides each profile's client: explicit key, then `profiles` lists, then `match` globs."""

    def __init__(self, clients: list[Client], doc: Mapping[str, Any], path: Path) -> None:
        import fnmatch

        self.path = path
        self.by_key = {client.key: client for client in clients}
        self.by_name = {client.name.casefold(): client for client in reversed(clients)}
        self.listed: dict[str, str] = {}
        # (translated glob, client key), in configuration order: the first match wins.
        globs: list[tuple[str, str]] = []
        for key, table in doc.get("clients", {}).items():
            for profile in table.get("profiles", ()):
                self.listed.setdefault(profile, key)
            globs.extend((fnmatch.translate(glob), key) for glob in table.get("match", ()))
        self.glob_keys = [key for _, key in globs]
        # All globs as one pattern, one alternative each, tried in order: an empty group named
        # after its position closes each, so `lastgroup` tells which matched. One match call per
        # profile instead of one per glob (50 clients' globs over 10,000 profiles otherwise take
        # longer than everything else in the catalog).
        self.any_glob = (
            re.compile("|".join(f"(?:{regex})(?P<_{n}>)" for n, (regex, _) in enumerate(globs)))
            if globs
            else None
        )

    def explicit(self, profile: str, wanted: str) -> str:
        client = self.by_key.get(wanted) or self.by_name.get(wanted.casefold())
        if client is None:
            raise ConfigError(
                f"profiles.{profile}.client is '{wanted}', but there is no [clients.{wanted}].",
                "Add that client table, or use the key of an existing one: "
                + (", ".join(self.by_key) or "(none configured yet)")
                + ".",
                path=str(self.path),
            )
        return client.key

    def configured(self, profile: str) -> str | None:
        listed = self.listed.get(profile)
        if listed is not None or self.any_glob is None:
            return listed
        match = self.any_glob.match(profile)
        if match is None or match.lastgroup is None:
            return None
        return self.glob_keys[int(match.lastgroup[1:])]


def _name_prefix(name: str) -> str:
    """`name` up to its first separator, or all of it when it starts with one."""
    match = _NAME_PREFIX.match(name)
    return (match.group() if match else "") or name


def _derived_groups(unassigned: list[Profile]) -> dict[str, tuple[str, str]]:
    """profile name -> (derived client key, display name) for profiles no client claimed."""
    named = [draft for draft in unassigned if draft.name != "default"]
    # The prefix pattern matches every name (maybe empty): C-level passes over all of them.
    matches = cast("Iterator[re.Match[str]]", map(_NAME_PREFIX.match, (d.name for d in named)))
    prefixes = map(re.Match.group, matches)
    by_prefix: dict[str, list[Profile]] = {}
    for draft, prefix in zip(named, prefixes, strict=True):
        by_prefix.setdefault((prefix or draft.name).casefold(), []).append(draft)
    groups: dict[str, tuple[str, str]] = {}
    accounts: dict[str, list[Profile]] = {}
    for key, members in by_prefix.items():
        if len(members) >= 2:
            group = (key, _name_prefix(members[0].name))
            groups.update(dict.fromkeys([draft.name for draft in members], group))
        elif account := members[0].account_id:
            accounts.setdefault(account, []).append(members[0])
    for account, members in accounts.items():
        if len(members) >= 2:
            groups.update(dict.fromkeys([draft.name for draft in members], (account, account)))
    rest = [draft.name for draft in unassigned if draft.name not in groups]
    groups.update(dict.fromkeys(rest, (OTHER_CLIENT_KEY, OTHER_CLIENT_NAME)))
    return groups


def group(
    drafts: list[Profile],
    doc: Mapping[str, Any],
    path: Path,
    place: Callable[[Profile, str], Profile],
) -> tuple[tuple[Client, ...], dict[str, Profile]]:
    """Clients in display order, and every profile with its client, in that order."""
    configured = _configured_clients(doc)
    assigner = _ClientAssigner(configured, doc, path)
    overlays: Mapping[str, Mapping[str, Any]] = doc.get("profiles", {})
    client_of: dict[str, str] = {}
    unassigned: list[Profile] = []
    for draft in drafts:
        overlay = overlays.get(draft.name)
        wanted = overlay.get("client") if overlay else None
        key = assigner.explicit(draft.name, wanted) if wanted else assigner.configured(draft.name)
        if key is None:
            unassigned.append(draft)
        else:
            client_of[draft.name] = key
    derived: dict[str, Client] = {}
    for name, (key, display) in _derived_groups(unassigned).items():
        if key not in assigner.by_key and key not in derived:
            derived[key] = Client(key=key, name=display, derived=True)
        client_of[name] = key
    other = derived.pop(OTHER_CLIENT_KEY, None)
    clients = [
        *configured,
        *sorted(derived.values(), key=lambda client: (client.name.casefold(), client.key)),
        *([other] if other else []),
    ]
    order = {client.key: index for index, client in enumerate(clients)}
    # Stable sort: profiles of one client keep their file order.
    ordered = sorted(drafts, key=lambda draft: order[client_of[draft.name]])
    return tuple(clients), {draft.name: place(draft, client_of[draft.name]) for draft in ordered}
