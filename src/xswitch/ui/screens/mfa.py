"""The MFA modal: a masked input, the device serial, and the profiles the code unlocks."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from xswitch.core.text import visible


class MfaScreen(ModalScreen[str | None]):
    """Dismissed with the code, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel login", id="mfa.cancel"),
    ]

    def __init__(self, serial: str, unlocks: list[str], problem: str | None = None) -> None:
        """`problem`: why the previous code was refused (shown above the field), or None."""
        super().__init__()
        self.serial = serial
        self.unlocks = unlocks
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="mfa-dialog", classes="dialog"):
            yield Label("MFA code", classes="dialog-title")
            yield Static(Text.assemble(("device  ", "bold"), visible(self.serial)))
            if self.unlocks:
                unlocks = ", ".join(map(visible, self.unlocks))
                yield Static(Text.assemble(("unlocks ", "bold"), unlocks))
            yield Input(
                placeholder="6 digits", password=True, max_length=6, id="mfa-code", restrict=r"\d*"
            )
            yield Static(Text(self.problem or ""), id="mfa-problem", classes="problem")
            yield Static(Text("Enter to send · Esc to cancel the login", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        if len(code) != 6 or not code.isdigit():
            self.query_one("#mfa-problem", Static).update(
                Text("An MFA code has six digits: type the code your device shows now.")
            )
            return
        self.dismiss(code)

    def action_cancel(self) -> None:
        self.dismiss(None)
