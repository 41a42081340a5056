"""Which browser opens a URL, and how: one browser identity per client.

The `browser` setting (in `[settings]` as the default, in `[clients.KEY]` per client) is one of:
- `default`: the system's default browser (Python's `webbrowser`);
- `firefox-container`: Firefox, through the "Open external links in a container" extension's
  `ext+container:` links, in a container named after the client and coloured from its colour;
- `chromium`, `chrome`, `brave`, `edge`, `vivaldi`: that browser with a profile directory of its own
  per client (`--user-data-dir` under xswitch's data directory), so sessions never mix;
- a command template such as `firefox -P {client} {url}`: split like a shell line once, then each
  field replaced inside its own argument; no shell ever runs, so a client name with quotes,
  spaces or `;` stays one argument. Fields: {url}, {client}, {client_key}, {color}, {profile}.

Browsers are started detached (their own session, no terminal) and never waited for. A URL that
is a secret (a console sign-in link) goes through `core.handoff` instead of a command line.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from xswitch.core import fs, paths
from xswitch.core.errors import ConfigError, UsageError
from xswitch.core.model import Client

DEFAULT = "default"
FIREFOX_CONTAINER = "firefox-container"
# Chromium-family browsers and the executable names they go by.
CHROMIUM_FAMILY: Mapping[str, tuple[str, ...]] = {
    "chromium": ("chromium", "chromium-browser"),
    "chrome": ("google-chrome", "google-chrome-stable", "chrome"),
    "brave": ("brave-browser", "brave"),
    "edge": ("microsoft-edge", "microsoft-edge-stable"),
    "vivaldi": ("vivaldi", "vivaldi-stable"),
}
FIREFOX_NAMES = ("firefox", "firefox-esr")
TEMPLATE_FIELDS = ("url", "client", "client_key", "color", "profile")
_FIELD = re.compile(r"\{(" + "|".join(TEMPLATE_FIELDS) + r")\}")
_ANY_FIELD = re.compile(r"\{([^{}]*)\}")

# The colours a Firefox container can have, with a representative RGB each.
CONTAINER_COLORS: Mapping[str, tuple[int, int, int]] = {
    "blue": (55, 173, 255),
    "turquoise": (0, 199, 158),
    "green": (81, 205, 0),
    "yellow": (255, 203, 0),
    "orange": (255, 159, 0),
    "red": (255, 97, 61),
    "pink": (255, 75, 218),
    "purple": (175, 81, 245),
}
_NAMED_COLORS: Mapping[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
    "pink": (255, 192, 203),
    "turquoise": (64, 224, 208),
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "teal": (0, 128, 128),
    "navy": (0, 0, 128),
    "lime": (0, 255, 0),
    "maroon": (128, 0, 0),
    "olive": (128, 128, 0),
    "violet": (238, 130, 238),
    "indigo": (75, 0, 130),
    "gold": (255, 215, 0),
    "brown": (165, 42, 42),
    "crimson": (220, 20, 60),
}


@dataclass(frozen=True)
class Browser:
    """A parsed `browser` setting: `kind` is default, firefox-container, chromium or command;
    `name` the Chromium-family member or the command template."""

    kind: str
    name: str = ""

    @property
    def graphical_only(self) -> bool:
        """Whether it needs a display to open anything (the system default does)."""
        return self.kind == DEFAULT


def parse_browser(value: str) -> Browser:
    """The meaning of a `browser` setting; ValueError (a sentence) when it has none."""
    text = value.strip()
    if text in ("", DEFAULT):
        return Browser(DEFAULT)
    if text == FIREFOX_CONTAINER:
        return Browser(FIREFOX_CONTAINER)
    if text in CHROMIUM_FAMILY:
        return Browser("chromium", text)
    if "{url}" in text:
        try:
            words = shlex.split(text)
        except ValueError as error:
            raise ValueError(f"the command template cannot be split into words ({error})") from None
        if not words:
            raise ValueError("the command template is empty")
        unknown = [f for f in _ANY_FIELD.findall(text) if f not in TEMPLATE_FIELDS]
        if unknown:
            raise ValueError(
                f"the command template has an unknown field {{{unknown[0]}}}; the fields are "
                + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            )
        return Browser("command", text)
    raise ValueError(
        f"'{text}' is not a browser xswitch knows: use default, {FIREFOX_CONTAINER}, "
        + ", ".join(CHROMIUM_FAMILY)
        + ', or a command template containing {url} (e.g. "firefox -P {client} {url}")'
    )


def browser_for(
    settings_browser: str, client: Client | None = None, override: str | None = None
) -> Browser:
    """The browser to use: `override` (a command-line flag), else the client's, else the default."""
    chosen = override or (client.browser if client and client.browser else None) or settings_browser
    try:
        return parse_browser(chosen)
    except ValueError as error:
        if override:
            raise UsageError(
                f"--browser: {error}.", "Give one of the names above, or a quoted template."
            ) from None
        raise ConfigError(
            f"browser setting: {error}.", "Fix it in xswitch's config.toml."
        ) from None


