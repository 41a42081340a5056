"""The picker's one table of actions: it feeds the bindings, the key bar, the help screen and the
command palette, so a key is added (or remapped in config.toml's [keys]) in one place.

The ids and default keys are `core.actions.PICKER_KEYS` (config.toml is validated against them);
this module says what each does and where it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from textual.binding import Binding

from xswitch.core.actions.keys import PICKER_KEYS, normal_key


class PickerAction(NamedTuple):
    id: str  # the binding id, and the name [keys] remaps it by
    action: str  # the Textual action it runs
    description: str  # in the key bar and the palette
    help: str = ""  # in the help screen when it says more than the description
    show: bool = False  # in the key bar
    palette: bool = True  # in the command palette
    on_app: bool = False  # bound on the app (works over dialogs too), not the picker's screen
    priority: bool = False

    @property
    def key(self) -> str:
        return PICKER_KEYS[self.id]

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.description,
            show=self.show,
            id=self.id,
            priority=self.priority,
        )


ACTIONS: tuple[PickerAction, ...] = (
    PickerAction("filter", "filter", "Filter", show=True),
    PickerAction("clear-filter", "clear_filter", "Clear filter"),
    PickerAction("subshell", "subshell", "Shell", show=True),
    # A subshell whatever started the picker (with `xs`, Enter switches the calling shell).
    PickerAction("own-shell", "own_shell", "Subshell"),
    PickerAction("login", "login", "Log in", show=True),
    PickerAction(
        "refresh-client",
        "refresh_client",
        "Refresh all",
        help="Refresh every live session of the selected client",
    ),
    PickerAction(
        "copy",
        "copy",
        "Copy",
        show=True,
        help="Copy export lines (for your $SHELL, else the shell setting)",
    ),
    PickerAction(
        "console",
        "console",
        "Console",
        show=True,
        help="Open the AWS console signed in as the profile",
    ),
    PickerAction(
        "sso-sync",
        "sso_sync",
        "SSO sync",
        show=True,
        help="SSO sync: discover the accounts and roles of the profile's SSO session "
        "(asks which one when several exist)",
    ),
    PickerAction("logout", "logout", "Log out", show=True),
    PickerAction(
        "region",
        "region",
        "Region",
        help="Region of the profile (remembered; every command uses it)",
    ),
    PickerAction("jump-window", "jump_window", "Go to its window", help="Go to its tmux window"),
    PickerAction(
        "reload",
        "reload",
        "Reload config",
        help="Reload the configuration (AWS config and credentials, config.toml)",
    ),
    # In help on one row (see KeyTable.help).
    PickerAction("doctor", "doctor", "Doctor"),
    PickerAction("add-client", "add_client", "Add client"),
    PickerAction("help", "help", "Help", show=True),
    PickerAction("quit", "quit", "Quit", show=True, palette=False, on_app=True),
    # Textual only hints at another key on Ctrl+C; here it quits, in dialogs too.
    PickerAction("quit-ctrl-c", "quit", "Quit", palette=False, on_app=True, priority=True),
    PickerAction("column-profiles", "column('profiles')", "Profiles column"),
    PickerAction("column-clients", "column('clients')", "Clients column"),
    PickerAction("client-number", "client_number", "Jump to client 10+"),
    *(
        PickerAction(f"jump-client-{n}", f"jump_client({n})", f"Jump to client {n}", palette=False)
        for n in range(1, 10)
    ),
)
BY_ID = {action.id: action for action in ACTIONS}

# Said once in help instead of one line per key.
_GROUPED_IN_HELP = {
    "column-profiles",
    "column-clients",
    "client-number",
    "jump-window",  # on the region's line
    "own-shell",  # on Enter's line
    "add-client",
    "quit-ctrl-c",
    *(f"jump-client-{n}" for n in range(2, 10)),
}
HELP_TAIL = (
    ("↑ ↓ PgUp PgDn", "Move in the list"),
    ("← → Tab", "Switch between clients and profiles (Enter on a client too)"),
    ("ctrl+p", "Palette: every profile by name, every command"),
)
# What the key bar keeps when the terminal is too narrow for every hint.
ESSENTIAL_HINTS = ("help", "quit")
PALETTE_HINT = ("ctrl+p", "Palette")


def bindings(*, on_app: bool) -> list[Binding]:
    """The bindings of the app (`on_app`) or of the picker's screen, with their default keys."""
    return [action.binding() for action in ACTIONS if action.on_app == on_app]


