"""Pilot tests for the console key and SSO logins in the picker.

Console links come from a local sign-in endpoint that answers getSigninToken as AWS does, with
credentials obtained from a real STS (moto); SSO logins talk to the project's SSO server.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
from uitesting import SIZE, new_app, notifications, row_text, screen_text, wait_until

from sso_controls import ControlledSsoServer
from xswitch.core.errors import SsoLoginRequired
from xswitch.core.sso.tokens import TokenCache
from xswitch.demo.ssoserver import Account, ServerOptions
from xswitch.ui.screens.device_code import DeviceCodeScreen
from xswitch.ui.screens.link import LinkScreen


def recording_browser(app, answer: bool = True) -> list[str]:
    opened: list[str] = []

    def open_in_browser(url: str) -> bool:
        opened.append(url)
        return answer

    app.open_in_browser = open_in_browser
    return opened


async def test_o_opens_the_console_signed_in_as_the_profile(world, moto, signin):
    app = new_app()
    opened = recording_browser(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: opened, "the browser to be asked")
        url = urllib.parse.urlsplit(opened[0])
        query = urllib.parse.parse_qs(url.query)
        assert opened[0].startswith(signin.url)
        assert query["Action"] == ["login"] and query["SigninToken"] == [signin.token]
        assert "eu-west-1" in query["Destination"][0]  # acme-dev's region
        session = json.loads(signin.queries[0]["Session"][0])
        assert session["sessionId"].startswith("ASIA")  # the role's session from STS
        await wait_until(
            pilot, lambda: any("Opened the AWS console" in n for n in notifications(app)), "note"
        )
        assert "acme-dev" in app.board.expirations  # the session it used is cached and counted


async def test_without_a_browser_the_link_is_shown_masked_and_copied_whole(world, moto, signin):
    app = new_app()
    recording_browser(app, answer=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkScreen), "the link")
        text = screen_text(app)
        assert "No web browser" in text and signin.token not in text
        await pilot.press("c")
        assert signin.token in app.clipboard and app.clipboard.startswith(signin.url)
        await pilot.press("escape")
        assert not isinstance(app.screen, LinkScreen)


async def test_demo_shows_the_link_instead_of_opening_a_browser(world, moto):
    app = new_app(demo=True)
    opened = recording_browser(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkScreen), "the link")
        assert "local AWS" in screen_text(app)
        await pilot.press("c")
        assert "switchrole" in app.clipboard and "111111111111" in app.clipboard
        assert not opened


async def test_a_refused_console_sign_in_is_explained_without_marking_the_session(
    world, moto, signin
):
    signin.status = 400
    app = new_app()
    opened = recording_browser(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await wait_until(
            pilot,
            lambda: any("refused the credentials" in n for n in notifications(app)),
            "the failure",
        )
        # The session it obtained is good: the row shows its countdown, not an error.
        assert "acme-dev" not in app.board.errors and "acme-dev" in app.board.expirations
        assert "error" not in row_text(app, "acme-dev")
        details = str(app.query_one("#details").render())
        assert "console" in details and "refused the credentials" in details
        assert not opened and app.is_running
        # A new attempt starts without the old note.
        signin.status = 200
        recording_browser(app)
        await pilot.press("o")
        await wait_until(pilot, lambda: "refused" not in screen_text(app), "the note to go")


async def test_a_long_link_is_cut_per_parameter_not_folded_mid_word(world, moto, signin):
    app = new_app()
    recording_browser(app, answer=False)
    async with app.run_test(size=(80, 36)) as pilot:  # narrower than the Destination parameter
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkScreen), "the link")
        lines = screen_text(app).splitlines()
        start = next(i for i, line in enumerate(lines) if signin.url in line)
        shown = [line.strip(" │╭╮╰╯").strip() for line in lines[start : start + 4]]
        assert shown[0] == signin.url  # the address alone on its line
        assert shown[1] == "?Action=login"
        # Each further parameter starts its own line; the long Destination ends in an ellipsis.
        assert shown[2].startswith("&Issuer=") or shown[2].startswith("&Destination=")
        destination = next(line for line in lines if "&Destination=" in line)
        assert destination.rstrip(" │").endswith("…")
        assert "&SigninToken=…" in screen_text(app)
        await pilot.press("c")
        assert signin.token in app.clipboard and "Destination=" in app.clipboard


# --- SSO ----------------------------------------------------------------------------------------

START_URL = "https://acme.awsapps.com/start"
ACCOUNTS = [Account("333333333333", "Acme Sandbox", "sandbox@acme.example", ("Developer",))]


@pytest.fixture
def sso(isolated, monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlledSsoServer]:
    server = ControlledSsoServer(ACCOUNTS, options=ServerOptions(poll_interval=1)).start()
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XSWITCH_NO_BROWSER", "1")
    isolated.write_aws_config(
        f"""
        [sso-session acme]
        sso_start_url = {START_URL}
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        [profile sandbox]
        sso_session = acme
        sso_account_id = 333333333333
        sso_role_name = Developer
        region = eu-west-1
        """
    )
    try:
        yield server
    finally:
        server.stop()


async def test_sso_login_shows_the_device_code_and_completes_once_approved(sso):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        code = sso.pending_user_codes()[0]
        link = f"{sso.url}/device?user_code={code}"
        # The modal is on the stack before its first frame: wait for the drawn code and link.
        await wait_until(
            pilot, lambda: code in screen_text(app) and link in screen_text(app), "the code"
        )
        await pilot.press("c")
        assert app.clipboard == link
        sso.approve(code)
        await wait_until(pilot, lambda: "sandbox" in app.board.expirations, "the login")
        await wait_until(
            pilot, lambda: not isinstance(app.screen, DeviceCodeScreen), "the modal to close"
        )
        await wait_until(
            pilot, lambda: any("Logged in: sandbox" in n for n in notifications(app)), "the note"
        )


async def test_escape_on_the_device_code_cancels_the_sso_login(sso):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.board.busy, "the login to end")
        assert "sandbox" not in app.board.expirations and "sandbox" not in app.board.errors
        await wait_until(
            pilot, lambda: any("Login cancelled: sandbox" in n for n in notifications(app)), "note"
        )
        assert TokenCache().load_token(app.catalog.sso_sessions["acme"]) is None


async def test_a_revoked_sso_login_is_explained_and_l_logs_in_again(sso):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        sso.options.auto_approve = True
        await pilot.press("l")
        await wait_until(pilot, lambda: "sandbox" in app.board.expirations, "the first login")
        sso.options.auto_approve = False
        sso.revoke_all()  # signed out in the portal: the saved token is refused
        await pilot.press("l")
        await wait_until(pilot, lambda: "sandbox" in app.board.errors, "the refusal")
        assert isinstance(app.board.errors["sandbox"], SsoLoginRequired)
        assert "starts a device login" in screen_text(app)  # the details view says what to do
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        sso.approve(sso.pending_user_codes()[0])
        await wait_until(pilot, lambda: "sandbox" not in app.board.errors, "the new login")
        await wait_until(pilot, lambda: not app.board.busy, "the login to end")
        assert "sandbox" in app.board.expirations


@pytest.fixture
def browser_sign_in(sso, isolated, browser, monkeypatch: pytest.MonkeyPatch):
    """The SSO world with a browser command configured: logins sign in with PKCE."""
    monkeypatch.delenv("XSWITCH_NO_BROWSER")

    def use(template: str) -> None:
        isolated.write_xswitch_config(f"[settings]\nbrowser = {json.dumps(template)}\n")

    use(browser.template)
    return use


async def test_sso_login_in_the_picker_signs_in_with_the_browser(sso, browser_sign_in, browser):
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: "sandbox" in app.board.expirations, "the login")
        await wait_until(pilot, lambda: not app.board.busy, "the login to end")
    (argv,) = browser.argvs()
    assert argv[0].startswith(f"{sso.url}/authorize?response_type=code&")
    assert sso.requests["StartDeviceAuthorization"] == 0
    assert sso.requests["Authorize"] == 1


async def test_escape_while_the_browser_sign_in_waits_cancels_it(sso, browser_sign_in):
    browser_sign_in("true {url}")  # a browser that opens and never comes back
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        await wait_until(
            pilot, lambda: "Approve the sign-in in the browser" in screen_text(app), "its text"
        )
        assert "/authorize?" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.board.busy, "the login to end")
        await wait_until(
            pilot, lambda: any("Login cancelled: sandbox" in n for n in notifications(app)), "note"
        )
        assert "sandbox" not in app.board.expirations
