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
class Widths:
    """The longest text of each column among the rows shown (0: no rows)."""

    name: int = 0
    client: int = 0
    account: int = 0
    role: int = 0
    region: int = 0
    kind: int = 0

    # Rows looked at for the columns other than the name (a first screen of a client with
    # 10,000 profiles should not wait ~20 ms for them); a longer value further down is cut.
    SAMPLE: ClassVar[int] = 1000

    @classmethod
    def of(cls, catalog: Catalog, names: Sequence[str]) -> Widths:
        """The name over every row (cheap), the other columns over the first SAMPLE rows."""
        name = max(map(len, names), default=0)
        client = account = role = region = kind = 0
        profiles = catalog.profiles
        for key in names[: cls.SAMPLE]:
            profile = profiles[key]
            owner = catalog.client(profile.client)
            client = max(client, len(owner.name if owner else profile.client))
            account = max(account, len(profile.account_id or "—"))
            role = max(role, len(profile.role_name or "—"))
            region = max(region, len(profile.region or "—"))
            kind = max(kind, len(profile.kind.value))
        return cls(name, client, account, role, region, kind)


# Until the rows are known: what typical rows need, so the first layout is close.
TYPICAL = Widths(name=24, client=16, account=12, role=12, region=12, kind=4)


@dataclass(frozen=True)
class Columns:
    """Column widths for a given table width; 0 hides a column. Each width includes the one
    space that separates the column from the next."""

    name: int
    client: int
    account: int
    role: int
    region: int
    kind: int
    session: int

    # The name's first claim stops here, so that one very long name does not hide every other
    # column; any room left at the end goes to it again.
    NAME_FIRST_CLAIM: ClassVar[int] = 49
    SESSION: ClassVar[int] = 10

    @classmethod
    def fit(cls, width: int, show_client: bool, content: Widths = TYPICAL) -> Columns:
        """Columns sized from their content. The profile name wins space first (whole up to 48
        characters when the table has room), then the session countdown; then, while they fit,
        the client (when filtering across clients), account, role, kind and region, in that
        order: a column that does not fit is left out, with every column after it."""
        left = width - 1  # one cell of slack: a row never touches the scrollbar
        session = min(cls.SESSION, max(left, 0))
        wanted_name = max(content.name, len("profile")) + 1
        name = max(min(wanted_name, cls.NAME_FIRST_CLAIM, left - session), 0)
        left -= session + name
        # (column, wanted width, least width it may be cut to: wanted means never cut)
        wanted = {
            "client": max(content.client, len("client")) + 1 if show_client else 0,
            "account": max(content.account, len("account")) + 1,
            "role": max(content.role, len("role")) + 1,
            "kind": max(content.kind, len("kind")) + 1,
            "region": max(content.region, len("region")) + 1,
        }
        least = {"client": 9, "role": 9}
        given = dict.fromkeys(wanted, 0)
        for column, want in wanted.items():
            if not want:
                continue
            take = min(want, left, 25 if column == "client" else want)
            if take < min(least.get(column, want), want):
                break
            given[column] = take
            left -= take
        # Room to spare: first to a name that was cut, then as padding after the name.
        name += max(left, 0)
        return cls(
            name,
            given["client"],
            given["account"],
            given["role"],
            given["region"],
            given["kind"],
            session,
        )


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
        self._drawn = table.columns(table.size.width)
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
        # Regions picked in the picker (`r`), shown instead of the profile's own.
        self.regions: Mapping[str, str] = {}
        # Profiles with a shell or tmux window open (the agent's slots): marked in the name.
        self.open_shells: frozenset[str] = frozenset()
        self.positions: Mapping[str, Sequence[int]] = {}
        self.show_client = False
        self.widths = Widths()
        self._columns: tuple[int, Columns] | None = None
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
        self.widths = Widths.of(self.catalog, self.names)
        self._columns = None
        self._now = self.clock()
        self.set_row_count(len(names), cursor)
        self.header_changed()

    def columns(self, width: int) -> Columns:
        """The columns for `width` cells and the rows shown (kept until either changes)."""
        if self._columns is None or self._columns[0] != width:
            self._columns = (width, Columns.fit(width, self.show_client, self.widths))
        return self._columns[1]

    @property
    def row_count(self) -> int:
        return len(self.names)

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
            header.follow(self.columns(self.size.width))

    def render_row(self, index: int, width: int) -> list[Segment]:
        profile = self.catalog.profiles[self.names[index]]
        columns = self.columns(width)
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
            Segment(
                fit(self.regions.get(profile.name) or profile.region or "—", columns.region),
                Style() if profile.name in self.regions else dim,
            ),
            Segment(fit(profile.kind.value, columns.kind), dim),
        ]
        row = self.board.row(profile.name, self._now)
        style = self._state_style(row.state)
        # ⧉: a shell or tmux window uses this role (`w` goes to it).
        label = f"⧉ {row.label}" if profile.name in self.open_shells else row.label
        segments.append(Segment(fit(label, columns.session), style))
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
