"""SVG snapshots with a frozen clock: the main screen, an active filter, the MFA modal, an error.

Update them after an intended change of looks with `pytest tests/ui --snapshot-update`.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import timedelta

from textual.widgets import Input
from uitesting import (
    FROZEN,
    LONG_NAMES,
    MFA_SERIAL,
    SIZE,
    new_app,
    wait_until,
    write_long_names_world,
)

from xswitch.core.errors import AwsError
from xswitch.ui.messages import LoginFailed, MfaRequested, Purpose


def frozen_app():
    return new_app(clock=lambda: FROZEN)


async def no_blink(pilot) -> None:
    # The snapshot driver starts before the picker's screen has mounted its panes: wait for them.
    await wait_until(pilot, lambda: pilot.app.picker.started, "the picker's screen")
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False


def with_sessions(app) -> None:
    """Sessions in every state: ok, expiring soon (under the margin), expired, and a long one."""
    app.board.succeeded("acme-dev", FROZEN + timedelta(minutes=42, seconds=7))
    app.board.succeeded("acme-ops", FROZEN + timedelta(minutes=4, seconds=30))
    app.board.succeeded("acme-admin", FROZEN - timedelta(minutes=1))
    app.board.succeeded("bank-audit", FROZEN + timedelta(hours=7, minutes=59, seconds=59))
    app.picker.tick()


def test_main_screen(world, snap_compare):
    async def before(pilot):
        await no_blink(pilot)
        with_sessions(pilot.app)
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=SIZE, run_before=before)


def test_active_filter(world, snap_compare):
    async def before(pilot):
        await no_blink(pilot)
        with_sessions(pilot.app)
        await pilot.press("slash", *"adm")
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=SIZE, run_before=before)


def test_mfa_modal(world, snap_compare):
    async def before(pilot):
        app = pilot.app
        app.post_message(MfaRequested(MFA_SERIAL, ["acme-admin", "bank-audit"], Future()))
        await pilot.pause()
        await no_blink(pilot)
        await pilot.press(*"123")
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=SIZE, run_before=before)


def test_error_state(world, snap_compare):
    async def before(pilot):
        app = pilot.app
        await no_blink(pilot)
        error = AwsError(
            "AWS refused to let 'me' assume arn:aws:iam::111111111111:role/Developer "
            "(AccessDenied).",
            "The role's trust policy may not trust 'me', or 'me' lacks sts:AssumeRole.",
            code="AccessDenied",
        )
        app.picker.post_message(LoginFailed("acme-dev", Purpose.LOGIN, error))
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=SIZE, run_before=before)


def test_light_theme(world, snap_compare):
    world.write_xswitch_config(world.xswitch_config.read_text() + '\n[settings]\ntheme = "light"\n')

    async def before(pilot):
        await no_blink(pilot)
        with_sessions(pilot.app)
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=SIZE, run_before=before)


def test_narrow_terminal_long_names(isolated, snap_compare, time_zone):
    """80x24, realistic long names, a session shown in the local zone (Paris, CEST in May)."""
    write_long_names_world(isolated)
    time_zone("Europe/Paris")

    async def before(pilot):
        await no_blink(pilot)
        pilot.app.board.succeeded(LONG_NAMES[0], FROZEN + timedelta(minutes=42, seconds=7))
        pilot.app.picker.tick()
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=(80, 24), run_before=before)
