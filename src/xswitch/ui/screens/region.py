"""`r`: pick the region of the selected profile from a fuzzy-filtered list of AWS regions."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from xswitch.core.match import FuzzyIndex
from xswitch.core.regions import REGIONS
from xswitch.core.text import visible

DEFAULT = "-"  # the option that forgets the choice: the profile's own region again


class RegionScreen(ModalScreen[str | None]):
    """Dismissed with a region, DEFAULT (forget the choice), or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="region.cancel"),
        Binding("down", "list_down", "Down", show=False, id="region.down"),
        Binding("up", "list_up", "Up", show=False, id="region.up"),
    ]

    def __init__(self, profile: str, current: str | None, own: str | None) -> None:
        super().__init__()
        self.profile = profile
        self.current = current
        self.own = own
        # Found by code or by place: "fra" finds eu-central-1 (Frankfurt).
        self._index = FuzzyIndex([(code, f"{code} {place}") for code, place in REGIONS.items()])

    def compose(self) -> ComposeResult:
        with Vertical(id="region-dialog", classes="dialog"):
            yield Label("Region", classes="dialog-title")
            own = visible(self.own) if self.own else "none"
            yield Static(Text(f"For {visible(self.profile)} (its own region: {own})."))
            yield Input(placeholder="type to filter: eu, fra, west 2…", id="region-filter")
            yield OptionList(id="region-list")
            yield Static(Text("Enter picks · Esc cancels", style="dim"))

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        found = self.query_one("#region-list", OptionList)
        found.clear_options()
        matches = [match.key for match in self._index.search(query, positions=False)]
        if not query.strip():
            label = f"the profile's own ({visible(self.own)})" if self.own else "no region"
            found.add_option(Option(Content.assemble((label, "dim")), id=DEFAULT))
        for region in matches:
            mark = "  ← now" if region == self.current else ""
            place = f"  {REGIONS.get(region, '')}"
            row = Content.assemble(Content(region), (place, "dim"), (mark, "dim"))
            found.add_option(Option(row, id=region))
        if found.option_count:
            found.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        found = self.query_one("#region-list", OptionList)
        if found.highlighted is not None and found.option_count:
            self.dismiss(found.get_option_at_index(found.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_list_down(self) -> None:
        self.query_one("#region-list", OptionList).action_cursor_down()

    def action_list_up(self) -> None:
        self.query_one("#region-list", OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
