"""Typed confirmation for production clients: the person types the client's name."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from xswitch.core.actions.uses import confirms_production
from xswitch.core.model import Client
from xswitch.core.text import visible


class ConfirmProdScreen(ModalScreen[bool]):
    """Dismissed with True once the client's name was typed (as the CLI takes it), False on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, client: Client, action: str, profile: str) -> None:
        super().__init__()
        self.client = client
        self.client_name = client.name
        self.action = action
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog prod"):
            yield Label("Production account", classes="dialog-title")
            yield Static(
                Text.assemble(
                    f"{self.action} for ",
                    (visible(self.profile), "bold"),
                    " of the production client ",
                    (visible(self.client_name), "bold red"),
                    ".\nType the client's name to go on:",
                )
            )
            yield Input(placeholder=visible(self.client_name), id="confirm-name")
            yield Static("", id="confirm-problem", classes="problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if confirms_production(event.value, self.client):
            self.dismiss(True)
            return
        self.query_one("#confirm-problem", Static).update(
            Text("That is not the client's name; type it as shown (Esc cancels).")
        )

    def action_cancel(self) -> None:
        self.dismiss(False)
