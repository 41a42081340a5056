"""Typed messages from worker threads (logins, console, SSO sync) to the app, which alone touches
widgets.

Plain `Message` subclasses rather than dataclasses: the picker imports this module before its first
frame, and generating dataclass methods for every message class cost several milliseconds there.
Their repr shows no fields, so credentials and sign-in links never end up in a log line.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from enum import StrEnum
from typing import TYPE_CHECKING

from textual.message import Message

from xswitch.core.errors import XswitchError
from xswitch.core.model import Catalog, Credentials, DeviceAuthorization, SessionInfo

if TYPE_CHECKING:
    # Only for annotations: discovery pulls in the SSO client code, not needed before a sync.
    from xswitch.core.doctor import Check
    from xswitch.core.onboard import ClientSpec
    from xswitch.core.sso.discovery import Discovery, Progress, SyncReport


class Purpose(StrEnum):
    """Why credentials were requested: decides what happens once they arrive."""

    LOGIN = "login"  # `l` / `L`: just refresh the session and its countdown
    SHELL = "shell"  # Enter: spawn a subshell
    COPY = "copy"  # `c`: copy export lines
    CONSOLE = "console"  # `o`: open the AWS console


class LoginCancelled(Message):
    """The person cancelled a prompt, or the login was given up: not an error."""

    def __init__(self, profile: str) -> None:
        super().__init__()
        self.profile = profile


class LoginSucceeded(Message):
    def __init__(
        self,
        profile: str,
        purpose: Purpose,
        credentials: Credentials,
        cached: Mapping[str, SessionInfo] | None = None,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.purpose = purpose
        self.credentials = credentials
        # Every cached session after the login (sources and intermediate roles may have changed).
        self.cached: Mapping[str, SessionInfo] = cached or {}


class LoginFailed(Message):
    def __init__(self, profile: str, purpose: Purpose, error: XswitchError) -> None:
        super().__init__()
        self.profile = profile
        self.purpose = purpose
        self.error = error


class LoggedOut(Message):
    def __init__(
        self, profiles: list[str], cached: Mapping[str, SessionInfo] | None = None
    ) -> None:
        super().__init__()
        self.profiles = profiles
        self.cached: Mapping[str, SessionInfo] = cached or {}


class MfaRequested(Message):
    """A login thread needs a one-time code; `reply` receives the code, or None when cancelled.
    `problem`: why the previous code was refused, or None."""

    def __init__(
        self,
        serial: str,
        unlocks: list[str],
        reply: Future[str | None],
        problem: str | None = None,
    ) -> None:
        super().__init__()
        self.serial = serial
        self.unlocks = unlocks
        self.reply = reply
        self.problem = problem


class PassphraseRequested(Message):
    """A login thread needs the passphrase of the encrypted keyring file at `path`; `reply`
    receives it, or None when cancelled. `new`: the file is being created (asked twice)."""

    def __init__(
        self, path: str, new: bool, problem: str | None, reply: Future[str | None]
    ) -> None:
        super().__init__()
        self.path = path
        self.new = new
        self.problem = problem
        self.reply = reply


class PromptWithdrawn(Message):
    """The thread that asked (MFA code, passphrase) stopped waiting: close its modal."""

    def __init__(self, reply: Future[str | None]) -> None:
        super().__init__()
        self.reply = reply


class DeviceCodeShown(Message):
    """An SSO login waits for approval in the browser; `cancel` gives that login up."""

    def __init__(self, authorization: DeviceAuthorization, cancel: threading.Event) -> None:
        super().__init__()
        self.authorization = authorization
        self.cancel = cancel


class DeviceCodeDone(Message):
    """The login that showed a device code ended (its `cancel` event identifies it)."""

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()
        self.cancel = cancel


class ConsoleLinkReady(Message):
    """A console sign-in link that was not opened in a browser: the app shows it to be copied."""

    def __init__(self, profile: str, url: str, note: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.url = url  # carries a sign-in token
        self.note = note


class ConsoleFailed(Message):
    """Credentials were fine but the console sign-in step failed: not a session error."""

    def __init__(self, profile: str, error: XswitchError) -> None:
        super().__init__()
        self.profile = profile
        self.error = error


# --- `S`: SSO sync --------------------------------------------------------------------------------


class SyncProgress(Message):
    """One more account of an SSO sync is known, with its roles (posted from discovery threads)."""

    def __init__(self, session: str, progress: Progress) -> None:
        super().__init__()
        self.session = session
        self.progress = progress


class SyncFinished(Message):
    """The discovery was stored in config.toml; `catalog` is the configuration read afterwards."""

    def __init__(
        self, session: str, discovery: Discovery, report: SyncReport, catalog: Catalog
    ) -> None:
        super().__init__()
        self.session = session
        self.discovery = discovery
        self.report = report
        self.catalog = catalog


class SyncFailed(Message):
    def __init__(self, session: str, error: XswitchError) -> None:
        super().__init__()
        self.session = session
        self.error = error


class SyncCancelled(Message):
    def __init__(self, session: str) -> None:
        super().__init__()
        self.session = session


class ConsoleOpened(Message):
    """A browser took the console sign-in link; `note` is what to know about that console (a
    chained role's one-hour limit and its alternative)."""

    def __init__(self, profile: str, note: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.note = note


class Reloaded(Message):
    """The configuration was read again (`R`)."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog


class ReloadFailed(Message):
    def __init__(self, error: XswitchError) -> None:
        super().__init__()
        self.error = error


class CatalogNotices(Message):
    """What the shared catalogs have to say after start-up (a failed update, each told once)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class CopyDone(Message):
    """Export lines went to a clipboard (or nowhere): `sentence` says which."""

    def __init__(self, sentence: str, copied: bool) -> None:
        super().__init__()
        self.sentence = sentence
        self.copied = copied


class Diagnosed(Message):
    """doctor's checks of a profile (`d`)."""

    def __init__(self, profile: str, checks: list[Check]) -> None:
        super().__init__()
        self.profile = profile
        self.checks = checks


class ClientAdded(Message):
    """A client from the form (`a`) was written; `catalog` is the configuration read back."""

    def __init__(self, catalog: Catalog, spec: ClientSpec, generated: bool) -> None:
        super().__init__()
        self.catalog = catalog
        self.spec = spec
        self.generated = generated
