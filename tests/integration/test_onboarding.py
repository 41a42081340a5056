"""Onboarding a client and diagnosing access, against moto's IAM and STS over HTTP: add a client
with a generated external ID, produce its policies, create the role with them (the AWS CLI, in
moto), assume it; `doctor` on a healthy profile and on each failure, which it names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hostile_http import HostileServer, http_date

ROLE = "arn:aws:iam::123456789012:role/Contractor"


def xswitch(*args: str, input: str | None = None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        input=input,
        env=dict(os.environ, **extra),
        timeout=120,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def aws(*args: str, keys: dict[str, str]) -> subprocess.CompletedProcess:
    """The real AWS CLI against moto, signing with `keys`."""
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", **keys)
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "aws"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def user_with_key(moto, name: str, policy: dict | None = None) -> dict[str, str]:
    iam = moto.client("iam")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def store_keys(name: str, keys: dict[str, str]) -> None:
    stdin = f"{keys['AWS_ACCESS_KEY_ID']}\n{keys['AWS_SECRET_ACCESS_KEY']}\n"
    done = xswitch("keys", "add", name, "--stdin", input=stdin)
    assert done.returncode == 0, done.stderr


def check(output: str, name: str) -> tuple[str, str]:
    """(status, rest of the line) of the doctor check `name` in `output`."""
    found = re.search(rf"^(ok|warn|fail)\s+{re.escape(name)}: (.*)$", output, re.M)
    assert found, output
    return found.group(1), found.group(2)


@pytest.fixture
def onboarding(moto):
    """An admin user and your own user 'me' (keys stored in the keyring as 'me') in moto, with
    IAM authorization enforced from then on."""
    admin = user_with_key(moto, "admin", ADMIN)
    me = user_with_key(moto, "me")
    store_keys("me", me)
    moto.enforce_auth(True)
    yield {"admin": admin, "me": me}
    moto.enforce_auth(False)


def test_add_policy_create_role_and_assume_it(onboarding, isolated, tmp_path):
    # 1. Add the client with a generated external ID: the role cannot be assumed yet, and the
    #    output says why, in doctor's words.
    done = xswitch(
        "client", "add", "acme", "--role-arn", ROLE, "--source-profile", "me",
        "--external-id", "generate", "--region", "eu-west-1", "--prod", "--color", "red",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    external_id = re.search(r"External ID \(generated.*\): (\S+)", done.stdout).group(1)
    assert len(external_id) >= 32
    assert check(done.stdout, f"AssumeRole {ROLE}")[0] == "fail"
    assert "often missed" in done.stdout and "Trust relationships" in done.stdout
    assert "xswitch client policy acme" in done.stderr
    config = isolated.xswitch_config.read_text()
    assert f'external_id = "{external_id}"' in config
    assert "[clients.acme]" in config

    # 2. The policies, from the real identity of 'me'.
    done = xswitch("client", "policy", "acme", "--json")
    assert done.returncode == 0, done.stderr
    documents = json.loads(done.stdout)
    trust, identity = documents["trust_policy"], documents["identity_policy"]
    statement = trust["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:user/me"}
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == external_id
    assert identity["Statement"][0]["Resource"] == ROLE
    assert "Trust relationships tab, not in the permissions" in documents["request"]

    # 3. The client creates the role with the trust policy, you attach your side: both
    #    documents as the AWS CLI takes them.
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    (tmp_path / "identity.json").write_text(json.dumps(identity))
    made = aws(
        "iam", "create-role", "--role-name", "Contractor",
        "--assume-role-policy-document", f"file://{tmp_path / 'trust.json'}",
        keys=onboarding["admin"],
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    attached = aws(
        "iam", "put-user-policy", "--user-name", "me", "--policy-name", "xswitch-assume-role",
        "--policy-document", f"file://{tmp_path / 'identity.json'}",
        keys=onboarding["admin"],
    )  # fmt: skip
    assert attached.returncode == 0, attached.stderr

    # 4. Now the role works: doctor passes every check, and the role is assumed for real.
    done = xswitch("doctor", "acme")
    assert done.returncode == 0, done.stdout + done.stderr
    assert check(done.stdout, f"AssumeRole {ROLE}")[0] == "ok"
    assert check(done.stdout, "source credentials")[1] == "found: keys in the keyring [me]"
    assert check(done.stdout, "key age")[0] in ("ok", "warn")  # IAM denies ListAccessKeys here
    assert "fail" not in re.findall(r"^(\w+)", done.stdout, re.M)
    done = xswitch("exec", "acme", "--yes", "--", "aws", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/")


def test_doctor_names_a_denied_assume_role_and_both_fixes(onboarding):
    done = xswitch(
        "client", "add", "acme", "--role-arn", ROLE, "--source-profile", "me",
        "--external-id", "Ext-Id-42", "--no-check",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = xswitch("doctor", "acme", "--json")
    assert done.returncode == 1
    checks = {c["check"]: c for c in json.loads(done.stdout)}
    assert checks["source credentials work"]["status"] == "ok"
    denied = checks[f"AssumeRole {ROLE}"]
    assert denied["status"] == "fail" and denied["code"] == "AccessDenied"
    # Both candidates, each with the policy that fixes it, and the external ID's case.
    assert "Your side" in denied["cause"] and "Their side" in denied["cause"]
    assert "case-sensitive" in denied["cause"]
    assert '"Action":"sts:AssumeRole","Resource":"' + ROLE in denied["fix"]
    assert '"Principal":{"AWS":"arn:aws:iam::123456789012:user/me"}' in denied["fix"]
    assert '"sts:ExternalId":"Ext-Id-42"' in denied["fix"]


def test_doctor_on_a_healthy_keys_profile_exits_0(moto, isolated):
    store_keys("me", user_with_key(moto, "me"))
    done = xswitch("doctor", "me")
    assert done.returncode == 0, done.stdout + done.stderr
    assert check(done.stdout, "source credentials work") == (
        "ok",
        "AWS knows them: arn:aws:iam::123456789012:user/me",
    )
    assert check(done.stdout, "key age")[0] == "ok"
    assert check(done.stdout, "clock")[0] == "ok"


@pytest.mark.parametrize(
    ("secret_ok", "code", "words"),
    [
        (False, "SignatureDoesNotMatch", "does not belong to the access key ID"),
        (True, "InvalidClientTokenId", "AWS does not know this access key"),
    ],
)
def test_doctor_on_bad_source_keys(onboarding, secret_ok, code, words):
    me = onboarding["me"]
    bad = (
        {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000001", "AWS_SECRET_ACCESS_KEY": "x" * 40}
        if secret_ok
        else {"AWS_ACCESS_KEY_ID": me["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": "y" * 40}
    )
    stdin = f"{bad['AWS_ACCESS_KEY_ID']}\n{bad['AWS_SECRET_ACCESS_KEY']}\n"
    assert xswitch("keys", "add", "me", "--stdin", "--force", input=stdin).returncode == 0
    done = xswitch("doctor", "me", "--json")
    assert done.returncode == 1
    checks = {c["check"]: c for c in json.loads(done.stdout)}
    failed = checks["source credentials work"]
    assert failed["status"] == "fail" and failed["code"] == code
    assert words in failed["cause"]
    assert "y" * 40 not in done.stdout + done.stderr


def test_doctor_on_an_unreachable_endpoint_shows_the_proxy_variables(isolated, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    done = xswitch(
        "doctor",
        "me",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        HTTPS_PROXY="http://alice:s3cret@proxy.example:3128",
        NO_PROXY="127.0.0.1",
    )
    assert done.returncode == 1, done.stdout
    status, summary = check(done.stdout, "endpoint")
    assert status == "fail" and f"127.0.0.1:{port}" in summary
    assert "HTTPS_PROXY=http://alice:***@proxy.example:3128" in summary
    assert "NO_PROXY=127.0.0.1" in summary
    assert "s3cret" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


_IDENTITY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/me</Arn>"
    b"<UserId>AIDAME</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)


def _sts_error(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
        f"</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>1</RequestId></ErrorResponse>"
    ).encode()


@pytest.fixture
def local_sts(isolated, monkeypatch):
    """A small STS on 127.0.0.1 (tests/hostile_http.py) for what moto cannot produce, and a role
    profile 'acme' assumed from keys in ~/.aws/credentials through it."""
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile acme]
        role_arn = {ROLE}
        source_profile = me
        region = ap-east-1
        """
    )
    with HostileServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


