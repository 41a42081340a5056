"""The full-screen picker: clients on the left, their profiles with live countdowns on the right.

Every AWS call goes through `SessionManager` in a thread worker; workers post messages and never
touch widgets. Nothing heavy (boto3, keyring) is imported before the first paint.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, InvalidStateError
from datetime import UTC, datetime
from functools import partial, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from xswitch.core import paths
from xswitch.core.errors import (
    CredentialError,
    PromptCancelled,
    SsoLoginRequired,
    XswitchError,
)
from xswitch.core.model import (
    Catalog,
    Client,
    Credentials,
    MfaSessionInfo,
    Profile,
    SsoSession,
)
from xswitch.core.text import visible
from xswitch.ui import recent
from xswitch.ui.board import DirectoryWatch, SessionBoard
from xswitch.ui.heap import StartupCollector
from xswitch.ui.jump import ClientNumber
from xswitch.ui.messages import (
    ConsoleFailed,
    ConsoleLinkReady,
    DeviceCodeDone,
    DeviceCodeShown,
    LoggedOut,
    LoginCancelled,
    LoginFailed,
    LoginSucceeded,
    MfaRequested,
    PassphraseRequested,
    PromptWithdrawn,
    Purpose,
    SyncCancelled,
    SyncFailed,
    SyncFinished,
    SyncProgress,
)
from xswitch.ui.palette import ClientProvider, ProfileProvider
from xswitch.ui.prompter import Abandoned, UiPrompter, call_abandonable
from xswitch.ui.sync import (
    SYNCING_KEY,
    SyncPreview,
    progress_line,
    run_sync,
    session_to_sync,
    summary_line,
)
from xswitch.ui.widgets.client_list import ClientList
from xswitch.ui.widgets.details import Details, details_text, no_profiles_text
from xswitch.ui.widgets.filter_input import FilterInput
from xswitch.ui.widgets.key_bar import KeyBar
from xswitch.ui.widgets.profile_table import ProfileHeader, ProfileTable
from xswitch.ui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from textual.screen import ModalScreen

    from xswitch.core.match import FuzzyIndex
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.screens.device_code import DeviceCodeScreen

# Help says more than the key bar has room for.
LONG_DESCRIPTIONS = {
    "refresh-client": "Refresh every live session of the selected client",
    "copy": "Copy export lines (for your $SHELL, else the shell setting)",
    "console": "Open the AWS console signed in as the profile",
    "reload": "Reload the configuration (AWS config and credentials, config.toml)",
    "sso-sync": "SSO sync: discover the accounts and roles of the profile's SSO session "
    "(asks which one when several exist)",
}
# What the key bar keeps when the terminal is too narrow for every hint.
ESSENTIAL_HINTS = ("help", "quit")

# Filter results beyond this many are not worth drawing: nobody scrolls past them, they refine.
FILTER_LIMIT = 200
# The profiles used last (core.recents), above the clients; not a client of the catalog.
RECENT = Client(key="\x00recent", name="Recent")
FILTER_PLACEHOLDER = "/ filter: client, profile, account, role, tag"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _opens_in_browser(url: str) -> bool:
    from xswitch.core.console import open_in_browser  # not at start-up: the picker's first frame

    return open_in_browser(url)


Handler = TypeVar("Handler", bound=Callable[..., None])


def unless_closing(handler: Handler) -> Handler:
    """For work that arrives on its own (a timer tick, a worker's message, a callback after a
    frame): dropped once the app is closing. Its screens are then being taken down one widget at a
    time, so the widgets it would update may be gone already."""

    @wraps(handler)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> None:
        app = self if isinstance(self, App) else self.app
        if isinstance(app, XswitchApp) and app.closing:
            return
        handler(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


class PickerScreen(Screen):
    """The main screen. The list has the focus from the start: by default the filter box, the
    first focusable widget, would take it, and moving it away restyled the box before the first
    frame. The clients column narrows in narrow terminals, leaving the profiles more room."""

    AUTO_FOCUS = "#profiles"
    _clients_width = 30  # as in the stylesheet

    def on_mount(self) -> None:
        self._fit_columns(self.app.size.width)

    # Toasts shown before a dialog opened would show through it: hidden while it is up.
    def on_screen_suspend(self) -> None:
        self.add_class("-covered")

    def on_screen_resume(self) -> None:
        self.remove_class("-covered")

    @unless_closing
    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns(event.size.width)
        for details in self.query(Details):
            details.fit()  # the room for the details changed with the screen

    def _fit_columns(self, width: int) -> None:
        self.app.fit_key_bar(width)  # type: ignore[attr-defined]
        clients = max(20, min(30, width // 4))
        if clients != self._clients_width:
            self._clients_width = clients
            self.styles.grid_columns = f"{clients} 1fr"


class XswitchApp(App[str | None]):
    """The picker. `clock` is injectable so that snapshots and tests see frozen countdowns."""

    # Absolute, so that subclasses defined elsewhere (tests, the demo) find it too.
    CSS_PATH = str(Path(__file__).with_name("xswitch.tcss"))
    COMMANDS: ClassVar = App.COMMANDS | {ProfileProvider, ClientProvider}
    # Toasts would cover the dialogs (a 24-line terminal has no room beside them): while a modal
    # is up they wait, and those not yet expired show when it closes.
    # (The toasts themselves: their rack sets its own `display` and `visibility`.)
    CSS = "ModalScreen Toast, PickerScreen.-covered Toast { display: none; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False),
        Binding("enter", "subshell", "Shell", id="subshell"),
        Binding("l", "login", "Log in", id="login"),
        Binding("L", "refresh_client", "Refresh all", id="refresh-client", show=False),
        Binding("c", "copy", "Copy", id="copy"),
        Binding("o", "console", "Console", id="console"),
        Binding("S", "sso_sync", "SSO sync", id="sso-sync"),
        Binding("x", "logout", "Log out", id="logout"),
        Binding("r", "region", "Region", id="region", show=False),
        Binding("w", "jump_window", "Go to its shell", id="jump-window", show=False),
        Binding("R", "reload", "Reload config", id="reload", show=False),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        # Textual only hints at another key on Ctrl+C; here it quits, in dialogs too.
        Binding("ctrl+c", "quit", "Quit", id="quit-ctrl-c", show=False, priority=True),
        Binding("right", "column('profiles')", "Profiles column", id="column-profiles", show=False),
        Binding("left", "column('clients')", "Clients column", id="column-clients", show=False),
        Binding("0", "client_number", "Jump to client 10+", id="client-number", show=False),
        *(
            Binding(
                str(n),
                f"jump_client({n})",
                f"Jump to client {n}",
                id=f"jump-client-{n}",
                show=False,
            )
            for n in range(1, 10)
        ),
    ]

    def __init__(
        self,
        catalog: Catalog,
        sessions: SessionManager,
        env: Mapping[str, str] = os.environ,
        clock: Callable[[], datetime] | None = None,
        *,
        title: str | None = None,
        subtitle: str | None = None,
        startup: StartupCollector | None = None,
        choose: bool = False,
    ) -> None:
        # `startup`: a collector the launcher paused before importing Textual (see ui.heap).
        # `choose`: Enter ends the picker with the profile's name (`xs` switches its shell).
        self.choose = choose
        self._collector = startup or StartupCollector()
        self._collector.pause()
        super().__init__()
        self.catalog = catalog
        self.sessions = sessions
        self.env = env
        self.clock = clock or _utc_now
        self.board = SessionBoard(catalog.settings.refresh_margin)
        self.heading = title or "xswitch"
        self.subheading = subtitle or ""
        self.title = self.heading
        self._shutdown_event = threading.Event()
        self._index: FuzzyIndex | None = None
        self._index_lock = threading.Lock()
        self._by_client: dict[str, list[str]] = {c.key: [] for c in catalog.clients}
        for profile in catalog.profiles.values():
            self._by_client.setdefault(profile.client, []).append(profile.name)
        # The "Recent" group on top: the last profiles any xswitch command used.
        from xswitch.core import recents

        self._recent = [name for name in recents.load(env) if name in catalog.profiles]
        self._by_client[RECENT.key] = self._recent
        self._shown_client: int | None = None
        self._client_number = ClientNumber()
        self._painted = False
        self._details_due = False
        # Part of the first frame, though it costs a little: a box mounted on the first '/' lost
        # the keys typed right after it on a busy machine.
        self._filter_box = FilterInput(placeholder=FILTER_PLACEHOLDER, id="filter")
        self._filter = ""
        # Modals answering a waiting login thread (MFA code, passphrase), by id of their reply.
        self._prompt_screens: dict[int, ModalScreen[str | None]] = {}
        self._device_screens: dict[int, DeviceCodeScreen] = {}
        self._chains: dict[str, list[str] | XswitchError] = {}
        # Profiles one MFA code unlocks: a scan of every profile, so found once per profile.
        self._unlocked: dict[str, list[str]] = {}
        # Console sign-in problems: shown in the details, not as a session error of the row.
        self._console_problems: dict[str, XswitchError] = {}
        self._sync: SyncPreview | None = None
        self._sync_status = ""
        self._sync_session = ""  # the SSO session the sync note is about
        # MFA sessions from the cache, read again when the board is (see _live_mfa).
        self._mfa_sessions: list[MfaSessionInfo] = []
        self._mfa_read = -1
        # Sessions whose saved SSO login the portal refused during a sync: `S` logs in anew.
        self._sync_refused: set[str] = set()
        if catalog.settings.theme == "light":
            self.theme = "textual-light"
        if env.get("NO_COLOR") is not None and not self.no_color:
            # Textual reads NO_COLOR from os.environ only; the picker honours the env it was given.
            from textual.filter import Monochrome

            self.no_color = True
            self._filters.append(Monochrome())

    # --- layout -------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return PickerScreen(id="_default")

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:
        # Notifications quote names and AWS answers: control characters are shown escaped.
        super().notify(visible(message, keep_newlines=True), title=visible(title), **options)

    def compose(self) -> ComposeResult:
        # A grid on the screen itself (see xswitch.tcss): every container costs time before the
        # first frame, so there is only the one the top bar needs.
        with Horizontal(id="top"):
            yield Static(Text(self.heading, style="bold"), id="heading")
            yield self._filter_box
            yield Static(Text(self.subheading), id="subheading")
        yield ClientList(self._client_rows(), id="clients", numbered_from=self._offset)
        yield ProfileHeader(id="profile-header")
        yield ProfileTable(self.catalog, self.board, self.clock, id="profiles")
        yield Details(id="details")
        self._key_bar_hints = self.key_hints(self.size.width)
        yield KeyBar(self._key_bar_hints, id="keys")

    def on_mount(self) -> None:
        # Logins and logouts of other xswitch processes show within a second or two: the session
        # cache directory is looked at (one stat) on every countdown tick.
        self._cache_watch = DirectoryWatch(self.sessions.store.directory)
        # Cached sessions are expiry metadata only (no keyring, no network): countdowns at once.
        try:
            self.board.load(self.sessions.cached_sessions())
        except XswitchError as error:
            self.notify(str(error), severity="warning", markup=False)
        from xswitch.core.regions import remembered

        self.profiles.regions = remembered(self.env)
        self._show_client(0)
        self._open_on_recent()
        self.profiles.focus()
        self._update_live_counts()
        self.set_interval(1.0, self._tick, name="countdown")

    def _open_on_recent(self) -> None:
        """Select the profile used last (by the picker or by any xswitch command), else the
        client the picker was left on, if they still exist."""
        from xswitch.core import recents

        client_key, name = recent.load(self.env)
        used = recents.load(self.env)
        if (
            used
            and used[0] in self.catalog.profiles
            and _newer(recents.recent_file(self.env), recent.recent_file(self.env))
        ):
            name = used[0]
        if name is not None and name in self.catalog.profiles:
            self.select_profile(name)
            return
        keys = [client.key for client in self._client_rows()]
        if client_key in keys:
            self.clients.move_cursor(keys.index(client_key))
            self._show_client(keys.index(client_key))

    def _remember(self, used: str | None = None) -> None:
        """Keep the profile just `used` (else the selection) and its client for the next start."""
        profile = self.catalog.profiles.get(used) if used else self.profiles.selected
        client = self.clients.selected if self._shown_client is not None and not used else None
        if client is None and profile is not None:
            client = self.catalog.client(profile.client)
        recent.save(client.key if client else None, profile.name if profile else None, self.env)
        if used and profile is not None:
            from xswitch.core import recents

            recents.record(profile.name, self.env)

    async def action_quit(self) -> None:
        self._remember()
        await super().action_quit()

    def on_ready(self) -> None:
        self._collector.settle()
        # The details are not part of the first frame: the rows are what is looked at first.
        self._painted = True
        self._update_details()
        self._prepare_index()
        self._say_if_nested()

    def _say_if_nested(self) -> None:
        """Started inside an xswitch shell: say so before anyone logs in (not a refusal)."""
        from xswitch.core.shell import in_subshell

        if not in_subshell(self.env):
            return
        where = visible(self.env.get("XSWITCH_PROFILE", ""))
        client = visible(self.env.get("XSWITCH_CLIENT", ""))
        self.notify(
            f"This picker runs inside the xswitch shell for '{where}'"
            + (f" ({client})" if client else "")
            + ". Logins, copies and the console work as usual; a new shell needs leaving this one "
            "first ('exit').",
            title="Inside an xswitch shell",
            severity="warning",
            markup=False,
            timeout=12,
        )

    @work(thread=True, group="index", exit_on_error=False)
    def _prepare_index(self) -> None:
        """Build the fuzzy index right after the first frame, so the first keystroke finds it."""
        self.profile_index()

    def on_unmount(self) -> None:
        self._shutdown_event.set()
        self._collector.release()

    @property
    def closing(self) -> bool:
        """True from the moment the app starts to close: `exit()` (q, Ctrl+C) or a shutdown
        without it (the test driver's), which takes the screens down while timers and messages
        still arrive."""
        return self._exit or not self.is_running

    @property
    def _main_screen(self) -> Screen:
        """The picker's own screen: widgets live there even while a modal is on top, and
        messages (cursor moves, worker results) keep arriving then."""
        return self.screen_stack[0]

    @property
    def profiles(self) -> ProfileTable:
        return self._main_screen.query_one("#profiles", ProfileTable)

    @property
    def clients(self) -> ClientList:
        return self._main_screen.query_one("#clients", ClientList)

    @property
    def filter_input(self) -> FilterInput:
        return self._filter_box

    def _forget_filter(self) -> None:
        """Empty the filter box (if there is one) without redrawing the list from it."""
        self._filter = ""
        if self._filter_box.value:
            with self._filter_box.prevent(Input.Changed):
                self._filter_box.value = ""

    # --- public helpers (palette, tests) ------------------------------------------------------

    def client_of(self, name: str) -> Client | None:
        profile = self.catalog.profiles.get(name)
        return self.catalog.client(profile.client) if profile else None

    def client_name_of(self, name: str) -> str:
        client = self.client_of(name)
        return client.name if client else ""

    def profile_index(self) -> FuzzyIndex:
        """The fuzzy index over every profile, built on first use."""
        with self._index_lock:
            if self._index is None:
                from xswitch.core.match import FuzzyIndex

                clients = {client.key: client for client in self.catalog.clients}
                self._index = FuzzyIndex(
                    [
                        (p.name, self._haystack(p, clients.get(p.client)))
                        for p in self.catalog.profiles.values()
                    ]
                )
            return self._index

    @staticmethod
    def _haystack(profile: Profile, client: Client | None) -> str:
        parts = [profile.name, client.name if client else profile.client]
        parts += [profile.account_id or "", profile.role_arn or "", *profile.tags]
        if client is not None:
            parts += client.tags
        return " ".join(part for part in parts if part)

    def select_profile(self, name: str) -> None:
        """Show `name` in its client's list with the cursor on it."""
        profile = self.catalog.profiles.get(name)
        if profile is None:
            return
        index = next((i for i, c in enumerate(self.catalog.clients) if c.key == profile.client), 0)
        index += self._offset
        self._forget_filter()
        self.clients.move_cursor(index)
        self._show_client(index)
        row = self.profiles.index_of(name)
        if row is not None:
            self.profiles.move_cursor(row)
        self.profiles.focus()

    # --- showing ------------------------------------------------------------------------------

    def _client_rows(self) -> tuple[Client, ...]:
        """The rows of the client list: Recent (when there are recents), then the clients."""
        return (RECENT, *self.catalog.clients) if self._recent else tuple(self.catalog.clients)

    @property
    def _offset(self) -> int:
        """Rows above client 1 (Recent): the jump keys keep their client numbers."""
        return 1 if self._recent else 0

    def _show_client(self, index: int) -> None:
        self._shown_client = index
        clients = self._client_rows()
        key = clients[index].key if clients else ""
        names = self._by_client.get(key, [])
        # Recent spans clients: the client column says whose each profile is.
        self.profiles.show(names, show_client=key == RECENT.key)

    def _apply_filter(self, query: str) -> None:
        self._filter = query.strip()
        if not self._filter:
            self._show_client(self.clients.cursor)
            return
        self._shown_client = None
        index = self.profile_index()
        # Highlights only for the rows drawn: a screenful, not all FILTER_LIMIT results.
        keys = [m.key for m in index.search(self._filter, limit=FILTER_LIMIT, positions=False)]
        self.profiles.show(keys, show_client=True, positions=index.highlights(self._filter, keys))

    @unless_closing
    def on_virtual_list_cursor_moved(self, event: VirtualList.CursorMoved) -> None:
        if event.sender is self.clients:
            # The list's cursor now, not the event's: a move posted before the picker selected
            # another client itself (the remembered one, at start) is stale.
            if self._shown_client != self.clients.cursor:
                self._forget_filter()
                self._show_client(self.clients.cursor)
        elif self._painted:
            self._update_details_after_frame()

    def _update_details_after_frame(self) -> None:
        """Update the details once the next frame is out: the rows a key changed are drawn first,
        and cursor moves in between cost one update. (The source chain and MFA unlocks of a
        profile take a scan of every profile the first time.)"""
        if not self._details_due:
            self._details_due = True
            self.call_after_refresh(self._update_details_now)

    @unless_closing
    def _update_details_now(self) -> None:
        self._details_due = False
        self._update_details()

    @unless_closing
    def on_input_changed(self, event: Input.Changed) -> None:
        # A value the box no longer shows was superseded by a key typed since: its search would be
        # drawn and replaced unseen.
        if event.input.id == "filter" and event.value == event.input.value:
            self._apply_filter(event.value)

    @unless_closing
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.profiles.focus()

    @unless_closing
    def on_filter_input_leave(self) -> None:
        self.profiles.focus()

    def _update_details(self) -> None:
        profile = self.profiles.selected
        details = self._main_screen.query_one("#details", Details)
        notes = [("sso sync", self._sync_status)] if self._sync_status else []
        if notes and self._sync is None and profile is not None:
            # The outcome of a sync is about its session's profiles only.
            session = self.sso_session_of(profile)
            if session is None or session.name != self._sync_session:
                notes = []
        if profile is None and not self.catalog.profiles:
            config = paths.config_file(self.env)
            details.show(no_profiles_text(paths.aws_config_file(self.env), config))
            return
        if profile is None and self._filter:
            details.show(Text(f"No profile matches “{self._filter}”.", style="dim"))
            return
        if profile is None:
            details.show(details_text(None, None, [], [], None, None, None, notes=notes))
            return
        if profile.name in self._console_problems:
            notes.insert(0, ("console", str(self._console_problems[profile.name])))
        now = self.clock()
        chain = self._chain(profile)
        error = self.board.errors.get(profile.name)
        if isinstance(chain, XswitchError):
            error, chain = error or chain, []
        details.show(
            details_text(
                profile,
                self.catalog.client(profile.client),
                chain,
                self._unlocks(profile),
                self.board.row(profile.name, now),
                self.board.expirations.get(profile.name),
                error,
                now,
                notes=notes,
                mfa=self._live_mfa(profile, now),
            )
        )

    def _live_mfa(self, profile: Profile, now: datetime) -> MfaSessionInfo | None:
        from xswitch.core.sessions import live_mfa_session

        if self._mfa_read != self.board.loads:
            self._mfa_read = self.board.loads
            try:
                self._mfa_sessions = self.sessions.mfa_sessions()
            except XswitchError:
                self._mfa_sessions = []
        return live_mfa_session(profile.name, self._mfa_sessions, now)

    def _chain(self, profile: Profile) -> list[str] | XswitchError:
        if self._sync is not None and self._sync.is_provisional(profile.name):
            return []  # the engine does not know it until the sync is stored
        if profile.name not in self._chains:
            try:
                self._chains[profile.name] = self.sessions.chain_description(profile)
            except XswitchError as error:
                self._chains[profile.name] = error
        return self._chains[profile.name]

    def _unlocks(self, profile: Profile) -> list[str]:
        if not profile.mfa_serial or profile.client == SYNCING_KEY:
            return []
        if profile.name not in self._unlocked:
            try:
                self._unlocked[profile.name] = self.sessions.unlocks(profile)
            except XswitchError:
                self._unlocked[profile.name] = []
        return self._unlocked[profile.name]

    @unless_closing
    def _tick(self) -> None:
        if self._cache_watch.changed():
            self._reload_sessions()
        self.profiles.tick()
        self._update_live_counts()
        self._mark_open_shells()
        selected = self.profiles.selected
        if selected is not None and selected.name in self.board.expirations:
            self._update_details()

    def _mark_open_shells(self) -> None:
        """Every few seconds: the profiles some shell or window uses (the agent's slots)."""
        self._shell_ticks = getattr(self, "_shell_ticks", 0) + 1
        if self._shell_ticks % 3 != 1:
            return
        from xswitch.core import agentlink

        if not agentlink.present(self.env):
            shells: frozenset[str] = frozenset()
        else:
            shells = frozenset(agentlink.open_shells(self.env))
        if shells != self.profiles.open_shells:
            self.profiles.open_shells = shells
            self.profiles.refresh()

    def _update_live_counts(self) -> None:
        now = self.clock()
        profiles = self.catalog.profiles
        live = Counter(
            profiles[name].client for name in self.board.live_profiles(now) if name in profiles
        )
        self.clients.set_live_counts(live)

    def _refresh_profile(self, name: str) -> None:
        self.profiles.refresh_profile(name)
        self._update_live_counts()
        selected = self.profiles.selected
        if selected is not None and selected.name == name:
            self._update_details()

    # --- actions ------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Keys are routed to the focused widget when the app takes them from its queue, not when
        # that widget handles them. After a burst (fast typing while the picker is busy starting
        # or searching) every key behind '/' would go to the list, where letters are commands
        # ('c' copies, 'o' opens the console). So '/' moves the focus before they are routed.
        if (
            isinstance(event, events.Key)
            and event.key == "slash"
            and not event.is_forwarded
            and self.screen is self._main_screen
            and self.focused is not self._filter_box
        ):
            event.stop()
            self.action_filter()
            return
        # Likewise Enter in the filter box: the keys typed right after it are for the list.
        if (
            isinstance(event, events.Key)
            and event.key == "enter"
            and not event.is_forwarded
            and self.screen is self._main_screen
            and self.focused is self._filter_box
        ):
            event.stop()
            self._main_screen.set_focus(self.profiles)  # now, as for '/'
            return
        if (
            isinstance(event, events.Key)
            and self._client_number.active
            and self._typed_client_number(event)
        ):
            event.stop()
            return
        await super().on_event(event)

    def _typed_client_number(self, event: events.Key) -> bool:
        """A key after `0`: True when it was part of the client number (and is used up)."""
        entry = self._client_number
        if self.screen is not self._main_screen or self.focused is self._filter_box:
            entry.stop()
        elif event.character and event.character.isdigit():
            number = entry.digit(event.character, len(self.catalog.clients))
            if number is None:
                self._show_number_typed(entry.digits or "")
            else:
                self._show_number_typed(None)
                self.action_jump_client(number)
            return True
        elif event.key in ("enter", "escape"):
            number = entry.enter() if event.key == "enter" else None
            entry.stop()
            self._show_number_typed(None)
            if number is not None:
                self.action_jump_client(number)
            return True
        entry.stop()
        self._show_number_typed(None)
        return False

    def _show_number_typed(self, digits: str | None) -> None:
        """The client number being typed, in the header (None: the usual header again)."""
        shown = f"client 0{digits}… (Enter jumps)" if digits is not None else self.subheading
        self._main_screen.query_one("#subheading", Static).update(Text(shown))

    def action_client_number(self) -> None:
        self._client_number.start()
        self._show_number_typed("")

    def action_column(self, column: str) -> None:
        """Left/Right: move between the clients and the profiles."""
        (self.clients if column == "clients" else self.profiles).focus()

    def action_filter(self) -> None:
        # Focus now, not on the next idle: keys typed right after '/' must land in the box.
        self._main_screen.set_focus(self._filter_box)

    def action_clear_filter(self) -> None:
        if self._filter_box.value:
            self._forget_filter()
            self._apply_filter("")
        self.profiles.focus()

    def action_jump_client(self, number: int) -> None:
        if not 1 <= number <= len(self.catalog.clients):
            if number > 9:
                self.notify(f"There is no client {number}.", markup=False)
            return
        self._forget_filter()
        self.clients.move_cursor(number - 1 + self._offset)
        self._show_client(number - 1 + self._offset)
        self.profiles.focus()

    def action_login(self) -> None:
        profile = self._selected_or_say()
        if profile is not None:
            # After the portal refused the saved SSO login, retrying with it would fail the same
            # way: start a new device login instead.
            relogin = isinstance(self.board.errors.get(profile.name), SsoLoginRequired)
            self.start_login(profile.name, Purpose.LOGIN, force_refresh=True, sso_login=relogin)

    def action_refresh_client(self) -> None:
        profile = self._selected_or_say()
        if profile is None:
            return
        client = self.client_of(profile.name)
        key = client.key if client else profile.client
        now = self.clock()
        live = [n for n in self._by_client.get(key, []) if self.board.is_live(n, now)]
        if not live:
            self.notify(
                "No live sessions to refresh for this client; 'l' logs in the selected profile.",
                markup=False,
            )
            return
        for name in live:
            self.start_login(name, Purpose.LOGIN, force_refresh=True)

    def action_copy(self) -> None:
        self._confirm_then(Purpose.COPY, "Copy export lines")

    def action_subshell(self) -> None:
        if self.focused is self.clients:
            # Enter on a client goes into its profiles, as Right does; a shell needs a profile.
            self.profiles.focus()
            return
        if self.choose:
            profile = self._selected_or_say()
            if profile is not None:
                self.exit(profile.name)
            return
        self._confirm_then(Purpose.SHELL, "A subshell")

    def action_console(self) -> None:
        profile = self._selected_or_say()
        if profile is not None:
            self._console_problems.pop(profile.name, None)
            self.start_login(profile.name, Purpose.CONSOLE)

    def action_reload(self) -> None:
        if self._sync is not None:
            self.notify(
                "An SSO sync is running: reload once it is stored (it reloads by itself).",
                markup=False,
            )
            return
        self._reload_worker()

    @work(thread=True, group="reload", exclusive=True, exit_on_error=False)
    def _reload_worker(self) -> None:
        """Re-read the configuration off the UI thread (thousands of profiles take a while)."""
        from xswitch.core.config import load_catalog

        try:
            catalog = load_catalog(self.env)
        except XswitchError as error:
            self.notify(
                f"{error} The configuration was not reloaded: the picker keeps the previous one.",
                title="Reload failed",
                severity="error",
                markup=False,
                timeout=12,
            )
            return
        self.call_from_thread(self._reloaded, catalog)

    @unless_closing
    def _reloaded(self, catalog: Catalog) -> None:
        if self._sync is not None:
            return  # a sync started meanwhile: it shows and stores its own catalog
        self.sessions.reload(catalog)
        self.board.refresh_margin = catalog.settings.refresh_margin
        self._show_catalog(catalog)
        self._reload_sessions()
        self.notify(
            f"Configuration reloaded: {len(catalog.profiles)} profiles, "
            f"{len(catalog.clients)} clients.",
            markup=False,
        )

    def action_logout(self) -> None:
        profile = self._selected_or_say()
        if profile is not None:
            self._logout_worker(profile.name)

    def action_region(self) -> None:
        """`r`: pick the region of the selected profile (remembered; every command uses it)."""
        profile = self._selected_or_say()
        if profile is None:
            return
        from xswitch.core import regions
        from xswitch.ui.screens.region import DEFAULT, RegionScreen

        picked = regions.remembered(self.env)

        def chosen(region: str | None) -> None:
            if region is None:
                return
            regions.remember(profile.name, None if region == DEFAULT else region, self.env)
            self.profiles.regions = regions.remembered(self.env)
            self.profiles.refresh()
            self._update_details()
            shown = regions.region_of(profile, self.env) or "none"
            self.notify(f"Region of {profile.name}: {shown}", markup=False)

        current = picked.get(profile.name)
        self.push_screen(RegionScreen(profile.name, current, profile.region), chosen)

    def action_jump_window(self) -> None:
        """`w`: go to a tmux window (or say where the shell is) that uses the selected role."""
        profile = self._selected_or_say()
        if profile is None:
            return
        from xswitch.core import agentlink, tmux

        pids = set(agentlink.open_shells(self.env).get(profile.name, []))
        if not pids:
            self.notify(f"No shell uses {profile.name} now.", markup=False)
            return
        try:
            window = tmux.window_of(pids, self.env) if tmux.in_tmux(self.env) else None
            if window is not None:
                tmux.select_window(window, self.env)
                return
        except XswitchError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        where = ", ".join(str(pid) for pid in sorted(pids))
        self.notify(
            f"{profile.name} is used by the shell with process id {where} (not a tmux window "
            "of this session).",
            markup=False,
        )

    def action_help(self) -> None:
        from xswitch.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.key_descriptions()))

    def key_hints(self, width: int | None = None) -> list[tuple[str, str]]:
        """The keys shown in the bottom bar (the rest are in help and the palette). Within
        `width`, hints give way from the right, but help, quit and the palette always show."""
        shown = [b for b in self.BINDINGS if isinstance(b, Binding) and b.show]
        hints = [(self.get_key_display(b), b.description) for b in shown]
        palette = ("ctrl+p", "Palette")

        def cells(hints: list[tuple[str, str]]) -> int:
            return sum(len(key) + len(description) + 4 for key, description in hints)

        if width is not None:
            optional = [i for i, b in enumerate(shown) if b.id not in ESSENTIAL_HINTS]
            while optional and cells([*hints, palette]) > width:
                hints.pop(optional.pop())  # the rightmost first: earlier indices hold
        return [*hints, palette]

    def fit_key_bar(self, width: int) -> None:
        """Redraw the key bar for a terminal `width` cells wide (when that changes it)."""
        hints = self.key_hints(width)
        if hints != self._key_bar_hints:
            self._key_bar_hints = hints
            self._main_screen.query_one("#keys", KeyBar).update(KeyBar.text(hints))

    def key_descriptions(self) -> list[tuple[str, str]]:
        keys: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id and binding.id.startswith("jump-client-"):
                if binding.id == "jump-client-1":
                    keys.append(("1–9, 0 N…", "Jump to client N (10 and beyond: 0 1 2 is 12)"))
                continue
            if binding.id in ("column-profiles", "column-clients", "client-number"):
                continue  # said once below
            if binding.id == "jump-window":
                continue  # with the region key: one line of help
            if binding.id == "region":
                keys.append(("r  w", "Region of the profile · go to the tmux window using it"))
                continue
            description = LONG_DESCRIPTIONS.get(binding.id or "", binding.description)
            keys.append((self.get_key_display(binding), description))
        keys += [
            ("↑ ↓ PgUp PgDn", "Move in the list"),
            ("← → Tab", "Switch between clients and profiles (Enter on a client too)"),
            ("ctrl+p", "Palette: every profile by name, every command"),
        ]
        return keys

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in ("quit",):
                continue  # the built-in list already has Quit
            if binding.id and binding.id.startswith("jump-client-"):
                continue  # the palette lists the clients that exist (ui.palette)
            if binding.id == "client-number" and len(self.catalog.clients) < 10:
                continue
            yield SystemCommand(
                binding.description,
                f"Key: {self.get_key_display(binding)}",
                partial(self.run_action, binding.action),
            )

    def _selected_or_say(self) -> Profile | None:
        profile = self.profiles.selected
        if profile is None:
            self.notify("No profile is selected.", severity="warning", markup=False)
        elif self._sync is not None and self._sync.is_provisional(profile.name):
            self.notify(
                f"{profile.name} was just discovered: it can be used once the SSO sync is stored.",
                severity="warning",
                markup=False,
            )
            return None
        return profile

    def _confirm_then(self, purpose: Purpose, what: str) -> None:
        profile = self._selected_or_say()
        if profile is None:
            return
        client = self.client_of(profile.name)
        if client is None or not client.prod:
            self.start_login(profile.name, purpose)
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.start_login(profile.name, purpose)
            else:
                self.notify("Cancelled: nothing was done.", markup=False)

        from xswitch.ui.screens.confirm import ConfirmProdScreen

        self.push_screen(ConfirmProdScreen(client.name, what, profile.name), confirmed)

    # --- logins -------------------------------------------------------------------------------

    def start_login(
        self, name: str, purpose: Purpose, *, force_refresh: bool = False, sso_login: bool = False
    ) -> None:
        """Obtain credentials for `name` in a thread worker; the outcome arrives as a message.

        `sso_login`: first a new SSO device login for the profile's session, whatever its token.
        """
        self.board.started(name)
        self._refresh_profile(name)
        self._remember(name)
        self.run_worker(
            partial(self._obtain, name, purpose, force_refresh, sso_login),
            name=f"{purpose.value} {name}",
            group=f"login:{purpose.value}",
            # A new Enter or copy replaces the previous one; background logins run side by side.
            exclusive=purpose in (Purpose.SHELL, Purpose.COPY),
            thread=True,
            exit_on_error=False,
        )

    def sso_session_of(self, profile: Profile) -> SsoSession | None:
        return self.catalog.sso_session_of(profile)

    def _obtain(self, name: str, purpose: Purpose, force_refresh: bool, sso_login: bool) -> None:
        worker = get_current_worker()
        cancel = threading.Event()
        prompter = UiPrompter(self, cancel, self._shutdown_event)

        def given_up() -> bool:
            if worker.is_cancelled or self._shutdown_event.is_set():
                cancel.set()
                return True
            return False

        def obtain() -> tuple[Credentials, Mapping]:
            session = self.sso_session_of(self.catalog.profiles[name]) if sso_login else None
            if session is not None:
                from xswitch.core.sso.auth import SsoAuth

                SsoAuth(session, self.env).login(prompter)
            creds = self.sessions.credentials(name, prompter, force_refresh=force_refresh)
            return creds, self.sessions.cached_sessions()

        try:
            creds, cached = call_abandonable(obtain, given_up, name=f"xswitch login {name}")
        except (Abandoned, PromptCancelled):
            self.post_message(LoginCancelled(name))
        except XswitchError as error:
            self.post_message(LoginFailed(name, purpose, error))
        except Exception as error:  # anything else still becomes words, never a crash
            self.post_message(
                LoginFailed(
                    name,
                    purpose,
                    CredentialError(
                        f"Logging in to '{name}' failed unexpectedly ({type(error).__name__}).",
                        "Try again; if it keeps failing, run 'xswitch login' with "
                        "XSWITCH_DEBUG=1 to see the details.",
                    ),
                )
            )
        else:
            self.post_message(LoginSucceeded(name, purpose, creds, cached))
        finally:
            if prompter.showed_device_code:
                self.post_message(DeviceCodeDone(cancel))

    @unless_closing
    def on_login_succeeded(self, message: LoginSucceeded) -> None:
        self.board.load(message.cached)
        self.board.succeeded(message.profile, message.credentials.expiration)
        profile = self.catalog.profiles[message.profile]
        session = self.sso_session_of(profile)
        if self._sync is None and session is not None and session.name == self._sync_session:
            self._sync_status = ""  # a sync note ("log in again") is no longer news
        self._refresh_profile(message.profile)
        if message.purpose is Purpose.SHELL:
            self._run_subshell(profile, message.credentials)
        elif message.purpose is Purpose.COPY:
            self._copy_exports(profile, message.credentials)
        elif message.purpose is Purpose.CONSOLE:
            self.notify(f"Signing in to the AWS console as {profile.name}…", markup=False)
            self._console_worker(profile, message.credentials)
        else:
            left = message.credentials.seconds_left(self.clock())
            until = f" (session for {int(left // 60)} min)" if left else ""
            self.notify(f"Logged in: {profile.name}{until}", markup=False)

    @unless_closing
    def on_login_failed(self, message: LoginFailed) -> None:
        self.board.failed(message.profile, message.error)
        self._refresh_profile(message.profile)
        title = "Console sign-in failed" if message.purpose is Purpose.CONSOLE else "Login failed"
        self.notify(str(message.error), title=title, severity="error", markup=False, timeout=10)

    @unless_closing
    def on_login_cancelled(self, message: LoginCancelled) -> None:
        self.board.busy.discard(message.profile)
        self._refresh_profile(message.profile)
        if not self._shutdown_event.is_set():
            self.notify(f"Login cancelled: {message.profile}", markup=False)

    @work(thread=True, group="logout", exit_on_error=False)
    def _logout_worker(self, name: str) -> None:
        try:
            forgotten = self.sessions.logout(name)
            cached = self.sessions.cached_sessions()
        except XswitchError as error:
            self.post_message(LoginFailed(name, Purpose.LOGIN, error))
            return
        self.post_message(LoggedOut(forgotten or [name], cached))

    @unless_closing
    def on_logged_out(self, message: LoggedOut) -> None:
        self.board.forget(message.profiles)
        self.board.load(message.cached)
        for name in message.profiles:
            self._refresh_profile(name)
        self.profiles.refresh()
        self.notify("Logged out: " + ", ".join(message.profiles), markup=False)

    # --- prompts from login threads ------------------------------------------------------------

    @unless_closing
    def on_mfa_requested(self, message: MfaRequested) -> None:
        from xswitch.ui.screens.mfa import MfaScreen

        screen = MfaScreen(message.serial, message.unlocks, message.problem)
        self._ask(screen, message.reply)

    @unless_closing
    def on_passphrase_requested(self, message: PassphraseRequested) -> None:
        from xswitch.ui.screens.passphrase import PassphraseScreen

        screen = PassphraseScreen(message.path, new=message.new, problem=message.problem)
        self._ask(screen, message.reply)

    def _ask(self, screen: ModalScreen[str | None], reply: Future[str | None]) -> None:
        """Show `screen`; its answer (None on Esc) goes to the thread waiting on `reply`."""
        if reply.done():
            return  # the thread gave up before the modal could be shown
        self._prompt_screens[id(reply)] = screen

        def answered(value: str | None) -> None:
            self._prompt_screens.pop(id(reply), None)
            _settle(reply, value)

        self.push_screen(screen, answered)

    @unless_closing
    def on_prompt_withdrawn(self, message: PromptWithdrawn) -> None:
        screen = self._prompt_screens.pop(id(message.reply), None)
        if screen is not None and screen is self.screen:
            screen.dismiss(None)

    @unless_closing
    def on_device_code_shown(self, message: DeviceCodeShown) -> None:
        from xswitch.ui.screens.device_code import DeviceCodeScreen

        screen = DeviceCodeScreen(message.authorization, message.cancel)
        self._device_screens[id(message.cancel)] = screen
        self.push_screen(screen)

    @unless_closing
    def on_device_code_done(self, message: DeviceCodeDone) -> None:
        screen = self._device_screens.pop(id(message.cancel), None)
        if screen is not None and screen is self.screen:
            screen.dismiss(None)

    # --- SSO sync (`S`) -----------------------------------------------------------------------

    def action_sso_sync(self) -> None:
        if self._sync is not None:
            self.notify(
                f"An SSO sync of '{self._sync.session.name}' is running already.", markup=False
            )
            return
        sessions = self.catalog.sso_sessions
        if not sessions:
            self.notify(
                "No SSO session is configured, so there is nothing to sync. Add an "
                "[sso-session NAME] section with sso_start_url and sso_region to ~/.aws/config, "
                "then press S again.",
                title="SSO sync",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        session = session_to_sync(self.catalog, self.profiles.selected)
        if session is not None:
            self.start_sync(session.name)
            return
        from xswitch.ui.screens.choose_session import ChooseSessionScreen

        def chosen(name: str | None) -> None:
            if name:
                self.start_sync(name)

        choices = [(s.name, s.start_url) for s in sessions.values()]
        self.push_screen(ChooseSessionScreen(sorted(choices)), chosen)

    def start_sync(self, session_name: str) -> None:
        """Sync the SSO session `session_name` in a thread worker; rows appear as they arrive."""
        session = self.catalog.sso_sessions.get(session_name)
        if session is None or self._sync is not None:
            return
        self._sync = SyncPreview(self.catalog, session)
        self._sync_session = session.name
        self._show_catalog(self._sync.catalog)
        self._set_sync_status(f"SSO sync {session.name}: listing accounts…")
        relogin = session.name in self._sync_refused
        self.run_worker(
            partial(self._sync_in_thread, session, relogin),
            name=f"sso sync {session.name}",
            group="sso-sync",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _sync_in_thread(self, session: SsoSession, relogin: bool) -> None:
        worker = get_current_worker()
        cancel = threading.Event()
        prompter = UiPrompter(self, cancel, self._shutdown_event)

        def given_up() -> bool:
            if worker.is_cancelled or self._shutdown_event.is_set():
                cancel.set()
                return True
            return cancel.is_set()

        def sync() -> tuple:
            return run_sync(
                session,
                self.env,
                prompter,
                relogin=relogin,
                rate=self.catalog.settings.sso_rate_limit,
                on_progress=lambda progress: self.post_message(
                    SyncProgress(session.name, progress)
                ),
                cancelled=given_up,
            )

        try:
            discovery, report, catalog = call_abandonable(
                sync, given_up, name=f"xswitch sso sync {session.name}"
            )
        except (Abandoned, PromptCancelled):
            self.post_message(SyncCancelled(session.name))
        except XswitchError as error:
            self.post_message(SyncFailed(session.name, error))
        except Exception as error:  # anything else still becomes words, never a crash
            self.post_message(
                SyncFailed(
                    session.name,
                    CredentialError(
                        f"The SSO sync of '{session.name}' failed unexpectedly "
                        f"({type(error).__name__}).",
                        "Try again; if it keeps failing, run 'xswitch sso sync' with "
                        "XSWITCH_DEBUG=1 to see the details.",
                    ),
                )
            )
        else:
            self.post_message(SyncFinished(session.name, discovery, report, catalog))
        finally:
            if prompter.showed_device_code:
                self.post_message(DeviceCodeDone(cancel))

    @unless_closing
    def on_sync_progress(self, message: SyncProgress) -> None:
        sync = self._sync
        if sync is None or sync.session.name != message.session:
            return  # a late message from a sync that already ended
        added = sync.add(message.progress.account)
        self._set_sync_status(progress_line(message.session, message.progress))
        if not added:
            return
        self._by_client.setdefault(SYNCING_KEY, []).extend(added)
        with self._index_lock:
            self._index = None  # rebuilt on the next filter keystroke, with the new rows
        self.clients.refresh()
        last = len(self._client_rows()) - 1
        if self._shown_client is not None and self._shown_client == last:
            selected = self.profiles.cursor
            self._show_client(self._shown_client)
            self.profiles.move_cursor(selected)

    @unless_closing
    def on_sync_finished(self, message: SyncFinished) -> None:
        self._sync = None
        self._sync_refused.discard(message.session)
        self.sessions.reload(message.catalog)  # the engine must know the new profiles too
        self._show_catalog(message.catalog)
        line = summary_line(message.session, message.discovery, message.report)
        self._set_sync_status(line, done=True)
        self.notify(line, title="SSO sync", markup=False, timeout=8)

    @unless_closing
    def on_sync_failed(self, message: SyncFailed) -> None:
        self._end_sync_preview()
        error = message.error
        line = f"SSO sync {message.session} failed: {error}"
        if isinstance(error, SsoLoginRequired):
            self._sync_refused.add(message.session)
            line += " Press S to log in again (device code) and sync."
        self._set_sync_status(line, done=True)
        self.notify(line, title="SSO sync failed", severity="error", markup=False, timeout=10)

    @unless_closing
    def on_sync_cancelled(self, message: SyncCancelled) -> None:
        self._end_sync_preview()
        self._set_sync_status("", done=True)
        if not self._shutdown_event.is_set():
            self.notify(
                f"SSO sync of '{message.session}' cancelled: nothing was stored.", markup=False
            )

    def _end_sync_preview(self) -> None:
        if self._sync is not None:
            before, self._sync = self._sync.before, None
            self._show_catalog(before)

    def _set_sync_status(self, line: str, *, done: bool = False) -> None:
        """The sync's progress in the header while it runs; its outcome stays in the details."""
        self._sync_status = line
        header = "" if done else line
        self._main_screen.query_one("#subheading", Static).update(Text(header or self.subheading))
        self._update_details()

    def _show_catalog(self, catalog: Catalog) -> None:
        """Show `catalog` instead of the current one, keeping the client, filter and selection."""
        selected = self.profiles.selected
        shown = self.clients.selected if self._shown_client is not None else None
        self.catalog = catalog
        self.profiles.catalog = catalog
        self._by_client = {c.key: [] for c in catalog.clients}
        for profile in catalog.profiles.values():
            self._by_client.setdefault(profile.client, []).append(profile.name)
        self._recent = [name for name in self._recent if name in catalog.profiles]
        self._by_client[RECENT.key] = self._recent
        with self._index_lock:
            self._index = None
        self._chains.clear()
        self._unlocked.clear()
        rows = self._client_rows()
        keys = [c.key for c in rows]
        index = keys.index(shown.key) if shown is not None and shown.key in keys else 0
        self.clients.set_clients(rows, index, numbered_from=self._offset)
        if self._filter:
            self._apply_filter(self._filter)
        else:
            self._show_client(index)
        if selected is not None:
            row = self.profiles.index_of(selected.name)
            if row is not None:
                self.profiles.move_cursor(row)
        self._update_live_counts()
        self._update_details()

    # --- what credentials are for -----------------------------------------------------------

    # Replaceable so that tests see the link instead of a browser opening. Not App.open_url,
    # which Textual's widgets call with another signature and no answer.
    open_in_browser: Callable[[str], bool] = staticmethod(_opens_in_browser)

    @work(thread=True, group="console", exclusive=True, exit_on_error=False)
    def _console_worker(self, profile: Profile, creds: Credentials) -> None:
        from xswitch.core.console import chained_role, federation_login_url, switch_role_url

        endpoint = self.env.get("XSWITCH_SIGNIN_ENDPOINT")
        demo = bool(self.env.get("XSWITCH_DEMO"))
        if demo and not endpoint:
            # The demo's local AWS has no console: show what the link would look like.
            url = switch_role_url(profile.account_id or "000000000000", profile.role_name or "")
            note = (
                "The demo runs on a local AWS without a console. On real AWS, 'o' opens the "
                "console signed in as this profile; this is its switch-role link."
            )
            self.post_message(ConsoleLinkReady(profile.name, url, note))
            return
        try:
            url = federation_login_url(
                creds, self._region(profile), chained=chained_role(creds), endpoint=endpoint
            )
        except XswitchError as error:
            # The session is fine (it was just obtained): only the sign-in step failed.
            self.post_message(ConsoleFailed(profile.name, error))
            return
        if not demo and self.open_in_browser(url):
            self.notify(f"Opened the AWS console for {profile.name}.", markup=False)
            return
        note = (
            "The demo has no browser to open: copy this sign-in link (valid for 15 minutes)."
            if demo
            else "No web browser could be opened here: copy this sign-in link (valid for 15 "
            "minutes, once) into a browser."
        )
        self.post_message(ConsoleLinkReady(profile.name, url, note))

    @unless_closing
    def on_console_failed(self, message: ConsoleFailed) -> None:
        self._console_problems[message.profile] = message.error
        self._refresh_profile(message.profile)
        self.notify(
            str(message.error),
            title="Console sign-in failed",
            severity="error",
            markup=False,
            timeout=10,
        )

    @unless_closing
    def on_console_link_ready(self, message: ConsoleLinkReady) -> None:
        from xswitch.ui.screens.link import LinkScreen

        self.push_screen(LinkScreen(f"AWS console: {message.profile}", message.note, message.url))

    def _region(self, profile: Profile) -> str | None:
        from xswitch.core.regions import region_of

        return region_of(profile, self.env)

    def _run_subshell(self, profile: Profile, creds: Credentials) -> None:
        # Imported here: only a subshell needs them, and the first paint should not wait for them.
        import shlex
        import shutil
        import tempfile

        from xswitch.core import shell

        client = self.catalog.client(profile.client)
        client_name = client.name if client else profile.client
        prod = bool(client and client.prod)
        from xswitch.core import tmux

        if tmux.in_tmux(self.env):
            # Inside tmux: a window of its own, and the picker stays open.
            from xswitch.core import agentlink

            try:
                slot = agentlink.endpoint_variables(self.env, profile.name, os.getpid(), creds)
                title = tmux.window_title(client_name, profile.name)
                region = self._region(profile)
                tmux.open_window(slot["XSWITCH_SLOT"], title, prod, self.env, region)
            except XswitchError as error:
                self.notify(str(error), severity="error", markup=False)
            return
        if shell.in_subshell(self.env):
            self.notify(
                f"This picker runs inside the xswitch subshell for "
                f"'{self.env.get('XSWITCH_PROFILE')}'. Leave it ('exit') and start the picker "
                "again to open another subshell.",
                severity="warning",
                markup=False,
            )
            return
        from xswitch.core import agentlink

        endpoint = None  # the agent's endpoint: the subshell's SDKs renew by themselves
        try:
            endpoint = agentlink.endpoint_variables(self.env, profile.name, os.getpid(), creds)
        except XswitchError as error:
            self.notify(f"{error} The subshell gets the session's keys instead.", markup=False)
        env = shell.subshell_env(
            self.env,
            None if endpoint else creds,
            self._region(profile),
            profile.name,
            client_name,
            prod,
            endpoint,
        )
        shell_path = self.env.get("SHELL") or shutil.which("bash") or "/bin/sh"
        problem: XswitchError | None = None
        try:
            with self.suspend(), tempfile.TemporaryDirectory(prefix="xswitch-") as tmp:
                argv, extra = shell.subshell_command(
                    shell_path,
                    f"{client_name}/{profile.name}",
                    prod,
                    Path(tmp),
                    env=self.env,
                    margin=self.catalog.settings.refresh_margin,
                )
                print(
                    f"Entering a subshell for {client_name}/{profile.name}; "
                    "type 'exit' to come back to the picker.",
                    flush=True,
                )
                try:
                    shell.run_subshell(argv, {**env, **extra})
                except XswitchError as error:
                    problem = error
        except SuspendNotSupported:
            command = "xswitch exec " + shlex.quote(profile.name)
            self.copy_to_clipboard(command)
            self.notify(
                "This terminal cannot hand over to a subshell (the picker runs headless or in a "
                f"browser). The session is ready: run '{command}' in a terminal — the command is "
                "on the clipboard.",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        finally:
            if endpoint is not None:
                agentlink.release(self.env, endpoint["XSWITCH_SLOT"])
        if problem is not None:
            self.notify(str(problem), severity="error", markup=False)
        self._reload_sessions()

    def _reload_sessions(self) -> None:
        """Re-read every cached session: after a subshell, or when another xswitch (a second
        picker, a command in another terminal) logged in or out."""
        try:
            self.board.load(self.sessions.cached_sessions())
        except XswitchError as error:
            self.notify(str(error), severity="warning", markup=False)
        self.profiles.refresh()
        self._update_live_counts()
        self._update_details()
        self.refresh()

    def _copy_exports(self, profile: Profile, creds: Credentials) -> None:
        from xswitch.core.shell import choose_shell, export_lines

        syntax = choose_shell(None, self.env, self.catalog.settings.shell)
        lines = export_lines(creds, self._region(profile), syntax)
        self._clipboard_worker(lines, f"{syntax} export lines for {profile.name}")

    @work(thread=True, group="clipboard", exclusive=True, exit_on_error=False)
    def _clipboard_worker(self, text: str, what: str) -> None:
        # The system clipboard runs xclip/wl-copy/pbcopy: off the UI thread. Without one, the
        # terminal's clipboard sequence (OSC 52) is sent from the UI thread.
        from xswitch.core.clipboard import Route, copy

        copied = copy(
            text,
            terminal=lambda t: self.call_from_thread(self.copy_to_clipboard, t),
            env=self.env,
        )
        severity = "warning" if copied.route is Route.NONE else "information"
        self.notify(copied.describe(what), severity=severity, markup=False, timeout=8)


def _settle(reply: Future[str | None], value: str | None) -> None:
    """Answer a waiting thread unless it already gave up."""
    try:
        if not reply.done():
            reply.set_result(value)
    except InvalidStateError:
        pass  # cancelled by the waiting thread in the meantime


def _newer(first: Path, second: Path) -> bool:
    """Whether `first` was written after `second` (a missing file is older than any)."""
    try:
        mine = first.stat().st_mtime_ns
    except OSError:
        return False
    try:
        return mine > second.stat().st_mtime_ns
    except OSError:
        return True