def keymap(remapped: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Textual's keymap (binding id -> keys) for the [keys] of config.toml (validated there)."""
    return {name: ",".join(map(normal_key, keys.split(","))) for name, keys in remapped}


class KeyTable:
    """The actions with the keys in force: what the key bar, help and palette show."""

    def __init__(
        self,
        keys: Mapping[str, str],
        display: Callable[[Binding], str],
        *,
        choosing: bool = False,
    ) -> None:
        self._keys = keys  # the remapped ones
        self._display = display
        # Started by `xs`: Enter switches the calling shell instead of starting one.
        self._described = {"subshell": "Switch"} if choosing else {}

    def description(self, action: PickerAction) -> str:
        return self._described.get(action.id, action.description)

    def keys_of(self, action_id: str) -> list[str]:
        """The keys of an action, as Textual names them."""
        return self._keys.get(action_id, PICKER_KEYS[action_id]).split(",")

    def key_of(self, action_id: str) -> str:
        """The keys of an action as shown ('?', '^c', 'l/x' for two)."""
        return "/".join(self._display(Binding(key, "")) for key in self.keys_of(action_id))

    def hints(self, width: int | None = None) -> list[tuple[str, str]]:
        """The keys in the bottom bar (the rest are in help and the palette). Within `width`,
        hints give way from the right, but help, quit and the palette always show."""
        shown = [action for action in ACTIONS if action.show]
        hints = [(self.key_of(action.id), self.description(action)) for action in shown]

        def cells(hints: list[tuple[str, str]]) -> int:
            return sum(len(key) + len(description) + 4 for key, description in hints)

        if width is not None:
            optional = [i for i, a in enumerate(shown) if a.id not in ESSENTIAL_HINTS]
            while optional and cells([*hints, PALETTE_HINT]) > width:
                hints.pop(optional.pop())  # the rightmost first: earlier indices hold
        return [*hints, PALETTE_HINT]

    def help(self) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        for action in ACTIONS:
            if action.id == "jump-client-1":
                lines.append(("1–9, 0 N…", "Jump to client N (10 and beyond: 0 1 2 is 12)"))
            elif action.id == "region":
                keys = f"{self.key_of('region')}  {self.key_of('jump-window')}"
                lines.append((keys, "Region of the profile · go to the tmux window using it"))
            # Rows shared by two keys (d and a; q and ctrl+c): help fits 80x24.
            elif action.id == "doctor":
                keys = f"{self.key_of('doctor')}  {self.key_of('add-client')}"
                lines.append((keys, "Doctor: test the profile against AWS · add a client"))
            elif action.id == "quit":
                keys = f"{self.key_of('quit')}  {self.key_of('quit-ctrl-c')}"
                lines.append((keys, action.help or action.description))
            elif action.id == "subshell":
                keys = f"{self.key_of('subshell')}  {self.key_of('own-shell')}"
                if self._described:  # started by xs
                    what = f"Switch the shell that ran xs · {self.key_of('own-shell')}: a subshell"
                else:
                    what = "A shell in the profile (a tmux window inside tmux)"
                lines.append((keys, what))
            elif action.id not in _GROUPED_IN_HELP:
                lines.append((self.key_of(action.id), action.help or action.description))
        return [*lines, *HELP_TAIL]

    def palette(self, clients: int) -> list[tuple[PickerAction, str]]:
        """The actions the palette lists, each with its key as help text."""
        return [
            (action, f"Key: {self.key_of(action.id)}")
            for action in ACTIONS
            if action.palette and (action.id != "client-number" or clients >= 10)
        ]