def test_doctor_on_a_skewed_clock(local_sts):
    old = http_date(datetime.now(UTC) - timedelta(minutes=42))
    local_sts.behave = local_sts.answer(200, _IDENTITY, {"Date": old, "Content-Type": "text/xml"})
    done = xswitch("doctor", "me")
    assert done.returncode == 1, done.stdout
    status, summary = check(done.stdout, "clock")
    assert status == "fail"
    assert "42 minutes ahead of AWS's" in summary
    assert "timedatectl set-ntp true" in done.stdout


def test_doctor_explains_region_disabled_from_an_sts_xml_error(local_sts):
    def behave(sock, request):
        if b"Action=AssumeRole" in request:
            body = _sts_error(
                "RegionDisabledException",
                "STS is not activated in this region for account:123456789012.",
            )
            local_sts.answer(403, body, {"Date": http_date(), "Content-Type": "text/xml"})(
                sock, request
            )
        else:
            local_sts.answer(200, _IDENTITY, {"Date": http_date(), "Content-Type": "text/xml"})(
                sock, request
            )

    local_sts.behave = behave
    done = xswitch("doctor", "acme", "--json")
    assert done.returncode == 1, done.stdout
    checks = {c["check"]: c for c in json.loads(done.stdout)}
    failed = checks[f"AssumeRole {ROLE}"]
    assert failed["code"] == "RegionDisabledException"
    assert "STS is not activated in this region" in failed["cause"]
    assert "us-east-1" in failed["fix"]
    assert checks["clock"]["status"] == "ok"


