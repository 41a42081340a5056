"""A focusable list drawn line by line (Textual's line API): only visible rows are ever rendered.

Subclasses say how many rows there are and how to draw one; scrolling, the cursor, mouse clicks and
navigation keys live here. Rows are built from `Segment`s: untrusted text is never read as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xswitch.core.text import visible


class VirtualList(ScrollView, can_focus=True):
    """Rows drawn on demand, with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", id="list.cursor-up", show=False),
        Binding("down", "cursor_down", "Down", id="list.cursor-down", show=False),
        Binding("pageup", "page_up", "Page up", id="list.page-up", show=False),
        Binding("pagedown", "page_down", "Page down", id="list.page-down", show=False),
        Binding("home", "first", "First", id="list.first", show=False),
        Binding("end", "last", "Last", id="list.last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-list--cursor",
        "virtual-list--cursor-blurred",
    }

    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; }
    """

    class CursorMoved(Message):
        def __init__(self, sender: VirtualList, index: int) -> None:
            super().__init__()
            self.sender = sender
            self.index = index

        @property
        def control(self) -> VirtualList:
            return self.sender

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._cursor = 0
        self._rows = 0
        self._rich_component_cache: dict[str, Style] = {}

    # --- for subclasses ---------------------------------------------------------------------

    def component_style(self, name: str) -> Style:
        """`get_component_rich_style`, cached until the styles change (it is costly per cell)."""
        style = self._rich_component_cache.get(name)
        if style is None:
            style = self._rich_component_cache[name] = self.get_component_rich_style(name)
        return style

    def notify_style_update(self) -> None:
        self._rich_component_cache.clear()
        super().notify_style_update()

    def render_row(self, index: int, width: int) -> list[Segment]:
        raise NotImplementedError

    def set_row_count(self, rows: int, cursor: int = 0) -> None:
        self._rows = rows
        self._set_virtual_height(rows)
        self._cursor = min(max(cursor, 0), max(rows - 1, 0))
        self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self, self._cursor))

    def _set_virtual_height(self, rows: int) -> None:
        """A virtual size change re-lays out the whole screen, then redraws every widget: only
        needed when the scrollbar appears or goes. Otherwise its thumb is updated in place."""
        size = Size(self.size.width, rows)
        if size == self.virtual_size:
            return
        container = self.container_size
        if not container and self.styles.overflow_y == "auto":
            # Before the first layout Textual cannot tell whether the scrollbar is needed: it lays
            # out without one, adds it, then lays out and redraws the whole screen a second time.
            # A list with more rows than the screen has lines will need it: say so up front.
            self.show_vertical_scrollbar = rows > self.app.size.height
        stays = (rows > container.height) == self.show_vertical_scrollbar
        if container and self.styles.overflow_y == "auto" and stays:
            self.set_reactive(VirtualList.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = rows
            return
        self.virtual_size = size

    @property
    def cursor(self) -> int:
        return self._cursor

    def visible_range(self) -> range:
        top = int(self.scroll_offset.y)
        return range(top, min(top + self.size.height, self._rows))

    # --- cursor -----------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        if not self._rows:
            return
        index = min(max(index, 0), self._rows - 1)
        if index == self._cursor:
            return
        previous, self._cursor = self._cursor, index
        self.refresh_line(previous)
        self.refresh_line(index)
        self._scroll_cursor_into_view()
        self.post_message(self.CursorMoved(self, index))

    def _scroll_cursor_into_view(self) -> None:
        self.scroll_to_region(
            Region(0, self._cursor, 1, 1), animate=False, immediate=True, force=True
        )

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - max(self.size.height - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._rows - 1)

    async def _on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y
        if 0 <= row < self._rows:
            self.move_cursor(row)

    def on_focus(self) -> None:
        self.refresh_line(self._cursor)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor)

    def on_resize(self) -> None:
        # No refresh: Textual redraws a widget whose size changed. Every widget gets a Resize
        # right after the first frame, and redrawing the lists then would cost a second frame.
        self.virtual_size = Size(self.size.width, self._rows)

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        base = self._base_style()
        if index >= self._rows:
            return Strip.blank(width, base)
        cursor = self._cursor_style() if index == self._cursor else None
        # Rows show names and settings from files: no control character may reach the terminal.
        rows = [Segment(visible(text), style) for text, style, _ in self.render_row(index, width)]
        segments = Segment.apply_style(rows, base, cursor)
        return Strip(segments).adjust_cell_length(width, base + cursor if cursor else base)

    def _base_style(self) -> Style:
        # `rich_style` walks up the DOM for the background: once per style change, not per line.
        style = self._rich_component_cache.get("")
        if style is None:
            style = self._rich_component_cache[""] = self.rich_style
        return style

    def _cursor_style(self) -> Style:
        name = "virtual-list--cursor" if self.has_focus else "virtual-list--cursor-blurred"
        return self.component_style(name)
