"""Pilot tests for `S`: an SSO sync from the picker against the project's SSO server.

Discovered roles appear under a "syncing…" client while the sync runs; the catalog is read again
once the sync is stored, keeping the selection and the person's own edits (a client's colour).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from textual.widgets import OptionList
from uitesting import SIZE, new_app, notifications, screen_text, wait_until

from sso_controls import ControlledSsoServer
from xswitch.core import paths
from xswitch.demo.ssoserver import Account, ServerOptions
from xswitch.ui.screens.choose_session import ChooseSessionScreen
from xswitch.ui.screens.device_code import DeviceCodeScreen
from xswitch.ui.sync import SYNCING_KEY

ACCOUNTS = [
    Account("333333333333", "Acme Sandbox", "sandbox@acme.example", ("Developer", "Admin")),
    Account("444444444444", "Acme Production", "prod@acme.example", ("ReadOnly", "Admin")),
    Account("555555555555", "Acme Data", "data@acme.example", ("Analyst",)),
    Account("666666666666", "Acme Shared", "shared@acme.example", ("Network",)),
]
SANDBOX_GREEN = "#22c55e"


@pytest.fixture
def sso(isolated, monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlledSsoServer]:
    server = ControlledSsoServer(
        ACCOUNTS, options=ServerOptions(poll_interval=1, auto_approve=True)
    )
    server.start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XSWITCH_NO_BROWSER", "1")
    isolated.write_aws_config(
        """
        [sso-session acme]
        sso_start_url = https://acme.awsapps.com/start
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        [profile sandbox]
        sso_session = acme
        sso_account_id = 333333333333
        sso_role_name = Developer
        region = eu-west-1
        """
    )
    # A slow portal rate, so that the accounts arrive one by one while the test watches; and the
    # person's own colour for the client the sync will fill.
    isolated.write_xswitch_config(
        f"""
        [settings]
        sso_rate_limit = 4

        [clients.acme-sandbox]
        name = "Acme Sandbox"
        color = "{SANDBOX_GREEN}"
        """
    )
    try:
        yield server
    finally:
        server.stop()


def provisional(app) -> list[str]:
    return [p.name for p in app.catalog.profiles.values() if p.client == SYNCING_KEY]


async def test_s_syncs_rows_appear_as_they_arrive_and_edits_survive(sso):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        app.select_profile("sandbox")
        await pilot.press("S")
        await wait_until(pilot, lambda: provisional(app), "the first discovered rows")
        assert app.catalog.client(SYNCING_KEY) is not None
        assert "syncing acme…" in screen_text(app)  # the provisional client in the list
        assert "SSO sync acme:" in screen_text(app)  # progress in the header
        assert "sandbox" not in provisional(app)  # already configured: not shown twice
        await wait_until(pilot, lambda: app.catalog.client(SYNCING_KEY) is None, "the reload")

        # The configuration was read again: the new profiles, in clients named by account.
        profiles = app.catalog.profiles
        assert profiles["acme-production.ReadOnly"].client == "acme-production"
        assert profiles["acme-sandbox.Admin"].client == "acme-sandbox"
        assert "acme-sandbox.Developer" not in profiles  # it is 'sandbox' in ~/.aws/config
        assert app.sessions.catalog is app.catalog  # the engine knows them too
        assert app.profiles.selected.name == "sandbox"  # the selection is kept
        # The colour the person gave the client survived the sync, in the file and on screen.
        assert app.catalog.client("acme-sandbox").color == SANDBOX_GREEN
        assert SANDBOX_GREEN in paths.config_file(os.environ).read_text()
        await wait_until(
            pilot, lambda: any("5 new" in n for n in notifications(app)), "the summary"
        )
        assert "5 new" in str(app.query_one("#details").render())

        # A synced profile works at once: log in to it.
        app.select_profile("acme-data.Analyst")
        await pilot.press("l")
        await wait_until(pilot, lambda: "acme-data.Analyst" in app.board.expirations, "login")


async def test_a_refused_sso_login_during_sync_offers_a_new_device_login(sso):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await wait_until(pilot, lambda: "acme-shared.Network" in app.catalog.profiles, "sync")
        await wait_until(pilot, lambda: app.catalog.client(SYNCING_KEY) is None, "the reload")
        sso.options.auto_approve = False
        sso.revoke_all()  # signed out in the portal: the saved token is refused
        await pilot.press("S")
        await wait_until(
            pilot, lambda: any("failed" in n for n in notifications(app)), "the refusal"
        )
        assert app.catalog.client(SYNCING_KEY) is None  # the preview is gone
        assert "Press S to log in again" in str(app.query_one("#details").render())
        refused = app.catalog
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        sso.approve(sso.pending_user_codes()[0])
        # The catalog is replaced when the second sync finishes (notifications expire: they are
        # no record of how many syncs ran on a slow machine).
        await wait_until(
            pilot,
            lambda: app.catalog is not refused and app.catalog.client(SYNCING_KEY) is None,
            "the second sync",
        )
        assert "SSO sync acme: 4 accounts" in str(app.query_one("#details").render())
        assert not isinstance(app.screen, DeviceCodeScreen)


async def test_with_several_sessions_s_asks_which_one(sso, isolated):
    isolated.write_aws_config(
        """
        [sso-session acme]
        sso_start_url = https://acme.awsapps.com/start
        sso_region = eu-west-1

        [sso-session [red]bank[/]]
        sso_start_url = https://bank.awsapps.com/start
        sso_region = eu-west-1

        [profile plain]
        region = eu-west-1
        """
    )
    app = new_app()

    def chooser_ready() -> bool:
        # Pushed is not yet drawn nor taking keys: on a busy machine Enter pressed right after
        # 'S' reached a dialog whose list had no focus yet, and nothing was synced.
        screen = app.screen
        return (
            isinstance(screen, ChooseSessionScreen)
            and isinstance(screen.focused, OptionList)
            and screen.focused.highlighted == 0
            and "acme.awsapps.com" in screen_text(app)
        )

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await wait_until(pilot, chooser_ready, "the chooser")
        assert "[red]bank[/]" in screen_text(app)  # shown literally
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.screen_stack[0], "the chooser to close")
        assert app.catalog.client(SYNCING_KEY) is None
        await pilot.press("S")
        await wait_until(pilot, chooser_ready, "the chooser again")
        await pilot.press("enter")  # the first, 'acme'
        await wait_until(pilot, lambda: "acme-data.Analyst" in app.catalog.profiles, "sync")


async def test_the_sync_note_stays_with_its_session_and_goes_once_stale(sso, isolated):
    config = isolated.aws_config.read_text()
    isolated.aws_config.write_text(config + "\n[profile plain]\nregion = eu-west-1\n")
    app = new_app()

    def details() -> str:
        return str(app.query_one("#details").render())

    async with app.run_test(size=SIZE) as pilot:
        app.select_profile("sandbox")
        await pilot.press("S")
        await wait_until(pilot, lambda: "SSO sync acme: 4 accounts" in details(), "the note")
        # Not about a profile outside the synced session.
        app.select_profile("plain")
        await wait_until(pilot, lambda: "plain" in details(), "the plain profile")
        assert "SSO sync" not in details()
        # A login to the session makes the note old news.
        app.select_profile("sandbox")
        await wait_until(pilot, lambda: "SSO sync acme" in details(), "the note again")
        await pilot.press("l")
        await wait_until(pilot, lambda: "sandbox" in app.board.expirations, "the login")
        await wait_until(pilot, lambda: "SSO sync" not in details(), "the note to go")
