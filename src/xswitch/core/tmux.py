"""A tmux window per client: the picker opens a role in a new window instead of a subshell.

The picker registers the window's shell with the agent; the window runs `xswitch _window SLOT`,
which takes that slot over and starts the shell with the agent's endpoint: no secret ever appears
on tmux's command line (`ps` shows it), and the window needs no keyring. Only the variables that
say where xswitch's and AWS's files are travel with `-e`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

from xswitch.core.errors import UsageError

# Where the files are and how AWS is reached: what the window's xswitch needs to find the same
# configuration as the picker (tmux gives new windows its server's environment, not ours).
_PASSED = (
    "HOME",
    "PATH",
    "SHELL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CA_BUNDLE",
    "AWS_EC2_METADATA_DISABLED",
    "XSWITCH_CONFIG",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "PYTHON_KEYRING_BACKEND",
    "XSWITCH_KEYRING_BACKEND",
    "NO_COLOR",
)
_TIMEOUT = 10.0


def in_tmux(env: Mapping[str, str] = os.environ) -> bool:
    return bool(env.get("TMUX")) and shutil.which("tmux") is not None


def _tmux(*args: str, env: Mapping[str, str]) -> str:
    try:
        result = subprocess.run(
            ["tmux", *args],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(
            f"tmux did not answer ({error}).", "Check that the tmux server still runs."
        ) from None
    if result.returncode != 0:
        raise UsageError(
            f"tmux refused to {args[0]}: {result.stderr.strip() or 'no reason given'}.",
            "Check the tmux server, or run the picker outside tmux for a subshell.",
        )
    return result.stdout


def window_title(client: str, profile: str) -> str:
    """`client/profile` as a window name: no control characters, no '#' (tmux would read a
    style or a format in it)."""
    from xswitch.core.text import visible

    return visible(f"{client}/{profile}").replace("#", "_")


def open_window(
    slot: str,
    title: str,
    prod: bool,
    env: Mapping[str, str] = os.environ,
    region: str | None = None,
) -> str:
    """A new tmux window named `title` running the shell of the agent's `slot` (registered by
    the caller, taken over by the window: `xswitch _window SLOT`); its window id. Production
    windows are red in the status line."""
    passed = [f"{name}={env[name]}" for name in _PASSED if name in env]
    argv = [sys.executable, "-m", "xswitch", "_window", slot]
    if region:
        argv += ["--region", region]
    window = _tmux(
        "new-window",
        "-P",
        "-F",
        "#{window_id}",
        "-n",
        title,
        *(item for pair in (("-e", value) for value in passed) for item in pair),
        "--",
        *argv,
        env=env,
    ).strip()
    # The name stays as given (a shell's title escapes must not rename it).
    _tmux("set-option", "-w", "-t", window, "automatic-rename", "off", env=env)
    if prod:
        for option in ("window-status-style", "window-status-current-style"):
            _tmux("set-option", "-w", "-t", window, option, "fg=red,bold", env=env)
    return window


def window_of(pids: set[int], env: Mapping[str, str] = os.environ) -> str | None:
    """The id of a window whose pane runs one of `pids` (the shells the agent serves)."""
    listing = _tmux("list-panes", "-a", "-F", "#{pane_pid} #{window_id}", env=env)
    for line in listing.splitlines():
        pid, _, window = line.partition(" ")
        if pid.isdigit() and int(pid) in pids:
            return window
    return None


def select_window(window: str, env: Mapping[str, str] = os.environ) -> None:
    _tmux("select-window", "-t", window, env=env)
