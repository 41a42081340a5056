"""The credential engine against a moto server over real HTTP: roles, chains, MFA, the cache."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xswitch.core.errors import UnusableCredentials
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Settings
from xswitch.core.sessions import SessionManager, live_mfa_session

ACCOUNT = "123456789012"  # moto's default account


class RecordingPrompter:
    """Answers MFA prompts with a fixed code and remembers every question."""

    def __init__(self, code: str = "123456") -> None:
        self.code = code
        self.calls: list[tuple[str, list[str]]] = []

    def mfa_code(self, serial: str, unlocks: list[str]) -> str:
        self.calls.append((serial, list(unlocks)))
        return self.code

    def sso_device_code(self, authorization: object) -> None:
        raise AssertionError("no SSO login expected")

    def cancelled(self) -> bool:
        return False


def iam_user_keys(moto, user: str = "alice") -> Credentials:
    """A real IAM user with an access key on the moto server."""
    iam = moto.client("iam")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def create_role(moto, name: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    role = moto.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return role["Role"]["Arn"]


def keys_profile(name: str, keys: Credentials) -> Profile:
    return Profile(
        name, Kind.KEYS, settings={"aws_access_key_id": keys.access_key_id}, static_keys=keys
    )


def role_profile(name: str, role_arn: str, source: str, **settings: str) -> Profile:
    return Profile(
        name, Kind.ROLE, settings={"role_arn": role_arn, "source_profile": source, **settings}
    )


def catalog_of(*profiles: Profile, settings: Settings | None = None) -> Catalog:
    return Catalog(
        clients=(), profiles={p.name: p for p in profiles}, settings=settings or Settings()
    )


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def identity_of(creds: Credentials, moto) -> str:
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
    )
    return sts.get_caller_identity()["Arn"]


@pytest.fixture
def mfa_setup(moto):
    """Keys with an MFA device and two roles that require it, sharing that source."""
    keys = iam_user_keys(moto)
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/alice"
    admin = create_role(moto, "admin")
    audit = create_role(moto, "audit")
    catalog = catalog_of(
        keys_profile("me", keys),
        role_profile("acme-admin", admin, "me", mfa_serial=serial),
        role_profile("acme-audit", audit, "me", mfa_serial=serial),
        role_profile("other-role", audit, "me"),
    )
    return catalog, serial


def test_assume_role_with_external_id(moto):
    keys = iam_user_keys(moto)
    arn = create_role(moto, "vendor")
    catalog = catalog_of(
        keys_profile("me", keys),
        role_profile("vendor", arn, "me", external_id="ext-42", role_session_name="jane"),
    )
    manager = SessionManager(catalog)
    creds = manager.credentials("vendor", RecordingPrompter())

    assert creds.session_token
    assert creds.via == ("keys:me", "role:vendor")
    assert identity_of(creds, moto) == f"arn:aws:sts::{ACCOUNT}:assumed-role/vendor/jane"
    info = manager.cached_sessions()["vendor"]
    assert info.expiration == creds.expiration
    assert info.mfa_session is False


def test_chain_of_three_roles_caps_the_chained_duration(moto):
    keys = iam_user_keys(moto)
    catalog = catalog_of(
        keys_profile("me", keys),
        role_profile("hub", create_role(moto, "hub"), "me", duration_seconds="7200"),
        role_profile("spoke", create_role(moto, "spoke"), "hub"),
        role_profile("leaf", create_role(moto, "leaf"), "spoke", duration_seconds="7200"),
    )
    manager = SessionManager(catalog)
    before = datetime.now(UTC)
    creds = manager.credentials("leaf", RecordingPrompter())

    assert creds.via == ("keys:me", "role:hub", "role:spoke", "role:leaf")
    assert identity_of(creds, moto) == f"arn:aws:sts::{ACCOUNT}:assumed-role/leaf/xswitch"
    # Asked for 2 h, but a role assumed from a role lasts one hour at most.
    assert creds.expiration - before <= timedelta(seconds=3600 + 5)
    sessions = manager.cached_sessions()
    assert set(sessions) == {"hub", "spoke", "leaf"}
    # The first hop is assumed from long-lived keys and keeps its two hours.
    assert sessions["hub"].expiration - before > timedelta(seconds=7000)
    described = manager.chain_description("leaf")
    assert described[0] == "keys in ~/.aws/credentials [me]"
    assert "capped" in described[-1]


def test_one_mfa_code_unlocks_two_roles(moto, mfa_setup):
    catalog, serial = mfa_setup
    manager = SessionManager(catalog)
    prompter = RecordingPrompter()

    admin = manager.credentials("acme-admin", prompter)
    audit = manager.credentials("acme-audit", prompter)

    assert prompter.calls == [(serial, ["acme-admin", "acme-audit"])]
    assert admin.access_key_id != audit.access_key_id
    assert admin.via == ("keys:me", "mfa", "role:acme-admin")
    assert identity_of(audit, moto).endswith(":assumed-role/audit/xswitch")
    sessions = manager.cached_sessions()
    assert sessions["acme-admin"].mfa_session and sessions["acme-audit"].mfa_session
    assert manager.unlocks("acme-admin") == ["acme-admin", "acme-audit"]
    assert manager.unlocks("other-role") == []


def test_the_mfa_session_is_listed_with_the_roles_it_covers(moto, mfa_setup):
    catalog, serial = mfa_setup
    manager = SessionManager(catalog)
    assert manager.mfa_sessions() == []
    manager.credentials("acme-admin", RecordingPrompter())

    (mfa,) = manager.mfa_sessions()
    assert (mfa.source, mfa.mfa_serial, mfa.covers) == ("me", serial, ("acme-admin", "acme-audit"))
    now = datetime.now(UTC)
    assert mfa.seconds_left(now) > 3600  # the MFA session outlives the role's hour
    assert live_mfa_session("acme-audit", [mfa], now) == mfa  # no session of its own yet
    assert live_mfa_session("me", [mfa], now) == mfa  # the keys that obtained it
    assert live_mfa_session("other-role", [mfa], now) is None  # assumed without MFA
    assert live_mfa_session("acme-admin", [mfa], mfa.expiration) is None  # over


def test_direct_mfa_mode_sends_the_code_with_each_assume_role(moto, mfa_setup):
    catalog, serial = mfa_setup
    direct = {
        name: Profile(p.name, p.kind, settings={**p.settings, "mfa_mode": "direct"})
        if p.kind is Kind.ROLE
        else p
        for name, p in catalog.profiles.items()
    }
    manager = SessionManager(catalog_of(*direct.values()))
    prompter = RecordingPrompter()
    creds = manager.credentials("acme-admin", prompter)
    manager.credentials("acme-audit", prompter)

    assert prompter.calls == [(serial, ["acme-admin"]), (serial, ["acme-audit"])]
    assert creds.via == ("keys:me", "role:acme-admin")


def test_cached_session_needs_no_network_and_no_botocore(moto, mfa_setup, monkeypatch):
    catalog, _ = mfa_setup
    prompter = RecordingPrompter()
    first = SessionManager(catalog).credentials("acme-admin", prompter)

    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    again = SessionManager(catalog).credentials("acme-admin", prompter)
    assert again.access_key_id == first.access_key_id
    assert again.secret_access_key == first.secret_access_key
    assert len(prompter.calls) == 1

    # A fresh process reading the cache imports neither boto3 nor botocore.
    script = textwrap.dedent(
        """
        import json, os, sys
        from xswitch.core.model import Catalog, Credentials, Kind, Profile
        from xswitch.core.sessions import SessionManager, live_mfa_session

        class NoPrompt:
            def mfa_code(self, serial, unlocks):
                raise SystemExit("prompted")

        given = json.loads(os.environ["TEST_PROFILES"])
        keys = Credentials(given["key_id"], given["secret"])
        profiles = {
            "me": Profile("me", Kind.KEYS, static_keys=keys),
            "acme-admin": Profile("acme-admin", Kind.ROLE, settings=given["role"]),
        }
        creds = SessionManager(Catalog((), profiles)).credentials("acme-admin", NoPrompt())
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))
        print(creds.access_key_id, loaded)
        """
    )
    source = catalog.profiles["me"].static_keys
    given = {
        "key_id": source.access_key_id,
        "secret": source.secret_access_key,
        "role": dict(catalog.profiles["acme-admin"].settings),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "TEST_PROFILES": json.dumps(given)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(" ", 1) == [first.access_key_id, "[]\n"]


def test_expired_session_is_refreshed(moto, mfa_setup):
    catalog, _ = mfa_setup
    prompter = RecordingPrompter()
    first = SessionManager(catalog).credentials("acme-admin", prompter)

    # Five minutes before the role session ends (inside the 10 minute margin): a new role session
    # from the still-valid MFA session, so no new code.
    late = first.expiration - timedelta(minutes=5)
    later = SessionManager(catalog, clock=lambda: late).credentials("acme-admin", prompter)
    assert later.access_key_id != first.access_key_id
    assert len(prompter.calls) == 1

    # A day later the MFA session has ended too: one new code.
    tomorrow = first.expiration + timedelta(days=1)
    SessionManager(catalog, clock=lambda: tomorrow).credentials("acme-admin", prompter)
    assert len(prompter.calls) == 2


def test_force_refresh_and_min_seconds_left(moto, mfa_setup):
    catalog, _ = mfa_setup
    manager = SessionManager(catalog)
    prompter = RecordingPrompter()
    first = manager.credentials("acme-admin", prompter)

    forced = manager.credentials("acme-admin", prompter, force_refresh=True)
    assert forced.access_key_id != first.access_key_id
    # Only the role was refreshed; the MFA session still serves.
    assert len(prompter.calls) == 1

    assert manager.credentials("acme-admin", prompter).access_key_id == forced.access_key_id
    # A minute later the cached hour no longer has 59.5 minutes left: a caller that demands them
    # gets a new session.
    later = SessionManager(catalog, clock=lambda: datetime.now(UTC) + timedelta(minutes=1))
    demanding = later.credentials("acme-admin", prompter, min_seconds_left=3570)
    assert demanding.access_key_id != forced.access_key_id


def test_credentials_shorter_than_the_promised_margin_are_refused(moto, mfa_setup):
    catalog, _ = mfa_setup
    manager = SessionManager(catalog)
    prompter = RecordingPrompter()
    # Role sessions last one hour: a caller promised two hours gets an explanation, no keys.
    with pytest.raises(UnusableCredentials) as refused:
        manager.credentials("acme-admin", prompter, min_seconds_left=2 * 3600)
    assert "less than the 120 minutes" in str(refused.value)


def test_config_edit_invalidates_the_cached_session(moto):
    keys = iam_user_keys(moto)
    arn = create_role(moto, "ops")
    manager = SessionManager(catalog_of(keys_profile("me", keys), role_profile("ops", arn, "me")))
    first = manager.credentials("ops", RecordingPrompter())

    with_external_id = role_profile("ops", arn, "me", external_id="ext-1")
    edited = catalog_of(keys_profile("me", keys), with_external_id)
    again = SessionManager(edited).credentials("ops", RecordingPrompter())
    assert again.access_key_id != first.access_key_id


def test_logout_forgets_sessions(moto, mfa_setup):
    catalog, _ = mfa_setup
    manager = SessionManager(catalog)
    prompter = RecordingPrompter()
    manager.credentials("acme-admin", prompter)
    manager.credentials("acme-audit", prompter)

    assert manager.logout("acme-admin") == ["acme-admin"]
    assert set(manager.cached_sessions()) == {"acme-audit"}
    assert manager.logout(None) == ["acme-audit", "me"]
    assert manager.cached_sessions() == {}
    sessions_dir = Path(os.environ["XDG_CACHE_HOME"]) / "xswitch" / "sessions"
    assert list(sessions_dir.glob("*.json")) == []


def test_keys_profile_is_returned_directly(moto):
    keys = iam_user_keys(moto)
    manager = SessionManager(catalog_of(keys_profile("me", keys)))
    creds = manager.credentials("me", RecordingPrompter())
    assert (creds.access_key_id, creds.secret_access_key) == (
        keys.access_key_id,
        keys.secret_access_key,
    )
    assert manager.cached_sessions() == {}


def test_keyring_keys_as_source(moto):
    from xswitch.core.vault import Vault

    keys = iam_user_keys(moto)
    Vault().set_keys("work", keys)
    arn = create_role(moto, "deploy")
    catalog = catalog_of(
        Profile("work", Kind.KEYS, keyring_name="work"), role_profile("deploy", arn, "work")
    )
    creds = SessionManager(catalog).credentials("deploy", RecordingPrompter())
    assert creds.via == ("keyring:work", "role:deploy")
    assert identity_of(creds, moto).endswith(":assumed-role/deploy/xswitch")


def test_environment_as_credential_source(moto):
    keys = iam_user_keys(moto)
    arn = create_role(moto, "ci")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
    }
    profile = Profile(
        "ci", Kind.ROLE, settings={"role_arn": arn, "credential_source": "Environment"}
    )
    creds = SessionManager(catalog_of(profile), env=env).credentials("ci", RecordingPrompter())
    assert creds.via == ("env", "role:ci")


def test_caller_identity(moto):
    keys = iam_user_keys(moto)
    arn = create_role(moto, "viewer")
    manager = SessionManager(catalog_of(keys_profile("me", keys), role_profile("v", arn, "me")))
    identity = manager.caller_identity("v", RecordingPrompter())
    assert identity.account == ACCOUNT
    assert identity.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/viewer/xswitch"
    assert identity.user_id
    assert manager.caller_identity("me", RecordingPrompter()).arn.endswith(":user/alice")


def test_settings_session_name_is_used(moto):
    keys = iam_user_keys(moto)
    arn = create_role(moto, "named")
    catalog = catalog_of(
        keys_profile("me", keys),
        role_profile("named", arn, "me"),
        settings=Settings(session_name="jane.doe"),
    )
    creds = SessionManager(catalog).credentials("named", RecordingPrompter())
    assert identity_of(creds, moto).endswith(":assumed-role/named/jane.doe")


def test_profiles_from_the_aws_files(moto, isolated, monkeypatch):
    from xswitch.core.config import load_catalog

    keys = iam_user_keys(moto)
    admin = create_role(moto, "admin")
    audit = create_role(moto, "audit")
    isolated.write_aws_credentials(
        f"""
        [me]
        aws_access_key_id = {keys.access_key_id}
        aws_secret_access_key = {keys.secret_access_key}
        """
    )
    isolated.write_aws_config(
        f"""
        [profile acme-admin]
        role_arn = {admin}
        source_profile = me
        mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/alice
        region = eu-west-1

        [profile acme-audit]
        role_arn = {audit}
        source_profile = acme-admin
        role_session_name = auditor
        """
    )
    # A profile name botocore cannot find must not disturb how xswitch signs its calls.
    monkeypatch.setenv("AWS_PROFILE", "does-not-exist")
    manager = SessionManager(load_catalog())
    prompter = RecordingPrompter()
    creds = manager.credentials("acme-audit", prompter)

    assert creds.via == ("keys:me", "mfa", "role:acme-admin", "role:acme-audit")
    monkeypatch.delenv("AWS_PROFILE")  # boto3 (used to check the result) does mind
    assert identity_of(creds, moto).endswith(":assumed-role/audit/auditor")
    assert prompter.calls == [(f"arn:aws:iam::{ACCOUNT}:mfa/alice", ["acme-admin"])]
