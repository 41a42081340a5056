"""The cyclic garbage collector around the picker's start-up.

Start-up allocates a great deal and frees almost nothing (the catalog, widgets, styles, caches all
live as long as the picker), so collector passes before the first frame only scan a growing heap:
tens of milliseconds for 1,000 profiles, and as much again while Textual itself is imported. The
launcher pauses the collector before that import (`paused_for_startup`) and the app resumes it after
the first frame; then what is alive is frozen (moved out of the collector's reach), so later passes
while typing scan only the young objects, not 10,000 profiles. When the picker closes, the frozen
objects become collectable again, so a process that starts many pickers (tests) does not keep
their garbage forever.
"""

from __future__ import annotations

import gc


def paused_for_startup() -> StartupCollector:
    """A collector paused now, for the picker to resume after its first frame: call it before
    importing the picker (this module imports nothing else)."""
    collector = StartupCollector()
    collector.pause()
    return collector


class StartupCollector:
    """Pause at construction, `settle()` after the first frame, `release()` when the app ends."""

    def __init__(self) -> None:
        self._paused = False
        self._frozen = False

    def pause(self) -> None:
        if gc.isenabled():
            gc.disable()
            self._paused = True

    def settle(self) -> None:
        """Freeze what start-up built and let the collector run again (once; later calls no-op)."""
        if self._paused:
            gc.freeze()
            self._frozen = True
            self._paused = False
            gc.enable()

    def release(self) -> None:
        if self._paused:
            self._paused = False
            gc.enable()
        if self._frozen:
            self._frozen = False
            gc.unfreeze()
