"""The picker in an 80x24 terminal: the key bar keeps Quit and the palette, help fits without
scrolling, and toasts never cover a dialog."""

from __future__ import annotations

from uitesting import new_app, screen_text, wait_for_dialog, wait_until

from xswitch.ui.screens.help import HelpScreen
from xswitch.ui.screens.mfa import MfaScreen

SMALL = (80, 24)


def key_bar(app) -> str:
    return " ".join(screen_text(app).splitlines()[-1].split())


async def test_the_key_bar_keeps_quit_help_and_the_palette_at_80_columns(world):
    app = new_app()
    async with app.run_test(size=SMALL) as pilot:
        bar = key_bar(app)
        assert "q Quit" in bar and bar.endswith("ctrl+p Palette"), bar
        assert "? Help" in bar and "/ Filter" in bar and "…" not in bar
        await pilot.resize_terminal(120, 36)  # room again: every hint comes back
        await pilot.pause()
        bar = key_bar(app)
        assert "S SSO sync" in bar and "x Log out" in bar and "q Quit" in bar
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        bar = key_bar(app)
        assert "q Quit" in bar and bar.endswith("ctrl+p Palette") and "…" not in bar


async def test_help_fits_an_80x24_terminal_without_scrolling(world):
    app = new_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        dialog = app.screen.query_one("#help-dialog")
        assert dialog.max_scroll_y == 0, "help needs scrolling at 80x24"
        text = screen_text(app)
        for description in ("Filter", "Quit", "Jump to client N", "Palette: every profile"):
            assert description in text, description


async def test_toasts_wait_while_a_dialog_is_up(world, moto):
    app = new_app()
    # Toasts are drawn only with notifications on (run_test leaves them off by default).
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.press("L")  # nothing live: a toast says so
        await wait_until(pilot, lambda: "No live sessions" in screen_text(app), "the toast")
        await pilot.press("down", "down", "l")  # acme-admin asks for an MFA code
        await wait_for_dialog(pilot, MfaScreen)
        await pilot.pause()
        assert "No live sessions" not in screen_text(app)  # not over the dialog
        app.notify("Raised while the dialog is up", markup=False)
        await pilot.pause(0.1)
        assert "Raised while the dialog is up" not in screen_text(app)
        await pilot.press("escape")
        await wait_until(
            pilot,
            lambda: "Raised while the dialog is up" in screen_text(app),
            "the held-back toast once the dialog closed",
        )
