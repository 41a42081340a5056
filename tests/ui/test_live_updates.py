"""What other xswitch processes do shows in a running picker: a login or logout in another terminal
(the session cache changes), and `R` re-reads the configuration, keeping the selection."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from uitesting import SIZE, new_app, notifications, row_text, wait_until

from xswitch.ui.screens.help import HelpScreen


async def run_xswitch(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in another process, as from another terminal."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_login_and_logout_elsewhere_show_in_the_running_picker(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "acme-ops" not in app.board.expirations
        done = await run_xswitch("export", "acme-ops")
        assert done.returncode == 0, done.stderr
        await wait_until(pilot, lambda: "acme-ops" in app.board.expirations, "the other login")
        await wait_until(pilot, lambda: ":" in row_text(app, "acme-ops"), "its countdown")
        assert "●1" in app.clients.render_line(0).text
        done = await run_xswitch("logout", "acme-ops")
        assert done.returncode == 0, done.stderr
        await wait_until(pilot, lambda: "acme-ops" not in app.board.expirations, "the logout")


async def test_reload_reads_the_configuration_again_and_keeps_the_cursor(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        assert app.profiles.selected.name == "acme-ops"
        config = world.aws_config.read_text()
        world.aws_config.write_text(
            "[profile acme-audit]\nrole_arn = arn:aws:iam::111111111111:role/Audit\n"
            "source_profile = me\n\n" + config
        )
        world.xswitch_config.write_text(
            world.xswitch_config.read_text().replace("Acme Retail", "Acme Stores")
        )
        await pilot.press("R")
        await wait_until(pilot, lambda: "acme-audit" in app.profiles.names, "the new profile")
        assert app.profiles.names[0] == "acme-audit"  # it comes first in the file
        assert app.profiles.selected.name == "acme-ops"  # the cursor stayed on the profile
        assert app.clients.selected.name == "Acme Stores"
        assert "acme-audit" in app.sessions.catalog.profiles  # the engine knows it too
        assert any("Configuration reloaded" in n for n in notifications(app))


async def test_reload_of_a_broken_configuration_keeps_the_previous_one(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        world.xswitch_config.write_text("[clients.acme\nname = 1\n")
        await pilot.press("R")
        await wait_until(
            pilot, lambda: any("was not reloaded" in n for n in notifications(app)), "the error"
        )
        assert str(world.xswitch_config) in next(
            n for n in notifications(app) if "was not reloaded" in n
        )
        assert app.profiles.names == ["acme-dev", "acme-ops", "acme-admin"]
        assert app.is_running


async def test_help_lists_reload(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Reload the configuration" in str(app.screen.keys)
