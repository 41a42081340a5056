"""A catalog file: the `[clients]`, `[profiles]` and `[sso-sessions]` tables of config.toml, checked
by config.toml's own validator, plus what a file shared through git must not do: carry a secret
(refused with its line named) or run a command (unless the user allows that catalog). Also the
difference between two versions, as `catalog pull` reports it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xswitch.core.config import tomlfile
from xswitch.core.config.settings import PROFILE_XSWITCH_KEYS, validate_document
from xswitch.core.errors import CatalogError, ConfigError

CATALOG_TABLES = ("clients", "profiles", "sso-sessions")
COMMAND_KEYS = ("credential_process", "mfa_process")
FILE_LIMIT = 64 * 1024 * 1024

# A key that holds a secret, wherever it is written (a table line, a dotted key, an inline table).
_SECRET_KEY = re.compile(
    r"""(?:^|[\s{,.])["']?(aws_access_key_id|aws_secret_access_key|aws_session_token|"""
    r"""aws_security_token|[\w-]*(?:passphrase|password|secret)[\w-]*)["']?\s*=""",
    re.IGNORECASE | re.MULTILINE,
)
# An AWS access key ID as a value anywhere (in notes, in a tag...).
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")


def label(name: str, file: str) -> str:
    """How messages name a catalog's file: `team/catalog.toml`."""
    return f"{name}/{file}"


def check(raw: bytes, *, name: str, file: str, allow_commands: bool) -> dict[str, Any]:
    """The validated document of catalog `name`'s file `file`; CatalogError (exit 2) names the
    line of the first problem."""
    where = label(name, file)
    if len(raw) > FILE_LIMIT:
        raise CatalogError(
            f"is larger than {FILE_LIMIT // (1024 * 1024)} MB, too large for a catalog.",
            "Split it, or check that --path names the catalog file.",
            path=where,
        )
    text = raw.decode("utf-8", "replace")
    _refuse_secrets(text, where)
    try:
        doc = tomlfile.parse(raw, Path(where), lambda doc: validate_document(doc, where))
    except ConfigError as error:
        raise CatalogError(error.message, error.hint) from None
    for key in doc:
        if key not in CATALOG_TABLES:
            raise CatalogError(
                f"has a [{key}] table, which a catalog cannot carry.",
                "A catalog holds [clients], [profiles] and [sso-sessions] only; settings and "
                "catalogs stay in each person's own config.toml.",
                path=where,
                line=_line_of(text, rf"^[ \t]*\[[ \t]*{re.escape(key)}\b"),
            )
    if not allow_commands:
        _refuse_commands(doc, text, name, where)
    _check_clients(doc, text, where)
    return doc


def _refuse_secrets(text: str, where: str) -> None:
    found = _SECRET_KEY.search(text)
    key_id = _ACCESS_KEY_ID.search(text)
    if key_id and (found is None or key_id.start() < found.start()):
        what, position = "an AWS access key ID", key_id.start()
    elif found:
        what, position = f"a secret ({found.group(1)})", found.start(1)
    else:
        return
    raise CatalogError(
        f"holds {what}. A catalog is shared through git, where everyone with access (and the "
        "history, for ever) can read it, so xswitch refuses the whole file.",
        "Remove the line from the repository and rotate that credential: it is in the git "
        "history now. Each person keeps keys in their keyring with 'xswitch keys add'.",
        path=where,
        line=text.count("\n", 0, position) + 1,
    )


def _refuse_commands(doc: Mapping[str, Any], text: str, name: str, where: str) -> None:
    for profile, table in doc.get("profiles", {}).items():
        for key in COMMAND_KEYS:
            if key in table:
                raise CatalogError(
                    f"profile '{profile}' sets {key}, a command that would run on your machine "
                    "with your rights; xswitch runs commands from a shared catalog only when you "
                    "allow that catalog.",
                    f"If you trust everyone who can commit to catalog '{name}', set "
                    f"allow_commands = true in [catalogs.{name}] of your config.toml (or add it "
                    "with --allow-commands); otherwise ask for the line to be removed.",
                    path=where,
                    line=_line_of(text, rf"(?:^|(?<=[\s{{,.])){key}\s*="),
                )


def _check_clients(doc: Mapping[str, Any], text: str, where: str) -> None:
    """Every `client` a catalog's profile names is one of the catalog's clients: a catalog must
    not depend on what each person has configured."""
    clients = doc.get("clients", {})
    names = {str(table.get("name", key)).casefold() for key, table in clients.items()}
    for profile, table in doc.get("profiles", {}).items():
        wanted = table.get("client")
        if wanted is not None and wanted not in clients and wanted.casefold() not in names:
            raise CatalogError(
                f"profile '{profile}' belongs to client '{wanted}', which the catalog does not "
                "define.",
                f"Add a [clients.{wanted}] table to the catalog, or fix the client's name.",
                path=where,
                line=_line_of(text, r"^[ \t]*client[ \t]*=[ \t]*[\"']" + re.escape(wanted)),
            )


def _line_of(text: str, pattern: str) -> int | None:
    """The line of the first match of `pattern` (`^` matching at each line's start)."""
    found = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def runs_commands(doc: Mapping[str, Any]) -> str | None:
    """The first profile of a catalog document that sets a command, or None."""
    for profile, table in doc.get("profiles", {}).items():
        if any(key in table for key in COMMAND_KEYS):
            return profile
    return None


# --- what changed between two versions ----------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What a pull changed; `prod_on` lists the clients that became (or arrived as) production."""

    prod_on: tuple[str, ...] = ()
    clients_added: tuple[str, ...] = ()
    clients_removed: tuple[str, ...] = ()
    clients_changed: tuple[str, ...] = ()
    profiles_added: tuple[str, ...] = ()
    profiles_removed: tuple[str, ...] = ()
    profiles_changed: tuple[str, ...] = ()
    commands_added: tuple[str, ...] = field(default=())  # profiles that now run a command

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


def changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Changes:
    """The difference between the last good copy `old` (None: there was none) and `new`."""
    old = old or {}
    old_clients, new_clients = old.get("clients", {}), new.get("clients", {})
    old_profiles, new_profiles = old.get("profiles", {}), new.get("profiles", {})

    def prod(table: Mapping[str, Any] | None) -> bool:
        return bool(table and table.get("prod", False))

    def command(table: Mapping[str, Any] | None) -> tuple[Any, ...]:
        return tuple((table or {}).get(key) for key in COMMAND_KEYS)

    return Changes(
        prod_on=tuple(
            key
            for key, table in new_clients.items()
            if prod(table) and not prod(old_clients.get(key))
        ),
        clients_added=tuple(key for key in new_clients if key not in old_clients),
        clients_removed=tuple(key for key in old_clients if key not in new_clients),
        clients_changed=tuple(
            key
            for key, table in new_clients.items()
            if key in old_clients and old_clients[key] != table
        ),
        profiles_added=tuple(name for name in new_profiles if name not in old_profiles),
        profiles_removed=tuple(name for name in old_profiles if name not in new_profiles),
        profiles_changed=tuple(
            name
            for name, table in new_profiles.items()
            if name in old_profiles and old_profiles[name] != table
        ),
        commands_added=tuple(
            name
            for name, table in new_profiles.items()
            if any(command(table)) and command(table) != command(old_profiles.get(name))
        ),
    )


def grouping_only(table: Mapping[str, Any]) -> bool:
    """Whether a `[profiles.NAME]` table only regroups a profile (client, tags...) rather than
    defining how it obtains credentials."""
    return all(key in PROFILE_XSWITCH_KEYS for key in table)
