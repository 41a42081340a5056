"""The profile table's columns and the details pane, at the sizes people use (120x40, 80x24)."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from uitesting import (
    FROZEN,
    LONG_NAMES,
    MFA_SERIAL,
    new_app,
    row_text,
    screen_text,
    wait_for_dialog,
    wait_until,
    write_long_names_world,
)

from xswitch.core.errors import AwsError
from xswitch.ui.messages import LoginFailed, Purpose
from xswitch.ui.screens.mfa import MfaScreen
from xswitch.ui.widgets.profile_table import Columns, Widths

REFUSED = AwsError(
    "AWS refused to let 'me' assume arn:aws:iam::111111111111:role/Admin (AccessDenied).",
    "The role's trust policy may not trust 'me', or 'me' lacks sts:AssumeRole.",
    code="AccessDenied",
)


async def test_long_names_are_whole_at_120_columns(isolated):
    write_long_names_world(isolated)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rows = [row_text(app, name) for name in LONG_NAMES]
        for name, row in zip(LONG_NAMES, rows, strict=True):
            assert row.startswith(name + " "), row
        assert len(set(rows)) == len(rows)
        header = screen_text(app).splitlines()[1]
        assert "account" in header and "session" in header


async def test_at_80_columns_the_name_beats_region_and_kind(isolated):
    write_long_names_world(isolated)
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name in LONG_NAMES[:2]:
            assert row_text(app, name).startswith(name + " ")
        header = screen_text(app).splitlines()[1]
        assert "profile" in header and "session" in header
        assert "region" not in header and "kind" not in header
        # The details pane always has the whole name, even where the row must cut it.
        await pilot.press("end")
        await pilot.pause()
        assert LONG_NAMES[2] in screen_text(app)


def test_columns_size_from_their_content():
    short = Columns.fit(89, False, Widths(name=8, account=12, role=5, region=9, kind=4))
    assert short.region == 10 and short.kind == 5 and short.role == 6  # whole, no more
    # A long name takes what it needs; region then kind give way before it is cut.
    long = Columns.fit(59, False, Widths(name=25, account=12, role=9, region=12, kind=4))
    assert long.name >= 26 and long.region == 0 and long.kind == 0
    for width in range(20, 200):
        for show_client in (False, True):
            for name in (0, 10, 40, 90):
                content = Widths(name=name, client=14, account=12, role=30, region=14, kind=7)
                columns = Columns.fit(width, show_client, content)
                assert sum(dataclasses.astuple(columns)) < width
                # The name's claim comes first: whole up to 48 characters when there is room.
                assert columns.name >= min(max(name, 7) + 1, width - 11, 49)


def details_lines(app) -> list[str]:
    """The details pane's lines as drawn (below the rule above it)."""
    lines = screen_text(app).splitlines()
    rule = next(i for i, line in enumerate(lines) if "▔▔▔" in line)
    return [line.split("▕", 1)[-1].strip() for line in lines[rule + 1 : -1]]


async def test_details_grow_to_their_text_and_keep_the_session_line(world):
    app = new_app(clock=lambda: FROZEN)
    async with app.run_test(size=(120, 40)) as pilot:
        app.board.succeeded("acme-admin", FROZEN + timedelta(minutes=42, seconds=7))
        app.picker.post_message(LoginFailed("acme-admin", Purpose.LOGIN, REFUSED))
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: "unlocks" in screen_text(app), "the whole details")
        lines = details_lines(app)
        assert lines[0].startswith("acme-admin")
        assert lines[1] == "session   42:07 left (until 10:12:07 UTC)"
        assert any(line.startswith("error") for line in lines)
        assert "via       keys in ~/.aws/credentials [me]" in lines
        assert "→ AssumeRole arn:aws:iam::111111111111:role/Admin" in lines
        assert lines[-1] == "unlocks   acme-admin, bank-audit"


async def test_details_leave_a_full_list_half_the_room(isolated):
    many = "\n".join(
        f"[profile p{n:02d}]\nrole_arn = arn:aws:iam::111111111111:role/R{n}\n"
        f"source_profile = me\nmfa_serial = {MFA_SERIAL}\n"
        for n in range(40)
    )
    isolated.write_aws_config("[profile me]\nregion = eu-west-1\n\n" + many)
    isolated.write_aws_credentials("[me]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n")
    app = new_app(clock=lambda: FROZEN)
    async with app.run_test(size=(80, 24)) as pilot:
        app.picker.post_message(LoginFailed("me", Purpose.LOGIN, REFUSED))
        await pilot.press("end")
        await wait_until(pilot, lambda: "p39" in details_lines(app)[0], "the last profile")
        await pilot.pause()
        room = app.profiles.outer_size.height + app.query_one("#details").outer_size.height
        assert app.profiles.outer_size.height >= room // 2
        assert details_lines(app)[1].startswith("session")


async def test_a_live_mfa_session_shows_its_time_left_and_the_roles_it_covers(
    world, moto, time_zone
):
    time_zone("Europe/Paris")
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down", "l")
        await wait_for_dialog(pilot, MfaScreen)
        await pilot.press(*"123456", "enter")
        await wait_until(pilot, lambda: "acme-admin" in app.board.expirations, "the login")
        # The pane grows to its new text on the next layout: until then its last lines are cut.
        covers = "covers    acme-admin, bank-audit"
        await wait_until(pilot, lambda: covers in details_lines(app), "the MFA session")
        (info,) = app.sessions.mfa_sessions()
        until = info.expiration.astimezone()
        zone = until.strftime("%Z")
        assert zone in ("CET", "CEST")
        line = next(line for line in details_lines(app) if line.startswith("mfa sess."))
        assert re.fullmatch(
            rf"mfa sess\. live, \d:\d\d:\d\d left \(until ({until:%Y-%m-%d} )?"
            rf"{until:%H:%M:%S} {zone}\), from 'me'",
            line,
        ), line
        assert "covers    acme-admin, bank-audit" in details_lines(app)
        assert (
            f"(until {app.board.expirations['acme-admin'].astimezone():%H:%M:%S} {zone})"
            in (details_lines(app)[1])
        )
        # The other role it covers has no session of its own yet, but needs no code.
        app.select_profile("bank-audit")
        await wait_until(
            pilot,
            lambda: "bank-audit" in details_lines(app)[0] and covers in details_lines(app),
            "bank-audit's details",
        )
        assert details_lines(app)[1] == "session   none cached: l logs in"


async def test_long_values_wrap_under_themselves_not_under_their_label(world):
    """At 80 columns an ARN or an error goes on in the value column: the label column stays
    clear, so every label still stands out."""
    app = new_app(clock=lambda: FROZEN)
    async with app.run_test(size=(80, 24)) as pilot:
        app.picker.post_message(LoginFailed("acme-admin", Purpose.LOGIN, REFUSED))
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: "error" in screen_text(app), "the error")
        lines = details_lines_raw(app)
        error = next(i for i, line in enumerate(lines) if line.startswith("error"))
        assert lines[error + 1].startswith(" " * 10) and lines[error + 1].strip()


def details_lines_raw(app) -> list[str]:
    """The details pane's lines with their leading spaces (the pane's own padding removed)."""
    lines = screen_text(app).splitlines()
    rule = next(i for i, line in enumerate(lines) if "▔▔▔" in line)
    return [line.split("▕", 1)[-1][1:].rstrip() for line in lines[rule + 1 : -1]]
