"""`xswitch console P`: a federation sign-in link for the profile, opened in a browser or printed,
behind the production guard like every command that hands out a client's access."""

from __future__ import annotations

import os
import subprocess

import pytest
from termtesting import BIN


@pytest.fixture
def bank(dev_role):
    dev_role.write_xswitch_config(
        """
        [clients.bank]
        name = "Vault Bank"
        prod = true
        profiles = ["dev"]
        """
    )
    return dev_role


def test_print_gives_the_sign_in_link(dev_role, signin):
    result = subprocess.run(
        [str(BIN / "xswitch"), "console", "dev", "--print"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(signin.url + "?Action=login")
    assert f"SigninToken={signin.token}" in result.stdout
    assert signin.queries and signin.queries[0]["Action"] == ["getSigninToken"]


def test_the_browser_gets_the_link(term, dev_role, signin, browser):
    # The system default browser (BROWSER, with a display): it is given a one-time loopback
    # address that redirects to the sign-in link, so the link is never on a command line.
    standin = browser.path_dir / "firefox"
    t = term.run('xswitch console dev; echo "rc=$?"', DISPLAY=":97", BROWSER=f"{standin} %s")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "Opened the AWS console for 'dev'." in t.screen
    (argv,) = browser.wait(1, visited=1)
    assert argv[0].startswith("http://127.0.0.1:") and "SigninToken" not in argv[0]
    (visit,) = [r for r in browser.records() if r.get("location")]
    assert f"SigninToken={signin.token}" in visit["location"]
    assert "SigninToken" not in t.screen  # the link is a credential: not shown


def test_without_a_browser_the_error_points_to_print(term, dev_role, signin):
    t = term.run('xswitch console dev; echo "rc=$?"')
    assert t.report("rc") == "2"
    assert t.finish() == 0
    assert "--print" in t.screen and "SigninToken" not in t.screen


def test_a_production_client_asks_first(term, bank, signin):
    t = term.run('xswitch console dev --print >link.txt; echo "rc=$?"')
    t.expect(r"production client 'Vault Bank'\.\r?\nType the client's name to go on: ")
    t.type("vault bank")
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "SigninToken=" in (term.tmp_path / "link.txt").read_text()

    refused = subprocess.run(
        [str(BIN / "xswitch"), "console", "dev", "--print"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert refused.stdout == ""
