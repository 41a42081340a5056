"""The picker's thread workers. Each calls core and posts one typed message to the node that
started it (the picker's screen); none touches a widget. A worker that fails (an exception) or is
given up (cancelled, Esc on its prompt, the app closing) ends with its state changed, and the one
handler of that (`PickerScreen.on_worker_state_changed`) posts what `failure_message` makes of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from xswitch.core.errors import CredentialError, PromptCancelled, XswitchError
from xswitch.core.model import Credentials, Profile, SsoSession
from xswitch.ui.messages import (
    CatalogNotices,
    ClientAdded,
    ConsoleFailed,
    ConsoleLinkReady,
    ConsoleOpened,
    CopyDone,
    DeviceCodeDone,
    Diagnosed,
    LoggedOut,
    LoginCancelled,
    LoginFailed,
    LoginSucceeded,
    Purpose,
    Reloaded,
    ReloadFailed,
    SyncCancelled,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from xswitch.ui.prompter import Abandoned, UiPrompter, call_abandonable

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from xswitch.core.onboard import ClientSpec
    from xswitch.ui.app import XswitchApp

T = TypeVar("T")


class Job(NamedTuple):
    """What a worker does, for the words of its failure."""

    kind: str  # login, sync, logout, console, reload, clipboard, index, catalogs
    subject: str = ""  # the profile or SSO session it is about
    purpose: Purpose = Purpose.LOGIN


_JOBS: WeakKeyDictionary[Worker, Job] = WeakKeyDictionary()


def start(
    node: DOMNode, job: Job, work: Callable[[], None], *, group: str, exclusive: bool = False
) -> Worker:
    """Run `work` in a thread worker of `node`; its failure is worded by `failure_message`."""
    worker = node.run_worker(
        work,
        name=f"{job.kind} {job.subject}".strip(),
        group=group,
        exclusive=exclusive,
        thread=True,
        exit_on_error=False,
    )
    _JOBS[worker] = job
    return worker


def failure_message(worker: Worker) -> Message | None:
    """The message that says how `worker` ended, when it failed or was given up."""
    job = _JOBS.get(worker)
    if job is None or worker.state not in (WorkerState.ERROR, WorkerState.CANCELLED):
        return None
    error = worker.error
    if worker.state is WorkerState.CANCELLED or isinstance(error, Abandoned | PromptCancelled):
        return _given_up(job)
    if not isinstance(error, XswitchError):
        error = _unexpected(job, error)
    if job.kind == "login":
        return LoginFailed(job.subject, job.purpose, error)
    if job.kind == "logout":
        return LoginFailed(job.subject, Purpose.LOGIN, error)
    if job.kind == "sync":
        return SyncFailed(job.subject, error)
    if job.kind == "console":
        return ConsoleFailed(job.subject, error)
    if job.kind == "reload":
        return ReloadFailed(error)
    return None


def _given_up(job: Job) -> Message | None:
    if job.kind == "login":
        return LoginCancelled(job.subject)
    if job.kind == "sync":
        return SyncCancelled(job.subject)
    return None


def _unexpected(job: Job, error: BaseException | None) -> XswitchError:
    """Anything else still becomes words, never a crash."""
    kind = type(error).__name__
    if job.kind == "sync":
        return CredentialError(
            f"The SSO sync of '{job.subject}' failed unexpectedly ({kind}).",
            "Try again; if it keeps failing, run 'xswitch sso sync' with XSWITCH_DEBUG=1 to see "
            "the details.",
        )
    return CredentialError(
        f"Logging in to '{job.subject}' failed unexpectedly ({kind}).",
        "Try again; if it keeps failing, run 'xswitch login' with XSWITCH_DEBUG=1 to see the "
        "details.",
    )


class Waiting:
    """A worker thread's prompter (modals on the app) and its way of giving up: the worker
    cancelled or the app closing; with `abandon_on_cancel`, Esc on its device-code dialog too
    (otherwise the login notices that itself)."""

    def __init__(self, app: XswitchApp, *, abandon_on_cancel: bool) -> None:
        self.app = app
        self.worker = get_current_worker()
        self.cancel = threading.Event()
        self.prompter = UiPrompter(app, self.cancel, app.shutdown_event)
        self.abandon_on_cancel = abandon_on_cancel

    def given_up(self) -> bool:
        if self.worker.is_cancelled or self.app.shutdown_event.is_set():
            self.cancel.set()
            return True
        return self.abandon_on_cancel and self.cancel.is_set()

    def run(self, function: Callable[[], T], name: str) -> T:
        """`function()` in a thread this one stops waiting for once given up (`Abandoned`)."""
        try:
            return call_abandonable(function, self.given_up, name=name)
        finally:
            if self.prompter.showed_device_code:
                self.app.post_message(DeviceCodeDone(self.cancel))


def obtain(
    app: XswitchApp,
    node: DOMNode,
    name: str,
    purpose: Purpose,
    *,
    force_refresh: bool = False,
    sso_login: bool = False,
) -> None:
    """Credentials for `name`. `sso_login`: first a new device login for its SSO session."""
    waiting = Waiting(app, abandon_on_cancel=False)
    prompter = waiting.prompter

    def obtain() -> tuple[Credentials, Any]:
        profile = app.catalog.profiles[name]
        session = app.catalog.sso_session_of(profile) if sso_login else None
        if session is not None:
            from xswitch.core.browser import parse_browser
            from xswitch.core.sso.auth import SsoAuth

            browser = parse_browser(app.catalog.settings.browser)
            SsoAuth(session, app.env, browser=browser).login(prompter)
        creds = app.sessions.credentials(name, prompter, force_refresh=force_refresh)
        return creds, app.sessions.cached_sessions()

    creds, cached = waiting.run(obtain, name=f"xswitch login {name}")
    node.post_message(LoginSucceeded(name, purpose, creds, cached))


def sync(app: XswitchApp, node: DOMNode, session: SsoSession, relogin: bool) -> None:
    """Discover and store the accounts of `session`; each account as it arrives, then the
    configuration read back."""
    from xswitch.core.actions.uses import sync_sso
    from xswitch.core.config import load_catalog

    waiting = Waiting(app, abandon_on_cancel=True)

    def sync() -> tuple[Any, Any]:
        return sync_sso(
            session,
            app.env,
            waiting.prompter,
            relogin=relogin,
            rate=app.catalog.settings.sso_rate_limit,
            on_progress=lambda progress: node.post_message(SyncProgress(session.name, progress)),
            cancelled=waiting.given_up,
        )

    discovery, report = waiting.run(sync, name=f"xswitch sso sync {session.name}")
    node.post_message(SyncFinished(session.name, discovery, report, load_catalog(app.env)))


def logout(app: XswitchApp, node: DOMNode, name: str) -> None:
    forgotten = app.sessions.logout(name)
    node.post_message(LoggedOut(forgotten or [name], app.sessions.cached_sessions()))


def reload(app: XswitchApp, node: DOMNode) -> None:
    """Re-read the configuration off the UI thread (thousands of profiles take a while)."""
    from xswitch.core.config import load_catalog

    node.post_message(Reloaded(load_catalog(app.env)))


def catalog_updates(app: XswitchApp, node: DOMNode) -> None:
    """After the first frame: start the shared catalogs' background pull if one is due (a
    detached process), and say what their last updates left to tell."""
    from xswitch.core.catalogs.updates import after_load

    lines = after_load(app.catalog, app.env)
    if lines:
        node.post_message(CatalogNotices(lines))


def console(
    app: XswitchApp,
    node: DOMNode,
    profile: Profile,
    creds: Credentials,
    service: str | None = None,
) -> None:
    """A console sign-in link for `creds`: opened in the client's browser (a one-time loopback
    address, so the link stays off command lines), else shown to be copied."""
    from xswitch.core.actions import uses as actions

    endpoint = app.env.get("XSWITCH_SIGNIN_ENDPOINT")
    if app.demo and not endpoint:
        # The demo's local AWS has no console: show what the link would look like.
        note = (
            "The demo runs on a local AWS without a console. On real AWS, 'o' opens the "
            "console signed in as this profile; this is its switch-role link."
        )
        node.post_message(ConsoleLinkReady(profile.name, actions.demo_console_url(profile), note))
        return
    # An error here is about the sign-in step only: the session was just obtained.
    link = actions.console_link(app.catalog, profile, creds, app.env, service=service)
    notice = link.chained_notice(profile.name) if link.chained else ""
    if not app.demo and _open_console(app, profile, link.url):
        node.post_message(ConsoleOpened(profile.name, notice))
        return
    note = (
        "The demo has no browser to open: copy this sign-in link (valid for 15 minutes)."
        if app.demo
        else "No web browser could be opened here: copy this sign-in link (valid for 15 "
        "minutes, once) into a browser."
    )
    node.post_message(ConsoleLinkReady(profile.name, url=link.url, note=f"{note} {notice}".strip()))


def _open_console(app: XswitchApp, profile: Profile, url: str) -> bool:
    if app.open_in_browser is not None:  # a test's stand-in
        return app.open_in_browser(url)
    from xswitch.core.browser import browser_for
    from xswitch.core.handoff import open_secret_url

    client = app.catalog.client(profile.client)
    browser = browser_for(app.catalog.settings.browser, client)
    return open_secret_url(url, browser, client, app.env, profile.name) is not None


def clipboard(app: XswitchApp, node: DOMNode, text: str, what: str) -> None:
    """The system clipboard runs xclip/wl-copy/pbcopy: off the UI thread. Without one, the
    terminal's clipboard sequence (OSC 52) is sent from the UI thread."""
    from xswitch.core.clipboard import Route, copy

    copied = copy(
        text, terminal=lambda t: app.call_from_thread(app.copy_to_clipboard, t), env=app.env
    )
    node.post_message(CopyDone(copied.describe(what), copied.route is not Route.NONE))


