"""The picker's screen, its view part: layout, the list of clients and their profiles, the filter,
client jumps, the details pane and the countdown. What the keys do to sessions is added on top
(`ui.profile_actions`, `ui.sync_actions`, assembled in `ui.screen`).

Over 400 lines for a reason: the lists, the filter, the Recent group and the details pane move
together (a cursor move or a key in one redraws the others), so they stay in one view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static

from xswitch.core import paths
from xswitch.core.errors import XswitchError
from xswitch.core.model import Catalog, Profile
from xswitch.ui import recent
from xswitch.ui.board import DirectoryWatch
from xswitch.ui.closing import unless_closing
from xswitch.ui.facts import ProfileFacts
from xswitch.ui.jump import ClientNumber
from xswitch.ui.sync import SyncPreview
from xswitch.ui.widgets.client_list import ClientList
from xswitch.ui.widgets.details import Details, details_text, no_profiles_text
from xswitch.ui.widgets.filter_input import FilterInput
from xswitch.ui.widgets.key_bar import KeyBar
from xswitch.ui.widgets.profile_table import ProfileHeader, ProfileTable
from xswitch.ui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.app import XswitchApp
    from xswitch.ui.board import SessionBoard

# Filter results beyond this many are not worth drawing: nobody scrolls past them, they refine.
FILTER_LIMIT = 200
FILTER_PLACEHOLDER = "/ filter: client, profile, account, role, tag"


# The screen's parts are mixins of one Screen class (ui.screen.PickerScreen): Textual does work
# for every DOM class created (a dir() of it), which the picker's start pays once, not four times.
# Type checkers see them as the Screen they end up in.
if TYPE_CHECKING:
    _Screen = Screen
else:
    _Screen = object


class PickerView(_Screen):
    """The main screen. The list has the focus from the start: by default the filter box, the
    first focusable widget, would take it, and moving it away restyled the box before the first
    frame. The clients column narrows in narrow terminals, leaving the profiles more room."""

    AUTO_FOCUS = "#profiles"
    _clients_width = 30  # as in the stylesheet

    def __init__(self, catalog: Catalog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._by_client: dict[str, list[str]] = {}
        self._group(catalog)
        self._shown_client: int | None = None
        self._client_number = ClientNumber()
        self._painted = False
        self._details_due = False
        # Part of the first frame, though it costs a little: a box mounted on the first '/' lost
        # the keys typed right after it on a busy machine.
        self.filter_box = FilterInput(placeholder=FILTER_PLACEHOLDER, id="filter")
        self.filter_query = ""
        self._facts = ProfileFacts()
        # Console sign-in problems: shown in the details, not as a session error of the row.
        self._console_problems: dict[str, XswitchError] = {}
        self._console_pages: dict[str, str | None] = {}  # profile -> service to open its console on
        self._sync: SyncPreview | None = None
        self._sync_status = ""
        self._sync_session = ""  # the SSO session the sync note is about
        # Sessions whose saved SSO login the portal refused during a sync: `S` logs in anew.
        self._sync_refused: set[str] = set()
        self._key_bar_hints: list[tuple[str, str]] = []
        self.started = False  # mounted with its sessions loaded (Textual mounts it after the app)

    # --- what the app holds -------------------------------------------------------------------

    @property
    def switcher(self) -> XswitchApp:
        return cast("XswitchApp", self.app)

    @property
    def catalog(self) -> Catalog:
        return self.switcher.catalog

    @property
    def sessions(self) -> SessionManager:
        return self.switcher.sessions

    @property
    def board(self) -> SessionBoard:
        return self.switcher.board

    @property
    def env(self) -> Mapping[str, str]:
        return self.switcher.env

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.switcher.clock

    @property
    def profiles(self) -> ProfileTable:
        return self.query_one("#profiles", ProfileTable)

    @property
    def clients(self) -> ClientList:
        return self.query_one("#clients", ClientList)

    def _group(self, catalog: Catalog) -> None:
        self._by_client = {c.key: [] for c in catalog.clients}
        for profile in catalog.profiles.values():
            self._by_client.setdefault(profile.client, []).append(profile.name)
        self._by_client[recent.RECENT.key] = recent_names = recent.recent_profiles(catalog)
        self._offset = 1 if recent_names else 0  # Recent on top: digit keys count the clients
        self._rows = (recent.RECENT, *catalog.clients)[1 - self._offset :]

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # A grid on the screen itself (see xswitch.tcss): every container costs time before the
        # first frame, so there is only the one the top bar needs.
        app = self.switcher
        with Horizontal(id="top"):
            yield Static(Text(app.heading, style="bold"), id="heading")
            yield self.filter_box
            yield Static(Text(app.subheading), id="subheading")
        yield ClientList(self._rows, id="clients", numbered_from=self._offset)
        yield ProfileHeader(id="profile-header")
        yield ProfileTable(self.catalog, self.board, self.clock, id="profiles")
        yield Details(id="details")
        self._key_bar_hints = app.keys.hints(app.size.width)
        yield KeyBar(self._key_bar_hints, id="keys")

    def on_mount(self) -> None:
        self._fit_columns(self.app.size.width)
        # Logins and logouts of other xswitch processes show within a second or two: the session
        # cache directory is looked at (one stat) on every countdown tick.
        self._cache_watch = DirectoryWatch(self.sessions.store.directory)
        # Cached sessions are expiry metadata only (no keyring, no network): countdowns at once.
        try:
            self.board.load(self.sessions.cached_sessions())
        except XswitchError as error:
            self.app.notify(str(error), severity="warning", markup=False)
        self._show_client(0)
        self._open_on_recent()
        self.profiles.focus()
        self._update_live_counts()
        self.set_interval(1.0, self.tick, name="countdown")
        self.started = True

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
        self.fit_key_bar(width)
        clients = max(20, min(30, width // 4))
        if clients != self._clients_width:
            self._clients_width = clients
            self.styles.grid_columns = f"{clients} 1fr"

    def fit_key_bar(self, width: int) -> None:
        """Redraw the key bar for a terminal `width` cells wide (when that changes it)."""
        hints = self.switcher.keys.hints(width)
        if hints != self._key_bar_hints:
            self._key_bar_hints = hints
            self.query_one("#keys", KeyBar).update(KeyBar.text(hints))

    def painted(self) -> None:
        """The app is ready: the details are not part of the first frame (the rows are looked
        at first), and come once the screen is laid out (they take the room the rows leave)."""
        self._painted = True
        self._update_details()
        self.call_after_refresh(self._fit_details)

    @unless_closing
    def _fit_details(self) -> None:
        self.query_one("#details", Details).fit()

    # --- selection ----------------------------------------------------------------------------

    def _open_on_recent(self) -> None:
        """Select the client and profile the picker was left on last time, if they still exist."""
        client_key, _ = recent.load(self.env)
        name = recent.opening_profile(self.catalog, self.env)
        if name is not None and name in self.catalog.profiles:
            self.select_profile(name)
            return
        keys = [client.key for client in self._rows]
        if client_key in keys:
            self.clients.move_cursor(keys.index(client_key))
            self._show_client(keys.index(client_key))

    def remember(self, used: str | None = None) -> None:
        """Keep the profile just `used` (else the selection) and its client for the next start."""
        profile = self.catalog.profiles.get(used) if used else self.profiles.selected
        client = self.clients.selected if self._shown_client is not None and not used else None
        if client is None and profile is not None:
            client = self.catalog.client(profile.client)
        name = profile.name if profile else None
        recent.save(client.key if client else None, name, self.env, used=bool(used))

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

    def _show_client(self, index: int) -> None:
        self._shown_client = index
        key = self._rows[index].key if self._rows else ""
        # Recent spans clients: then the client column says whose each profile is.
        self.profiles.show(self._by_client.get(key, []), show_client=key == recent.RECENT.key)

    def _forget_filter(self) -> None:
        """Empty the filter box (if there is one) without redrawing the list from it."""
        self.filter_query = ""
        if self.filter_box.value:
            with self.filter_box.prevent(Input.Changed):
                self.filter_box.value = ""

    def _apply_filter(self, query: str) -> None:
        self.filter_query = query.strip()
        if not self.filter_query:
            self._show_client(self.clients.cursor)
            return
        self._shown_client = None
        index = self.switcher.profile_index()
        # Highlights only for the rows drawn: a screenful, not all FILTER_LIMIT results.
        found = index.search(self.filter_query, limit=FILTER_LIMIT, positions=False)
        keys = [m.key for m in found]
        highlights = index.highlights(self.filter_query, keys)
        self.profiles.show(keys, show_client=True, positions=highlights)

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

    # --- details ------------------------------------------------------------------------------

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

    def _notes(self, profile: Profile | None) -> list[tuple[str, str]]:
        from xswitch.core.console import console_limit

        notes = [("sso sync", self._sync_status)] if self._sync_status else []
        if notes and self._sync is None and profile is not None:
            # The outcome of a sync is about its session's profiles only.
            session = self.catalog.sso_session_of(profile)
            if session is None or session.name != self._sync_session:
                notes = []
        if profile is not None and profile.name in self._console_problems:
            notes.insert(0, ("console", str(self._console_problems[profile.name])))
        elif profile is not None and (limit := console_limit(profile, self.catalog)):
            notes.append(("console", limit))
        return notes

    def diagnosis(self, profile: str) -> Text | None:
        """Lines under the profile's details from another part of the screen (ui.onboarding)."""
        return None

    def _update_details(self) -> None:
        profile = self.profiles.selected
        details = self.query_one("#details", Details)
        notes = self._notes(profile)
        if profile is None and not self.catalog.profiles:
            config = paths.config_file(self.env)
            details.show(no_profiles_text(paths.aws_config_file(self.env), config))
        elif profile is None and self.filter_query:
            details.show(Text(f"No profile matches “{self.filter_query}”.", style="dim"))
        elif profile is None:
            details.show(details_text(None, None, [], [], None, None, None, notes=notes))
        else:
            provisional = self._sync is not None and self._sync.is_provisional(profile.name)
            text = self._facts.details(
                self.catalog,
                self.sessions,
                self.board,
                profile,
                notes,
                self.clock(),
                provisional=provisional,
            )
            diagnosis = self.diagnosis(profile.name)  # `d` (ui.onboarding)
            details.show(text + Text("\n\n") + diagnosis if diagnosis else text)

    # --- countdown ----------------------------------------------------------------------------

    @unless_closing
    def tick(self) -> None:
        if self._cache_watch.changed():
            self._reload_sessions()
        self.profiles.tick()
        self._update_live_counts()
        selected = self.profiles.selected
        if selected is not None and selected.name in self.board.expirations:
            self._update_details()

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

    def _reload_sessions(self) -> None:
        """Re-read every cached session: after a subshell, or when another xswitch (a second
        picker, a command in another terminal) logged in or out."""
        try:
            self.board.load(self.sessions.cached_sessions())
        except XswitchError as error:
            self.app.notify(str(error), severity="warning", markup=False)
        self.profiles.refresh()
        self._update_live_counts()
        self._update_details()
        self.app.refresh()

    def _show_catalog(self, catalog: Catalog) -> None:
        """Show `catalog` instead of the current one, keeping the client, filter and selection."""
        selected = self.profiles.selected
        shown = self.clients.selected if self._shown_client is not None else None
        self.switcher.use_catalog(catalog)
        self.profiles.catalog = catalog
        self._group(catalog)
        self._facts.forget()
        keys = [c.key for c in self._rows]
        index = keys.index(shown.key) if shown is not None and shown.key in keys else 0
        self.clients.set_clients(self._rows, index, numbered_from=self._offset)
        if self.filter_query:
            self._apply_filter(self.filter_query)
        else:
            self._show_client(index)
        if selected is not None:
            row = self.profiles.index_of(selected.name)
            if row is not None:
                self.profiles.move_cursor(row)
        self._update_live_counts()
        self._update_details()
