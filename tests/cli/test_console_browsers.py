"""`xswitch console`: the sign-in URL for every profile kind, region and service, handed to a
browser stand-in that records what it was asked to open (tests/browser_standin.py), through each
kind of browser identity: a command template, a Firefox container, a Chromium profile per client.

STS is moto; the sign-in endpoint is the local one of the `signin` fixture.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

HOSTILE = "Acme; touch pwned \"quoted\" $(touch pwned2) `x` 'single'"

CONFIG = """
[profile dev]
role_arn = arn:aws:iam::111111111111:role/Developer
source_profile = me
region = eu-west-1
duration_seconds = 7200

[profile mfa]
role_arn = arn:aws:iam::111111111111:role/Admin
source_profile = me
mfa_serial = arn:aws:iam::000000000000:mfa/me
region = eu-west-1

[profile chained]
role_arn = arn:aws:iam::222222222222:role/Deployer
source_profile = dev
region = eu-west-1

[profile other]
role_arn = arn:aws:iam::333333333333:role/Developer
source_profile = me
"""


@pytest.fixture
def accounts(isolated, moto, signin, browser):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        region = eu-west-1
        """
    )
    isolated.write_aws_config(CONFIG)
    write_clients(isolated, browser.template)
    return isolated


def write_clients(home, default_browser: str, acme: str = "", umbrella: str = "") -> None:
    def line(value: str) -> str:
        return f"browser = {json.dumps(value)}\n" if value else ""

    home.write_xswitch_config(
        f"[settings]\nbrowser = {json.dumps(default_browser)}\n\n"
        f'[clients.acme]\nname = {json.dumps(HOSTILE)}\ncolor = "#e5484d"\n'
        f'profiles = ["dev", "mfa", "chained", "me"]\n{line(acme)}\n'
        f'[clients.umbrella]\nname = "Umbrella"\ncolor = "green"\nprofiles = ["other"]\n'
        f"{line(umbrella)}"
    )


def xswitch(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XSWITCH_MFA_CODE": "123456", **env},
        stdin=subprocess.DEVNULL,
        timeout=90,
        cwd=cwd,
    )


def signed_in_at(browser) -> dict[str, str]:
    """The sign-in URL the browser was redirected to from the one-time address it was given."""
    (visit,) = [r for r in browser.records() if "visited" in r and r.get("location")]
    assert visit["visited"].startswith("http://127.0.0.1:")
    location = visit["location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


@pytest.mark.parametrize(
    ("profile", "duration"),
    [
        ("dev", ["7200"]),  # the profile's duration_seconds
        ("mfa", None),  # as long as the role's credentials (moto: an hour)
        ("me", ["43200"]),  # keys: GetFederationToken, the longest console session
        ("chained", []),  # a role from a role: AWS refuses any SessionDuration
    ],
)
def test_url_for_each_profile_kind_region_and_service(accounts, signin, browser, profile, duration):
    result = xswitch("console", profile, "--service", "lambda", "--region", "eu-central-1")

    assert result.returncode == 0, result.stderr
    (argv,) = browser.wait(1, visited=1)
    # The browser gets a one-time loopback address: the sign-in token is never in its argv.
    assert len(argv) == 1 and argv[0].startswith("http://127.0.0.1:")
    assert signin.token not in json.dumps(argv)
    login = signed_in_at(browser)
    assert login["Action"] == "login"
    assert login["SigninToken"] == signin.token
    assert login["Destination"] == (
        "https://eu-central-1.console.aws.amazon.com/lambda/home?region=eu-central-1#/functions"
    )
    (query,) = [q for q in signin.queries if q["Action"] == ["getSigninToken"]]
    session = json.loads(query["Session"][0])
    assert session["sessionToken"]  # temporary credentials (keys went through GetFederationToken)
    if duration is None:
        assert 900 <= int(query["SessionDuration"][0]) <= 3600
    else:
        assert query.get("SessionDuration", []) == duration


def test_chained_role_says_its_limit_and_offers_the_switch_role_link(accounts, signin, browser):
    result = xswitch("console", "chained", "--print")

    assert result.returncode == 0, result.stderr
    assert "at most 1 hour" in result.stderr
    assert "xswitch console dev" in result.stderr
    link = result.stderr[
        result.stderr.index("https://signin.aws.amazon.com/switchrole?") :
    ].split()[0]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert query == {
        "roleName": "Deployer",
        "account": "222222222222",
        "displayName": "chained",
        "color": "E5484D",
    }
    assert "SessionDuration" not in signin.queries[0]


def test_print_opens_nothing(accounts, signin, browser):
    result = xswitch("console", "dev", "--print", "--path", "/ec2/home#Instances:")

    assert result.returncode == 0, result.stderr
    login = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(result.stdout.strip()).query))
    assert login["Destination"] == "https://eu-west-1.console.aws.amazon.com/ec2/home#Instances:"
    assert "Logout" not in result.stdout  # straight to the destination, no logout hop
    assert browser.records() == []


