"""Moving around the picker: Enter and the arrows between the columns, client numbers past 9, the
palette's clients; and what the picker says on start inside an xswitch shell."""

from __future__ import annotations

from textual.command import CommandPalette
from uitesting import SIZE, new_app, notifications, screen_text, wait_until

from xswitch.ui.jump import ClientNumber


async def test_enter_on_a_client_moves_into_its_profiles(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+tab")  # the focus starts on the profiles
        assert app.focused is app.clients
        await pilot.press("down", "enter")
        assert app.focused is app.profiles
        assert app.profiles.names == ["bank-prod", "bank-audit"]
        await pilot.pause(0.2)
        # Nothing was started: no shell, no login, no production confirmation.
        assert not app.board.busy and app.screen is app.screen_stack[0]
        assert app.clipboard == ""


async def test_left_and_right_move_between_the_columns(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is app.profiles
        await pilot.press("left")
        assert app.focused is app.clients
        await pilot.press("down")
        assert app.profiles.names == ["bank-prod", "bank-audit"]
        await pilot.press("right")
        assert app.focused is app.profiles
        await pilot.press("down")
        assert app.profiles.selected.name == "bank-audit"
        # In the filter box the arrows move the text cursor, not the focus.
        await pilot.press("slash", *"ab", "left")
        assert app.focused is app.filter_input
        assert app.filter_input.cursor_position == 1


def many_clients(home, count: int) -> None:
    home.write_aws_config(
        "\n".join(
            f"[profile p{n:02d}]\nrole_arn = arn:aws:iam::{n:012d}:role/R\n"
            for n in range(1, count + 1)
        )
    )
    home.write_xswitch_config(
        "\n".join(
            f'[clients.c{n:02d}]\nname = "Client {n:02d} [b]x[/b]"\nmatch = ["p{n:02d}"]\n'
            for n in range(1, count + 1)
        )
    )


async def test_zero_then_digits_reaches_clients_past_nine(isolated):
    many_clients(isolated, 12)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0", "1", "2")
        assert app.clients.cursor == 11 and app.profiles.names == ["p12"]
        await pilot.press("0", "1")  # 10, 11 or 12 could follow: wait
        assert app.clients.cursor == 11
        assert "client 01…" in screen_text(app)
        await pilot.press("enter")  # no: client 1
        assert app.clients.cursor == 0 and app.profiles.names == ["p01"]
        assert app.profiles.selected is not None and not app.board.busy
        await pilot.press("0", "5")  # 50 and beyond do not exist: client 5 at once
        assert app.clients.cursor == 4
        await pilot.press("9")  # the single digits still work
        assert app.clients.cursor == 8
        await pilot.press("0", "escape", "3")  # Esc gives the number up; 3 is client 3
        assert app.clients.cursor == 2


def test_client_number_rule():
    entry = ClientNumber()
    entry.start()
    assert entry.digit("1", 150) is None  # 10–19, 100–150 still possible
    assert entry.digit("4", 150) is None  # 140–150 still possible
    assert entry.digit("2", 150) == 142
    assert not entry.active
    entry.start()
    assert entry.digit("2", 150) is None
    assert entry.enter() == 2
    entry.start()
    assert entry.enter() is None


async def test_palette_offers_the_clients_that_exist(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"client")
        await wait_until(pilot, lambda: "Client 2: First Bank" in screen_text(app), "the hits")
        text = screen_text(app)
        assert len(app.catalog.clients) == 3  # Acme, the bank, and "Other" for the rest
        assert "Client 1: Acme Retail" in text and "Client 3: Other" in text
        assert "Client 4" not in text and "Jump to client" not in text
        await pilot.press(*" 2")
        await wait_until(
            pilot,
            lambda: "Client 1: Acme Retail" not in screen_text(app),
            "the list to narrow",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.clients.cursor == 1, "the jump")
        assert app.profiles.names == ["bank-prod", "bank-audit"]


async def test_palette_shows_client_names_literally(isolated):
    many_clients(isolated, 2)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"Client 02")
        await wait_until(
            pilot, lambda: "Client 2: Client 02 [b]x[/b]" in screen_text(app), "the literal name"
        )


async def test_inside_an_xswitch_shell_the_picker_says_so_on_start(world, monkeypatch):
    monkeypatch.setenv("XSWITCH_PROFILE", "acme-ops\x1b[2J")
    monkeypatch.setenv("XSWITCH_CLIENT", "Acme Retail")
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        said = lambda: any("inside the xswitch shell" in n for n in notifications(app))  # noqa: E731
        await wait_until(pilot, said, "the notice")
        notice = next(n for n in notifications(app) if "inside the xswitch shell" in n)
        assert "'acme-ops\\x1b[2J' (Acme Retail)" in notice  # no raw escape sequence
        assert app.is_running and app.screen is app.screen_stack[0]  # a notice, not a refusal


async def test_outside_an_xswitch_shell_there_is_no_such_notice(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert not any("xswitch shell" in n for n in notifications(app))


async def test_keys_typed_right_after_enter_in_the_filter_reach_the_list(world):
    # As with '/', keys are routed when the app takes them from its queue: in a burst, those
    # behind Enter would land in the filter box instead of the list.
    from textual import events

    from xswitch.ui.screens.help import HelpScreen

    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        keys = [("slash", "/"), *((c, c) for c in "bank-aud"), ("enter", "\r")]
        for key, char in [*keys, ("question_mark", "?")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help from the list")
        await wait_until(pilot, lambda: app.profiles.names == ["bank-audit"], "the filter")
        assert app.filter_input.value == "bank-aud"  # no '?' in it
