"""Child process that measures the picker from the inside, on the profiles of its (isolated) home.

    _picker_probe.py paint    time from spawn (BENCH_SPAWNED, epoch seconds) to the first frame
    _picker_probe.py bare     the same for a bare Textual app showing one Label: the floor
    _picker_probe.py filter Q1 Q2 ...   milliseconds per keystroke typed into the filter (JSON)

The first frame is Textual's Ready event, posted right after the first compositor refresh has been
written to the terminal driver. Keystroke time is from the key event to the visible rows redrawn.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
import time
from pathlib import Path

SIZE = (120, 40)


def _since_spawn() -> float:
    return time.time() - float(os.environ["BENCH_SPAWNED"])


def first_paint_of_bare_app() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("one label")

        def on_ready(self) -> None:
            print(f"{_since_spawn():.6f}", flush=True)
            self.exit()

    Bare().run(headless=True, size=SIZE)


def _picker_class():
    from xswitch.ui.app import XswitchApp

    class FirstPaint(XswitchApp):
        # CSS_PATH is relative to the module that defines the class; keep pointing at the picker's.
        CSS_PATH = str(Path(inspect.getfile(XswitchApp)).parent / str(XswitchApp.CSS_PATH))

        def on_ready(self) -> None:
            print(f"{_since_spawn():.6f} {len(self.catalog.profiles)}", flush=True)
            self.exit()

    return XswitchApp, FirstPaint


def _picker(cls, startup=None):
    from xswitch.core.config import load_catalog
    from xswitch.core.sessions import SessionManager

    catalog = load_catalog(os.environ)
    return cls(catalog, SessionManager(catalog, os.environ), env=os.environ, startup=startup)


def first_paint_of_picker() -> None:
    # As the `xswitch` command starts the picker (cli.commands.picker): the garbage collector is
    # paused before Textual is imported, and the picker resumes it after its first frame.
    from xswitch.ui.heap import paused_for_startup

    startup = paused_for_startup()
    _, first_paint = _picker_class()
    _picker(first_paint, startup).run(headless=True, size=SIZE)


async def _until(done, timeout: float = 5.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit("the picker did not apply the filter within 5 s")
        await asyncio.sleep(0)


async def _keystrokes(queries: list[str]) -> dict[str, list[float]]:
    picker_class, _ = _picker_class()
    app = _picker(picker_class)
    timings: dict[str, list[float]] = {}
    from textual import events

    async with app.run_test(headless=True, size=SIZE) as pilot:
        await pilot.press("slash")
        # Nobody types within a second of the picker appearing; let start-up work settle first.
        await pilot.pause(1.0)
        for query in queries:
            app.filter_input.value = ""
            await pilot.pause()
            per_key = timings.setdefault(query, [])
            for typed, char in enumerate(query, 1):
                start = time.perf_counter()
                # The key takes the real path (app -> focused filter -> Input.Changed -> match ->
                # rows); Pilot.press is not used because its own settling waits cost ~60 ms a key.
                app.post_message(events.Key("space" if char == " " else char, char))
                await _until(
                    lambda prefix=query[:typed]: (
                        app.filter_input.value == prefix
                        and app.picker.filter_query == prefix.strip()
                    )
                )
                # Draw now rather than on the next 60 Hz tick, so the redraw is inside the timing.
                app.screen._compositor_refresh()
                per_key.append((time.perf_counter() - start) * 1000)
            if app.filter_input.value != query:
                raise SystemExit(f"the filter shows {app.filter_input.value!r}, not {query!r}")
    return timings


def main() -> None:
    mode, *queries = sys.argv[1:]
    if mode == "bare":
        first_paint_of_bare_app()
    elif mode == "paint":
        first_paint_of_picker()
    else:
        print(json.dumps(asyncio.run(_keystrokes(queries))))


if __name__ == "__main__":
    main()
