"""Pilot tests: every key and behaviour of the picker, logging in against a real STS (moto)."""

from __future__ import annotations

import dataclasses
import gc
import os
import re
import threading
from datetime import timedelta

from textual import events
from textual.binding import Binding
from textual.command import CommandPalette
from uitesting import (
    FROZEN,
    MFA_SERIAL,
    SIZE,
    new_app,
    notifications,
    row_text,
    screen_text,
    wait_for_dialog,
    wait_until,
)

from xswitch.core.config import load_catalog
from xswitch.core.errors import AwsError
from xswitch.core.sessions import SessionManager
from xswitch.ui.app import XswitchApp
from xswitch.ui.heap import paused_for_startup
from xswitch.ui.screen import PickerScreen
from xswitch.ui.screens.confirm import ConfirmProdScreen
from xswitch.ui.screens.help import HelpScreen
from xswitch.ui.screens.mfa import MfaScreen
from xswitch.ui.widgets.profile_table import Columns, ProfileTable

COUNTDOWN = re.compile(r"\b\d?:?\d\d:\d\d\b")


async def test_start_shows_first_client_and_details(world):
    app = new_app()
    async with app.run_test(size=SIZE):
        assert [c.name for c in app.catalog.clients][:2] == ["Acme Retail", "First Bank"]
        assert app.profiles.names == ["acme-dev", "acme-ops", "acme-admin"]
        text = screen_text(app)
        assert "arn:aws:iam::111111111111:role/Developer" in text  # details of the first row
        assert "1 ▌Acme Retail" in text and "PROD" in text


