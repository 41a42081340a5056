"""The details view of the selected profile: ARN, source chain, MFA serial, session, last error.

Built as `rich.text.Text` appended piece by piece, so profile names, ARNs and AWS messages are shown
literally and never read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from xswitch.core.errors import SsoLoginRequired, XswitchError
from xswitch.core.model import Client, Profile
from xswitch.ui.board import RowState, State, countdown


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
) -> Text:
    """`notes`: (label, text) lines that are not about the session, e.g. a console problem."""
    if profile is None:
        text = Text("No profile selected.", style="dim")
        for label, note in notes:
            text.append(f"\n{label:<10}", style="bold")
            text.append(note, style="not dim")
        return text
    text = Text()

    def field(label: str, value: str | None, style: str = "") -> None:
        if value:
            text.append(f"{label:<10}", style="bold")
            text.append(value, style=style)
            text.append("\n")

    text.append(profile.name, style="bold")
    if client is not None:
        text.append("  ·  ")
        text.append(client.name)
        if client.prod:
            text.append("  PROD", style="bold red")
    text.append("\n")
    if error is not None:
        # First, so that it is seen without scrolling the details.
        text.append("error     ", style="bold red")
        text.append(str(error), style="red")
        text.append("\n")
        if isinstance(error, SsoLoginRequired):
            text.append("sso       ", style="bold")
            text.append(f"not logged in to '{error.session}': ")
            text.append("l", style="bold reverse")
            text.append(" starts a device login (approve the code in a browser)\n")
    for label, note in notes:
        text.append(f"{label:<10}", style="bold yellow")
        text.append(note)
        text.append("\n")
    field("kind", profile.kind.value)
    field("account", profile.account_id)
    field("role", profile.role_arn or profile.role_name)
    field("region", profile.region)
    field("source", " → ".join(chain) if chain else profile.source_profile)
    field("mfa", profile.mfa_serial)
    if unlocks and len(unlocks) > 1:
        field("unlocks", ", ".join(unlocks))
    if expiration is not None and now is not None:
        left = (expiration - now).total_seconds()
        state = countdown(left) + " left" if left > 0 else "expired"
        field("session", f"{state} (until {expiration:%H:%M:%S} UTC)")
    elif row is not None and row.state is State.BUSY:
        field("session", row.label)
    if client is not None and client.notes:
        field("notes", client.notes, "italic")
    return text


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


class Details(Static):
    """Shows `details_text` for the highlighted profile."""

    def show(self, text: Text) -> None:
        """Show `text` without laying out the screen again: the box's size is fixed by the
        stylesheet, and a layout redraws every widget (the cursor moves on every filter key)."""
        self.update(text, layout=False)
