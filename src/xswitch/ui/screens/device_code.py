"""The SSO sign-in modal: where to approve the login and the code to check (copyable); without a
code, the browser sign-in (authorization code grant) that a browser window was opened for."""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from xswitch.core.model import DeviceAuthorization
from xswitch.core.text import visible


class DeviceCodeScreen(ModalScreen[None]):
    """Shown while the engine polls; closed by the app when the login ends, or Esc to give up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel login", id="sso.cancel"),
        Binding("c", "copy_url", "Copy URL", id="sso.copy-url"),
        # Dialogs keep the picker's keys out; q (with no text field here) still quits.
        Binding("q", "app.quit", "Quit", id="sso.quit"),
    ]

    def __init__(self, authorization: DeviceAuthorization, cancel: threading.Event) -> None:
        super().__init__()
        self.authorization = authorization
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        auth = self.authorization
        with Vertical(id="sso-dialog", classes="dialog"):
            yield Label("SSO login", classes="dialog-title")
            # Session names come from files, the address and code from the server.
            yield Static(Text.assemble("Session ", (visible(auth.session), "bold")))
            if auth.user_code:
                yield Static(Text("Open this address and approve the request:"))
            else:
                yield Static(Text("Approve the sign-in in the browser window; if none opened:"))
            yield Static(Text(visible(auth.verification_uri_complete), style="underline"))
            if auth.user_code:
                yield Static(Text.assemble("Code    ", (visible(auth.user_code), "bold reverse")))
            yield Static(
                Text("c copies the address · Esc cancels the login · q quits", style="dim"),
                id="sso-hint",
            )

    def action_copy_url(self) -> None:
        self.app.copy_to_clipboard(self.authorization.verification_uri_complete)
        # Said in the dialog: toasts are held back while a modal is up.
        self.query_one("#sso-hint", Static).update(
            Text("Copied the SSO address · Esc cancels the login · q quits", style="dim")
        )

    def action_cancel(self) -> None:
        self.cancel.set()
        self.dismiss(None)
