"""`S` in the picker: an SSO sync in a worker, its rows appearing as accounts arrive, its progress
in the header and its outcome in the details. The sync itself is `core.actions.sync_sso`, the
same as `xswitch sso sync`; the provisional rows are `ui.sync.SyncPreview`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from xswitch.core.errors import SsoLoginRequired
from xswitch.ui import workers
from xswitch.ui.closing import unless_closing
from xswitch.ui.messages import SyncCancelled, SyncFailed, SyncFinished, SyncProgress
from xswitch.ui.sync import SYNCING_KEY, SyncPreview, progress_line, session_to_sync, summary_line
from xswitch.ui.view import PickerView

if TYPE_CHECKING:
    _View = PickerView
else:
    _View = object  # a mixin of PickerScreen (see ui.view)


class SyncActions(_View):
    def action_sso_sync(self) -> None:
        if self._sync is not None:
            self.app.notify(
                f"An SSO sync of '{self._sync.session.name}' is running already.", markup=False
            )
            return
        sessions = self.catalog.sso_sessions
        if not sessions:
            self.app.notify(
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
        self.app.push_screen(ChooseSessionScreen(sorted(choices)), chosen)

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
        work = partial(workers.sync, self.switcher, self, session, relogin)
        job = workers.Job("sync", session.name)
        workers.start(self, job, work, group="sso-sync", exclusive=True)

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
        self.switcher.forget_index()  # rebuilt on the next filter keystroke, with the new rows
        self.clients.refresh()
        if self._shown_client is not None and self._shown_client == len(self._rows) - 1:
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
        self.app.notify(line, title="SSO sync", markup=False, timeout=8)

    @unless_closing
    def on_sync_failed(self, message: SyncFailed) -> None:
        self._end_sync_preview()
        error = message.error
        line = f"SSO sync {message.session} failed: {error}"
        if isinstance(error, SsoLoginRequired):
            self._sync_refused.add(message.session)
            line += " Press S to log in again (device code) and sync."
        self._set_sync_status(line, done=True)
        self.app.notify(line, title="SSO sync failed", severity="error", markup=False, timeout=10)

    @unless_closing
    def on_sync_cancelled(self, message: SyncCancelled) -> None:
        self._end_sync_preview()
        self._set_sync_status("", done=True)
        if not self.switcher.shutdown_event.is_set():
            self.app.notify(
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
        subheading = header or self.switcher.subheading
        self.query_one("#subheading", Static).update(Text(subheading))
        self._update_details()
