"""The left column: clients with their colour, a prod badge and the number of live sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.color import Color, ColorParseError

from xswitch.core.model import Client
from xswitch.ui.widgets.virtual_list import VirtualList


def swatch_style(color: str | None) -> Style | None:
    """A rich style for a client's configured colour; None when unset or not a colour."""
    if not color:
        return None
    try:
        return Style(color=Color.parse(color).rich_color)
    except ColorParseError:
        return None


class ClientList(VirtualList):
    COMPONENT_CLASSES: ClassVar[set[str]] = VirtualList.COMPONENT_CLASSES | {
        "client-list--number",
        "client-list--prod",
        "client-list--live",
    }

    def __init__(
        self, clients: Sequence[Client], *, id: str | None = None, numbered_from: int = 0
    ) -> None:
        super().__init__(id=id)
        self.clients = tuple(clients)
        # Rows above client 1 (the Recent group) carry no number: the digit keys count clients.
        self.numbered_from = numbered_from
        self._live: Mapping[str, int] = {}

    def on_mount(self) -> None:
        self.set_row_count(len(self.clients))

    def set_clients(
        self, clients: Sequence[Client], cursor: int = 0, *, numbered_from: int = 0
    ) -> None:
        """Show another set of clients (the catalog was reloaded) with the cursor on `cursor`."""
        self.clients = tuple(clients)
        self.numbered_from = numbered_from
        self.set_row_count(len(self.clients), cursor)

    @property
    def selected(self) -> Client | None:
        return self.clients[self.cursor] if self.clients else None

    def set_live_counts(self, live: Mapping[str, int]) -> None:
        if live != self._live:
            self._live = dict(live)
            self.refresh()

    def render_row(self, index: int, width: int) -> list[Segment]:
        client = self.clients[index]
        number = index - self.numbered_from + 1
        label = f"{number}" if 1 <= number <= 9 else "↺" if number < 1 else " "
        live = self._live.get(client.key, 0)
        badge = " PROD" if client.prod else ""
        count = f" ●{live}" if live else ""
        name_width = max(width - 4 - len(badge) - len(count), 1)
        name = client.name
        if len(name) > name_width:
            name = name[: name_width - 1] + "…"
        swatch = swatch_style(client.color)
        return [
            Segment(f"{label} ", self.component_style("client-list--number")),
            Segment("▌", swatch) if swatch else Segment(" "),
            Segment(name.ljust(name_width)),
            Segment(badge, self.component_style("client-list--prod")),
            Segment(count, self.component_style("client-list--live")),
        ]