async def test_arrows_move_the_cursor_and_details_follow(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down")
        assert app.profiles.selected.name == "acme-admin"
        assert MFA_SERIAL in screen_text(app)
        await pilot.press("up")
        assert app.profiles.selected.name == "acme-ops"


async def test_filter_matches_across_clients_and_escape_clears(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"audit")
        assert app.profiles.names == ["bank-audit"]
        assert "First Bank" in row_text(app, "bank-audit")  # client column while filtering
        await pilot.press("escape")
        assert app.filter_input.value == ""
        assert app.profiles.names == ["acme-dev", "acme-ops", "acme-admin"]
        assert app.focused is app.profiles


async def test_filter_highlights_matched_letters_in_runs(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"bkadt")  # scattered: b-k, a, d... of "bank-audit"
        assert app.profiles.names == ["bank-audit"]
        match = app.profiles.component_style("profile-table--match")
        name_width = len(app.profiles.names[0])
        segments = app.profiles.render_row(0, app.profiles.size.width)
        shown, highlighted = "", ""
        for segment in segments:
            if len(shown) >= name_width:
                break
            shown += segment.text
            if segment.style == match:
                highlighted += segment.text
        assert shown.startswith("bank-audit")
        assert highlighted == "bkadt"
        # Runs, not a segment per letter: a substring hit is one highlighted segment.
        await pilot.press(*["backspace"] * 5, *"audit")
        segments = app.profiles.render_row(0, app.profiles.size.width)
        assert [s.text for s in segments if s.style == match] == ["audit"]


async def test_filter_by_account_id_and_tags(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"2222")
        assert set(app.profiles.names) == {"bank-prod", "bank-audit"}
        await pilot.press("escape", "slash", *"retail")  # a client tag
        assert set(app.profiles.names) == {"acme-dev", "acme-ops", "acme-admin"}
        await pilot.press("enter")  # from the filter to the results
        assert app.focused is app.profiles


async def test_digits_jump_to_client_but_type_into_the_filter(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        assert app.clients.cursor == 1
        assert app.profiles.names == ["bank-prod", "bank-audit"]
        await pilot.press("9")  # no ninth client: nothing happens
        assert app.clients.cursor == 1
        await pilot.press("slash", "1", "1")
        assert app.filter_input.value == "11"
        assert app.clients.cursor == 1


async def test_login_shows_a_countdown_and_live_count(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: "acme-dev" in app.board.expirations, "the login")
        assert COUNTDOWN.search(row_text(app, "acme-dev"))
        assert "●1" in app.clients.render_line(0).text
        assert any("Logged in: acme-dev" in n for n in notifications(app))


async def test_countdown_ticks_once_a_second_from_the_injected_clock(world):
    now = [FROZEN]
    app = new_app(clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        app.board.succeeded("acme-ops", FROZEN + timedelta(minutes=42, seconds=5))
        app.profiles.tick()
        assert "42:05" in row_text(app, "acme-ops")
        # Nothing but the one-second timer reads the clock again: a fixed pause missed its tick
        # on a busy machine, so wait (bounded) for the redraw it makes.
        now[0] = FROZEN + timedelta(minutes=40)
        await wait_until(pilot, lambda: "02:05" in row_text(app, "acme-ops"), "a tick")
        now[0] = FROZEN + timedelta(minutes=43)
        await wait_until(pilot, lambda: "expired" in row_text(app, "acme-ops"), "another tick")


async def test_countdown_redraws_only_visible_rows(isolated, monkeypatch):
    lines = ["[profile me]", "region = eu-west-1", ""]
    for n in range(3000):
        lines += [f"[profile p{n:04d}]", f"role_arn = arn:aws:iam::{n:012d}:role/R", ""]
    isolated.write_aws_config("\n".join(lines))
    app = new_app(clock=lambda: FROZEN)
    drawn: list[int] = []
    original = ProfileTable.render_row

    def counting(self, index, width):
        drawn.append(index)
        return original(self, index, width)

    monkeypatch.setattr(ProfileTable, "render_row", counting)
    async with app.run_test(size=SIZE) as pilot:
        for name in list(app.catalog.profiles)[:3000:7]:
            app.board.succeeded(name, FROZEN + timedelta(hours=1))
        await pilot.pause()
        drawn.clear()
        app.picker.tick()
        await pilot.pause()
        assert drawn, "the tick redrew nothing"
        assert len(set(drawn)) <= app.profiles.size.height


async def test_mfa_modal_then_escape_cancels_cleanly(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "l")  # acme-admin needs MFA
        await wait_for_dialog(pilot, MfaScreen)
        text = screen_text(app)
        assert MFA_SERIAL in text
        assert "acme-admin" in text and "bank-audit" in text  # what the code unlocks
        await pilot.press(*"987")
        assert "987" not in screen_text(app)  # masked
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.board.busy, "the login to end")
        assert "acme-admin" not in app.board.errors
        assert not isinstance(app.screen, MfaScreen)
        assert any("Login cancelled" in n for n in notifications(app))
    # No login thread is left waiting for an answer.
    assert not [t for t in threading.enumerate() if t.name.startswith("xswitch login")]


async def test_mfa_code_completes_the_login(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "l")
        await wait_for_dialog(pilot, MfaScreen)
        await pilot.press(*"12", "enter")
        assert "six digits" in screen_text(app)  # too short: said, not sent
        await pilot.press(*"3456", "enter")
        await wait_until(pilot, lambda: "acme-admin" in app.board.expirations, "the login")
        assert COUNTDOWN.search(row_text(app, "acme-admin"))


async def test_a_refused_mfa_code_is_asked_again_with_the_reason(world, mfa_sts):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "l")
        await wait_for_dialog(pilot, MfaScreen)
        await pilot.press(*"000000", "enter")  # refused by the STS (tests/conftest.py)
        await wait_until(
            pilot, lambda: "wrong or has expired" in screen_text(app), "the modal with the reason"
        )
        assert isinstance(app.screen, MfaScreen)
        await pilot.press(*"123456", "enter")
        await wait_until(pilot, lambda: "acme-admin" in app.board.expirations, "the login")
    assert mfa_sts.codes == ["000000", "123456"]


async def test_quitting_while_the_mfa_modal_waits_exits_promptly(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "down", "l")
        await wait_for_dialog(pilot, MfaScreen)
        app.exit()
    await wait_until_threads_gone()


async def wait_until_threads_gone() -> None:
    import asyncio

    for _ in range(100):
        if not [t for t in threading.enumerate() if t.name.startswith("xswitch login")]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("a login thread is still waiting after the app exited")


async def test_failure_goes_to_details_and_a_notification(world, moto):
    moto.enforce_auth()  # the keys of `me` are unknown to this STS
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: "acme-dev" in app.board.errors, "the failure")
        error = app.board.errors["acme-dev"]
        assert isinstance(error, AwsError)
        assert "error" in row_text(app, "acme-dev")
        assert str(error)[:60] in screen_text(app).replace("\n", "") or any(
            str(error) == n for n in notifications(app)
        )
        assert str(error) in notifications(app)
        assert app.is_running


