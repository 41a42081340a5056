"""The picker's `r` (a region per profile, remembered for every command) and where it opens
(the profile used last, by the picker or by any xswitch command)."""

from __future__ import annotations

import os

from uitesting import SIZE, new_app, row_text, screen_text, wait_for_dialog

from xswitch.core import recents, regions
from xswitch.core.config import load_catalog
from xswitch.ui.screens.region import RegionScreen


async def test_r_picks_a_region_that_every_command_then_uses(world) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.profiles.selected.name == "acme-dev"
        await pilot.press("r")
        await wait_for_dialog(pilot, RegionScreen)
        await pilot.press(*"sa-e", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, RegionScreen)
        assert "sa-east-1" in row_text(app, "acme-dev")
    assert regions.remembered(os.environ) == {"acme-dev": "sa-east-1"}
    profile = load_catalog(os.environ).profiles["acme-dev"]
    assert regions.region_of(profile, os.environ) == "sa-east-1"
    assert regions.region_of(profile, os.environ, "us-west-2") == "us-west-2"
    # Back to the profile's own region: the first line of the unfiltered list.
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "sa-east-1" in row_text(app, "acme-dev")
        await pilot.press("r")
        await wait_for_dialog(pilot, RegionScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert "eu-west-1" in row_text(app, "acme-dev")
    assert regions.remembered(os.environ) == {}


async def test_a_region_is_found_by_where_it_is(world) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for_dialog(pilot, RegionScreen)
        await pilot.press(*"frankfurt")
        await pilot.pause()
        assert "eu-central-1  Frankfurt" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "eu-central-1" in row_text(app, "acme-dev")


async def test_escape_leaves_the_region_as_it_was(world) -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for_dialog(pilot, RegionScreen)
        await pilot.press("escape")
        await pilot.pause()
    assert regions.remembered(os.environ) == {}


async def test_the_picker_opens_on_the_profile_a_command_used_last(world) -> None:
    recents.record("bank-audit", os.environ)
    app = new_app()
    async with app.run_test(size=SIZE):
        assert app.profiles.selected.name == "bank-audit"


async def test_a_recent_group_lists_the_last_profiles_used_above_the_clients(world) -> None:
    for name in ("acme-ops", "bank-audit", "acme-dev"):
        recents.record(name, os.environ)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.clients.clients[0].name == "Recent"
        await pilot.press("left", "home")
        await pilot.pause()
        assert app.clients.cursor == 0
        assert app.profiles.names == ["acme-dev", "bank-audit", "acme-ops"]  # most recent first
        # The digit keys still count the clients: 2 is the second client, not Recent.
        await pilot.press("2")
        assert app.clients.selected.key == "bank"
        text = screen_text(app)
        assert "↺ " in text and "1 " in text


async def test_started_by_xs_the_key_bar_says_enter_switches(world) -> None:
    app = new_app(choose=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "⏎  Switch" in screen_text(app).splitlines()[-1]
        assert "Shell" not in screen_text(app).splitlines()[-1]
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Shell" in screen_text(app).splitlines()[-1]
