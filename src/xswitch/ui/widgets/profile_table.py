"""The right column: one client's profiles, or filter matches from all clients, with countdowns.

Drawn with the line API: a keystroke or a countdown tick redraws the visible rows only, whatever the
number of profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from xswitch.core.model import Catalog, Profile
from xswitch.ui.board import SessionBoard, State
from xswitch.ui.widgets.virtual_list import VirtualList


@dataclass(frozen=True)
class Columns:
    """Column widths for a given table width; 0 hides a column."""

    name: int
    client: int
    account: int
    role: int
    region: int
    kind: int
    session: int

    @classmethod
    def fit(cls, width: int, show_client: bool) -> Columns:
        """The session column never shrinks. In a narrow table (an 80-column terminal) region,
        kind, role and account give way, in that order, before the name is cut to a few letters;
        what is left is shared by name, client and role."""
        session, account, region, kind, role_min = 10, 14, 15, 8, 8
        least = 14 + (12 if show_client else 0) + role_min  # name, client, role at their least
        rest = width - session - account - region - kind - 1
        if rest < least:
            region, rest = 0, rest + region
        if rest < least:
            kind, rest = 0, rest + kind
        show_role = rest >= least
        if not show_role:
            least -= role_min
        if rest < least - 2:  # the account goes last: the name may shrink to 12 to keep it
            account, rest = 0, rest + account
        client = min(max(rest // 4, 12), rest // 2) if show_client else 0
        if show_role:
            name = max((rest - client) * 11 // 20, 6)
            role = max(rest - client - name, 4)
        else:
            name, role = max(rest - client, 6), 0
        return cls(name, client, account, role, region, kind, session)


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells (an ellipsis marks a cut)."""
    if width <= 0:
        return ""
    if len(text) > width - 1:
        text = text[: width - 2] + "… " if width > 2 else text[:width]
    return text.ljust(width)


def header_text(columns: Columns) -> Text:
    cells = [("profile", columns.name)]
    if columns.client:
        cells.append(("client", columns.client))
    cells += [
        ("account", columns.account),
        ("role", columns.role),
        ("region", columns.region),
        ("kind", columns.kind),
        ("session", columns.session),
    ]
    return Text("".join(fit(title, width) for title, width in cells), style="bold")


class ProfileHeader(Widget):
    """Column titles above the table (the table itself scrolls), fitted to the table's width when
    drawn: the first frame already has them right, since layout sets every size before drawing."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: Columns | None = None

    def _table(self) -> ProfileTable | None:
        return self.parent.query(ProfileTable).first() if self.parent else None

    def render(self) -> Text:
        table = self._table()
        if table is None or not table.size.width:
            self._drawn = None
            return Text()
        self._drawn = Columns.fit(table.size.width, table.show_client)
        return header_text(self._drawn)

    def follow(self, columns: Columns) -> None:
        """Redraw if the table's columns are no longer the ones drawn (one line: no layout)."""
        if columns != self._drawn:
            self.refresh()


class ProfileTable(VirtualList):
    COMPONENT_CLASSES: ClassVar[set[str]] = VirtualList.COMPONENT_CLASSES | {
        "profile-table--dim",
        "profile-table--match",
        "profile-table--prod",
        "profile-table--session-ok",
        "profile-table--session-soon",
        "profile-table--session-expired",
        "profile-table--session-busy",
        "profile-table--session-error",
    }

    def __init__(
        self,
        catalog: Catalog,
        board: SessionBoard,
        clock: Callable[[], datetime],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.catalog = catalog
        self.board = board
        self.clock = clock
        self.names: list[str] = []
        self.positions: Mapping[str, Sequence[int]] = {}
        self.show_client = False
        self._now = clock()

    @property
    def selected(self) -> Profile | None:
        if not self.names:
            return None
        return self.catalog.profiles.get(self.names[self.cursor])

    def show(
        self,
        names: Sequence[str],
        *,
        show_client: bool,
        positions: Mapping[str, Sequence[int]] | None = None,
        cursor: int = 0,
    ) -> None:
        self.names = list(names)
        self.positions = positions or {}
        self.show_client = show_client
        self._now = self.clock()
        self.set_row_count(len(names), cursor)
        self.header_changed()

    def index_of(self, name: str) -> int | None:
        try:
            return self.names.index(name)
        except ValueError:
            return None

    def visible_names(self) -> list[str]:
        return [self.names[i] for i in self.visible_range()]

    def tick(self) -> None:
        """Once a second: redraw only if a visible row has something that changes with time."""
        self._now = self.clock()
        if self.board.has_live_row(self.visible_names()):
            self.refresh()

    def refresh_profile(self, name: str) -> None:
        self._now = self.clock()
        index = self.index_of(name)
        if index is not None:
            self.refresh_line(index)

    def on_resize(self) -> None:
        super().on_resize()
        self.header_changed()

    def header_changed(self) -> None:
        if not self.size.width:
            return  # not laid out yet: the header fits itself when first drawn
        header = self.parent.query(ProfileHeader).first() if self.parent else None
        if header is not None:
            header.follow(Columns.fit(self.size.width, self.show_client))

    def render_row(self, index: int, width: int) -> list[Segment]:
        profile = self.catalog.profiles[self.names[index]]
        columns = Columns.fit(width, self.show_client)
        dim = self.component_style("profile-table--dim")
        segments = self._name_segments(profile.name, columns.name)
        if columns.client:
            client = self.catalog.client(profile.client)
            label = client.name if client else profile.client
            prod = client is not None and client.prod
            style = self.component_style("profile-table--prod") if prod else dim
            segments.append(Segment(fit(label, columns.client), style))
        segments += [
            Segment(fit(profile.account_id or "—", columns.account)),
            Segment(fit(profile.role_name or "—", columns.role)),
            Segment(fit(profile.region or "—", columns.region), dim),
            Segment(fit(profile.kind.value, columns.kind), dim),
        ]
        row = self.board.row(profile.name, self._now)
        style = self._state_style(row.state)
        segments.append(Segment(fit(row.label, columns.session), style))
        return segments

    def _name_segments(self, name: str, width: int) -> list[Segment]:
        text = fit(name, width)
        # Highlights only inside the name as shown (a long name is cut to fit the column).
        shown = min(len(name), len(text))
        hits = sorted({p for p in self.positions.get(name, ()) if p < shown})
        if not hits:
            return [Segment(text)]
        # One segment per run of matched characters and per gap between them: every segment
        # costs a style merge and a cell count when drawn, and a filter key redraws every row.
        runs: list[list[int]] = []
        for position in hits:
            if runs and runs[-1][1] == position:
                runs[-1][1] = position + 1
            else:
                runs.append([position, position + 1])
        match = self.component_style("profile-table--match")
        segments = []
        plain_from = 0
        for start, end in runs:
            if plain_from < start:
                segments.append(Segment(text[plain_from:start]))
            segments.append(Segment(text[start:end], match))
            plain_from = end
        if plain_from < len(text):
            segments.append(Segment(text[plain_from:]))
        return segments

    def _state_style(self, state: State) -> Style:
        if state is State.NONE:
            return self.component_style("profile-table--dim")
        return self.component_style(f"profile-table--session-{state.value}")
