"""A misbehaving STS endpoint, seen through the real `xswitch` command.

Each test points AWS_ENDPOINT_URL at a local server that trickles, never answers, or answers
with something no real STS sends, and checks what the user sees: one explanation that blames
the endpoint and names it, exit 1, no traceback, no credentials.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from hostile_http import (
    KEY_ID,
    HostileServer,
    assume_role_xml,
    http_date,
    iso,
)

SETTINGS = """
[settings]
network_timeout = 2
"""


@pytest.fixture
def role_via(isolated, monkeypatch):
    """Keys [me], a role [profile dev] assumed from them, STS at a hostile local server."""
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1

        [profile dev-mfa]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        mfa_serial = arn:aws:iam::111111111111:mfa/me
        mfa_mode = direct
        """
    )
    isolated.write_xswitch_config(SETTINGS)
    with HostileServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


def xswitch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=90,  # a hang fails the test instead of blocking the suite
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "report" not in result.stderr.lower()
    return result.stderr


# --- point 2: time limits -----------------------------------------------------------------


def test_a_trickling_endpoint_is_given_up_on_after_the_deadline_of_each_attempt(role_via):
    role_via.behave = role_via.trickle(0.5)  # a byte every half second: never a read timeout
    err = assert_clean_failure(xswitch("export", "dev"))
    assert "gave no complete answer within 2 s (3 attempts" in err
    assert role_via.url in err
    assert "network_timeout" in err
    assert len(role_via.requests) == 3  # two retries, no more


def test_a_silent_endpoint_is_tried_three_times_and_named(role_via):
    role_via.behave = role_via.silent()
    err = assert_clean_failure(xswitch("export", "dev"))
    assert "within 2 s" in err and role_via.url in err
    assert len(role_via.requests) == 3


def test_a_call_carrying_an_mfa_code_is_not_retried(role_via):
    role_via.behave = role_via.silent()
    env = {**os.environ, "XSWITCH_MFA_CODE": "123456"}
    err = assert_clean_failure(xswitch("export", "dev-mfa", env=env))
    assert "within 2 s" in err
    assert len(role_via.requests) == 1  # a retry would present a used code


@pytest.mark.parametrize("value", ["0", "301", '"fast"', "2.5"])
def test_network_timeout_is_validated(isolated, value):
    isolated.write_xswitch_config(f"[settings]\nnetwork_timeout = {value}\n")
    err = assert_clean_failure(xswitch("list"), code=2)
    assert "settings.network_timeout must be a whole number from 1 to 300" in err


# --- point 3: answers that are not answers -----------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, assume_role_xml(credentials=""), "answered without valid data (no Credentials"),
        (200, b"\x00\xffnot xml at all<<<", "is not a valid answer"),
        (200, b"", "is not a valid answer"),
        (200, assume_role_xml("the day after tomorrow"), "is not a valid answer"),
        (200, b"<a>" + b"x" * (50 * 1024 * 1024) + b"</a>", "answered with more than 4 MB"),
        (500, b"<html>oops</html>", "a server error (HTTP 500)"),
        (503, b"", "a server error (HTTP 503)"),
        (404, b"<html>not here</html>", "an error without an AWS error code (HTTP 404)"),
    ],
    ids=["no-credentials", "garbage", "empty", "bad-expiration", "50MB", "500", "503", "404"],
)
def test_an_invalid_answer_blames_the_endpoint(role_via, status, body, expected):
    role_via.behave = role_via.answer(status, body, {"Content-Type": "text/xml"})
    err = assert_clean_failure(xswitch("export", "dev"))
    assert expected in err
    assert role_via.url in err
    assert "check the profile's settings" not in err
    assert "try again" in err.lower()


def test_credentials_with_a_control_character_are_refused(role_via):
    role_via.behave = role_via.answer(200, assume_role_xml(key_id="ASIA&#10;X"))
    err = assert_clean_failure(xswitch("export", "dev"))
    assert "AccessKeyId with characters" in err


# --- point 4: expired or nearly expired credentials --------------------------------------


def test_credentials_already_expired_when_issued_are_refused(role_via):
    past = datetime.now(UTC) - timedelta(minutes=5)
    role_via.behave = role_via.answer(200, assume_role_xml(iso(past)), {"Date": http_date()})
    for command in ("export", "credential-process"):
        err = assert_clean_failure(xswitch(command, "dev"))
        assert "already expired" in err and role_via.url in err
        assert KEY_ID not in err


def test_clock_skew_is_explained_with_the_servers_date(role_via):
    # The server's clock is an hour behind ours: its credentials look expired only to us.
    server_now = datetime.now(UTC) - timedelta(hours=1)
    expiration = server_now + timedelta(minutes=30)
    role_via.behave = role_via.answer(
        200, assume_role_xml(iso(expiration)), {"Date": http_date(server_now)}
    )
    err = assert_clean_failure(xswitch("export", "dev"))
    assert "clock is about 60 minutes ahead" in err


def test_credential_process_never_hands_out_less_than_its_promised_margin(role_via):
    soon = datetime.now(UTC) + timedelta(minutes=2)
    role_via.behave = role_via.answer(200, assume_role_xml(iso(soon)), {"Date": http_date()})
    err = assert_clean_failure(xswitch("credential-process", "dev"))
    # The time left as a countdown and the end in local time ('1 more minutes' read oddly).
    assert re.search(r"good for only 0[12]:\d\d more \(until \d\d:\d\d:\d\d \S+\)", err), err
    assert "less than the 16 minutes" in err
    # Two calls: the first answer is too short, so the cached session is never used either.
    assert_clean_failure(xswitch("credential-process", "dev"))
    assert len(role_via.requests) == 2
