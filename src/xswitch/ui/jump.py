"""Jumping to a client by its number: 1–9 directly, `0` then the number from the tenth on.

`0 1 2` goes to client 12. The jump happens as soon as no longer number could exist (with 40
clients, `0 5` goes to client 5 at once: 50 and beyond are past the end), or on Enter; any other
key gives the number up. Plain Python, so the rule is tested without the app.
"""

from __future__ import annotations


class ClientNumber:
    """The digits typed after `0`, while a client number is being typed."""

    def __init__(self) -> None:
        self.digits: str | None = None

    @property
    def active(self) -> bool:
        return self.digits is not None

    def start(self) -> None:
        self.digits = ""

    def stop(self) -> None:
        self.digits = None

    def digit(self, char: str, clients: int) -> int | None:
        """Add a digit; the client number to jump to once it is unambiguous, else None."""
        self.digits = (self.digits or "") + char
        number = int(self.digits)
        if number * 10 > clients:
            self.stop()
            return number
        return None

    def enter(self) -> int | None:
        """Enter: the number typed so far (None when nothing was typed)."""
        digits, self.digits = self.digits, None
        return int(digits) if digits else None
