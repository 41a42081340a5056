"""The profile table's columns and the details pane, at the sizes people use (120x40, 80x24)."""

from __future__ import annotations

import dataclasses

from uitesting import LONG_NAMES, new_app, row_text, screen_text, write_long_names_world

from xswitch.ui.widgets.profile_table import Columns, Widths


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
