"""The filter box in the header: typing filters, Down or Enter moves to the results."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    # Input sets its virtual size to the text's length on every key, and a virtual size change
    # re-lays out the whole screen (then redraws every widget). The box's size is fixed by the
    # stylesheet and it scrolls its text itself, so a repaint of the box is enough.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_results", "To results", id="filter.to-results", show=False),
    ]

    class Leave(Message):
        """The person wants to move from the filter to the results."""

    def action_to_results(self) -> None:
        self.post_message(self.Leave())