def test_firefox_container_named_and_coloured_after_the_client(accounts, signin, browser):
    write_clients(accounts, browser.template, acme="firefox-container")
    result = xswitch("console", "dev")

    assert result.returncode == 0, result.stderr
    (argv,) = browser.wait(1, visited=1)
    assert len(argv) == 1 and argv[0].startswith("ext+container:")
    fields = urllib.parse.parse_qs(argv[0][len("ext+container:") :])
    assert fields["name"] == [HOSTILE]
    assert fields["color"] == ["red"]  # #e5484d
    assert fields["url"][0].startswith("http://127.0.0.1:")
    assert signed_in_at(browser)["SigninToken"] == signin.token


def test_chromium_profile_directory_per_client(accounts, signin, browser, isolated):
    write_clients(accounts, "chromium")
    for number, profile in enumerate(("dev", "other"), start=1):
        result = xswitch("console", profile)
        assert result.returncode == 0, result.stderr
        browser.wait(number, visited=number)

    data = isolated.root / ".local" / "share" / "xswitch" / "browsers" / "chromium"
    first, second = browser.argvs()
    assert first[0] == f"--user-data-dir={data / 'acme'}"
    assert second[0] == f"--user-data-dir={data / 'umbrella'}"
    assert first[1] == second[1] == "--no-first-run"
    for client in ("acme", "umbrella"):
        assert stat.S_IMODE((data / client).stat().st_mode) == 0o700


def test_command_template_keeps_hostile_names_as_one_argument_without_a_shell(
    accounts, signin, browser, tmp_path
):
    script = shlex.quote(str(browser.script))
    template = f"{shlex.quote(sys.executable)} {script} --client={{client}} {{color}} {{url}}"
    write_clients(accounts, template)
    result = xswitch("console", "dev", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    (argv,) = browser.wait(1, visited=1)
    assert argv[0] == f"--client={HOSTILE}"
    assert argv[1] == "#e5484d"
    assert argv[2].startswith("http://127.0.0.1:")
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_browser_flag_overrides_the_setting(accounts, signin, browser):
    result = xswitch("console", "dev", "--browser", "firefox-container")

    assert result.returncode == 0, result.stderr
    (argv,) = browser.wait(1, visited=1)
    assert argv[0].startswith("ext+container:")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--service", "lamda"], "Did you mean lambda"),
        (["--path", "https://evil.example/"], "--path must be a path on the console"),
        (["--path", "//evil.example/x"], "--path must be a path on the console"),
        (["--browser", "netscape"], "is not a browser xswitch knows"),
    ],
)
def test_bad_flags_are_refused_before_any_login(accounts, signin, browser, args, words):
    result = xswitch("console", "dev", *args)

    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert signin.queries == [] and browser.records() == []


def test_a_bad_browser_setting_is_a_configuration_error(accounts, browser):
    write_clients(accounts, "firefox {nope} {url}")
    result = xswitch("console", "dev")

    assert result.returncode == 2
    assert "unknown field {nope}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bookmarks_html_and_aesr(accounts):
    html_out = xswitch("console", "bookmarks")
    aesr = xswitch("console", "bookmarks", "--format", "aesr")

    assert html_out.returncode == 0 and aesr.returncode == 0, html_out.stderr + aesr.stderr
    assert html_out.stdout.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    assert (
        '<A HREF="https://signin.aws.amazon.com/switchrole?roleName=Developer&amp;'
        'account=111111111111&amp;displayName=dev&amp;color=E5484D">dev</A>'
    ) in html_out.stdout
    assert "Acme; touch pwned &quot;quoted&quot;" in html_out.stdout  # the folder, escaped
    assert "<H3>Umbrella</H3>" in html_out.stdout
    sections = aesr.stdout.split("\n\n")
    assert "[other]\naws_account_id = 333333333333\nrole_name = Developer\ncolor = 008000" in (
        aesr.stdout
    )
    assert any(s.startswith("[dev]") and "color = e5484d" in s for s in sections)