# --- what each kind runs --------------------------------------------------------------------


def container_color(color: str | None) -> str:
    """The Firefox container colour nearest to a client colour (CSS name or #rgb/#rrggbb)."""
    if not color:
        return "blue"
    text = color.strip().lower()
    if text in CONTAINER_COLORS:
        return text
    rgb = _rgb(text)
    if rgb is None:
        return "blue"
    if max(rgb) - min(rgb) < 40:  # greys have no hue: the neutral container colour
        return "toolbar"
    return min(CONTAINER_COLORS, key=lambda name: _hue_distance(rgb, CONTAINER_COLORS[name]))


def _rgb(text: str) -> tuple[int, int, int] | None:
    if text in _NAMED_COLORS:
        return _NAMED_COLORS[text]
    digits = text.lstrip("#")
    if re.fullmatch(r"[0-9a-f]{3}", digits):
        digits = "".join(c * 2 for c in digits)
    if re.fullmatch(r"[0-9a-f]{6}", digits):
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    return None


def hex_color(color: str | None) -> str | None:
    """A client colour (CSS name or #rgb/#rrggbb) as six upper-case hex digits, or None."""
    rgb = _rgb(color.strip().lower()) if color else None
    return None if rgb is None else "".join(f"{c:02X}" for c in rgb)


def _hue_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    import colorsys

    ha = colorsys.rgb_to_hsv(*(c / 255 for c in a))[0]
    hb = colorsys.rgb_to_hsv(*(c / 255 for c in b))[0]
    difference = abs(ha - hb)
    return min(difference, 1 - difference)


def container_url(url: str, client: Client | None) -> str:
    """The `ext+container:` link that opens `url` in the client's Firefox container."""
    name = client.name if client else "xswitch"
    query = urllib.parse.urlencode(
        {"name": name, "color": container_color(client.color if client else None), "url": url},
        quote_via=urllib.parse.quote,
    )
    return "ext+container:" + query


def profile_directory(family: str, client: Client | None, env: Mapping[str, str]) -> Path:
    """The Chromium-family profile directory of a client, under xswitch's data directory."""
    key = client.key if client else "default"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key).strip(".") or "client"
    return paths.data_dir(env) / "browsers" / family / safe


def command_for(
    browser: Browser,
    url: str,
    client: Client | None,
    env: Mapping[str, str] = os.environ,
    profile: str = "",
) -> list[str] | None:
    """The argv that opens `url` (None for the system default, which `webbrowser` opens)."""
    if browser.kind == DEFAULT:
        return None
    if browser.kind == FIREFOX_CONTAINER:
        return [_executable(FIREFOX_NAMES, "Firefox", env), container_url(url, client)]
    if browser.kind == "chromium":
        directory = profile_directory(browser.name, client, env)
        return [
            _executable(CHROMIUM_FAMILY[browser.name], browser.name.capitalize(), env),
            f"--user-data-dir={directory}",
            "--no-first-run",
            url,
        ]
    fields = {
        "url": url,
        "client": client.name if client else "",
        "client_key": client.key if client else "",
        "color": (client.color or "") if client else "",
        "profile": profile,
    }
    words = shlex.split(browser.name)
    return [_FIELD.sub(lambda m: fields[m.group(1)], word) for word in words]


def _executable(names: Sequence[str], label: str, env: Mapping[str, str]) -> str:
    for name in names:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found
    raise UsageError(
        f"{label} was not found: none of {', '.join(names)} is on the PATH.",
        "Install it, or choose another browser with the browser setting (or --browser).",
    )


def open_url(
    url: str,
    browser: Browser,
    client: Client | None = None,
    env: Mapping[str, str] = os.environ,
    profile: str = "",
) -> bool:
    """Open `url` as `browser` says; False when nothing could be opened (no display for the
    system default, or a command that could not start)."""
    argv = command_for(browser, url, client, env, profile)
    if argv is None:
        return open_in_browser(url, env)
    if browser.kind == "chromium":
        fs.private_dir(Path(argv[1].partition("=")[2]))
    try:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=dict(env),
            close_fds=True,
        )
    except OSError as error:
        raise UsageError(
            f"The browser command '{argv[0]}' could not be started ({error.strerror or error}).",
            "Check the browser setting (or --browser): the program must exist and be executable.",
        ) from None
    return True


def can_open(browser: Browser, env: Mapping[str, str] = os.environ) -> bool:
    """Whether a browser window can be expected (a sign-in waits for it): a configured command
    can always be started; the system default needs a display on Linux."""
    if not browser.graphical_only:
        return True
    if sys.platform.startswith("linux"):
        return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    return True


def open_in_browser(url: str, env: Mapping[str, str] = os.environ) -> bool:
    """Open `url` in the system's default graphical browser; False when none can be opened.

    On Linux without a display nothing is tried: `webbrowser` would fall back to a text browser
    (lynx, w3m) that takes over the terminal.
    """
    import webbrowser

    if not can_open(Browser(DEFAULT), env):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
