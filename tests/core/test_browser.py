"""core.browser: what each browser setting means and runs, and the one-time handoff address."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from xswitch.core.browser import (
    browser_for,
    command_for,
    container_color,
    container_url,
    hex_color,
    parse_browser,
)
from xswitch.core.errors import ConfigError, UsageError
from xswitch.core.handoff import Handoff
from xswitch.core.model import Client


@pytest.mark.parametrize(
    ("color", "container"),
    [
        ("#e5484d", "red"),
        ("#3b82f6", "blue"),
        ("green", "green"),
        ("#4caf50", "green"),
        ("#14b8a6", "turquoise"),
        ("#f59e0b", "orange"),
        ("#a855f7", "purple"),
        ("#808080", "toolbar"),
        (None, "blue"),
        ("not a colour", "blue"),
    ],
)
def test_container_colour_from_the_client_colour(color, container):
    assert container_color(color) == container


def test_container_url_quotes_every_field():
    client = Client("acme", "Acme & Co=1", color="#e5484d")
    url = container_url("https://x.test/a?b=1&c=2", client)
    assert url == (
        "ext+container:name=Acme%20%26%20Co%3D1&color=red&url=https%3A%2F%2Fx.test%2Fa%3Fb%3D1%26c%3D2"
    )


def test_template_fields_are_replaced_inside_their_argument():
    browser = parse_browser("open -a 'My Browser' --args --profile={client_key} {url}")
    client = Client("k;rm", "Name $(x)", color="red")
    assert command_for(browser, "https://u.test/?a b", client) == [
        "open",
        "-a",
        "My Browser",
        "--args",
        "--profile=k;rm",
        "https://u.test/?a b",
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("netscape", "is not a browser xswitch knows"),
        ("firefox {nope} {url}", "unknown field {nope}"),
        ("firefox 'unclosed {url}", "cannot be split"),
    ],
)
def test_bad_settings_are_explained(value, words):
    with pytest.raises(ValueError, match=words):
        parse_browser(value)
    with pytest.raises(ConfigError):
        browser_for(value)
    with pytest.raises(UsageError):
        browser_for("default", override=value)


def test_client_setting_beats_the_default_and_the_flag_beats_both():
    client = Client("acme", "Acme", browser="chromium")
    assert browser_for("firefox-container", client).kind == "chromium"
    assert browser_for("firefox-container", Client("b", "B")).kind == "firefox-container"
    assert browser_for("default", client, override="brave").name == "brave"


def test_hex_color():
    assert hex_color("#e5484d") == "E5484D"
    assert hex_color("#abc") == "AABBCC"
    assert hex_color("green") == "008000"
    assert hex_color("nope") is None


def test_handoff_redirects_once_and_nothing_else():
    handoff = Handoff("https://signin.test/federation?SigninToken=secret")

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Stop)
    base = handoff.url.rsplit("/", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as other:
        opener.open(base + "/guess")
    assert other.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as first:
        opener.open(handoff.url)
    assert first.value.code == 302
    assert first.value.headers["Location"] == "https://signin.test/federation?SigninToken=secret"
    assert handoff.wait(5)
    with pytest.raises(OSError) as second:  # 404, refused, or no answer while it closes
        opener.open(handoff.url, timeout=2)
    assert getattr(second.value, "code", None) != 302  # never a second redirect
    handoff.close()


def test_the_handoff_serves_only_its_own_users_connections(monkeypatch):
    import socket

    from xswitch.core import handoff as browser_module

    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("the kernel's socket table is Linux's")
    handoff = Handoff("https://signin.test/x")
    port = int(handoff.url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        client_port = connection.getsockname()[1]
        assert browser_module._own_connection(client_port, port)
        # The same connection seen by a process of another user: not its own.
        real = os.getuid()
        monkeypatch.setattr(browser_module.os, "getuid", lambda: real + 4242)
        assert not browser_module._own_connection(client_port, port)
    handoff.close()
