"""Discovery against the local SSO portal over HTTP, and how its result is kept in config.toml."""

from __future__ import annotations

import time
import tomllib

import pytest
import tomli_w

from sso_controls import ControlledOptions, ControlledSsoServer
from xswitch.core.config import load_catalog
from xswitch.core.errors import SsoLoginRequired, SsoThrottled
from xswitch.core.model import Kind, Origin
from xswitch.core.sso.auth import SsoAuth
from xswitch.core.sso.discovery import RateLimiter, discover, slug, store
from xswitch.demo.ssoserver import Account, ServerOptions, sample_accounts


@pytest.fixture
def token(sso_server, session, approver):
    return SsoAuth(session).login(approver)


def test_thousand_accounts_with_throttling_injected(session, approver, monkeypatch):
    # The portal answers every 25th request with 429 (TooManyRequests); we back off and retry.
    options = ControlledOptions(throttle_every=25)
    with ControlledSsoServer(sample_accounts(1000, 3), options=options) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        approver.server = server
        token = SsoAuth(session).login(approver)
        progress = []
        result = discover(
            session, token, rate=2000, workers=8, backoff=0.02, on_progress=progress.append
        )

    assert len(result.accounts) == 1000
    assert {len(account.roles) for account in result.accounts} == {3}
    assert result.accounts[0].name == "account-0001"  # the portal's order is kept
    assert len({account.id for account in result.accounts}) == 1000
    assert result.throttled > 0 and result.throttled == server.requests["Throttled"]
    total = server.requests["ListAccounts"] + server.requests["ListAccountRoles"]
    assert total == result.requests
    assert total - result.throttled == 10 + 1000  # ten pages of accounts, one call per account
    assert len(progress) == 1000 and progress[-1].accounts_done == 1000
    assert progress[-1].listing_complete


def test_rate_limit_is_honoured(session, approver, monkeypatch):
    with ControlledSsoServer(sample_accounts(30, 1)) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        approver.server = server
        token = SsoAuth(session).login(approver)
        started = time.monotonic()
        result = discover(session, token, rate=40)
        elapsed = time.monotonic() - started
    # 1 ListAccounts + 30 ListAccountRoles = 31 requests at 40/s: at least 0.75 s.
    assert result.requests == 31
    assert elapsed >= 0.7  # the limit spaces requests; speed itself is the benchmark's job


def test_persistent_throttling_gives_up_with_an_explanation(session, approver, monkeypatch):
    with ControlledSsoServer(
        sample_accounts(3, 1), options=ServerOptions(rate_limit=0.01)
    ) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        approver.server = server
        token = SsoAuth(session).login(approver)
        monkeypatch.setattr("xswitch.core.sso.discovery.MAX_RETRIES", 2)
        with pytest.raises(SsoThrottled, match="lower --rate"):
            discover(session, token, rate=100, backoff=0.01)


def test_revoked_token_during_discovery(sso_server, session, token):
    sso_server.revoke_all()
    with pytest.raises(SsoLoginRequired, match="revoked"):
        discover(session, token, rate=100)


def test_results_become_profiles_and_clients(isolated, sso_server, session, token):
    isolated.write_aws_config(
        f"""
        [sso-session acme]
        sso_start_url = {session.start_url}
        sso_region = {session.region}
        """
    )
    report = store(discover(session, token, rate=100))

    assert sorted(report.added) == [
        "acme-production.AdministratorAccess",
        "acme-staging.Dev",
        "acme-staging.ReadOnlyAccess",
    ]
    catalog = load_catalog()
    profile = catalog.profiles["acme-staging.ReadOnlyAccess"]
    assert profile.kind is Kind.SSO and profile.origin is Origin.SSO_SYNC
    assert profile.account_id == "222222222222" and profile.role_name == "ReadOnlyAccess"
    assert profile.sso_session == "acme" and profile.region == session.region
    assert profile.client == "acme-staging"
    assert catalog.client("acme-staging").name == "Acme Staging"
    # ~/.aws/config is never written.
    assert "profile" not in isolated.aws_config.read_text()


def test_user_edits_survive_and_vanished_roles_become_stale(isolated, sso_server, session, token):
    store(discover(session, token, rate=100))
    path = isolated.xswitch_config
    doc = tomllib.loads(path.read_text())
    doc["clients"]["acme-production"].update(name="ACME (live)", color="#e5484d", prod=True)
    doc["clients"]["acme-production"]["notes"] = "ticket before changes"
    doc["profiles"]["acme-staging.Dev"]["tags"] = ["daily"]
    doc["profiles"]["acme-staging.Dev"]["region"] = "us-west-2"
    renamed = doc["profiles"].pop("acme-production.AdministratorAccess")
    doc["profiles"]["prod-admin"] = renamed
    path.write_text(tomli_w.dumps(doc))

    sso_server.set_roles("222222222222", ["ReadOnlyAccess", "Billing"])  # Dev removed, Billing new
    report = store(discover(session, token, rate=100))

    doc = tomllib.loads(path.read_text())
    assert doc["clients"]["acme-production"] == {
        "name": "ACME (live)",
        "color": "#e5484d",
        "prod": True,
        "notes": "ticket before changes",
    }
    assert "acme-production.AdministratorAccess" not in doc["profiles"]  # renamed, not re-added
    assert doc["profiles"]["prod-admin"]["sso_role_name"] == "AdministratorAccess"
    dev = doc["profiles"]["acme-staging.Dev"]
    assert dev["stale"] is True and dev["tags"] == ["daily"] and dev["region"] == "us-west-2"
    assert report.added == ("acme-staging.Billing",) and report.stale == ("acme-staging.Dev",)
    assert report.kept == 2
    assert load_catalog().profiles["acme-staging.Dev"].stale

    sso_server.set_roles("222222222222", ["ReadOnlyAccess", "Billing", "Dev"])
    report = store(discover(session, token, rate=100))
    assert report.revived == ("acme-staging.Dev",) and not report.added
    assert "stale" not in tomllib.loads(path.read_text())["profiles"]["acme-staging.Dev"]


def test_roles_already_in_the_aws_config_are_not_duplicated(isolated, sso_server, session, token):
    isolated.write_aws_config(
        f"""
        [profile prod]
        sso_session = acme
        sso_account_id = 111111111111
        sso_role_name = AdministratorAccess

        [sso-session acme]
        sso_start_url = {session.start_url}
        sso_region = {session.region}
        """
    )
    report = store(discover(session, token, rate=100))
    assert report.skipped == ("prod",)
    assert "acme-production.AdministratorAccess" not in report.added


def test_name_collisions_get_the_account_id(isolated, session, approver, monkeypatch):
    twins = [
        Account("111111111111", "Sandbox", roles=("Admin",)),
        Account("222222222222", "sandbox", roles=("Admin",)),
    ]
    with ControlledSsoServer(twins) as server:
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        approver.server = server
        token = SsoAuth(session).login(approver)
        report = store(discover(session, token, rate=100))
    assert report.added == ("sandbox.Admin", "sandbox-222222222222.Admin")


def test_slug():
    assert slug("Acme Production (EU)") == "acme-production-eu"
    assert slug("---") == ""


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(50)
    started = time.monotonic()
    for _ in range(26):
        limiter.acquire()
    assert time.monotonic() - started >= 0.45
