"""Console sign-in against a local federation endpoint that answers getSigninToken like AWS does."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class Federation:
    """A sign-in endpoint: records each getSigninToken query, answers with a token or a status."""

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []
        self.status = 200
        self.body = json.dumps({"SigninToken": "token-123"}).encode()
        federation = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                federation.queries.append(query)
                ok = url.path == "/federation" and query.get("Action") == ["getSigninToken"]
                self.send_response(federation.status if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(federation.body if ok else b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"


@pytest.fixture
def federation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Federation]:
    fed = Federation()
    thread = threading.Thread(target=fed.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("XSWITCH_SIGNIN_ENDPOINT", fed.url)
    yield fed
    fed.server.shutdown()
    fed.server.server_close()


def session_creds(hours: float = 1) -> Credentials:
    return Credentials(
        "ASIAEXAMPLE", SECRET, "session/token+==", datetime.now(UTC) + timedelta(hours=hours)
    )


def test_login_url_from_role_credentials(federation: Federation) -> None:
    url = federation_login_url(session_creds(), "eu-west-1", issuer="xswitch-test")

    (query,) = federation.queries
    assert json.loads(query["Session"][0]) == {
        "sessionId": "ASIAEXAMPLE",
        "sessionKey": SECRET,
        "sessionToken": "session/token+==",
    }
    assert 3500 <= int(query["SessionDuration"][0]) <= 3600

    base, _, raw = url.partition("?")
    assert base == federation.url
    login = urllib.parse.parse_qs(raw)
    assert login == {
        "Action": ["login"],
        "Issuer": ["xswitch-test"],
        "Destination": ["https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"],
        "SigninToken": ["token-123"],
    }
    assert SECRET not in url


def test_chained_role_omits_session_duration(federation: Federation) -> None:
    federation_login_url(session_creds(), None, chained=True, destination="https://x.test/s3")
    (query,) = federation.queries
    assert "SessionDuration" not in query


def test_session_duration_is_clamped(federation: Federation) -> None:
    federation_login_url(session_creds(hours=0.1), None)
    federation_login_url(session_creds(hours=36), None)
    assert [q["SessionDuration"] for q in federation.queries] == [["900"], ["43200"]]


def test_refused_credentials_explain_without_secrets(federation: Federation) -> None:
    federation.status = 400
    with pytest.raises(CredentialError) as caught:
        federation_login_url(session_creds(), None)
    assert "HTTP 400" in str(caught.value)
    assert SECRET not in str(caught.value) and "session/token" not in str(caught.value)


def test_answer_without_token(federation: Federation) -> None:
    federation.body = b"<html>not json</html>"
    with pytest.raises(CredentialError, match="without a sign-in token"):
        federation_login_url(session_creds(), None)


def test_unreachable_endpoint() -> None:
    with pytest.raises(EndpointUnreachable) as caught:
        federation_login_url(session_creds(), None, endpoint="http://127.0.0.1:9/federation")
    assert SECRET not in str(caught.value)


def test_long_term_keys_go_through_get_federation_token(federation: Federation, moto) -> None:
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    keys = Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    federation_login_url(keys, "us-east-1")

    (query,) = federation.queries
    session = json.loads(query["Session"][0])
    assert session["sessionId"] != keys.access_key_id  # temporary credentials, not the keys
    assert session["sessionKey"] != keys.secret_access_key
    assert session["sessionToken"]
    assert "SessionDuration" in query


def set_moto_auth(moto, free_requests: str) -> None:
    """Switch moto's IAM authentication on ("0" free requests) or off ("inf")."""
    request = urllib.request.Request(
        moto.url + "/moto-api/reset-auth",
        free_requests.encode(),
        headers={"Content-Type": "text/plain"},  # a form body would reach moto empty
        method="POST",
    )
    urllib.request.urlopen(request).close()


def test_long_term_keys_refused_by_sts(federation: Federation, moto) -> None:
    set_moto_auth(moto, "0")
    try:
        with pytest.raises(CredentialError) as caught:
            federation_login_url(Credentials("AKIAUNKNOWNKEY000000", SECRET), None)
    finally:
        set_moto_auth(moto, "inf")  # the server is shared by the run; its reset keeps auth on
    assert "GetFederationToken" in str(caught.value)
    assert "InvalidClientTokenId" in str(caught.value) or "unknown" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert federation.queries == []


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
