"""Copy text (export lines, console URLs) to the clipboard, and say truthfully where it went.

`copy()` tries the system clipboard first; without one it can hand the text to the terminal
(OSC 52), which may or may not reach the system clipboard (inside tmux, only with set-clipboard
on). It returns a `Copied` saying which happened, or that nothing did, and why.

pyperclip finds the mechanism (pbcopy, clip.exe, wl-copy, xclip, xsel, the Windows API). The text
always travels on a pipe, never on a command line (visible in `ps`). Clipboard programs run with
their error output captured, so a failure (e.g. no X server) is reported cleanly instead of being
printed over the picker, and their exit status is checked, which pyperclip does not do.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from xswitch.core.errors import ClipboardUnavailable

# pyperclip's mechanisms that are plain programs reading stdin: run them ourselves (see above).
_PROGRAMS = {
    "copy_xclip": ["xclip", "-selection", "clipboard"],
    "copy_xsel": ["xsel", "--clipboard", "--input"],
    "copy_wl": ["wl-copy"],
    "copy_osx_pbcopy": ["pbcopy"],
}
# KDE Klipper receives the text as a qdbus argument: secrets would show in `ps`.
_REFUSED = {"copy_klipper": "only KDE Klipper was found, which would expose the text in `ps`"}


class Route(StrEnum):
    SYSTEM = "system"  # a clipboard program or API took the text
    TERMINAL = "terminal"  # only the terminal's clipboard sequence (OSC 52) was sent
    NONE = "none"  # nothing was copied


@dataclass(frozen=True)
class Copied:
    """What `copy()` did. `tool`: the system mechanism used ('xclip', 'wl-copy', 'pbcopy'...);
    `problem`: why the system clipboard was not used; `tmux`: tmux's set-clipboard value when
    the terminal route was considered inside tmux ('' outside tmux or when unknown)."""

    route: Route
    tool: str = ""
    problem: ClipboardUnavailable | None = None
    tmux: str = ""

    @property
    def copied(self) -> bool:
        """True when the text surely is on the system clipboard."""
        return self.route is Route.SYSTEM

    def describe(self, what: str) -> str:
        """One paragraph for people: where `what` (e.g. "bash export lines for dev") went."""
        if self.route is Route.SYSTEM:
            return f"Copied {what} to the clipboard ({self.tool})."
        reason = self.problem.message if self.problem else "no clipboard tool was found"
        if self.route is Route.TERMINAL and self.tmux:
            return (
                f"Sent {what} through tmux (set-clipboard {self.tmux}) to the terminal's "
                f"clipboard (OSC 52), because {_lower(reason)} They reach the system clipboard "
                "only if the terminal running tmux accepts OSC 52: paste to check."
            )
        if self.route is Route.TERMINAL:
            return (
                f"Sent {what} to the terminal's clipboard (OSC 52), because {_lower(reason)} "
                "Most terminals put them on the system clipboard, some (macOS Terminal) do not: "
                "paste to check."
            )
        if self.tmux:
            return (
                f"Nothing was copied: {_lower(reason).rstrip('.')}, and tmux drops the "
                "terminal's clipboard "
                f"sequence from programs (set-clipboard {self.tmux}). Run 'tmux set -g "
                "set-clipboard on', or install xclip or wl-clipboard, or use 'xswitch export' "
                "and copy the lines yourself."
            )
        return str(self.problem or ClipboardUnavailable())


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def copy(
    text: str,
    *,
    terminal: Callable[[str], None] | None = None,
    env: Mapping[str, str] = os.environ,
) -> Copied:
    """Put `text` on the system clipboard; failing that, hand it to `terminal` (a callable that
    sends the OSC 52 sequence for it, e.g. the picker's) unless tmux would drop it. Never raises
    for a missing clipboard: the result says what happened."""
    try:
        return Copied(Route.SYSTEM, tool=_system_copy(text))
    except ClipboardUnavailable as problem:
        if terminal is None:
            return Copied(Route.NONE, problem=problem)
        tmux = _tmux_set_clipboard(env)
        if tmux in ("off", "external"):
            return Copied(Route.NONE, problem=problem, tmux=tmux)
        terminal(text)
        return Copied(Route.TERMINAL, problem=problem, tmux=tmux)


def osc52_sequence(text: str) -> str:
    """The escape sequence that asks a terminal to put `text` on its clipboard (OSC 52)."""
    import base64

    return "\x1b]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\a"


def _tmux_set_clipboard(env: Mapping[str, str]) -> str:
    """tmux's set-clipboard option ('on', 'external', 'off') when inside tmux, else ''."""
    if not env.get("TMUX"):
        return ""
    try:
        result = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            capture_output=True,
            text=True,
            timeout=3,
            env=dict(env),
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    value = result.stdout.strip()
    return value if result.returncode == 0 and value in ("on", "external", "off") else ""


def _system_copy(text: str) -> str:
    """Put `text` on the system clipboard and return the mechanism's name, or raise
    ClipboardUnavailable explaining what to install."""
    import pyperclip

    copy_function, _paste = pyperclip.determine_clipboard()
    name = getattr(copy_function, "__name__", "")
    if name in _REFUSED:
        raise ClipboardUnavailable(_REFUSED[name])
    if name in _PROGRAMS:
        _run(_PROGRAMS[name], text)
        return _PROGRAMS[name][0]
    try:
        copy_function(text)
        return name.removeprefix("copy_").replace("_", " ") or "clipboard"
    except pyperclip.PyperclipException:
        raise ClipboardUnavailable("no clipboard program or display was found") from None
    except (OSError, ValueError) as error:
        raise ClipboardUnavailable(f"the clipboard failed: {type(error).__name__}") from None


def _run(argv: list[str], text: str) -> None:
    # xclip and wl-copy stay in the background to serve the selection, holding their stderr open:
    # a pipe would never reach end-of-file, a temporary file does not care.
    with tempfile.TemporaryFile() as errors:
        try:
            result = subprocess.run(
                argv,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=errors,
                timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ClipboardUnavailable(f"{argv[0]} failed: {type(error).__name__}") from None
        if result.returncode != 0:
            errors.seek(0)
            message = errors.read(300).decode(errors="replace").strip().splitlines()
            detail = message[0] if message else f"exit status {result.returncode}"
            raise ClipboardUnavailable(f"{argv[0]}: {detail}")
