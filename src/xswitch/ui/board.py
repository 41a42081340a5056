"""What the picker knows about each profile's session: expiry, login in progress, last error; and
whether another xswitch changed the session cache since (a login or logout in another terminal).

Kept apart from the widgets so the countdown logic is plain Python: the widgets ask it for the state
of the few rows they draw, and its cost never depends on the number of profiles.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from xswitch.core.errors import XswitchError
from xswitch.core.model import SessionInfo
from xswitch.core.times import countdown

__all__ = ["RowState", "SessionBoard", "State", "countdown"]


class State(StrEnum):
    NONE = "none"
    OK = "ok"
    SOON = "soon"  # live, but under the refresh margin
    EXPIRED = "expired"
    BUSY = "busy"
    ERROR = "error"


@dataclass(frozen=True)
class RowState:
    state: State
    label: str


class SessionBoard:
    """Session expiry, busy flags and last errors, by profile name."""

    def __init__(self, refresh_margin: int) -> None:
        self.refresh_margin = refresh_margin
        self.expirations: dict[str, datetime] = {}
        self.errors: dict[str, XswitchError] = {}
        self.busy: set[str] = set()
        self.loads = 0  # how many times the cache was read: what was derived from it is stale

    def load(self, cached: Mapping[str, SessionInfo]) -> None:
        self.expirations = {name: info.expiration for name, info in cached.items()}
        self.loads += 1

    def started(self, profile: str) -> None:
        self.busy.add(profile)

    def succeeded(self, profile: str, expiration: datetime | None) -> None:
        self.busy.discard(profile)
        self.errors.pop(profile, None)
        if expiration is not None:
            self.expirations[profile] = expiration

    def failed(self, profile: str, error: XswitchError) -> None:
        self.busy.discard(profile)
        self.errors[profile] = error

    def forget(self, profiles: Iterable[str]) -> None:
        for name in profiles:
            self.expirations.pop(name, None)
            self.errors.pop(name, None)

    def has_live_row(self, profiles: Iterable[str]) -> bool:
        """True when one of `profiles` shows something that changes with time."""
        return any(name in self.expirations or name in self.busy for name in profiles)

    def is_live(self, profile: str, now: datetime) -> bool:
        expiration = self.expirations.get(profile)
        return expiration is not None and expiration > now

    def live_profiles(self, now: datetime) -> list[str]:
        return [name for name, expiry in self.expirations.items() if expiry > now]

    def row(self, profile: str, now: datetime) -> RowState:
        if profile in self.busy:
            return RowState(State.BUSY, "⟳ login")
        if profile in self.errors:
            return RowState(State.ERROR, "✗ error")
        expiration = self.expirations.get(profile)
        if expiration is None:
            return RowState(State.NONE, "·")
        left = (expiration - now).total_seconds()
        if left <= 0:
            return RowState(State.EXPIRED, "expired")
        return RowState(State.SOON if left < self.refresh_margin else State.OK, countdown(left))


class DirectoryWatch:
    """Tells whether a directory's entries changed since the last look: one stat per call, no
    thread and no dependency. Every session written or deleted (an atomic rename, an unlink)
    changes the directory's modification time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stamp = self._read()

    def _read(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.directory)
        except OSError:
            return None
        return found.st_mtime_ns, found.st_ino

    def changed(self) -> bool:
        stamp = self._read()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return True