async def test_prod_enter_needs_the_client_name_typed(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "enter")  # bank-prod, a production client
        assert isinstance(app.screen, ConfirmProdScreen)
        await pilot.press(*"First", "enter")
        assert isinstance(app.screen, ConfirmProdScreen)
        assert "not the client's name" in screen_text(app)
        await pilot.press(*" bank", "enter")  # case is ignored, as at the command line
        assert not isinstance(app.screen, ConfirmProdScreen)
        # Headless: no terminal to hand over, so the fallback puts the command on the clipboard.
        await wait_until(pilot, lambda: app.clipboard == "xswitch exec bank-prod", "the fallback")
        assert any("cannot hand over to a subshell" in n for n in notifications(app))
        assert "bank-prod" in app.board.expirations  # the session is ready for that command


async def test_prod_copy_cancelled_copies_nothing(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "c")
        assert isinstance(app.screen, ConfirmProdScreen)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.clipboard == ""
        assert not app.board.busy and "bank-prod" not in app.board.expirations


async def test_copy_puts_export_lines_on_the_clipboard(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: "AWS_SESSION_TOKEN" in app.clipboard, "the copy")
        assert "export AWS_ACCESS_KEY_ID=" in app.clipboard
        assert "AWS_REGION=eu-west-1" in app.clipboard or "eu-west-1" in app.clipboard
        # No clipboard tool and no display here: the terminal's clipboard was all there was.
        await wait_until(pilot, lambda: any("OSC 52" in n for n in notifications(app)), "notice")
        assert not any("Copied" in n for n in notifications(app))
        # The secret itself is never shown on screen.
        secret = app.clipboard.split("AWS_SECRET_ACCESS_KEY=")[1].split()[0].strip("'\"")
        assert secret not in screen_text(app)
        assert all(secret not in n for n in notifications(app))


async def test_subshell_fallback_for_a_plain_client(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.clipboard == "xswitch exec acme-ops", "the fallback")


class HandingOverApp(XswitchApp):
    """The picker as in a real terminal: suspending works (the headless driver cannot suspend)."""

    def suspend(self):
        import contextlib

        return contextlib.nullcontext()


async def test_subshell_runs_with_the_credentials_then_the_picker_refreshes(
    world, moto, tmp_path, monkeypatch
):
    seen = tmp_path / "env.txt"
    fake_shell = tmp_path / "shell"
    fake_shell.write_text(f"#!/bin/sh\nenv > {seen}\n")
    fake_shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(fake_shell))
    import os

    from xswitch.core.config import load_catalog
    from xswitch.core.sessions import SessionManager

    catalog = load_catalog(os.environ)
    app = HandingOverApp(catalog, SessionManager(catalog, os.environ), env=os.environ)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_until(pilot, seen.exists, "the subshell")
        env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
        assert env["XSWITCH_PROFILE"] == "acme-dev"
        # The agent's endpoint instead of keys: the subshell's SDKs renew by themselves.
        assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"].startswith("http://127.0.0.1:")
        assert env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        assert "AWS_ACCESS_KEY_ID" not in env
        assert env["AWS_REGION"] == "eu-west-1"
        await wait_until(pilot, lambda: "acme-dev" in app.board.expirations, "the refresh")
        assert COUNTDOWN.search(row_text(app, "acme-dev"))


async def test_logout_forgets_the_session(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: "acme-dev" in app.board.expirations, "the login")
        await pilot.press("x")
        await wait_until(pilot, lambda: "acme-dev" not in app.board.expirations, "the logout")
        assert "acme-dev" not in app.sessions.cached_sessions()
        assert COUNTDOWN.search(row_text(app, "acme-dev")) is None


async def test_refresh_client_renews_every_live_session_in_parallel(world, moto):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "down", "l")
        await wait_until(
            pilot,
            lambda: {"acme-dev", "acme-ops"} <= set(app.board.expirations) and not app.board.busy,
            "two logins",
        )
        before = dict(app.board.expirations)
        # The action, as the `L` key runs it: both logins start at once, before either ends.
        app.picker.action_refresh_client()
        assert {"acme-dev", "acme-ops"} <= app.board.busy
        assert "acme-admin" not in app.board.busy  # no live session: not touched
        await wait_until(pilot, lambda: not app.board.busy, "the refresh")
        await pilot.press("L")  # and the key itself
        await wait_until(pilot, lambda: not app.board.busy, "the second refresh")
        assert not app.board.errors
        assert set(app.sessions.cached_sessions()) >= {"acme-dev", "acme-ops"}
        assert app.board.expirations["acme-dev"] >= before["acme-dev"]


