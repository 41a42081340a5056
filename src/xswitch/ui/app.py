"""The full-screen picker's app: what its screens share (catalog, sessions, the session board, the
clock), colours and the keymap, the global keys, and the dialogs worker threads ask through.

The picker's screen (`ui.screen.PickerScreen`) owns its layout, keys and actions. Every AWS call
goes through core in a thread worker (`ui.workers`); workers post messages and never touch
widgets. Nothing heavy (boto3, keyring) is imported before the first paint.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, InvalidStateError
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from xswitch.core.model import Catalog, Client
from xswitch.core.text import visible
from xswitch.ui import keymap
from xswitch.ui.board import SessionBoard
from xswitch.ui.closing import unless_closing
from xswitch.ui.heap import StartupCollector
from xswitch.ui.messages import (
    DeviceCodeDone,
    DeviceCodeShown,
    MfaRequested,
    PassphraseRequested,
    PromptWithdrawn,
)
from xswitch.ui.palette import ClientProvider, ProfileProvider
from xswitch.ui.screen import PickerScreen

if TYPE_CHECKING:
    from textual.filter import LineFilter
    from textual.screen import ModalScreen

    from xswitch.core.match import FuzzyIndex
    from xswitch.core.model import Profile
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.screens.device_code import DeviceCodeScreen
    from xswitch.ui.widgets.client_list import ClientList
    from xswitch.ui.widgets.filter_input import FilterInput
    from xswitch.ui.widgets.profile_table import ProfileTable


def _utc_now() -> datetime:
    return datetime.now(UTC)


class XswitchApp(App[str | None]):
    """The picker. `clock` is injectable so that snapshots and tests see frozen countdowns;
    `demo`: the demo's local AWS, which has no console (`o` shows a switch-role link)."""

    # Absolute, so that subclasses defined elsewhere (tests, the demo) find it too.
    CSS_PATH = str(Path(__file__).with_name("xswitch.tcss"))
    COMMANDS: ClassVar = App.COMMANDS | {ProfileProvider, ClientProvider}
    # Toasts would cover the dialogs (a 24-line terminal has no room beside them): while a modal
    # is up they wait, and those not yet expired show when it closes.
    # (The toasts themselves: their rack sets its own `display` and `visibility`.)
    CSS = "ModalScreen Toast, PickerScreen.-covered Toast { display: none; }"
    BINDINGS: ClassVar[list[BindingType]] = list(keymap.bindings(on_app=True))

    # None: the console opens in the client's browser (core.browser). Tests put a stand-in here
    # to see the link. Not App.open_url, which Textual's widgets call with another signature.
    open_in_browser: Callable[[str], bool] | None = None

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
        demo: bool = False,
        choose: bool = False,
    ) -> None:
        # `choose`: Enter ends the picker with the profile's name (`xs` switches its shell).
        self.choose = choose
        # `startup`: a collector the launcher paused before importing Textual (see ui.heap).
        self._collector = startup or StartupCollector()
        self._collector.pause()
        super().__init__()
        self.catalog = catalog
        self.sessions = sessions
        self.env = env
        self.clock = clock or _utc_now
        self.demo = demo
        self.board = SessionBoard(catalog.settings.refresh_margin)
        self.heading = title or "xswitch"
        self.subheading = subtitle or ""
        self.title = self.heading
        self.shutdown_event = threading.Event()
        self._index: FuzzyIndex | None = None
        self._index_lock = threading.Lock()
        # Modals answering a waiting login thread (MFA code, passphrase), by id of their reply.
        self._prompt_screens: dict[int, ModalScreen[str | None]] = {}
        self._device_screens: dict[int, DeviceCodeScreen] = {}
        remapped = keymap.keymap(catalog.settings.keys)
        self.keys = keymap.KeyTable(remapped, self.get_key_display, choosing=choose)
        if remapped:
            self.set_keymap(remapped)
        if catalog.settings.theme == "light":
            self.theme = "textual-light"
        # Textual reads NO_COLOR from os.environ only; the picker honours the env it was given,
        # through the public hook for line filters.
        self._monochrome: LineFilter | None = None
        if env.get("NO_COLOR") is not None and not self.no_color:
            from textual.filter import Monochrome

            self.no_color = True
            self._monochrome = Monochrome()

    # --- the picker's screen ------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return PickerScreen(self.catalog, id="_default")

    @property
    def picker(self) -> PickerScreen:
        """The picker's own screen: its widgets live there even while a modal is on top, and
        messages (cursor moves, worker results) keep arriving then."""
        return cast(PickerScreen, self.screen_stack[0])

    @property
    def profiles(self) -> ProfileTable:
        return self.picker.profiles

    @property
    def clients(self) -> ClientList:
        return self.picker.clients

    @property
    def filter_input(self) -> FilterInput:
        return self.picker.filter_box

    def select_profile(self, name: str) -> None:
        self.picker.select_profile(name)

    def action_jump_client(self, number: int) -> None:
        self.picker.action_jump_client(number)

    def use_catalog(self, catalog: Catalog) -> None:
        """Show `catalog` from now on (a reload, a sync): the fuzzy index is built anew."""
        self.catalog = catalog
        self.forget_index()

    # --- colours and keys ---------------------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, self._monochrome] if self._monochrome is not None else filters

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:
        # Notifications quote names and AWS answers: control characters are shown escaped.
        super().notify(visible(message, keep_newlines=True), title=visible(title), **options)

    async def on_event(self, event: events.Event) -> None:
        # Some keys are taken before Textual routes them to the focused widget (see takes_key).
        if isinstance(event, events.Key) and self.screen_stack and self.picker.takes_key(event):
            event.stop()
            return
        await super().on_event(event)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action, help_text in self.keys.palette(len(self.catalog.clients)):
            run = partial(self.picker.run_action, action.action)
            yield SystemCommand(action.description, help_text, run)
        from xswitch.core.console_pages import SERVICES

        for service in SERVICES:
            yield SystemCommand(
                f"console: {service}",
                f"Open the AWS console on {service} as the selected profile",
                partial(self.picker.open_console, service),
            )

    # --- life ---------------------------------------------------------------------------------

    def on_ready(self) -> None:
        self._collector.settle()
        self.picker.painted()
        self._prepare_index()
        self._say_if_nested()
        self.picker.start_catalog_updates()

    def _say_if_nested(self) -> None:
        """Started inside an xswitch shell: say so before anyone logs in (not a refusal)."""
        from xswitch.core.actions.uses import outer_subshell

        where = outer_subshell(self.env)
        if where is None:
            return
        client = visible(self.env.get("XSWITCH_CLIENT", ""))
        self.notify(
            f"This picker runs inside the xswitch shell for '{visible(where)}'"
            + (f" ({client})" if client else "")
            + ". Logins, copies and the console work as usual; a new shell needs leaving this one "
            "first ('exit').",
            title="Inside an xswitch shell",
            severity="warning",
            markup=False,
            timeout=12,
        )

    async def action_quit(self) -> None:
        self.picker.remember()
        await super().action_quit()

    def on_unmount(self) -> None:
        self.shutdown_event.set()
        self._collector.release()

    @property
    def closing(self) -> bool:
        """True from the moment the app starts to close: `exit()` (q, Ctrl+C) or a shutdown
        without it (the test driver's), which takes the screens down while timers and messages
        still arrive."""
        return self._exit or not self.is_running

    # --- the fuzzy index (filter, palette) ----------------------------------------------------

    @work(thread=True, group="index", exit_on_error=False)
    def _prepare_index(self) -> None:
        """Build the fuzzy index right after the first frame, so the first keystroke finds it."""
        self.profile_index()

    def profile_index(self) -> FuzzyIndex:
        """The fuzzy index over every profile, built on first use."""
        with self._index_lock:
            if self._index is None:
                from xswitch.core.match import FuzzyIndex

                clients = {client.key: client for client in self.catalog.clients}
                self._index = FuzzyIndex(
                    [
                        (p.name, _haystack(p, clients.get(p.client)))
                        for p in self.catalog.profiles.values()
                    ]
                )
            return self._index

    def forget_index(self) -> None:
        with self._index_lock:
            self._index = None

    def client_of(self, name: str) -> Client | None:
        profile = self.catalog.profiles.get(name)
        return self.catalog.client(profile.client) if profile else None

    def client_name_of(self, name: str) -> str:
        client = self.client_of(name)
        return client.name if client else ""

    # --- prompts from worker threads ----------------------------------------------------------

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


def _haystack(profile: Profile, client: Client | None) -> str:
    parts = [profile.name, client.name if client else profile.client]
    parts += [profile.account_id or "", profile.role_arn or "", *profile.tags]
    if client is not None:
        parts += client.tags
    return " ".join(part for part in parts if part)


def _settle(reply: Future[str | None], value: str | None) -> None:
    """Answer a waiting thread unless it already gave up."""
    try:
        if not reply.done():
            reply.set_result(value)
    except InvalidStateError:
        pass  # cancelled by the waiting thread in the meantime
