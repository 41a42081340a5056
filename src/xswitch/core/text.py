"""Untrusted text made safe to show on a terminal: control characters become visible escapes.

Profile names, ARNs, file contents and AWS messages can hold escape sequences that would move the
cursor, retitle the terminal or hide text. `visible()` is the one place that turns them into
`\\x1b`-style escapes; every front end passes untrusted text through it before printing.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; the Unicode line and paragraph separators; the bidirectional
# formatting characters (embeddings, overrides, isolates and marks) that reorder what is shown.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control, separator and bidi character replaced by its escape.

    `keep_newlines` leaves line feeds alone, for messages of several lines that xswitch itself
    composed (the untrusted parts they embed should have been passed through `visible` already).
    """
    if text.isprintable():
        # The common case: nothing to escape. (isprintable is False for every character above.)
        return text
    if keep_newlines:
        return "\n".join(_UNSAFE.sub(_escape, line) for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text)


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(text: str | None) -> int | None:
    """The non-negative whole number `text` spells in ASCII digits (surrounding spaces allowed);
    None for anything else.

    Not `str.isdigit()`: it accepts "²" and "①", which `int()` refuses, and 5,000 digits, which
    `int()` refuses too. Every number read from a file goes through here.
    """
    if text is None:
        return None
    text = text.strip()
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character that `visible()` would escape."""
    return _UNSAFE.search(text) is not None


def counted(number: int, noun: str) -> str:
    """`1 client`, `3 clients`: a count with its noun (regular plurals)."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