async def test_refresh_client_without_live_sessions_says_so(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        assert any("No live sessions" in n for n in notifications(app))


async def test_the_key_bar_fits_120_columns(world):
    app = new_app()
    async with app.run_test(size=(120, 36)):
        bar = " ".join(screen_text(app).splitlines()[-1].split())
        assert bar.endswith("ctrl+p Palette") and "…" not in bar
        for hint in ("/ Filter", "l Log in", "c Copy", "S SSO sync", "? Help", "q Quit"):
            assert hint in bar


async def test_help_lists_every_key(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for description in (
            "Filter",
            "Shell",
            "Log in",
            "Refresh every live session",
            "Copy export lines",
            "SSO sync",
            "Log out",
            "Quit",
            "Jump to client N",
        ):
            assert description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_binding_has_an_id_a_description_and_a_palette_entry(world):
    app = new_app()
    async with app.run_test(size=SIZE):
        commands = {c.title for c in app.get_system_commands(app.screen)}
    bindings = [*XswitchApp.BINDINGS, *PickerScreen.BINDINGS]
    assert len(bindings) >= 20
    for binding in bindings:
        assert isinstance(binding, Binding)
        assert binding.id and binding.description, binding
        # Quit is built in; the palette lists the clients that exist rather than 1–9 (see
        # test_navigation.py).
        assert (
            binding.description in commands
            or binding.action == "quit"
            or binding.id.startswith("jump-client-")
            or binding.id == "client-number"  # only with ten clients or more
        )


async def test_palette_lists_profiles_and_selects_one(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"bank-aud")
        await wait_until(pilot, lambda: "bank-audit" in screen_text(app), "the palette hit")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.profiles.selected.name == "bank-audit", "selection")
        assert app.clients.cursor == 1


async def test_hung_sts_never_blocks_keys(world, monkeypatch):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections (kernel backlog) and never answers
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    try:
        app = new_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l", "down", "l")
            assert {"acme-dev", "acme-ops"} <= app.board.busy
            await pilot.pause(0.3)
            assert app.board.busy  # still stuck on the network
            await pilot.press("2")
            assert app.clients.cursor == 1
            await pilot.press("slash", *"aud")
            assert app.profiles.names == ["bank-audit"]
            assert {"acme-dev", "acme-ops"} <= app.board.busy
        # Quitting did not wait for the stuck calls.
    finally:
        listener.close()


async def test_collector_paused_before_start_runs_again_after_the_first_frame(world):
    # The `xswitch` command pauses the garbage collector before importing Textual; the picker
    # must resume it (with start-up's objects frozen) and unfreeze them when it closes.
    startup = paused_for_startup()
    try:
        assert not gc.isenabled()
        app = new_app(startup=startup)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, gc.isenabled, "the collector to run again")
            assert gc.get_freeze_count() > 0
        assert gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()
        gc.unfreeze()


async def test_keys_typed_in_a_burst_after_slash_land_in_the_filter(world):
    # Keys queued while the picker is busy (just started, or searching) are routed all at once:
    # those behind '/' must reach the filter box, not the list, where letters are commands.
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        for key, char in [("slash", "/"), *((c, c) for c in "acme-dev"), ("c", "c")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: app.filter_input.value == "acme-devc", "the typed filter")
        assert app.focused is app.filter_input
        assert app.clipboard == ""  # no 'c' reached the list as "copy"
        await pilot.press("slash")  # in the box, '/' is text (ARNs hold slashes)
        assert app.filter_input.value == "acme-devc/"


async def test_an_80_column_terminal_keeps_names_and_sessions_readable(world):
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = screen_text(app).splitlines()[1]  # under the top bar
        assert "profile" in header and "session" in header and "account" in header
        assert "region" not in header  # the first column to give way
        assert app.clients.outer_size.width == 20  # the clients column narrows too
        assert "acme-admin " in row_text(app, "acme-admin")  # the whole name, not "acme…"
        await pilot.press("slash", *"acme")  # the client column joins while filtering
        header = screen_text(app).splitlines()[1]
        assert "client" in header and "session" in header


def test_columns_give_way_in_order_and_always_fit():
    wide = Columns.fit(89, show_client=False)
    assert wide.region and wide.kind and wide.role and wide.name >= 20
    for width in range(30, 130):
        for show_client in (False, True):
            columns = Columns.fit(width, show_client)
            assert sum(dataclasses.astuple(columns)) < width
            assert columns.session == 10 and columns.name >= 10
            # Region goes first, then kind, then role, then the account.
            shown = [columns.region > 0, columns.kind > 0, columns.role > 0, columns.account > 0]
            assert shown == sorted(shown), (width, show_client, columns)


