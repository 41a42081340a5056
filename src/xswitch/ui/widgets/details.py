"""The details view of the selected profile: ARN, source chain, MFA serial, session, last error.

Built as `rich.text.Text` appended piece by piece, so profile names, ARNs and AWS messages are shown
literally and never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from xswitch.core.errors import SsoLoginRequired, XswitchError
from xswitch.core.model import Client, Kind, MfaSessionInfo, Profile
from xswitch.core.text import visible
from xswitch.core.times import countdown, local_time
from xswitch.ui.board import RowState, State


def details_text(
    profile: Profile | None,
    client: Client | None,
    chain: list[str],
    unlocks: list[str],
    row: RowState | None,
    expiration: datetime | None,
    error: XswitchError | None,
    now: datetime | None = None,
    *,
    notes: Sequence[tuple[str, str]] = (),
    mfa: MfaSessionInfo | None = None,
    source: str = "",
) -> Text:
    """`notes`: (label, text) lines that are not about the session, e.g. a console problem.
    `mfa`: the live MFA session the profile's role is assumed from. `source`: where the profile
    is defined (`Catalog.source_of`); a shared catalog is named.

    The session comes right after the name, so that it is seen whatever the pane's height."""
    if profile is None:
        text = Text("No profile selected.", style="dim")
        for label, note in notes:
            text.append(f"\n{label:<10}", style="bold")
            text.append(visible(note, keep_newlines=True), style="not dim")
        return text
    lines = _Lines(profile)
    lines.heading(client)
    lines.session(row, expiration, now)
    lines.error(error)
    lines.notes(notes)
    lines.settings()
    lines.chain(chain)
    lines.mfa(mfa, unlocks, now)
    if client is not None and client.notes:
        lines.field("notes", client.notes, "italic")
    if source.startswith("catalog:"):
        lines.field("from", f"shared catalog '{source.removeprefix('catalog:')}' (git)", "dim")
    lines.text.rstrip()
    return lines.text


