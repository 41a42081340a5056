"""What users are told when AWS says no or cannot be reached: moto enforcing auth, dead ports."""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from collections.abc import Iterator

import pytest

from xswitch.core.errors import AwsError, EndpointUnreachable
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Settings
from xswitch.core.sessions import SessionManager

ACCOUNT = "123456789012"


class NoPrompt:
    def mfa_code(self, serial: str, unlocks: list[str]) -> str:
        raise AssertionError("no MFA prompt expected")

    def sso_device_code(self, authorization: object) -> None:
        raise AssertionError("no SSO login expected")

    def cancelled(self) -> bool:
        return False


def keys_profile(name: str, keys: Credentials) -> Profile:
    return Profile(
        name, Kind.KEYS, settings={"aws_access_key_id": keys.access_key_id}, static_keys=keys
    )


def role_profile(name: str, role_arn: str, source: str, **settings: str) -> Profile:
    return Profile(
        name, Kind.ROLE, settings={"role_arn": role_arn, "source_profile": source, **settings}
    )


def catalog_of(*profiles: Profile) -> Catalog:
    return Catalog(clients=(), profiles={p.name: p for p in profiles})


@pytest.fixture
def accounts(moto) -> Iterator[dict]:
    """Users and roles created while moto still accepts anything; then authentication is enforced.

    alice may assume `trusted` (identity policy + trust policy) but not `locked` (no trust, no
    permission). Enforcement is switched off again afterwards for the other tests.
    """
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    alice_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    keys = Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    def trust(principal: str) -> str:
        statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    trusted = iam.create_role(RoleName="trusted", AssumeRolePolicyDocument=trust(alice_arn))
    locked = iam.create_role(
        RoleName="locked", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{ACCOUNT}:user/bob")
    )
    allow = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:GetCallerIdentity"],
                "Resource": trusted["Role"]["Arn"],
            }
        ],
    }
    iam.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=json.dumps(allow))
    moto.enforce_auth()
    try:
        yield {"keys": keys, "trusted": trusted["Role"]["Arn"], "locked": locked["Role"]["Arn"]}
    finally:
        moto.enforce_auth(False)


def test_permitted_and_trusted_role_works_under_enforcement(accounts):
    catalog = catalog_of(
        keys_profile("me", accounts["keys"]), role_profile("ok", accounts["trusted"], "me")
    )
    creds = SessionManager(catalog).credentials("ok", NoPrompt())
    assert creds.session_token


def test_wrong_secret_is_explained(accounts):
    keys = accounts["keys"]
    wrong = Credentials(keys.access_key_id, "x" * 20 + keys.secret_access_key[20:][::-1])
    catalog = catalog_of(keys_profile("me", wrong), role_profile("r", accounts["trusted"], "me"))
    with pytest.raises(AwsError) as caught:
        SessionManager(catalog).credentials("r", NoPrompt())
    error = caught.value
    assert error.code == "SignatureDoesNotMatch"
    assert "secret access key does not match" in str(error)
    assert "xswitch keys add me" in str(error)
    assert wrong.secret_access_key not in str(error)
    assert keys.secret_access_key not in str(error)


def test_unknown_key_is_explained(accounts):
    unknown = Credentials("AKIAUNKNOWNKEY000000", "y" * 40)
    catalog = catalog_of(keys_profile("me", unknown), role_profile("r", accounts["trusted"], "me"))
    with pytest.raises(AwsError) as caught:
        SessionManager(catalog).credentials("r", NoPrompt())
    assert caught.value.code == "InvalidClientTokenId"
    assert "deleted or deactivated" in str(caught.value)
    assert "y" * 40 not in str(caught.value)


def test_access_denied_lists_the_three_causes(accounts):
    catalog = catalog_of(
        keys_profile("me", accounts["keys"]),
        role_profile("denied", accounts["locked"], "me"),
        role_profile("denied-ext", accounts["locked"], "me", external_id="their-id"),
    )
    manager = SessionManager(catalog)
    with pytest.raises(AwsError) as caught:
        manager.credentials("denied", NoPrompt())
    text = str(caught.value)
    assert caught.value.code == "AccessDenied"
    assert caught.value.profile == "denied"
    assert f"sts:AssumeRole permission on {accounts['locked']}" in text
    assert "trust policy does not trust" in text
    assert "external ID is wrong or missing" in text
    assert "No external_id is configured" in text
    assert "AWS said:" in text

    with pytest.raises(AwsError) as caught:
        manager.credentials("denied-ext", NoPrompt())
    assert "An external_id is configured: check that it matches" in str(caught.value)
    assert "their-id" not in str(caught.value)
    # Nothing half-done was cached.
    assert manager.cached_sessions() == {}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_endpoint_fails_quickly_and_names_the_url(monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    catalog = catalog_of(
        keys_profile("me", Credentials("AKIAEXAMPLE000000000", "s" * 40)),
        role_profile("r", f"arn:aws:iam::{ACCOUNT}:role/x", "me"),
    )
    started = time.monotonic()
    with pytest.raises(EndpointUnreachable) as caught:
        SessionManager(catalog).credentials("r", NoPrompt())
    assert time.monotonic() - started < 15
    assert url in str(caught.value)
    assert "retrying" in str(caught.value)


def test_hanging_endpoint_times_out_with_a_clear_error(monkeypatch):
    # A listening socket that is never accepted: connections open, no answer ever comes.
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(16)
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        catalog = dataclasses.replace(
            catalog_of(
                keys_profile("me", Credentials("AKIAEXAMPLE000000000", "s" * 40)),
                role_profile("r", f"arn:aws:iam::{ACCOUNT}:role/x", "me"),
            ),
            settings=Settings(network_timeout=1),
        )
        started = time.monotonic()
        with pytest.raises(EndpointUnreachable) as caught:
            SessionManager(catalog).credentials("r", NoPrompt())
        elapsed = time.monotonic() - started
    # Three attempts of one second each, plus back-off: bounded, not forever.
    assert 2 < elapsed < 15
    assert "gave no complete answer within 1 s (3 attempts" in str(caught.value)
    assert url in str(caught.value)
