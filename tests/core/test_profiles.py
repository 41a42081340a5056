"""The catalog: kinds, grouping into clients, name resolution, secrets and configuration errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xswitch.core.config import load_catalog, resolve
from xswitch.core.errors import ConfigError, UnknownProfile
from xswitch.core.model import Kind, Origin

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "example-config.toml"


def clients_of(catalog) -> dict[str, list[str]]:
    return {
        client.key: [p.name for p in catalog.profiles_of(client.key)] for client in catalog.clients
    }


# --- kinds and derived values --------------------------------------------------------------------


def test_kinds_account_and_role_names(isolated):
    isolated.write_aws_config(
        """
        [profile role]
        role_arn = arn:aws:iam::123456789012:role/Admin
        source_profile = keys
        [profile sso]
        sso_session = corp
        sso_account_id = 210987654321
        sso_role_name = ReadOnly
        [profile process]
        credential_process = /bin/echo
        [profile plain]
        region = eu-west-1
        [profile keys-in-config]
        aws_access_key_id = AKIACONFIG
        aws_secret_access_key = config-secret
        credential_process = /bin/echo
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access , extra:scope,
        """
    )
    isolated.write_aws_credentials(
        """
        [keys]
        aws_access_key_id = AKIAKEYS
        aws_secret_access_key = keys-secret
        credential_process = /bin/echo
        """
    )
    catalog = load_catalog()
    kinds = {name: profile.kind for name, profile in catalog.profiles.items()}
    assert kinds == {
        "role": Kind.ROLE,
        "sso": Kind.SSO,
        "process": Kind.PROCESS,
        "plain": Kind.OTHER,
        # botocore tries credential_process before keys of the config file, after those of the
        # credentials file.
        "keys-in-config": Kind.PROCESS,
        "keys": Kind.KEYS,
    }
    role, sso = catalog.profiles["role"], catalog.profiles["sso"]
    assert (role.account_id, role.role_name) == ("123456789012", "Admin")
    assert (sso.account_id, sso.role_name) == ("210987654321", "ReadOnly")
    corp = catalog.sso_sessions["corp"]
    assert (corp.start_url, corp.region, corp.legacy) == (
        "https://corp.awsapps.com/start",
        "eu-west-1",
        False,
    )
    assert corp.scopes == ("sso:account:access", "extra:scope")


def test_legacy_sso_profile_gets_a_session_keyed_by_start_url(isolated):
    isolated.write_aws_config(
        """
        [profile old]
        sso_start_url = https://old.awsapps.com/start
        sso_region = eu-central-1
        sso_account_id = 111111111111
        sso_role_name = Admin
        """
    )
    session = load_catalog().sso_sessions["https://old.awsapps.com/start"]
    assert session.legacy and session.region == "eu-central-1"


def test_static_keys_are_kept_out_of_settings_and_repr(isolated):
    isolated.write_aws_credentials(
        """
        [personal]
        aws_access_key_id = AKIAPERSONAL
        aws_secret_access_key = wJalrXUtnFEMI-very-secret
        aws_session_token = FwoGZXIvYXdzEXAMPLE-token
        """
    )
    profile = load_catalog().profiles["personal"]
    assert profile.kind is Kind.KEYS
    assert profile.static_keys is not None
    assert profile.static_keys.secret_access_key == "wJalrXUtnFEMI-very-secret"
    assert profile.static_keys.session_token == "FwoGZXIvYXdzEXAMPLE-token"
    assert "aws_secret_access_key" not in profile.settings
    assert "aws_session_token" not in profile.settings
    for text in (repr(profile), str(profile), repr(load_catalog())):
        assert "very-secret" not in text and "EXAMPLE-token" not in text


def test_secret_in_config_toml_is_refused_without_echoing_it(isolated):
    isolated.write_xswitch_config(
        """
        [profiles.bad]
        aws_secret_access_key = "do-not-print-me"
        """
    )
    with pytest.raises(ConfigError) as error:
        load_catalog()
    assert "profiles.bad.aws_secret_access_key" in str(error.value)
    assert "do-not-print-me" not in str(error.value)


def test_xswitch_profiles_and_overlays(isolated):
    isolated.write_aws_config(
        """
        [profile shared]
        region = eu-west-1
        role_arn = arn:aws:iam::123456789012:role/Aws
        source_profile = base
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.acme]
        name = "ACME"
        [profiles.shared]
        client = "acme"
        tags = ["from-xswitch"]
        region = "us-east-1"
        role_arn = "arn:aws:iam::999999999999:role/Ignored"
        [profiles.vaulted]
        keys = "me"
        region = "eu-central-1"
        duration_seconds = 3600
        [profiles.synced]
        origin = "sso-sync"
        stale = true
        sso_session = "corp"
        sso_account_id = "111111111111"
        sso_role_name = "Admin"
        """
    )
    catalog = load_catalog()
    shared = catalog.profiles["shared"]
    # config.toml groups and tags an AWS profile but never changes its AWS settings.
    assert shared.origin is Origin.AWS and shared.client == "acme"
    assert shared.tags == ("from-xswitch",)
    assert shared.region == "eu-west-1" and shared.account_id == "123456789012"
    vaulted = catalog.profiles["vaulted"]
    assert (vaulted.kind, vaulted.origin, vaulted.keyring_name) == (Kind.KEYS, Origin.XSWITCH, "me")
    assert vaulted.settings == {"region": "eu-central-1", "duration_seconds": "3600"}
    assert vaulted.duration_seconds == 3600
    synced = catalog.profiles["synced"]
    assert (synced.kind, synced.origin, synced.stale) == (Kind.SSO, Origin.SSO_SYNC, True)
    assert "stale" not in synced.settings and "origin" not in synced.settings


# --- grouping ----------------------------------------------------------------------------------


def test_client_assignment_precedence(isolated):
    isolated.write_aws_config(
        """
        [profile acme-dev]
        region = a
        [profile acme-prod]
        region = a
        [profile acme-listed-elsewhere]
        region = a
        [profile acme-explicit]
        region = a
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.first]
        name = "First"
        match = ["acme-*"]
        [clients.second]
        name = "Second"
        profiles = ["acme-listed-elsewhere", "acme-explicit"]
        match = ["acme-d*"]
        [clients.third]
        name = "Third Client"
        [profiles.acme-explicit]
        client = "third client"
        """
    )
    assert clients_of(load_catalog()) == {
        # explicit `client` (by display name, any case) > listed in `profiles` > first glob
        "first": ["acme-dev", "acme-prod"],
        "second": ["acme-listed-elsewhere"],
        "third": ["acme-explicit"],
    }


def test_unknown_client_reference_is_a_clear_error(isolated):
    isolated.write_xswitch_config(
        """
        [clients.acme]
        [profiles.p]
        client = "acme-typo"
        region = "x"
        """
    )
    with pytest.raises(ConfigError, match=r"profiles\.p\.client is 'acme-typo'.*acme"):
        load_catalog()


def test_derived_groups_for_a_plain_aws_config(isolated):
    isolated.write_aws_config(
        """
        [default]
        region = eu-west-1
        [profile zeta.dev]
        region = a
        [profile globex_prod]
        region = a
        [profile zeta-prod]
        region = a
        [profile globex/dev]
        region = a
        [profile Alpha-one]
        region = a
        [profile alpha-two]
        region = a
        [profile lonely]
        region = a
        [profile shared-account-a]
        role_arn = arn:aws:iam::555555555555:role/A
        source_profile = default
        [profile other-account-b]
        role_arn = arn:aws:iam::555555555555:role/B
        source_profile = default
        """
    )
    catalog = load_catalog()
    assert [(c.key, c.name, c.derived) for c in catalog.clients] == [
        ("555555555555", "555555555555", True),
        ("alpha", "Alpha", True),
        ("globex", "globex", True),
        ("zeta", "zeta", True),
        ("other", "Other", True),
    ]
    assert clients_of(catalog) == {
        "555555555555": ["shared-account-a", "other-account-b"],
        "alpha": ["Alpha-one", "alpha-two"],
        "globex": ["globex_prod", "globex/dev"],
        "zeta": ["zeta.dev", "zeta-prod"],
        "other": ["default", "lonely"],
    }
    # Catalog.profiles is in display order: client by client, file order within a client.
    assert list(catalog.profiles) == [
        name for names in clients_of(catalog).values() for name in names
    ]


def test_configured_clients_first_then_derived_then_other(isolated):
    isolated.write_aws_config(
        """
        [profile b-one]
        region = a
        [profile solo]
        region = a
        [profile b-two]
        region = a
        [profile z-listed]
        region = a
        [profile a-one]
        region = a
        [profile a-two]
        region = a
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.zzz]
        name = "Zed"
        color = "#ff0000"
        prod = true
        notes = "careful"
        tags = ["t"]
        profiles = ["z-listed"]
        [clients.empty]
        name = "Empty"
        [clients.b]
        name = "B configured"
        """
    )
    catalog = load_catalog()
    assert [c.key for c in catalog.clients] == ["zzz", "empty", "b", "a", "other"]
    zed = catalog.client("zzz")
    assert (zed.name, zed.color, zed.prod, zed.notes, zed.tags, zed.derived) == (
        "Zed",
        "#ff0000",
        True,
        "careful",
        ("t",),
        False,
    )
    # A derived group whose key is a configured client's key joins that client.
    assert clients_of(catalog)["b"] == ["b-one", "b-two"]
    assert clients_of(catalog)["other"] == ["solo"]
    assert catalog.profiles_of("empty") == []


def test_example_config_loads(isolated):
    isolated.write_aws_config(
        """
        [profile legacy-admin]
        role_arn = arn:aws:iam::123456789012:role/OldAdmin
        source_profile = lab-keys
        [profile acme-dev]
        role_arn = arn:aws:iam::111111111111:role/Dev
        source_profile = lab-keys
        [profile gx-data]
        region = us-east-1
        """
    )
    isolated.write_xswitch_config(EXAMPLE.read_text())
    catalog = load_catalog()
    assert catalog.settings.session_name == "jane.doe"
    assert catalog.settings.shell == "zsh"
    assert catalog.client("acme").prod is True
    audit = catalog.profiles["acme-audit"]
    assert audit.kind is Kind.ROLE and audit.client == "acme"
    assert (audit.external_id, audit.mfa_serial) == (
        "acme-7f3c",
        "arn:aws:iam::123456789012:mfa/jane",
    )
    assert catalog.profiles["acme-dev"].client == "acme"
    assert catalog.profiles["gx-data"].client == "globex"
    assert catalog.profiles["legacy-admin"].client == "lab"
    assert catalog.profiles["lab-keys"].keyring_name == "lab-user"
    assert "globex" in catalog.sso_sessions


# --- resolve ------------------------------------------------------------------------------------


def test_resolve_by_name_and_client_slash_name(isolated):
    isolated.write_aws_config(
        """
        [profile prod]
        region = a
        [profile acme/odd]
        region = a
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.acme]
        name = "ACME Corp"
        profiles = ["prod", "acme/odd"]
        """
    )
    catalog = load_catalog()
    assert resolve(catalog, "prod").name == "prod"
    assert resolve(catalog, "acme/prod").name == "prod"
    assert resolve(catalog, "ACME CORP/prod").name == "prod"
    assert resolve(catalog, "acme/odd").name == "acme/odd"  # an exact name wins
    assert resolve(catalog, "acme/acme/odd").name == "acme/odd"
    with pytest.raises(UnknownProfile):
        resolve(catalog, "globex/prod")


def test_unknown_profile_suggests_close_names(isolated):
    isolated.write_aws_config(
        """
        [profile acme-prod]
        region = a
        [profile acme-dev]
        region = a
        [profile globex-prod]
        region = a
        """
    )
    catalog = load_catalog()
    with pytest.raises(UnknownProfile) as error:
        resolve(catalog, "acme-prd")
    assert error.value.suggestions[0] == "acme-prod"
    assert 1 <= len(error.value.suggestions) <= 3
    assert "Did you mean 'acme-prod'" in str(error.value)
    with pytest.raises(UnknownProfile) as error:
        resolve(catalog, "ACME-DEV")
    assert error.value.suggestions[0] == "acme-dev"
    with pytest.raises(UnknownProfile) as error:
        resolve(catalog, "qqqqqqqq")
    assert error.value.suggestions == []


# --- errors --------------------------------------------------------------------------------------


def test_malformed_ini_names_file_and_line_without_quoting_it(isolated):
    path = isolated.write_aws_credentials(
        """
        [personal]
        aws_access_key_id = AKIA1
        wJalrXUtnFEMI/pasted-secret-on-its-own-line
        """
    )
    with pytest.raises(ConfigError) as error:
        load_catalog()
    assert error.value.path == str(path) and error.value.line == 3
    assert f"{path}:3:" in str(error.value)
    assert "pasted-secret" not in str(error.value)


def test_duplicate_key_names_the_line(isolated):
    path = isolated.write_aws_config("[profile a]\nregion = x\n\nregion = y\n")
    with pytest.raises(ConfigError) as error:
        load_catalog()
    assert (error.value.path, error.value.line) == (str(path), 4)
    assert "region" in str(error.value)


def test_malformed_toml_names_file_and_line(isolated):
    path = isolated.write_xswitch_config('[settings]\nshell = "zsh"\ntheme = \n')
    with pytest.raises(ConfigError) as error:
        load_catalog()
    assert (error.value.path, error.value.line) == (str(path), 3)


def test_missing_files_are_an_empty_catalog(isolated):
    catalog = load_catalog()
    assert catalog.clients == () and dict(catalog.profiles) == {}


# --- speed ------------------------------------------------------------------------------------


def test_loading_imports_no_aws_sdk_keyring_or_ui(isolated):
    isolated.write_aws_config("[profile a]\nregion = x\n")
    code = (
        "import sys; from xswitch.core.config import load_catalog; load_catalog();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'boto3', 'botocore', 'keyring', 'textual', 'rich'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_ten_thousand_profiles_load(isolated):
    sections = [
        f"[profile client{i % 300}-env{i}]\n"
        f"role_arn = arn:aws:iam::{100000000000 + i % 500}:role/Admin\n"
        "source_profile = base\nregion = eu-west-1\n"
        for i in range(10_000)
    ]
    isolated.write_aws_config("\n".join(sections))
    catalog = load_catalog()  # its speed is measured by bench/, not asserted here
    assert len(catalog.profiles) == 10_000


def test_profiles_built_in_bulk_equal_ordinary_profiles(isolated):
    """The catalog's fast Profile construction gives the same objects as Profile(...) does."""
    from dataclasses import fields

    from xswitch.core.model import Profile

    isolated.aws_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.aws_config.write_text(
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/Ops\nsource_profile = keys\n"
    )
    isolated.aws_credentials.write_text(
        "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = not-shown\n"
    )
    for profile in load_catalog().profiles.values():
        rebuilt = Profile(**{field.name: getattr(profile, field.name) for field in fields(Profile)})
        assert profile == rebuilt and repr(profile) == repr(rebuilt)
        assert profile.static_keys == rebuilt.static_keys
        assert vars(profile) == vars(rebuilt)


