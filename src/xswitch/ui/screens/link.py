"""A console sign-in link shown instead of opened: no browser here, or the demo's local AWS.

The link signs whoever holds it in for a quarter of an hour, so the screen shows it with the sign-in
token masked; `c` copies the whole link. A link is shown one query parameter per line, each cut with
an ellipsis at the edge of the window rather than folded in the middle of a word.
"""

from __future__ import annotations

import urllib.parse
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

SECRET_PARAMETERS = ("SigninToken", "Session")


def masked(url: str) -> str:
    """`url` with the values of sign-in token parameters replaced by an ellipsis."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if not any(key in SECRET_PARAMETERS for key, _ in query):
        return url
    shown = "&".join(
        f"{key}=…" if key in SECRET_PARAMETERS else urllib.parse.urlencode({key: value})
        for key, value in query
    )
    return urllib.parse.urlunsplit(parts._replace(query=shown))


def link_lines(url: str) -> list[str]:
    """`url` split before its query and before each further parameter: `?a=1`, `&b=2`."""
    base, mark, query = url.partition("?")
    if not mark:
        return [url]
    parameters = query.split("&")
    return [base, "?" + parameters[0], *("&" + parameter for parameter in parameters[1:])]


def link_text(url: str) -> Text:
    """The (masked) link as lines that never wrap: too long a line ends in an ellipsis."""
    return Text(
        "\n".join(link_lines(masked(url))), style="underline", no_wrap=True, overflow="ellipsis"
    )


class LinkScreen(ModalScreen[None]):
    """Dismissed with Esc or Enter; `c` copies the link."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="link.close"),
        Binding("c", "copy", "Copy link", id="link.copy"),
        # Dialogs keep the picker's keys out; q (with no text field here) still quits.
        Binding("q", "app.quit", "Quit", id="link.quit"),
    ]

    def __init__(self, title: str, note: str, url: str) -> None:
        super().__init__()
        self.heading = title
        self.note = note
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="link-dialog", classes="dialog"):
            yield Label(Text(self.heading), classes="dialog-title")
            yield Static(Text(self.note))
            yield Static(link_text(self.url), id="link-url")
            yield Static(Text("c copies the whole link · Esc closes", style="dim"), id="link-hint")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.url)
        # Said in the dialog: toasts are held back while a modal is up.
        self.query_one("#link-hint", Static).update(
            Text("Copied the console link · Esc closes", style="dim")
        )

    def action_close(self) -> None:
        self.dismiss(None)