async def test_with_no_profiles_the_picker_says_where_to_add_them(isolated):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "No AWS profiles yet" in screen_text(app), "the hint")
        text = screen_text(app)
        assert os.environ["AWS_CONFIG_FILE"] in text and "xswitch demo" in text
        await pilot.press("l", "c", "enter", "x")  # nothing to act on: no crash
        assert app.is_running and app.clipboard == ""


async def test_a_filter_that_matches_nothing_says_so(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"zz[red]")
        await wait_until(
            pilot, lambda: "No profile matches “zz[red]”." in screen_text(app), "the note"
        )
        assert app.profiles.names == []


async def test_copy_follows_the_callers_shell(world, moto, monkeypatch):
    """The picker started from fish copies fish lines, whatever the shell setting says: bash
    lines pasted into fish (or fish's `set -e` pasted into bash) break the shell they land in."""
    world.write_xswitch_config('[settings]\nshell = "bash"\n')
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: "AWS_SESSION_TOKEN" in app.clipboard, "the copy")
        assert "set -gx AWS_ACCESS_KEY_ID " in app.clipboard
        assert "export " not in app.clipboard


async def test_keys_remapped_in_config_toml_work_and_show_everywhere(world):
    world.write_xswitch_config(
        world.xswitch_config.read_text()
        + '\n[keys]\nhelp = "h"\nfilter = "f"\nlogout = "ctrl+x"\ncopy = "x"\n'
    )
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        bar = " ".join(screen_text(app).splitlines()[-1].split())
        assert "h Help" in bar and "f Filter" in bar and "x Copy" in bar and "^x Log out" in bar
        assert "? Help" not in bar and "/ Filter" not in bar
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Help"] == "Key: h" and commands["Log out"] == "Key: ^x"
        # The old keys do nothing now; the new ones run the actions.
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        assert "h" in [key for key, _ in app.keys.help()]
        await pilot.press("escape")
        # 'f' (the filter's key now) moves the focus to the filter box before routing, as '/' did.
        await pilot.press("f", *"ops")
        await wait_until(pilot, lambda: app.filter_input.value == "ops", "the typed filter")
        assert app.profiles.names == ["acme-ops"]


async def test_a_worker_that_crashes_becomes_words_through_the_one_failure_handler(world):
    app = new_app()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an AWS answer")

    async with app.run_test(size=SIZE) as pilot:
        app.sessions.credentials = broken  # the engine failing in a way nobody planned for
        await pilot.press("l")
        await wait_until(
            pilot,
            lambda: any("failed unexpectedly (RuntimeError)" in n for n in notifications(app)),
            "the failure in words",
        )
        assert "acme-dev" in app.board.errors and "acme-dev" not in app.board.busy
        assert app.is_running
        assert "a bug" not in " ".join(notifications(app))  # no internals on screen


async def test_palette_commands_run_the_screens_actions(world):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c.callback for c in app.get_system_commands(app.screen)}
        app.call_later(commands["Clients column"])  # as the palette runs a command
        await wait_until(pilot, lambda: app.focused is app.clients, "the clients column")
        app.call_later(commands["Help"])
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")


async def test_no_color_in_the_given_environment_draws_in_greys(world):
    # Textual reads NO_COLOR from os.environ only; the picker honours the environment it is given.
    assert "NO_COLOR" not in os.environ
    catalog = load_catalog(os.environ)
    env = {**os.environ, "NO_COLOR": "1"}
    app = XswitchApp(catalog, SessionManager(catalog, env), env=env)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        colours = {
            segment.style.color.get_truecolor()
            for strip in app.screen._compositor.render_strips()
            for segment in strip
            if segment.style is not None and segment.style.color is not None
        }
        assert colours and all(r == g == b for r, g, b in colours), colours


async def test_started_by_xs_enter_switches_and_the_bang_key_still_gives_a_subshell(world, moto):
    app = new_app(choose=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")  # acme-dev: not production
        # Headless: no terminal to hand over, so the fallback puts the command on the clipboard.
        await wait_until(pilot, lambda: app.clipboard == "xswitch exec acme-dev", "the fallback")
        assert app.is_running
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_value == "acme-dev"  # Enter ended the picker with the profile to switch to
