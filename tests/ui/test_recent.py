"""The picker opens where it was left: the last used client and profile, kept in the state dir."""

from __future__ import annotations

import json
import os
import stat

from uitesting import SIZE, new_app, wait_until

from xswitch.ui import recent


def state_file():
    return recent.recent_file(os.environ)


async def test_quitting_remembers_the_selection_and_the_next_start_opens_on_it(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "down")
        assert app.profiles.selected.name == "bank-audit"
        await pilot.press("q")
    path = state_file()
    assert str(path).startswith(os.environ["XDG_STATE_HOME"])
    assert json.loads(path.read_text()) == {"client": "bank", "profile": "bank-audit"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    app = new_app()
    async with app.run_test(size=SIZE):
        assert app.clients.cursor == 1
        assert app.profiles.selected.name == "bank-audit"
        assert app.focused is app.profiles


async def test_a_login_remembers_the_profile_used(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "l")
        await wait_until(pilot, lambda: "acme-ops" in app.board.expirations, "the login")
        app.exit()  # not through 'q': the login itself was remembered
    assert recent.load(os.environ) == ("acme", "acme-ops")


async def test_a_profile_gone_from_the_configuration_falls_back_to_its_client(world):
    recent.save("bank", "bank-deleted", os.environ)
    app = new_app()
    async with app.run_test(size=SIZE):
        assert app.clients.cursor == 1 and app.profiles.selected.name == "bank-prod"


async def test_a_damaged_state_file_is_ignored(world):
    path = state_file()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    app = new_app()
    async with app.run_test(size=SIZE):
        assert app.clients.cursor == 0 and app.profiles.selected.name == "acme-dev"
