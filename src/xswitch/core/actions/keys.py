"""The picker's keys: every action by id with its default key, and the checks of config.toml's
[keys] table that remaps them. The picker's action table (ui/keymap.py) says what each does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PICKER_KEYS: dict[str, str] = {
    "filter": "slash",
    "clear-filter": "escape",
    "subshell": "enter",
    "own-shell": "exclamation_mark",
    "login": "l",
    "refresh-client": "L",
    "copy": "c",
    "console": "o",
    "sso-sync": "S",
    "logout": "x",
    "region": "r",
    "jump-window": "w",
    "reload": "R",
    "doctor": "d",
    "add-client": "a",
    "help": "question_mark",
    "quit": "q",
    "quit-ctrl-c": "ctrl+c",
    "column-profiles": "right",
    "column-clients": "left",
    "client-number": "0",
    **{f"jump-client-{n}": str(n) for n in range(1, 10)},
}


def normal_key(key: str) -> str:
    """A key as Textual names it: one punctuation character by its Unicode name ('?' is
    'question_mark'), anything longer ('ctrl+r', 'f5') as written."""
    import unicodedata

    key = key.strip()
    if len(key) != 1 or key.isalnum():
        return key
    try:
        return unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key


def picker_keymap(remapped: Mapping[str, str]) -> dict[str, list[str]]:
    """Every action id with its keys once `remapped` (id -> "key" or "key1,key2") applies."""
    keymap = {name: [key] for name, key in PICKER_KEYS.items()}
    for name, keys in remapped.items():
        keymap[name] = [normal_key(key) for key in keys.split(",")]
    return keymap


def key_clash(remapped: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(key, action, other action) when two actions end up on one key, else None."""
    owner: dict[str, str] = {}
    for name, keys in picker_keymap(remapped).items():
        for key in keys:
            if key in owner:
                return key, owner[key], name
            owner[key] = name
    return None


def keys_problem(table: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """What is wrong with config.toml's [keys] table, if anything: (the action it is about,
    what is wrong, what to do)."""
    for name, value in table.items():
        where = f"keys.{name}"
        if name not in PICKER_KEYS:
            actions = ", ".join(PICKER_KEYS)
            return name, f"unknown picker action '{where}'.", f"The actions are: {actions}."
        if not isinstance(value, str) or not all(k.strip() for k in value.split(",")):
            return name, f'{where} must be a key in quotes, e.g. "ctrl+l".', ""
    clash = key_clash(table)
    if clash is None:
        return None
    key, first, second = clash
    return (
        second if second in table else first,
        f"[keys] gives the key '{key}' to both {first} and {second}.",
        "Give one of them another key (each key does one thing in the picker).",
    )
