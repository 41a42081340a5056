"""`unless_closing`: work that arrives on its own is dropped once the picker is closing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., None])


def unless_closing(handler: Handler) -> Handler:
    """For work that arrives on its own (a timer tick, a worker's message, a callback after a
    frame): dropped once the app is closing. Its screens are then being taken down one widget at a
    time, so the widgets it would update may be gone already."""

    @wraps(handler)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> None:
        app = self if hasattr(self, "closing") else self.app
        if getattr(app, "closing", False):
            return
        handler(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]
