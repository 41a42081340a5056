"""The shared catalogs' side of the picker, after its first frame: start the background pull when
one is due, and tell (once) why the last one failed. A thread: reading the catalogs' state and
starting a process must not hold the event loop."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import App

from xswitch.core.model import Catalog


def start(app: App, catalog: Catalog, env: Mapping[str, str]) -> None:
    """Run the catalogs' after-start work in a worker (nothing when no catalog is followed)."""
    if not catalog.layers.names:
        return

    def work() -> None:
        from xswitch.core.catalogs.updates import after_load

        for line in after_load(catalog, env):
            # notify is thread-safe; the app shows its text escaped and never as markup.
            app.notify(line, title="Shared catalog", severity="warning", markup=False, timeout=15)

    app.run_worker(work, thread=True, group="catalogs", exit_on_error=False)
