"""The resolver and the providers: chains, cycles, missing keys, MFA modes, STS errors.

STS errors that moto never produces (expired token, wrong MFA code, duration limits, disabled
regions) come from a real botocore client with `botocore.stub.Stubber` in front of it.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xswitch.core.errors import (
    AwsError,
    ConfigError,
    CredentialError,
    MissingSourceKeys,
    NoTerminal,
    SourceCycle,
    UsageError,
)
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Settings
from xswitch.core.providers import assume_role, mfa, session_token
from xswitch.core.providers.assume_role import AssumeRoleProvider
from xswitch.core.providers.chain import build_chain
from xswitch.core.providers.keys import KeyringKeysProvider, StaticKeysProvider
from xswitch.core.providers.mfa import mfa_unlocks
from xswitch.core.providers.process import CredentialProcessProvider
from xswitch.core.providers.session_token import SessionTokenProvider

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
KEYS = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)
SERIAL = "arn:aws:iam::111111111111:mfa/me"
ROLE = "arn:aws:iam::222222222222:role/admin"


class CodePrompter:
    """Answers with `code`, or with the next of `codes` (NoTerminal once they run out)."""

    def __init__(self, code: str = "123456", codes: list[str] | None = None) -> None:
        self.code = code
        self.codes = codes
        self.calls: list[tuple[str, list[str]]] = []
        self.problems: list[str | None] = []

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        self.calls.append((serial, unlocks))
        self.problems.append(problem)
        if self.codes is None:
            return self.code
        if not self.codes:
            raise NoTerminal()
        return self.codes.pop(0)

    def sso_device_code(self, authorization: object) -> None:
        raise AssertionError

    def cancelled(self) -> bool:
        return False


def keys(name: str = "me", creds: Credentials = KEYS) -> Profile:
    return Profile(name, Kind.KEYS, settings={"aws_access_key_id": creds.access_key_id},
                   static_keys=creds)  # fmt: skip


def role(name: str, source: str | None = "me", arn: str = ROLE, **settings: str) -> Profile:
    values = {"role_arn": arn, **settings}
    if source:
        values["source_profile"] = source
    return Profile(name, Kind.ROLE, settings=values)


def catalog(*profiles: Profile, settings: Settings | None = None) -> Catalog:
    return Catalog((), {p.name: p for p in profiles}, settings=settings or Settings())


def chain_of(profile: Profile, cat: Catalog, env: dict | None = None, prompter=None):
    env = dict(os.environ) if env is None else env
    return build_chain(profile, cat, env, prompter or CodePrompter(), cat.settings)


# --- building chains --------------------------------------------------------------------------


def test_source_cycle_is_reported_with_the_whole_loop():
    cat = catalog(role("a", "b"), role("b", "c"), role("c", "a"))
    with pytest.raises(SourceCycle) as caught:
        chain_of(cat.profiles["a"], cat)
    assert caught.value.chain == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(caught.value)


def test_a_profile_may_name_itself_as_source_when_it_has_keys():
    selfish = Profile(
        "solo",
        Kind.ROLE,
        settings={"role_arn": ROLE, "source_profile": "solo"},
        static_keys=KEYS,
    )
    chain = chain_of(selfish, catalog(selfish))
    assert isinstance(chain, AssumeRoleProvider)
    assert isinstance(chain.source, StaticKeysProvider)
    assert chain.chain() == ["keys in ~/.aws/credentials [solo]", f"AssumeRole {ROLE}"]

    keyless = role("loop", "loop")
    with pytest.raises(SourceCycle):
        chain_of(keyless, catalog(keyless))


def test_a_source_with_a_role_is_assumed_recursively_even_with_keys():
    hub = Profile("hub", Kind.ROLE, settings={"role_arn": ROLE, "source_profile": "me"},
                  static_keys=Credentials("AKIAOTHER", "other"))  # fmt: skip
    leaf = role("leaf", "hub", arn="arn:aws:iam::333333333333:role/leaf")
    chain = chain_of(leaf, catalog(keys(), hub, leaf))
    assert [type(p) for p in (chain, chain.source, chain.source.source)] == [
        AssumeRoleProvider,
        AssumeRoleProvider,
        StaticKeysProvider,
    ]


def test_missing_source_profile_and_missing_source():
    orphan = role("orphan", "nobody")
    with pytest.raises(ConfigError, match="source_profile 'nobody'"):
        chain_of(orphan, catalog(orphan))
    sourceless = role("sourceless", None)
    with pytest.raises(ConfigError, match="no source_profile or credential_source"):
        chain_of(sourceless, catalog(sourceless))


def test_missing_source_keys_name_the_command_that_adds_them():
    empty = Profile("empty", Kind.KEYS)
    r = role("r", "empty")
    with pytest.raises(MissingSourceKeys, match="xswitch keys add empty"):
        chain_of(r, catalog(empty, r))

    in_keyring = Profile("work", Kind.KEYS, keyring_name="work")
    r2 = role("r2", "work")
    chain = chain_of(r2, catalog(in_keyring, r2))
    assert isinstance(chain.source, KeyringKeysProvider)
    with pytest.raises(MissingSourceKeys) as caught:
        chain.retrieve()  # the (isolated, real) keyring has no entry: fails before any network
    assert "xswitch keys add work" in str(caught.value)


def test_profile_without_credentials_is_refused():
    settings_only = Profile("base", Kind.OTHER, settings={"region": "eu-west-1"})
    with pytest.raises(ConfigError, match="no credentials of its own"):
        chain_of(settings_only, catalog(settings_only))


def test_credential_source_environment_and_unsupported_sources():
    env_role = Profile("ci", Kind.ROLE,
                       settings={"role_arn": ROLE, "credential_source": "Environment"})  # fmt: skip
    chain = chain_of(env_role, catalog(env_role))
    assert chain.source.describe().startswith("keys in the environment")
    with pytest.raises(MissingSourceKeys, match="AWS_ACCESS_KEY_ID"):
        chain.source.retrieve()
    env = {"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    temporary = chain_of(env_role, catalog(env_role), env={**os.environ, **env}).source
    assert temporary.temporary
    assert temporary.retrieve().session_token == "t"

    for source in ("Ec2InstanceMetadata", "EcsContainer"):
        instance = Profile("i", Kind.ROLE, settings={"role_arn": ROLE, "credential_source": source})
        with pytest.raises(ConfigError, match="xswitch does not support") as caught:
            chain_of(instance, catalog(instance))
        assert "AWS CLI" in caught.value.hint


def test_mfa_with_long_lived_keys_goes_through_one_session_token():
    a, b = role("a", mfa_serial=SERIAL, duration_seconds="7200"), role("b", mfa_serial=SERIAL)
    other_device = role("c", mfa_serial="arn:aws:iam::111111111111:mfa/other")
    cat = catalog(keys(), a, b, other_device, settings=Settings(mfa_session_duration=43200))
    chain = chain_of(a, cat)
    assert isinstance(chain.source, SessionTokenProvider)
    assert chain.mfa_serial is None  # the code went to GetSessionToken, not AssumeRole
    assert chain.source.duration == 43200
    assert chain.source.unlocks == ["a", "b"]
    assert chain.duration == 3600 and chain.capped
    assert "capped" in chain.describe()
    assert mfa_unlocks(other_device, cat) == ["c"]


def test_mfa_unlocks_follow_the_catalog_asked_about():
    a, b = role("a", mfa_serial=SERIAL), role("b", mfa_serial=SERIAL)
    direct = role("d", mfa_serial=SERIAL, mfa_mode="direct")
    first = catalog(keys(), a, b, direct)
    assert mfa_unlocks(a, first) == mfa_unlocks(b, first) == ["a", "b"]
    assert mfa_unlocks(direct, first) == ["d"]
    # A catalog read afterwards (after an SSO sync, say) has its own groups.
    second = catalog(keys(), a, role("e", mfa_serial=SERIAL))
    assert mfa_unlocks(a, second) == ["a", "e"]
    assert mfa_unlocks(a, first) == ["a", "b"]
    # The list returned is the caller's own.
    mfa_unlocks(a, first).append("x")
    assert mfa_unlocks(a, first) == ["a", "b"]


def test_mfa_on_a_chained_role_or_in_direct_mode_goes_with_assume_role():
    hub = role("hub")
    chained = role("chained", "hub", mfa_serial=SERIAL)
    direct = role("direct", mfa_serial=SERIAL, mfa_mode="direct", duration_seconds="7200")
    cat = catalog(keys(), hub, chained, direct)
    for name in ("chained", "direct"):
        chain = chain_of(cat.profiles[name], cat)
        assert chain.mfa_serial == SERIAL
        assert not isinstance(chain.source, SessionTokenProvider)
    # Direct mode from long-lived keys keeps its own duration.
    assert chain_of(direct, cat).duration == 7200
    assert mfa_unlocks(direct, cat) == ["direct"]


def test_role_session_name_precedence():
    explicit = role("x", role_session_name="jane")
    plain = role("y")
    assert chain_of(explicit, catalog(keys(), explicit)).session_name == "jane"
    cat = catalog(keys(), plain, settings=Settings(session_name="team"))
    assert chain_of(plain, cat).session_name == "team"
    assert chain_of(plain, catalog(keys(), plain)).session_name == "xswitch"


def test_region_comes_from_profile_then_environment():
    regional = role("r", region="eu-central-1")
    plain = role("p")
    cat = catalog(keys(), regional, plain)
    assert chain_of(regional, cat, env={"AWS_REGION": "ap-south-1"}).region == "eu-central-1"
    assert chain_of(plain, cat, env={"AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"
    assert chain_of(plain, cat).region == "us-east-1"


def test_sso_unavailable_is_a_clear_error(monkeypatch):
    sso = Profile("s", Kind.SSO, settings={"sso_session": "corp"})
    monkeypatch.setitem(sys.modules, "xswitch.core.providers.sso_role", None)
    with pytest.raises(CredentialError, match="SSO is not available"):
        chain_of(sso, catalog(sso))


def test_cache_identity_changes_with_every_setting():
    base = chain_of(role("r"), catalog(keys(), role("r"))).identity()
    variants = [
        role("r", external_id="other"),
        role("r", arn="arn:aws:iam::222222222222:role/other"),
        role("r", duration_seconds="1800"),
        role("r", role_session_name="someone"),
        role("r", mfa_serial=SERIAL, mfa_mode="direct"),
    ]
    identities = {chain_of(v, catalog(keys(), v)).identity() for v in variants}
    assert base not in identities and len(identities) == len(variants)
    rotated = keys(creds=Credentials("AKIANEWKEY", "new"))
    assert chain_of(role("r"), catalog(rotated, role("r"))).identity() != base
    assert SECRET not in repr(base)


# --- STS answers moto never gives ------------------------------------------------------------


@pytest.fixture
def stubbed_sts(monkeypatch):
    """A real botocore STS client whose answers are queued with Stubber."""
    import botocore.session
    from botocore.stub import Stubber

    client = botocore.session.get_session().create_client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key=SECRET,
    )
    stubber = Stubber(client)
    for module in (assume_role, session_token):
        monkeypatch.setattr(
            module, "signed_client", lambda service, creds, region, env, **_: client
        )
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def _assume_role_answer() -> dict:
    return {
        "Credentials": {
            "AccessKeyId": "ASIATEMPORARY0000000",
            "SecretAccessKey": "temporary-secret",
            "SessionToken": "token",
            "Expiration": datetime.now(UTC) + timedelta(hours=1),
        }
    }


def test_external_id_duration_and_mfa_code_are_sent(stubbed_sts):
    profile = role("r", external_id="ext-7", mfa_serial=SERIAL, mfa_mode="direct",
                   duration_seconds="1800", role_session_name="jane")  # fmt: skip
    expected = {
        "RoleArn": ROLE,
        "RoleSessionName": "jane",
        "ExternalId": "ext-7",
        "DurationSeconds": 1800,
        "SerialNumber": SERIAL,
        "TokenCode": "654321",
    }
    stubbed_sts.add_response("assume_role", _assume_role_answer(), expected)
    prompter = CodePrompter("654321")
    creds = chain_of(profile, catalog(keys(), profile), prompter=prompter).retrieve()
    assert creds.access_key_id == "ASIATEMPORARY0000000"
    assert creds.via == ("keys:me", "role:r")
    assert prompter.calls == [(SERIAL, ["r"])]


def _error(stubbed_sts, method: str, code: str, message: str, status: int = 403) -> None:
    stubbed_sts.add_client_error(
        method, service_error_code=code, service_message=message, http_status_code=status
    )


def test_expired_token(stubbed_sts):
    _error(stubbed_sts, "assume_role", "ExpiredToken", "The security token included is expired")
    hub, leaf = role("hub"), role("leaf", "hub")
    with pytest.raises(AwsError) as caught:
        AssumeRoleProvider(StaticKeysProvider(keys()), ROLE, "session", profile=leaf).retrieve()
    assert caught.value.code == "ExpiredToken"
    # It names a command that exists (there is no --refresh flag) and the source to forget.
    assert "expired" in str(caught.value) and "xswitch logout hub" in str(caught.value)
    assert "--refresh" not in str(caught.value) and "press" not in str(caught.value)
    assert hub  # the chain itself is not needed to explain the answer


WRONG_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


def test_invalid_mfa_code(stubbed_sts):
    for _ in range(mfa.MFA_TRIES):
        _error(stubbed_sts, "get_session_token", "AccessDenied", WRONG_CODE)
    a = role("a", mfa_serial=SERIAL)
    prompter = CodePrompter("000000")
    chain = chain_of(a, catalog(keys(), a), prompter=prompter)
    with pytest.raises(AwsError) as caught:
        chain.retrieve()
    assert "MFA code was not accepted" in str(caught.value)
    assert "wait for the next code" in caught.value.hint
    assert "GetSessionToken" in str(caught.value)
    # Asked three times, the second and third time with the reason.
    assert prompter.problems == [None, mfa.WRONG_MFA_CODE, mfa.WRONG_MFA_CODE]


def test_a_refused_mfa_code_is_asked_again_with_the_reason(stubbed_sts):
    _error(stubbed_sts, "assume_role", "AccessDenied", WRONG_CODE)
    stubbed_sts.add_response(
        "assume_role", _assume_role_answer(), {"RoleArn": ROLE, "RoleSessionName": "xswitch",
        "SerialNumber": SERIAL, "TokenCode": "222222"}
    )  # fmt: skip
    r = role("r", mfa_serial=SERIAL, mfa_mode="direct")
    prompter = CodePrompter(codes=["000000", "222222"])
    creds = chain_of(r, catalog(keys(), r), prompter=prompter).retrieve()
    assert creds.access_key_id == "ASIATEMPORARY0000000"
    assert prompter.problems == [None, mfa.WRONG_MFA_CODE]
    assert "wrong or has expired" in mfa.WRONG_MFA_CODE


def test_an_mfa_code_that_is_not_six_digits_is_never_sent(stubbed_sts):
    # Nothing is queued for the first two answers: sending them would fail the stubber.
    stubbed_sts.add_response(
        "assume_role", _assume_role_answer(), {"RoleArn": ROLE, "RoleSessionName": "xswitch",
        "SerialNumber": SERIAL, "TokenCode": "123456"}
    )  # fmt: skip
    r = role("r", mfa_serial=SERIAL, mfa_mode="direct")
    prompter = CodePrompter(codes=["12", "12345a", " 123456 "])
    chain_of(r, catalog(keys(), r), prompter=prompter).retrieve()
    assert (
        prompter.problems[1:] == ["MFA codes are 6 digits (the number your device shows now)."] * 2
    )


def test_three_malformed_codes_are_a_usage_error(stubbed_sts):
    r = role("r", mfa_serial=SERIAL, mfa_mode="direct")
    prompter = CodePrompter(codes=["1", "22", "333"])
    with pytest.raises(UsageError, match="6 digits"):
        chain_of(r, catalog(keys(), r), prompter=prompter).retrieve()


def test_a_refused_code_nobody_can_replace_is_the_error(stubbed_sts):
    _error(stubbed_sts, "assume_role", "AccessDenied", WRONG_CODE)
    r = role("r", mfa_serial=SERIAL, mfa_mode="direct")
    prompter = CodePrompter(codes=["000000"])  # then NoTerminal, as with --mfa-code in a script
    with pytest.raises(AwsError, match="MFA code was not accepted"):
        chain_of(r, catalog(keys(), r), prompter=prompter).retrieve()


def test_duration_validation_error(stubbed_sts):
    _error(stubbed_sts, "assume_role", "ValidationError",
           "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
           status=400)  # fmt: skip
    long = role("long", duration_seconds="43200")
    with pytest.raises(AwsError) as caught:
        chain_of(long, catalog(keys(), long)).retrieve()
    assert caught.value.code == "ValidationError"
    assert "Duration_seconds = 43200" in str(caught.value)
    assert "Lower duration_seconds" in str(caught.value)


def test_region_disabled(stubbed_sts):
    _error(stubbed_sts, "assume_role", "RegionDisabledException",
           "STS is not activated in this region for account:222222222222.")  # fmt: skip
    far = role("far", region="ap-east-1")
    with pytest.raises(AwsError) as caught:
        chain_of(far, catalog(keys(), far)).retrieve()
    assert "not activated in ap-east-1" in str(caught.value)


def test_secrets_in_aws_messages_are_redacted(stubbed_sts):
    token = "IQoJb3JpZ2luX2VjEJr" + "A1b2C3d4" * 20
    _error(stubbed_sts, "assume_role", "AccessDenied",
           f"Request with {SECRET} and token {token} denied")  # fmt: skip
    r = role("r")
    with pytest.raises(AwsError) as caught:
        chain_of(r, catalog(keys(), r)).retrieve()
    text = str(caught.value)
    assert SECRET not in text and token[:60] not in text
    assert "[redacted]" in text


def test_credentials_repr_hides_secrets():
    assert SECRET not in repr(KEYS)
    assert SECRET not in repr(keys())


# --- credential_process ----------------------------------------------------------------------


def _process_profile(tmp_path: Path, body: str) -> Profile:
    script = tmp_path / "creds.py"
    script.write_text(body)
    command = f"{sys.executable} {script}"
    return Profile("tool", Kind.PROCESS, settings={"credential_process": command})


def test_credential_process_version_1(tmp_path):
    profile = _process_profile(
        tmp_path,
        'import json; print(json.dumps({"Version": 1, "AccessKeyId": "AKIAPROC", '
        '"SecretAccessKey": "proc-secret", "SessionToken": "tok", '
        '"Expiration": "2030-01-02T03:04:05Z"}))',
    )
    chain = chain_of(profile, catalog(profile))
    assert isinstance(chain, CredentialProcessProvider)
    creds = chain.retrieve()
    assert (creds.access_key_id, creds.session_token) == ("AKIAPROC", "tok")
    assert creds.expiration == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('import sys; sys.stderr.write("token expired\\n"); sys.exit(3)', "exit 3): token expired"),
        ('print("AKIA-secret-not-json")', "did not print valid JSON"),
        ('print(\'{"Version": 2, "AccessKeyId": "a", "SecretAccessKey": "b"}\')', "Version"),
        ('print(\'{"Version": 1, "AccessKeyId": "a"}\')', "printed no SecretAccessKey"),
        (
            'print(\'{"Version": 1, "AccessKeyId": "a", "SecretAccessKey": "b", '
            '"Expiration": "soon"}\')',
            "not an RFC 3339 time",
        ),
    ],
)
def test_credential_process_failures_are_explained(tmp_path, body, expected):
    profile = _process_profile(tmp_path, body)
    with pytest.raises(CredentialError) as caught:
        chain_of(profile, catalog(profile)).retrieve()
    assert expected in str(caught.value)
    assert "AKIA-secret-not-json" not in str(caught.value)


def test_credential_process_that_cannot_start():
    profile = Profile("t", Kind.PROCESS, settings={"credential_process": "/nonexistent/tool x"})
    with pytest.raises(CredentialError, match="could not be started"):
        chain_of(profile, catalog(profile)).retrieve()


def test_every_provider_subclasses_the_protocol():
    from xswitch.core.providers.base import Provider
    from xswitch.core.providers.keys import EnvironmentProvider
    from xswitch.core.providers.sso_role import SsoRoleProvider

    kinds = (
        StaticKeysProvider,
        KeyringKeysProvider,
        EnvironmentProvider,
        CredentialProcessProvider,
        SessionTokenProvider,
        AssumeRoleProvider,
        SsoRoleProvider,
    )
    assert all(Provider in kind.__mro__ for kind in kinds)
