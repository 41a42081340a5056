"""`xswitch client add` at a terminal: the wizard asks for each value, refuses a bad one with the
reason and asks again, offers the source user's MFA devices (moto IAM), writes config.toml, then
tries the role (asking for the MFA code) and shows the result."""

from __future__ import annotations

import subprocess
import tomllib

import pytest

ROLE = "arn:aws:iam::123456789012:role/Contractor"


@pytest.fixture
def me_with_mfa(moto, isolated):
    """User 'me' in moto with a virtual MFA device, its keys in ~/.aws/credentials."""
    iam = moto.client("iam")
    iam.create_user(UserName="me")
    key = iam.create_access_key(UserName="me")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="me-phone")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    iam.enable_mfa_device(
        UserName="me", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    isolated.write_aws_credentials(
        f"""
        [me]
        aws_access_key_id = {key["AccessKeyId"]}
        aws_secret_access_key = {key["SecretAccessKey"]}
        """
    )
    return serial


def test_wizard_asks_checks_offers_mfa_devices_and_tries_the_role(term, isolated, me_with_mfa):
    t = term.run('xswitch client add >out.txt 2>err.txt; echo "rc=$?"')
    t.expect(r"Client name \(e\.g\. acme\): ")
    t.type("acme")
    t.expect(r"Role ARN \(from the client\): ")
    t.type("arn:aws:iam::1234:role/Contractor")  # 4 digits: refused with the reason
    t.expect("is not the ARN of an IAM role")
    t.expect(r"Role ARN \(from the client\): ")
    t.type(ROLE)
    t.expect(r"External ID .*: ")
    t.type("generate")
    t.expect(r"1\. me")
    t.expect(r"Source profile \(number or name\): ")
    t.type("1")
    t.expect(r"1\. " + me_with_mfa.replace("/", r"\/"))
    t.expect(r"MFA device \(number, or Enter for none\): ")
    t.type("1")
    t.expect(r"Session name .*: ")
    t.type("")
    t.expect(r"Session duration in seconds .*: ")
    t.type("99")
    t.expect("A whole number from 900")
    t.expect(r"Session duration in seconds .*: ")
    t.type("3600")
    t.expect(r"Region .*: ")
    t.type("eu-west-1")
    t.expect(r"Production client .*\? \[y/N\] ")
    t.type("y")
    t.expect(r"Colour .*: ")
    t.type("#e5484d")
    # Trying the role at once: the MFA device chosen above asks for its code.
    t.expect(r"MFA code for .*: ")
    t.type("123456")
    assert t.report("rc") == "0"
    assert t.finish() == 0

    out = (term.tmp_path / "out.txt").read_text()
    err = (term.tmp_path / "err.txt").read_text()
    assert f"ok    AssumeRole {ROLE}: assumed as profile 'acme'" in out, out + err
    assert "ok    MFA session: code accepted" in out
    assert f"ok    MFA device: {me_with_mfa} belongs to me" in out
    external_id = out.split("External ID (generated; send it to the client): ")[1].split()[0]
    config = tomllib.loads(isolated.xswitch_config.read_text())
    assert config["clients"]["acme"] == {"name": "acme", "prod": True, "color": "#e5484d"}
    assert config["profiles"]["acme"] == {
        "client": "acme",
        "role_arn": ROLE,
        "source_profile": "me",
        "external_id": external_id,
        "mfa_serial": me_with_mfa,
        "duration_seconds": 3600,
        "region": "eu-west-1",
    }
    assert len(external_id) >= 32


def test_scripted_add_without_a_terminal_names_the_missing_flags(isolated, xswitch_cmd):
    done = subprocess.run(
        [*xswitch_cmd, "client", "add", "acme", "--role-arn", ROLE],
        capture_output=True,
        text=True,
        start_new_session=True,  # no controlling terminal
        timeout=60,
    )
    assert done.returncode == 2
    assert "client add needs --source-profile" in done.stderr
    assert not isolated.xswitch_config.exists()


def test_bad_role_arn_from_flags_is_refused_and_nothing_written(isolated, xswitch_cmd):
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    done = subprocess.run(
        [*xswitch_cmd, "client", "add", "acme", "--role-arn", "arn:aws:iam::123:user/x",
         "--source-profile", "me"],
        capture_output=True, text=True, timeout=60, start_new_session=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert "is not the ARN of an IAM role" in done.stderr
    assert "Nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert not isolated.xswitch_config.exists()
