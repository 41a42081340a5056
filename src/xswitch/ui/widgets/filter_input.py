"""The filter box in the header: typing filters, Down or Enter moves to the results."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_results", "To results", id="filter.to-results", show=False),
    ]

    class Leave(Message):
        """The person wants to move from the filter to the results."""

    def action_to_results(self) -> None:
        self.post_message(self.Leave())