def doctor(app: XswitchApp, node: DOMNode, profile: Profile) -> None:
    """doctor's checks of `profile` (`d`); anything unexpected is a failed check, not a stuck
    'testing...'."""
    from xswitch.core.doctor import Check, Status, diagnose

    waiting = Waiting(app, abandon_on_cancel=False)
    try:
        checks = diagnose(profile, app.catalog, waiting.prompter, app.env)
    except PromptCancelled:
        checks = [Check(profile.name, "doctor", Status.FAIL, "cancelled at a prompt")]
    except XswitchError as error:
        checks = [Check(profile.name, "doctor", Status.FAIL, error.message, fix=error.hint)]
    except Exception as error:
        checks = [
            Check(
                profile.name,
                "doctor",
                Status.FAIL,
                f"stopped unexpectedly ({type(error).__name__})",
                fix="Run 'xswitch doctor' with XSWITCH_DEBUG=1 to see the details.",
            )
        ]
    node.post_message(Diagnosed(profile.name, checks))


def add_client(app: XswitchApp, node: DOMNode, spec: ClientSpec, generated: bool) -> None:
    """Write the client of the form (`a`) to config.toml and read the configuration back."""
    from xswitch.core.config import load_catalog
    from xswitch.core.onboard import write_client
    from xswitch.core.paths import config_file

    try:
        write_client(config_file(app.env), spec)
        catalog = load_catalog(app.env)
    except XswitchError as error:
        app.notify(str(error), title="The client was not added", severity="error", markup=False)
        return
    node.post_message(ClientAdded(catalog, spec, generated))
