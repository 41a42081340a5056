"""The help screen: every key of the picker with what it does, on one screen even at 80x24."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static(table)

    def on_mount(self) -> None:
        self._fit(self.app.size.width, self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """In a small terminal the dialog gives up its padding and margins and takes the whole
        height, so that every key shows without scrolling (a 24-line terminal has room)."""
        dialog = self.query_one("#help-dialog")
        title = self.query_one(".dialog-title")
        if height < 34 or width < 90:
            dialog.styles.padding = (0, 1)
            dialog.styles.max_height = height
            dialog.styles.width = min(96, width)
            title.styles.margin = (0, 0)
        else:
            dialog.styles.clear_rule("padding")
            dialog.styles.clear_rule("max_height")
            dialog.styles.clear_rule("width")
            title.styles.clear_rule("margin")

    def action_close(self) -> None:
        self.dismiss(None)
