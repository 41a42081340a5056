"""Hostile names and messages are shown literally everywhere and crash nothing."""

from __future__ import annotations

from uitesting import SIZE, new_app, notifications, screen_text, wait_until

from xswitch.core.errors import AwsError
from xswitch.ui.messages import LoginFailed, MfaRequested, Purpose

HOSTILE = ("[red]x[/]", "[@click=app.quit]q", "[/")


def write_hostile(home) -> None:
    home.write_aws_config(
        """
        [profile [red]x[/]]
        role_arn = arn:aws:iam::111111111111:role/[b]r[/b]
        source_profile = [/

        [profile [@click=app.quit]q]
        region = [i]eu[/i]

        [profile [/]
        region = eu-west-1
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    home.write_xswitch_config(
        """
        [clients.evil]
        name = "[@click=app.quit]Evil[/"
        prod = true
        notes = "[bold]not bold[/bold]"
        profiles = ["[red]x[/]", "[@click=app.quit]q", "[/"]
        """
    )


async def test_hostile_names_display_literally_in_every_place(isolated):
    write_hostile(isolated)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app)
        for name in HOSTILE:
            assert name in text
        assert "[@click=app.quit]Evil[/" in text
        assert "[bold]not bold[/bold]" in text  # notes in the details view
        await pilot.click("#profiles", offset=(2, 1))  # clicking a hostile row runs no action
        assert app.is_running
        # Filter, palette and help with hostile text.
        await pilot.press("slash", "[", "/")
        assert "[/" in app.profiles.names
        await pilot.press("escape", "ctrl+p", *"click")
        await wait_until(pilot, lambda: "[@click=app.quit]q" in screen_text(app), "palette hit")
        await pilot.press("escape")
        assert app.is_running


async def test_hostile_error_messages_and_prompts(isolated):
    write_hostile(isolated)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        message = "AWS said [@click=app.quit]no[/] and [b]closed[/"
        app.picker.post_message(
            LoginFailed("[red]x[/]", Purpose.LOGIN, AwsError(message, code="X"))
        )
        await pilot.pause()
        assert message in notifications(app)
        assert "[@click=app.quit]no[/]" in screen_text(app)  # details of the selected row
        # The prod confirmation and the MFA modal show names literally too.
        await pilot.press("enter")
        assert "[@click=app.quit]Evil[/" in screen_text(app)
        await pilot.press("escape")
        from concurrent.futures import Future

        app.post_message(MfaRequested("[@click=app.quit]serial[/", ["[red]x[/]"], Future()))
        await pilot.pause()
        assert "[@click=app.quit]serial[/" in screen_text(app)
        await pilot.press("escape")
        assert app.is_running


CONTROL_NAME = "ctl\x1b]0;retitled\x07\x9b31m\u202eevil"


async def test_control_characters_in_names_are_drawn_escaped(isolated):
    from xswitch.core.text import has_unsafe, visible

    isolated.write_aws_config(
        f"""
        [profile {CONTROL_NAME}]
        role_arn = arn:aws:iam::111111111111:role/R\x1b[2J
        source_profile = me
        region = eu-west-1\x1b[5m
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.evil]
        name = "Evil\\u001b]0;title\\u0007"
        notes = "notes\\u001b[31m"
        prod = true
        match = ["ctl*"]
        """
    )
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert visible(CONTROL_NAME) in text, text
        assert "Evil\\x1b]0;title\\x07" in text
        assert not any(map(has_unsafe, text.splitlines())), repr(text)
        await pilot.press("ctrl+p", *"ctl")
        await wait_until(pilot, lambda: "ctl\\x1b" in screen_text(app), "palette hit")
        assert not any(map(has_unsafe, screen_text(app).splitlines()))
        await pilot.press("escape")
        assert app.is_running
        app.picker.post_message(
            LoginFailed(CONTROL_NAME, Purpose.LOGIN, AwsError("AWS said \x1b]0;t\x07", code="X"))
        )
        await pilot.pause()
        assert "AWS said \\x1b]0;t\\x07" in notifications(app)
        assert not any(map(has_unsafe, screen_text(app).splitlines()))
        # The MFA modal and the production confirmation show names escaped too.
        from concurrent.futures import Future

        app.post_message(MfaRequested("serial\x1b[8m", [CONTROL_NAME], Future()))
        await pilot.pause()
        assert "serial\\x1b[8m" in screen_text(app)
        assert not any(map(has_unsafe, screen_text(app).splitlines()))
        await pilot.press("escape")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Production account" in screen_text(app), "confirmation")
        assert "Evil\\x1b]0;title\\x07" in screen_text(app)
        assert not any(map(has_unsafe, screen_text(app).splitlines()))
        await pilot.press("escape")
        assert app.is_running
