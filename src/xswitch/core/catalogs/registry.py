"""Which catalogs the user follows (`[catalogs.NAME]` in config.toml, in precedence order: later
ones win) and where xswitch keeps each one: its git clone, the last good copy of its file, and the
small state of its updates (last pull, last problem), under `$XDG_DATA_HOME/xswitch/catalogs`."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from xswitch.core import fs, paths
from xswitch.core.errors import UsageError
from xswitch.core.text import visible

ENTRY_KEYS = ("url", "ref", "path", "allow_commands")
DEFAULT_PATH = "catalog.toml"
NAME_RULE = "1 to 40 letters, digits, '-' or '_', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", re.ASCII)
_STATE_LIMIT = 64 * 1024
SNAPSHOT_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One followed catalog, as `[catalogs.NAME]` declares it."""

    name: str
    url: str
    ref: str = ""  # the branch followed; "" until the clone names the default one
    path: str = DEFAULT_PATH  # the catalog file inside the repository
    allow_commands: bool = False  # credential_process / mfa_process from it may run


def entries(doc: Mapping[str, Any]) -> list[Entry]:
    """The catalogs of a validated config.toml document, lowest precedence first."""
    return [
        Entry(
            name=name,
            url=table["url"],
            ref=table.get("ref", ""),
            path=table.get("path", DEFAULT_PATH),
            allow_commands=table.get("allow_commands", False),
        )
        for name, table in doc.get("catalogs", {}).items()
    ]


def entry_table(entry: Entry) -> dict[str, Any]:
    """`entry` as its config.toml table (defaults left out)."""
    table: dict[str, Any] = {"url": entry.url}
    if entry.ref:
        table["ref"] = entry.ref
    if entry.path != DEFAULT_PATH:
        table["path"] = entry.path
    if entry.allow_commands:
        table["allow_commands"] = True
    return table


def path_problem(path: str) -> str | None:
    """Why `path` cannot name a file inside a repository, or None."""
    pure = PurePosixPath(path)
    if not path or not path.isprintable() or "\\" in path:
        return "it is empty or holds control characters or backslashes"
    if pure.is_absolute() or ".." in pure.parts or path.startswith("-"):
        return "it must be a relative path inside the repository, without '..'"
    return None


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"'{visible(name)}' cannot name a catalog: use {NAME_RULE}.",
            "For example: xswitch catalog add team https://git.example.com/team/catalog.git",
        )
    return name


def validate_catalogs_table(table: Any, validator: Any) -> None:
    """Checks of `[catalogs]` for config.toml's validator (`core.config.settings._Validator`)."""
    for name, entry in table.items():
        where = f"catalogs.{name}"
        if not _NAME.fullmatch(name):
            raise validator.fail(f"[{where}]: a catalog name is {NAME_RULE}.")
        validator.table(entry, where)
        validator.known_keys(entry, where, ENTRY_KEYS)
        if "url" not in entry:
            raise validator.fail(
                f"[{where}] has no url.", "Give the clone URL of the catalog's git repository."
            )
        for key in ("url", "ref", "path"):
            if key in entry:
                validator.string(entry[key], f"{where}.{key}")
        if "path" in entry and (problem := path_problem(entry["path"])):
            raise validator.fail(f"{where}.path cannot name the catalog file: {problem}.")
        if "allow_commands" in entry:
            validator.boolean(entry["allow_commands"], f"{where}.allow_commands")


# --- where each catalog lives -------------------------------------------------------------------


def root(env: Mapping[str, str] = os.environ) -> Path:
    return paths.data_dir(env) / "catalogs"


def clone_dir(name: str, env: Mapping[str, str] = os.environ) -> Path:
    """The catalog's git working tree (a platform engineer may edit and commit there)."""
    return root(env) / name


def snapshot_file(name: str, env: Mapping[str, str] = os.environ) -> Path:
    """The last good copy: the validated document of the last commit that passed, as JSON (read
    on every start, so it must be quick to parse)."""
    return root(env) / f"{name}.snapshot.json"


def state_file(name: str, env: Mapping[str, str] = os.environ) -> Path:
    return root(env) / f"{name}.state.json"


def lock_file(name: str, env: Mapping[str, str] = os.environ) -> Path:
    return root(env) / f"{name}.lock"


@dataclass(frozen=True)
class State:
    """What is remembered between updates of one catalog (times are RFC 3339, UTC)."""

    attempted_at: str = ""  # the last pull tried, good or not (the daily pull counts from it)
    pulled_at: str = ""  # the last pull that brought a good copy
    commit: str = ""  # the commit of the last good copy
    problem: str = ""  # why the last pull failed; "" when it did not
    problem_shown: bool = False  # the problem was told once already


def read_state(name: str, env: Mapping[str, str] = os.environ) -> State:
    """The catalog's state; a missing or damaged file is a fresh state."""
    try:
        data = json.loads(fs.read_private_file(state_file(name, env), _STATE_LIMIT))
    except (OSError, ValueError):
        return State()
    if not isinstance(data, dict):
        return State()
    known = {key: data[key] for key in State.__dataclass_fields__ if key in data}
    if not all(
        isinstance(value, bool if key == "problem_shown" else str) for key, value in known.items()
    ):
        return State()
    return State(**known)


def write_state(name: str, state: State, env: Mapping[str, str] = os.environ) -> None:
    fs.write_private(state_file(name, env), json.dumps(asdict(state)).encode("utf-8"))
