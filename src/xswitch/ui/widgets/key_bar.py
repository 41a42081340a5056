"""The bottom bar of key hints: one widget drawing one line.

Textual's Footer costs a widget per key, which shows in the time to first paint. The hints fit 120
columns; keys left out of the bar are in help (`?`) and the palette.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    def __init__(self, hints: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(self.text(hints), id=id)

    @staticmethod
    def text(hints: Sequence[tuple[str, str]]) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, description in hints:
            text.append(f" {key} ", style="bold reverse")
            text.append(f" {description} ")
        return text
