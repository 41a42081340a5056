"""The picker's console: the palette's "console: SERVICE" entries, a chained role's one-hour
notice with its switch-role alternative, and the client's own browser (a recording stand-in)."""

from __future__ import annotations

import json
import urllib.parse

from uitesting import SIZE, new_app, notifications, wait_until


def recording_browser(app) -> list[str]:
    opened: list[str] = []

    def open_in_browser(url: str) -> bool:
        opened.append(url)
        return True

    app.open_in_browser = open_in_browser
    return opened


def destination(url: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["Destination"][0]


async def test_palette_offers_console_pages_for_the_selected_profile(world, moto, signin):
    app = new_app()
    opened = recording_browser(app)
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"console: s3", "console: lambda", "console: iam"} <= set(commands)
        commands["console: s3"].callback()
        await wait_until(pilot, lambda: opened, "the browser to be asked")
        assert destination(opened[0]) == (
            "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1"
        )
        # 'o' afterwards opens the console home again, not the last page.
        await pilot.press("o")
        await wait_until(pilot, lambda: len(opened) == 2, "the second opening")
        assert "/console/home" in destination(opened[1])


async def test_a_chained_role_says_its_limit_and_the_switch_role_way(world, moto, signin):
    with world.aws_config.open("a") as config:
        config.write(
            "\n[profile acme-chain]\nrole_arn = arn:aws:iam::333333333333:role/Deployer\n"
            "source_profile = acme-dev\nregion = eu-west-1\n"
        )
    app = new_app()
    opened = recording_browser(app)
    async with app.run_test(size=SIZE) as pilot:
        app.select_profile("acme-chain")
        # Said before anything is opened: the details pane knows it from the configuration.
        await wait_until(
            pilot,
            lambda: "at most 1 hour" in str(app.screen.query_one("#details").render()),
            "the details note",
        )
        await pilot.press("o")
        await wait_until(pilot, lambda: opened, "the browser to be asked")
        await wait_until(
            pilot, lambda: any("at most 1 hour" in n for n in notifications(app)), "the notice"
        )
        notice = next(n for n in notifications(app) if "at most 1 hour" in n)
        assert "xswitch console acme-dev" in notice
        assert "switchrole?roleName=Deployer&account=333333333333" in notice
        getsignin = [q for q in signin.queries if q["Action"] == ["getSigninToken"]]
        assert "SessionDuration" not in getsignin[0]


async def test_the_console_opens_in_the_clients_browser(world, moto, signin, browser):
    with world.xswitch_config.open("a") as config:
        config.write(f"\n[settings]\nbrowser = {json.dumps(browser.template)}\n")
    app = new_app()  # no stand-in on the app: the real opener and the browser setting
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(
            pilot, lambda: any("Opened the AWS console" in n for n in notifications(app)), "note"
        )
    (argv,) = browser.wait(1, visited=1)
    assert argv[0].startswith("http://127.0.0.1:") and signin.token not in argv[0]
    (visit,) = [r for r in browser.records() if r.get("location")]
    assert f"SigninToken={signin.token}" in visit["location"]
