"""Render the README screenshot: the picker on the demo world, with a few live sessions.

Usage: python scripts/screenshot.py [assets/screenshot.svg]
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


async def render(target: Path) -> None:
    from xswitch.core.profiles import load_catalog
    from xswitch.core.sessions import SessionManager
    from xswitch.demo.world import DemoWorld
    from xswitch.ui.app import XswitchApp

    class Code:
        def mfa_code(self, serial: str, unlocks: list[str]) -> str:
            return "123456"

        def sso_device_code(self, authorization: object) -> None:
            pass

        def cancelled(self) -> bool:
            return False

    with DemoWorld() as world:
        catalog = load_catalog(os.environ)
        sessions = SessionManager(catalog, os.environ)
        for name in ("acme-dev", "acme-readonly", "globex-prod-readonly", "initech-audit"):
            sessions.credentials(name, Code())
        app = XswitchApp(
            catalog,
            sessions,
            env=os.environ,
            title="xswitch demo",
            subtitle=f"local AWS on {world.sts_url.removeprefix('http://')}",
        )
        async with app.run_test(size=(120, 32)) as pilot:
            await pilot.press("2")
            await pilot.pause(0.5)
            app.save_screenshot(filename=target.name, path=str(target.parent))


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "assets/screenshot.svg").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(render(target))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
