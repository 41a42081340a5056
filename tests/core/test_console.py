"""Console sign-in against a local sign-in endpoint that answers getSigninToken like AWS does."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from xswitch.core.console import (
    console_home,
    federation_login_url,
    signin_endpoint,
    switch_role_url,
)
from xswitch.core.errors import CredentialError, EndpointUnreachable
from xswitch.core.model import Credentials

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def session_creds(hours: float = 1) -> Credentials:
    return Credentials(
        "ASIAEXAMPLE", SECRET, "session/token+==", datetime.now(UTC) + timedelta(hours=hours)
    )


def test_login_url_from_role_credentials(signin) -> None:
    url = federation_login_url(session_creds(), "eu-west-1", issuer="xswitch-test")

    (query,) = signin.queries
    assert json.loads(query["Session"][0]) == {
        "sessionId": "ASIAEXAMPLE",
        "sessionKey": SECRET,
        "sessionToken": "session/token+==",
    }
    assert 3500 <= int(query["SessionDuration"][0]) <= 3600

    base, _, raw = url.partition("?")
    assert base == signin.url
    login = urllib.parse.parse_qs(raw)
    assert login == {
        "Action": ["login"],
        "Issuer": ["xswitch-test"],
        "Destination": ["https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"],
        "SigninToken": [signin.token],
    }
    assert SECRET not in url


def test_chained_role_omits_session_duration(signin) -> None:
    federation_login_url(session_creds(), None, chained=True, destination="https://x.test/s3")
    (query,) = signin.queries
    assert "SessionDuration" not in query


def test_session_duration_is_clamped(signin) -> None:
    federation_login_url(session_creds(hours=0.1), None)
    federation_login_url(session_creds(hours=36), None)
    assert [q["SessionDuration"] for q in signin.queries] == [["900"], ["43200"]]


def test_refused_credentials_explain_without_secrets(signin) -> None:
    signin.status = 400
    with pytest.raises(CredentialError) as caught:
        federation_login_url(session_creds(), None)
    assert "HTTP 400" in str(caught.value)
    assert SECRET not in str(caught.value) and "session/token" not in str(caught.value)


def test_answer_without_token(signin) -> None:
    signin.body = b"<html>not json</html>"
    with pytest.raises(CredentialError, match="without a sign-in token"):
        federation_login_url(session_creds(), None)


def test_unreachable_endpoint() -> None:
    with pytest.raises(EndpointUnreachable) as caught:
        federation_login_url(session_creds(), None, endpoint="http://127.0.0.1:9/federation")
    assert SECRET not in str(caught.value)


def test_long_term_keys_go_through_get_federation_token(signin, moto) -> None:
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    keys = Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    federation_login_url(keys, "us-east-1")

    (query,) = signin.queries
    session = json.loads(query["Session"][0])
    assert session["sessionId"] != keys.access_key_id  # temporary credentials, not the keys
    assert session["sessionKey"] != keys.secret_access_key
    assert session["sessionToken"]
    assert "SessionDuration" in query


def test_long_term_keys_refused_by_sts(signin, moto) -> None:
    moto.enforce_auth()
    try:
        with pytest.raises(CredentialError) as caught:
            federation_login_url(Credentials("AKIAUNKNOWNKEY000000", SECRET), None)
    finally:
        moto.enforce_auth(False)  # the server is shared by the run
    assert "GetFederationToken" in str(caught.value)
    assert "InvalidClientTokenId" in str(caught.value) or "unknown" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert signin.queries == []


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        (None, "https://signin.aws.amazon.com/federation"),
        ("us-east-1", "https://signin.aws.amazon.com/federation"),
        ("eu-central-1", "https://eu-central-1.signin.aws.amazon.com/federation"),
        ("cn-north-1", "https://signin.amazonaws.cn/federation"),
        ("us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation"),
    ],
)
def test_signin_endpoint_per_region(region: str | None, endpoint: str) -> None:
    assert signin_endpoint(region) == endpoint


def test_console_home() -> None:
    assert console_home(None) == "https://console.aws.amazon.com/"
    assert (
        console_home("cn-north-1") == "https://console.amazonaws.cn/console/home?region=cn-north-1"
    )


def test_switch_role_url() -> None:
    url = switch_role_url("123456789012", "Admin", "acme prod & co", "#e5484d")
    assert url.startswith("https://signin.aws.amazon.com/switchrole?")
    assert urllib.parse.parse_qs(url.partition("?")[2]) == {
        "roleName": ["Admin"],
        "account": ["123456789012"],
        "displayName": ["acme prod & co"],
        "color": ["E5484D"],
    }


def test_a_trickling_signin_service_is_given_up_at_the_deadline(monkeypatch) -> None:
    """A byte every half second never trips a per-read timeout; the whole answer has a deadline."""
    from hostile_http import HostileServer
    from xswitch.core import console

    monkeypatch.setattr(console, "SIGNIN_TIMEOUT", 1.5)
    with HostileServer() as server:
        server.behave = server.trickle(0.5)
        with pytest.raises(
            EndpointUnreachable, match=r"no complete answer within 1\.5 s"
        ) as caught:
            federation_login_url(session_creds(), None, endpoint=server.url + "/federation")
    assert SECRET not in str(caught.value)


def test_the_signin_endpoint_comes_from_the_given_environment(signin, monkeypatch) -> None:
    # Like every core function that reads the environment, the console takes `env`: a front end
    # with its own environment (the picker, a test) is not overridden by this process's.
    monkeypatch.delenv("XSWITCH_SIGNIN_ENDPOINT")
    env = {"XSWITCH_SIGNIN_ENDPOINT": signin.url}
    url = federation_login_url(session_creds(), "eu-west-1", env=env)
    assert url.startswith(signin.url + "?") and len(signin.queries) == 1
    assert signin_endpoint("eu-west-1", env=env) == signin.url
    assert (
        signin_endpoint("eu-west-1", env={}) == "https://eu-west-1.signin.aws.amazon.com/federation"
    )
