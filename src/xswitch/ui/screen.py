"""The picker's screen: its bindings (from the one action table, `ui.keymap`), the keys that move
around (filter, columns, client jumps), help, reload, and the one handler of worker failures.
The view is `ui.view`; the session actions `ui.profile_actions` and `ui.sync_actions`.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from xswitch.ui import keymap, workers
from xswitch.ui.closing import unless_closing
from xswitch.ui.messages import CatalogNotices, Reloaded, ReloadFailed
from xswitch.ui.onboarding import OnboardingActions
from xswitch.ui.profile_actions import ProfileActions
from xswitch.ui.shell_actions import ShellActions
from xswitch.ui.sync_actions import SyncActions
from xswitch.ui.view import PickerView


class PickerScreen(
    ShellActions, ProfileActions, SyncActions, OnboardingActions, PickerView, Screen
):
    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings(on_app=False))

    # --- one place for failures -----------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker failed or was given up: the message that says so, for its usual handler."""
        message = workers.failure_message(event.worker)
        if message is not None:
            self.post_message(message)

    # --- keys that arrive before routing ------------------------------------------------------

    def takes_key(self, event: events.Key) -> bool:
        """Keys are routed to the focused widget when the app takes them from its queue, not when
        that widget handles them. After a burst (fast typing while the picker is busy starting
        or searching) every key behind '/' would go to the list, where letters are commands
        ('c' copies, 'o' opens the console). So '/' moves the focus before they are routed; True
        when `event` was used up here."""
        if not self.started:
            return False  # keys before the panes exist go the usual way
        on_top = self.app.screen is self
        if on_top and not event.is_forwarded:
            focused = self.app.focused
            if event.key in self._keys_of("filter") and focused is not self.filter_box:
                self.action_filter()
                return True
            # Likewise Enter in the filter box: the keys typed right after it are for the list.
            if event.key == "enter" and focused is self.filter_box:
                self.set_focus(self.profiles)  # now, as for '/'
                return True
        return self._client_number.active and self._typed_client_number(event, on_top)

    def _keys_of(self, action_id: str) -> list[str]:
        return self.switcher.keys.keys_of(action_id)

    def _typed_client_number(self, event: events.Key, on_top: bool) -> bool:
        """A key after `0`: True when it was part of the client number (and is used up)."""
        entry = self._client_number
        if not on_top or self.app.focused is self.filter_box:
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
        typing = f"client 0{digits}… (Enter jumps)" if digits is not None else None
        self.query_one("#subheading", Static).update(Text(typing or self.switcher.subheading))

    # --- moving around ------------------------------------------------------------------------

    def action_client_number(self) -> None:
        self._client_number.start()
        self._show_number_typed("")

    def action_column(self, column: str) -> None:
        """Left/Right: move between the clients and the profiles."""
        (self.clients if column == "clients" else self.profiles).focus()

    def action_filter(self) -> None:
        # Focus now, not on the next idle: keys typed right after '/' must land in the box.
        self.set_focus(self.filter_box)

    def action_clear_filter(self) -> None:
        if self.filter_box.value:
            self._forget_filter()
            self._apply_filter("")
        self.profiles.focus()

    def action_jump_client(self, number: int) -> None:
        if not 1 <= number <= len(self.catalog.clients):
            if number > 9:
                self.app.notify(f"There is no client {number}.", markup=False)
            return
        self._forget_filter()
        self.clients.move_cursor(number - 1 + self._offset)
        self._show_client(number - 1 + self._offset)
        self.profiles.focus()

    def action_help(self) -> None:
        from xswitch.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.switcher.keys.help()))

    # --- reload (`R`) -------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self._sync is not None:
            self.app.notify(
                "An SSO sync is running: reload once it is stored (it reloads by itself).",
                markup=False,
            )
            return
        work = partial(workers.reload, self.switcher, self)
        workers.start(self, workers.Job("reload"), work, group="reload", exclusive=True)

    @unless_closing
    def on_reloaded(self, message: Reloaded) -> None:
        if self._sync is not None:
            return  # a sync started meanwhile: it shows and stores its own catalog
        catalog = message.catalog
        self.sessions.reload(catalog)
        self.board.refresh_margin = catalog.settings.refresh_margin
        self._show_catalog(catalog)
        self._reload_sessions()
        self.app.notify(
            f"Configuration reloaded: {len(catalog.profiles)} profiles, "
            f"{len(catalog.clients)} clients.",
            markup=False,
        )

    def start_catalog_updates(self) -> None:
        """After the first frame, when shared catalogs are followed: their background pull and
        what they have to say."""
        if self.catalog.layers.names:
            work = partial(workers.catalog_updates, self.switcher, self)
            workers.start(self, workers.Job("catalogs"), work, group="catalogs")

    @unless_closing
    def on_catalog_notices(self, message: CatalogNotices) -> None:
        for line in message.lines:
            self.app.notify(
                line, title="Shared catalog", severity="warning", markup=False, timeout=15
            )

    @unless_closing
    def on_reload_failed(self, message: ReloadFailed) -> None:
        self.app.notify(
            f"{message.error} The configuration was not reloaded: the picker keeps the previous "
            "one.",
            title="Reload failed",
            severity="error",
            markup=False,
            timeout=12,
        )
