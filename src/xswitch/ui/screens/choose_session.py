"""Which SSO session `S` syncs: asked when the selected profile does not say and several exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from xswitch.core.text import visible


class ChooseSessionScreen(ModalScreen[str | None]):
    """Dismissed with the chosen session's name, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choose-session.cancel"),
        # Dialogs keep the picker's keys out; q (with no text field here) still quits.
        Binding("q", "app.quit", "Quit", id="choose-session.quit"),
    ]

    def __init__(self, sessions: Sequence[tuple[str, str]]) -> None:
        """`sessions`: (name, start URL) pairs."""
        super().__init__()
        self.sessions = list(sessions)

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-session-dialog", classes="dialog"):
            yield Label("SSO sync", classes="dialog-title")
            yield Static(Text("Which SSO session? Its accounts and roles become profiles."))
            # Content(...) shows names and URLs literally, never as markup.
            yield OptionList(
                *(
                    Option(
                        Content.assemble(Content(visible(name)), ("  " + visible(url), "dim")),
                        id=name,
                    )
                    for name, url in self.sessions
                ),
                id="choose-session",
            )
            yield Static(Text("Enter syncs · Esc cancels", style="dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
