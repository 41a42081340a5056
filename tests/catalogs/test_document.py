"""A catalog file's checks on their own: config.toml's validator, then the rules of a shared file
(no secrets, no commands, no settings, no client it does not define), each naming the line."""

from __future__ import annotations

import pytest

from xswitch.core.catalogs import document
from xswitch.core.errors import CatalogError

GOOD = b"""
[clients.acme]
name = "Acme"
prod = true

[profiles.acme-ro]
client = "acme"
role_arn = "arn:aws:iam::111111111111:role/ReadOnly"
source_profile = "me"

[sso-sessions.corp]
start_url = "https://corp.awsapps.com/start"
region = "eu-west-1"
"""


def check(raw: bytes, allow_commands: bool = False) -> dict:
    return document.check(raw, name="team", file="catalog.toml", allow_commands=allow_commands)


def test_a_good_catalog_passes():
    doc = check(GOOD)
    assert doc["clients"]["acme"]["prod"] is True
    assert set(doc) == {"clients", "profiles", "sso-sessions"}


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('aws_session_token = "IQoJb3JpZ2luX2VjE"', "a secret (aws_session_token)"),
        ('aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"', "a secret (aws_access_key_id)"),
        ('keyring_passphrase = "hunter2"', "a secret (keyring_passphrase)"),
        ('db_password = "hunter2"', "a secret (db_password)"),
        ('x = { aws_secret_access_key = "abc" }', "a secret (aws_secret_access_key)"),
        ('tags = ["ASIAIOSFODNN7EXAMPLE"]', "an AWS access key ID"),
    ],
)
def test_secrets_are_refused_with_their_line(line, what):
    raw = GOOD.replace(b'source_profile = "me"', f'source_profile = "me"\n{line}'.encode())
    with pytest.raises(CatalogError) as refused:
        check(raw)
    assert str(refused.value).startswith(f"team/catalog.toml:10: holds {what}.")
    assert "hunter2" not in str(refused.value) and "IQoJ" not in str(refused.value)


def test_settings_are_not_a_catalogs_business():
    with pytest.raises(CatalogError) as refused:
        check(GOOD + b'\n[settings]\nshell = "fish"\n')
    assert "team/catalog.toml:15: has a [settings] table" in str(refused.value)


def test_mfa_process_needs_the_catalog_allowed():
    raw = GOOD.replace(b'source_profile = "me"', b'source_profile = "me"\nmfa_process = "otp"')
    with pytest.raises(CatalogError) as refused:
        check(raw)
    assert "team/catalog.toml:10: profile 'acme-ro' sets mfa_process" in str(refused.value)
    assert check(raw, allow_commands=True)["profiles"]["acme-ro"]["mfa_process"] == "otp"


def test_the_validator_of_config_toml_applies():
    with pytest.raises(CatalogError) as refused:
        check(GOOD.replace(b"prod = true", b"prod = true\ncolour = 'red'"))
    assert "unknown key 'clients.acme.colour'" in str(refused.value)


def test_changes_list_production_flags_turned_on():
    old = check(GOOD.replace(b"prod = true", b"prod = false"))
    new = check(GOOD)
    changes = document.changes(old, new)
    assert changes.prod_on == ("acme",)
    assert changes.clients_changed == ("acme",)
    assert not changes.profiles_changed
    assert document.changes(new, new).empty