def test_doctor_explains_a_duration_over_the_roles_maximum(local_sts, isolated):
    isolated.write_aws_config(
        f"""
        [profile acme]
        role_arn = {ROLE}
        source_profile = me
        duration_seconds = 43200
        """
    )
    message = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."

    def behave(sock, request):
        ok = b"Action=AssumeRole" not in request
        status, body = (200, _IDENTITY) if ok else (400, _sts_error("ValidationError", message))
        local_sts.answer(status, body, {"Date": http_date(), "Content-Type": "text/xml"})(
            sock, request
        )

    local_sts.behave = behave
    done = xswitch("doctor", "acme", "--json")
    checks = {c["check"]: c for c in json.loads(done.stdout)}
    failed = checks[f"AssumeRole {ROLE}"]
    assert failed["status"] == "fail"
    assert "maximum session duration" in failed["cause"]
    assert "Lower duration_seconds" in failed["fix"]


def test_doctor_needs_a_profile_or_all(isolated):
    done = xswitch("doctor")
    assert done.returncode == 2
    assert "doctor needs one profile name, or --all" in done.stderr


def test_doctor_warns_about_an_old_key_and_still_passes(local_sts):
    listing = (
        b'<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ListAccessKeysResult><IsTruncated>false</IsTruncated><AccessKeyMetadata><member>"
        b"<UserName>me</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
        b"<Status>Active</Status><CreateDate>2020-01-02T03:04:05Z</CreateDate></member>"
        b"</AccessKeyMetadata></ListAccessKeysResult>"
        b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></ListAccessKeysResponse>"
    )

    def behave(sock, request):
        body = listing if b"Action=ListAccessKeys" in request else _IDENTITY
        local_sts.answer(200, body, {"Date": http_date(), "Content-Type": "text/xml"})(
            sock, request
        )

    local_sts.behave = behave
    done = xswitch("doctor", "me")
    assert done.returncode == 0, done.stdout + done.stderr
    status, summary = check(done.stdout, "key age")
    assert status == "warn"
    assert re.fullmatch(r"AKIA…MPLE is \d+ days old \(over 90\)", summary)
    assert "xswitch keys rotate" in done.stdout


def test_doctor_on_expired_source_session_credentials(local_sts):
    local_sts.behave = local_sts.answer(
        403,
        _sts_error("ExpiredToken", "The security token included in the request is expired"),
        {"Date": http_date(), "Content-Type": "text/xml"},
    )
    done = xswitch(
        "doctor",
        "env-role",
        AWS_CONFIG_FILE=str(local_sts_config()),
        AWS_ACCESS_KEY_ID="ASIAEXPIREDKEY000001",
        AWS_SECRET_ACCESS_KEY="z" * 40,
        AWS_SESSION_TOKEN="t" * 100,
    )
    assert done.returncode == 1
    status, _ = check(done.stdout, "source credentials work")
    assert status == "fail"
    assert "temporary and have expired" in done.stdout
    assert "t" * 100 not in done.stdout + done.stderr


def local_sts_config() -> Path:
    path = Path(os.environ["HOME"]) / "env-config"
    path.write_text(f"[profile env-role]\nrole_arn = {ROLE}\ncredential_source = Environment\n")
    return path


def test_doctor_warns_when_a_chained_role_is_capped_to_one_hour(moto, isolated):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        f"""
        [profile hub]
        role_arn = arn:aws:iam::123456789012:role/Hub
        source_profile = me

        [profile spoke]
        role_arn = {ROLE}
        source_profile = hub
        duration_seconds = 7200
        """
    )
    done = xswitch("doctor", "spoke")
    assert done.returncode == 0, done.stdout + done.stderr
    assert check(done.stdout, "AssumeRole arn:aws:iam::123456789012:role/Hub")[0] == "ok"
    status, summary = check(done.stdout, "session duration")
    assert status == "warn" and "capped to 1 hour" in summary
    assert "role chaining" in done.stdout


