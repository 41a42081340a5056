"""Typed messages from worker threads (logins, console, SSO sync) to the app, which alone touches
widgets."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from textual.message import Message

from xswitch.core.errors import XswitchError
from xswitch.core.model import Catalog, Credentials, DeviceAuthorization, SessionInfo

if TYPE_CHECKING:
    # Only for annotations: discovery pulls in the SSO client code, not needed before a sync.
    from xswitch.core.discovery import Discovery, Progress, SyncReport


class Purpose(StrEnum):
    """Why credentials were requested: decides what happens once they arrive."""

    LOGIN = "login"  # `l` / `L`: just refresh the session and its countdown
    SHELL = "shell"  # Enter: spawn a subshell
    COPY = "copy"  # `c`: copy export lines
    CONSOLE = "console"  # `o`: open the AWS console


@dataclass
class LoginCancelled(Message):
    """The person cancelled a prompt, or the login was given up: not an error."""

    profile: str


@dataclass
class LoginSucceeded(Message):
    profile: str
    purpose: Purpose
    credentials: Credentials = field(repr=False)
    # Every cached session after the login (sources and intermediate roles may have changed too).
    cached: Mapping[str, SessionInfo] = field(default_factory=dict, repr=False)


@dataclass
class LoginFailed(Message):
    profile: str
    purpose: Purpose
    error: XswitchError


@dataclass
class LoggedOut(Message):
    profiles: list[str]
    cached: Mapping[str, SessionInfo] = field(default_factory=dict, repr=False)


@dataclass
class MfaRequested(Message):
    """A login thread needs a one-time code; `reply` receives the code, or None when cancelled."""

    serial: str
    unlocks: list[str]
    reply: Future[str | None] = field(repr=False)


@dataclass
class MfaWithdrawn(Message):
    """The thread that asked stopped waiting (cancelled or timed out): close its modal."""

    reply: Future[str | None] = field(repr=False)


@dataclass
class DeviceCodeShown(Message):
    """An SSO login waits for approval in the browser; `cancel` gives that login up."""

    authorization: DeviceAuthorization
    cancel: threading.Event = field(repr=False)


@dataclass
class DeviceCodeDone(Message):
    """The login that showed a device code ended (its `cancel` event identifies it)."""

    cancel: threading.Event = field(repr=False)


@dataclass
class ConsoleLinkReady(Message):
    """A console sign-in link that was not opened in a browser: the app shows it to be copied."""

    profile: str
    url: str = field(repr=False)  # carries a sign-in token
    note: str = ""


@dataclass
class ConsoleFailed(Message):
    """Credentials were fine but the console sign-in step failed: not a session error."""

    profile: str
    error: XswitchError


# --- `S`: SSO sync --------------------------------------------------------------------------------


@dataclass
class SyncProgress(Message):
    """One more account of an SSO sync is known, with its roles (posted from discovery threads)."""

    session: str
    progress: Progress


@dataclass
class SyncFinished(Message):
    """The discovery was stored in config.toml; `catalog` is the configuration read afterwards."""

    session: str
    discovery: Discovery = field(repr=False)
    report: SyncReport
    catalog: Catalog = field(repr=False)


@dataclass
class SyncFailed(Message):
    session: str
    error: XswitchError


@dataclass
class SyncCancelled(Message):
    session: str
