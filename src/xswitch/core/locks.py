"""Locks shared by threads and processes: one file lock per protected thing, in a private
directory, given up after a while with the caller's explanation, or on the caller's signal."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from xswitch.core import fs
from xswitch.core.errors import XswitchError

POLL_SECONDS = 0.2


@contextlib.contextmanager
def held(
    path: Path,
    *,
    timeout: float | None,
    busy: Callable[[], XswitchError],
    check: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the file lock `path` (0600; its directory created 0700).

    Waits at most `timeout` seconds (None: as long as it takes), then raises `busy()`. `check`
    is called about every 0.2 s while waiting and may raise to stop waiting (a cancelled login).
    """
    from filelock import FileLock, Timeout

    fs.private_dir(path.parent)
    lock = FileLock(str(path), mode=0o600)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = POLL_SECONDS if check is not None else timeout
        if deadline is not None and wait is not None:
            wait = max(0.0, min(wait, deadline - time.monotonic()))
        try:
            lock.acquire(timeout=-1 if wait is None else wait)
            break
        except Timeout:
            if deadline is not None and time.monotonic() >= deadline:
                raise busy() from None
            if check is not None:
                check()
    try:
        yield
    finally:
        lock.release()