class _Lines:
    """The details of one profile, line by line. Names, ARNs, notes and messages come from files
    and servers: every value is shown with its control characters escaped."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.text = Text()

    def field(self, label: str, value: str | None, style: str = "") -> None:
        if value:
            self.text.append(f"{label:<10}", style="bold")
            self.text.append(visible(value), style=style)
            self.text.append("\n")

    def heading(self, client: Client | None) -> None:
        self.text.append(visible(self.profile.name), style="bold")
        if client is not None:
            self.text.append("  ·  ")
            self.text.append(visible(client.name))
            if client.prod:
                self.text.append("  PROD", style="bold red")
        self.text.append("\n")

    def session(
        self, row: RowState | None, expiration: datetime | None, now: datetime | None
    ) -> None:
        if expiration is not None and now is not None:
            left = (expiration - now).total_seconds()
            state = countdown(left) + " left" if left > 0 else "expired"
            self.field("session", f"{state} (until {local_time(expiration, now)})")
        elif row is not None and row.state is State.BUSY:
            self.field("session", row.label)
        elif self.profile.kind in (Kind.ROLE, Kind.SSO):
            self.field("session", "none cached: l logs in", "dim")

    def error(self, error: XswitchError | None) -> None:
        if error is None:
            return
        self.text.append("error     ", style="bold red")
        self.text.append(visible(str(error)), style="red")
        self.text.append("\n")
        if isinstance(error, SsoLoginRequired):
            self.text.append("sso       ", style="bold")
            self.text.append(f"not logged in to '{visible(error.session)}': ")
            self.text.append("l", style="bold reverse")
            self.text.append(" starts a device login (approve the code in a browser)\n")

    def notes(self, notes: Sequence[tuple[str, str]]) -> None:
        for label, note in notes:
            self.text.append(f"{label:<10}", style="bold yellow")
            self.text.append(visible(note, keep_newlines=True))
            self.text.append("\n")

    def settings(self) -> None:
        profile = self.profile
        if profile.stale:
            self.field("stale", "not found in the SSO portal at the last sync", "yellow")
        self.field("kind", profile.kind.value)
        self.field("account", profile.account_id)
        self.field("role", profile.role_arn or profile.role_name)
        self.field("region", profile.region)

    def chain(self, chain: list[str]) -> None:
        if not chain:
            self.field("via", self.profile.source_profile)
            return
        self.text.append(f"{'via':<10}", style="bold")
        self.text.append(visible(chain[0]))
        for step in chain[1:]:
            self.text.append(f"\n{'':<10}→ ")
            self.text.append(visible(step))
        self.text.append("\n")

    def mfa(self, mfa: MfaSessionInfo | None, unlocks: list[str], now: datetime | None) -> None:
        self.field("mfa", self.profile.mfa_serial)
        if mfa is not None and now is not None:
            # A live GetSessionToken session: the roles it covers are assumed without a code.
            self.field(
                "mfa sess.",
                f"live, {countdown(mfa.seconds_left(now))} left (until "
                f"{local_time(mfa.expiration, now)}), from '{mfa.source}'",
                "green",
            )
            self.field("covers", ", ".join(mfa.covers))
        elif unlocks and len(unlocks) > 1:
            self.field("unlocks", ", ".join(unlocks))


def no_profiles_text(aws_config: Path, xswitch_config: Path) -> Text:
    """What to do when there is no profile at all: the first start on a new machine."""
    text = Text("No AWS profiles yet.\n\n", style="bold")
    text.append("xswitch reads the AWS CLI's own files: add roles, SSO profiles or keys to\n")
    text.append(f"  {aws_config}\n", style="bold")
    text.append("and group them into clients (colour, prod, notes) in\n")
    text.append(f"  {xswitch_config}\n", style="bold")
    text.append("Keys can live in the OS keyring instead: xswitch keys add NAME.\n")
    text.append("To look around first, quit and run: xswitch demo", style="dim")
    return text


LABEL_WIDTH = 10  # cells of the label column ("session   ", "via       ")


def hang(text: Text, width: int, console: Console) -> Text:
    """`text` wrapped to `width` with a hanging indent: a long value goes on under itself, not
    under its label. The first line (the profile's name) wraps as it is."""
    lines = text.split("\n", allow_blank=True)
    result = Text()
    for number, line in enumerate(lines):
        if number:
            result.append("\n")
        if number == 0 or line.cell_len <= width or width <= LABEL_WIDTH * 2:
            result.append_text(line)
            continue
        label, value = line[:LABEL_WIDTH], line[LABEL_WIDTH:]
        result.append_text(label)
        for index, piece in enumerate(value.wrap(console, width - LABEL_WIDTH, overflow="fold")):
            if index:
                result.append("\n" + " " * LABEL_WIDTH)
            result.append_text(piece)
    return result


class Details(Static):
    """Shows `details_text` for the highlighted profile, as tall as its text within the room
    the profile list leaves it: the list keeps the lines its rows need, up to half the room."""

    LEAST = 4  # lines, with the rule above them

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        self._shown_plain = ""  # what the pane shows, `_text` with its long values hung
        self._rows_seen: object = None

    def show(self, text: Text) -> None:
        """Show `text`; the screen is laid out again only when the height changes. Within one
        list the pane does not shrink, so moving the cursor does not move the rows about."""
        self._text = text
        self._shown_plain = text.plain
        self.update(text, layout=False)
        self.fit()

    def fit(self) -> None:
        """Take the height the text needs, within the room (after a resize, a new list)."""
        from xswitch.ui.widgets.profile_table import ProfileTable

        if not self.is_attached:
            return
        table = next(iter(self.screen.query(ProfileTable)), None)  # none while closing
        width = self.content_region.width
        if table is None or not width or not table.size.height:
            return
        room = table.outer_size.height + self.outer_size.height
        keep = min(max(table.row_count, 1), max(room // 2, self.LEAST))
        shown = hang(self._text, width, self.app.console)
        if shown.plain != self._shown_plain:
            self._shown_plain = shown.plain
            self.update(shown, layout=False)
        lines = len(shown.wrap(self.app.console, width, overflow="fold"))
        wanted = lines + self.styles.gutter.height
        if self._rows_seen is table.names:
            wanted = max(wanted, self.outer_size.height)
        self._rows_seen = table.names
        height = max(min(wanted, room - keep), self.LEAST)
        if height != self.outer_size.height:
            # The pane fills the fourth row of the screen's grid (see xswitch.tcss).
            self.screen.styles.grid_rows = f"1 1 1fr {height} 1"