def test_client_edit_and_remove_keep_the_rest_of_config_toml(isolated):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_xswitch_config(
        """
        # my settings, by hand
        [settings]
        refresh_margin = 900  # fifteen minutes
        """
    )
    added = xswitch(
        "client", "add", "acme", "--role-arn", ROLE, "--source-profile", "me",
        "--duration", "7200", "--no-check",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    done = xswitch(
        "client", "edit", "acme", "--external-id", "CaseMatters-1", "--duration", "", "--no-check"
    )
    assert done.returncode == 0, done.stderr
    text = isolated.xswitch_config.read_text()
    assert "# my settings, by hand" in text and "refresh_margin = 900  # fifteen minutes" in text
    assert 'external_id = "CaseMatters-1"' in text and "duration_seconds" not in text

    refused = xswitch("client", "edit", "acme", "--role-arn", "arn:aws:iam::12:role/x")
    assert refused.returncode == 2 and "is not the ARN of an IAM role" in refused.stderr
    assert isolated.xswitch_config.read_text() == text  # nothing written

    not_asked = xswitch("client", "remove", "acme")  # no terminal, no --yes
    assert not_asked.returncode == 2 and "--yes" in not_asked.stderr
    removed = xswitch("client", "remove", "acme", "--yes")
    assert removed.returncode == 0, removed.stderr
    text = isolated.xswitch_config.read_text()
    assert "acme" not in text and "refresh_margin = 900  # fifteen minutes" in text


def test_doctor_all_checks_every_profile_and_names_missing_keys(moto, isolated):
    store_keys("me", user_with_key(moto, "me"))
    isolated.write_aws_config(
        """
        [profile lost\x1b]0;pwned\x07]
        role_arn = arn:aws:iam::123456789012:role/Lost
        source_profile = gone

        [profile gone]
        region = eu-west-1
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        """
    )
    done = xswitch("doctor", "--all")
    assert done.returncode == 1
    assert "\x1b" not in done.stdout
    sections = re.split(r"^(\S.*):$", done.stdout, flags=re.M)[1:]
    by_profile = dict(zip(sections[::2], sections[1::2], strict=True))
    assert set(by_profile) == {"lost\\x1b]0;pwned\\x07", "gone", "me"}
    assert "fail" not in by_profile["me"]
    for name in ("gone", "lost\\x1b]0;pwned\\x07"):
        assert (
            "fail  source credentials: none found: Profile 'gone' has no access keys"
            in (by_profile[name])
        )


def test_policy_names_a_role_source_by_its_arn_with_its_path(moto, isolated):
    iam = moto.client("iam")
    iam.create_role(
        RoleName="Hub",
        Path="/team/",
        AssumeRolePolicyDocument=json.dumps(ADMIN | {"Statement": []}),
    )
    store_keys("me", user_with_key(moto, "me"))
    isolated.write_aws_config(
        """
        [profile hub]
        role_arn = arn:aws:iam::123456789012:role/team/Hub
        source_profile = me
        """
    )
    done = xswitch(
        "client", "add", "acme", "--role-arn", ROLE, "--source-profile", "hub", "--no-check"
    )
    assert done.returncode == 0, done.stderr
    done = xswitch("client", "policy", "acme", "--only", "trust")
    assert done.returncode == 0, done.stderr
    trust = json.loads(done.stdout)
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:role/team/Hub"}
    assert "Condition" not in trust["Statement"][0]  # no external ID, no MFA asked for
    done = xswitch("client", "policy", "acme", "--account", "--mfa", "--only", "trust")
    statement = json.loads(done.stdout)["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_doctor_fails_an_mfa_serial_that_is_not_the_users_device(moto, isolated):
    iam = moto.client("iam")
    store_keys("me", user_with_key(moto, "me"))
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="me", SerialNumber=device["SerialNumber"], AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    isolated.write_aws_config(
        f"""
        [profile acme]
        role_arn = {ROLE}
        source_profile = me
        mfa_serial = arn:aws:iam::123456789012:mfa/someone-else
        """
    )
    done = xswitch("doctor", "acme", "--mfa-code", "123456")
    assert done.returncode == 1
    status, summary = check(done.stdout, "MFA device")
    assert status == "fail"
    assert summary == "arn:aws:iam::123456789012:mfa/someone-else is not an MFA device of me"
    assert f"Set mfa_serial to one of: {device['SerialNumber']}." in done.stdout


def test_doctor_warns_about_a_region_botocore_does_not_know(moto, isolated):
    store_keys("me", user_with_key(moto, "me"))
    done = xswitch("doctor", "me", AWS_REGION="eu-wesst-1")
    assert done.returncode == 0, done.stdout + done.stderr
    status, summary = check(done.stdout, "region")
    assert status == "warn" and summary.startswith("eu-wesst-1 is not a region")