def _matches_any(name: str, patterns: list[str]) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def test_first_matching_glob_wins_among_many(isolated):
    """Globs of every shape, across clients, assign each profile like fnmatch tried in order."""
    names = ["a1-x", "a1-y", "b[1]-z", "c?q", "cxq", "x.y", "plain", "Z-up", "*star"]
    isolated.write_aws_config("".join(f"[profile {name}]\nregion = r\n" for name in names))
    globs = {
        "one": ["[!a]*-z", "c?q"],
        "two": ["a1-*", "*q", "b[[]1]*"],
        "three": ["*.*", "[*]*", "a1-y"],
        "four": ["*"],
    }
    isolated.write_xswitch_config(
        "".join(
            f"[clients.{key}]\nmatch = {patterns!r}\n" for key, patterns in globs.items()
        ).replace("'", '"')
    )
    expected: dict[str, list[str]] = {}
    for name in names:
        key = next(k for k, globbed in globs.items() if _matches_any(name, globbed))
        expected.setdefault(key, []).append(name)
    assert clients_of(load_catalog()) == expected
    assert expected["one"] == ["b[1]-z", "c?q", "cxq"]  # the test covers several clients


# --- checks before any AWS call: the file and line they name --------------------------------------


def test_check_chain_names_the_line_of_the_key_else_of_the_header(isolated):
    from xswitch.core.config import check_chain

    isolated.write_aws_credentials("[me]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n")
    path = isolated.write_aws_config(
        "[profile a]\nregion = eu-west-1\n\n"
        "[profile bad]\n"
        "role_arn: arn:aws:iam::111111111111:role/Dev\n"
        "source_profile = me\n"
        "duration_seconds = 60\n"
        "mfa_serial = my phone\n"
    )
    catalog = load_catalog()
    with pytest.raises(ConfigError) as error:
        check_chain(catalog.profiles["bad"], catalog)
    # The checks run in a fixed order: the duration (line 7) before the MFA serial.
    assert (error.value.path, error.value.line) == (str(path), 7)
    assert "duration_seconds" in str(error.value)
    path.write_text("[profile a]\nregion = eu-west-1\n\n[profile bad]\nregion = eu-west-1\n")
    catalog = load_catalog()
    with pytest.raises(ConfigError) as error:
        check_chain(catalog.profiles["bad"], catalog)
    assert "no credentials of its own" in str(error.value)
    assert (error.value.path, error.value.line) == (str(path), 4)  # no key: the header's line


def test_check_chain_names_the_config_toml_line_of_an_xswitch_profile(isolated):
    from xswitch.core.config import check_chain

    path = isolated.write_xswitch_config(
        '[settings]\nshell = "bash"\n\n[profiles.mine]\nkeys = "mine"\nregion = "eu west"\n'
    )
    catalog = load_catalog()
    with pytest.raises(ConfigError) as error:
        check_chain(catalog.profiles["mine"], catalog)
    assert (error.value.path, error.value.line) == (str(path), 6)
