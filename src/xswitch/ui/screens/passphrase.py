"""The keyring passphrase modal: unlocks (or creates) xswitch's encrypted keyring file.

Both fields are masked. A new file asks twice (choose, repeat) so a typo cannot lock the person
out; a refused answer comes back with the vault's reason shown above the field.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class PassphraseScreen(ModalScreen[str | None]):
    """Dismissed with the passphrase, or None on Esc (which cancels that login only)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel login", id="passphrase.cancel"),
    ]

    def __init__(self, path: str, *, new: bool, problem: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.new = new
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="passphrase-dialog", classes="dialog"):
            title = "New keyring passphrase" if self.new else "Keyring passphrase"
            yield Label(title, classes="dialog-title")
            what = (
                "Choose a passphrase for xswitch's new encrypted keyring file"
                if self.new
                else "Unlock xswitch's encrypted keyring file"
            )
            # Text(...): the path is shown literally, never read as markup.
            yield Static(Text.assemble(what, "\n", (self.path, "bold")))
            yield Input(placeholder="passphrase", password=True, id="passphrase")
            if self.new:
                yield Input(placeholder="repeat it", password=True, id="passphrase-repeat")
            yield Static(Text(self.problem or ""), id="passphrase-problem", classes="problem")
            yield Static(Text("Enter to unlock · Esc cancels this login", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def _say(self, problem: str) -> None:
        self.query_one("#passphrase-problem", Static).update(Text(problem))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        first = self.query_one("#passphrase", Input)
        if not first.value.strip():
            self._say("The passphrase cannot be empty.")
            first.focus()
            return
        if not self.new:
            self.dismiss(first.value)
            return
        repeat = self.query_one("#passphrase-repeat", Input)
        if event.input is first:
            repeat.focus()
            return
        if repeat.value != first.value:
            self._say("The two passphrases differ; type them again.")
            first.value = repeat.value = ""
            first.focus()
            return
        self.dismiss(first.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
