"""xswitch must see the AWS files exactly as botocore does: same profiles, settings and errors.

Each case is parsed twice, by `load_catalog` and by botocore's own Session, and the results are
compared; generated files extend the hand-written corpus.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xswitch.core.config import awsfiles, load_catalog
from xswitch.core.config.settings import SECRET_PROFILE_KEYS
from xswitch.core.errors import ConfigError

CASES = {
    "quoted names": """
        [profile "my client"]
        region = eu-west-1
        [profile 'single quoted']
        region = eu-west-2
        [profile   spaced    ]
        region = us-east-1
        [profile a b]
        region = ignored-three-words
        [profile]
        region = ignored-no-name
        [profile "unterminated]
        region = ignored-bad-quote
    """,
    "default in both files, credentials win": (
        """
        [default]
        region = eu-west-1
        output = json
        """,
        """
        [default]
        region = us-west-2
        aws_access_key_id = AKIAEXAMPLE
        aws_secret_access_key = secret/with+chars
        """,
    ),
    "profile default and default section": """
        [default]
        region = first
        [profile default]
        output = text
    """,
    "roles in the credentials file": (
        """
        [profile base]
        region = eu-west-1
        """,
        """
        [base]
        aws_access_key_id = AKIABASE
        aws_secret_access_key = s3cr3t
        [role-only-in-credentials]
        role_arn = arn:aws:iam::123456789012:role/Admin
        source_profile = base
        [profile literal]
        region = kept-as-bare-name
        """,
    ),
    "sso sessions and legacy sso": """
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        sso_registration_scopes = sso:account:access
        [profile new-style]
        sso_session = corp
        sso_account_id = 111111111111
        sso_role_name = Admin
        [profile old-style]
        sso_start_url = https://old.awsapps.com/start
        sso_region = eu-west-1
        sso_account_id = 222222222222
        sso_role_name = ReadOnly
        [services my-services]
        s3 =
          endpoint_url = http://localhost:4566
        [plugins]
        foo = bar
    """,
    "nested sub-sections": """
        [profile nested]
        region = eu-west-1
        s3 =
          max_concurrent_requests = 10
          addressing_style = path

          signature_version = s3v4
        cli_history = enabled
    """,
    "inline hash and semicolon kept": """
        [profile comments]
        region = eu-west-1 # not a comment
        output = json ; neither is this
        # a real comment
        ; another real comment
        external_id = abc#def
    """,
    "option case and colon delimiter": """
        [profile Case]
        Region = eu-west-1
        ROLE_ARN: arn:aws:iam::123456789012:role/X
        Source_Profile=Case
    """,
    "whitespace oddities": "\n".join(
        [
            "[profile ws]",
            "region    =    eu-west-1   ",
            "\tmfa_serial=arn:aws:iam::123456789012:mfa/me",
            "empty =",
            "multi = first",
            "  second",
            "",
            "  third",
            "[ profile spaced-header ]",
            "region = header-with-inner-spaces",
        ]
    ),
    "unicode names": """
        [profile café-prod]
        region = eu-west-3
        [profile "日本 dev"]
        region = ap-northeast-1
        [profile ünïcödé]
        description = ÄÖÜ ß
    """,
    "DEFAULT section applies to every profile": """
        [DEFAULT]
        region = from-defaults
        [profile one]
        output = json
        [profile two]
        region = own
    """,
    "prefix tests, not words": """
        [profilex name]
        region = botocore-takes-this
        [sso-sessionfoo bar]
        sso_start_url = https://x
        [defaults]
        region = not-a-profile
    """,
}


def _files(case: str | tuple[str, str]) -> tuple[str, str]:
    config, credentials = (case, "") if isinstance(case, str) else case
    return textwrap.dedent(config).lstrip(), textwrap.dedent(credentials).lstrip()


def botocore_profiles() -> dict[str, dict]:
    import botocore.session

    return botocore.session.Session().full_config["profiles"]


def botocore_sso_sessions() -> dict[str, dict]:
    import botocore.session

    return botocore.session.Session().full_config.get("sso_sessions", {})


def flattened(values: dict) -> dict[str, str]:
    """botocore's view of a profile in xswitch's shape: nested blocks flat, secrets removed."""
    flat: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": inner_value for inner, inner_value in value.items()})
        elif key not in SECRET_PROFILE_KEYS:
            flat[key] = value
    return flat


def assert_same_as_botocore() -> None:
    expected = botocore_profiles()
    catalog = load_catalog()
    aws_profiles = {name: p for name, p in catalog.profiles.items()}
    assert set(aws_profiles) == set(expected)
    for name, values in expected.items():
        profile = aws_profiles[name]
        assert dict(profile.settings) == flattened(values), name
        if values.get("aws_access_key_id") and values.get("aws_secret_access_key"):
            assert profile.static_keys is not None
            assert profile.static_keys.secret_access_key == values["aws_secret_access_key"]
    for name, values in botocore_sso_sessions().items():
        assert catalog.sso_sessions[name].start_url == values.get("sso_start_url", "")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hand_written_configs_match_botocore(isolated, case):
    config, credentials = _files(CASES[case])
    isolated.aws_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.aws_config.write_text(config)
    if credentials:
        isolated.aws_credentials.write_text(credentials)
    assert_same_as_botocore()


def test_profile_order_follows_the_files_like_botocore(isolated):
    isolated.write_aws_config(
        """
        [profile zeta]
        region = a
        [profile alpha]
        region = b
        """
    )
    isolated.write_aws_credentials(
        """
        [only-in-credentials]
        aws_access_key_id = AKIA1
        aws_secret_access_key = x
        [alpha]
        aws_access_key_id = AKIA2
        aws_secret_access_key = y
        """
    )
    # All in the "Other" group, so display order is file order.
    assert list(load_catalog().profiles) == list(botocore_profiles())


@pytest.mark.parametrize(
    "text",
    [
        "[profile a]\nregion = x\nregion = y\n",
        "[profile a]\nregion = x\n[profile a]\nregion = y\n",
        "region = x\n[profile a]\n",
        "[profile a]\njust some words\n",
        "[profile a]\n= value without a key\n",
        "[profile a]\nkey =\n  not a nested pair\n",
        "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n",
    ],
    ids=["dup-key", "dup-section", "no-header", "no-delimiter", "no-key", "bad-nested", "dup-def"],
)
def test_files_botocore_refuses_are_refused(isolated, text):
    import botocore.exceptions

    isolated.aws_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.aws_config.write_text(text)
    with pytest.raises(botocore.exceptions.BotoCoreError):
        botocore_profiles()
    with pytest.raises(ConfigError) as error:
        load_catalog()
    assert str(isolated.aws_config) in str(error.value)


# --- generated files ------------------------------------------------------------------------------

# The isolated home is reset per test, not per example: each example overwrites every file it uses.
_FIXTURE_OK = [HealthCheck.function_scoped_fixture]
_names = st.text(alphabet=st.sampled_from("abcXYZ019-_. é\"'\\\t#;"), min_size=0, max_size=8)
_keys = st.sampled_from(
    [
        "region",
        "Region",
        "output",
        "role_arn",
        "source_profile",
        "aws_access_key_id",
        "aws_secret_access_key",
        "s3",
        "x",
        "MIXED_Case",
        "a b",
    ]
)
_values = st.text(alphabet=st.sampled_from("ab1 =:#;\t[]é"), max_size=10)
_headers = st.one_of(
    st.builds(lambda n: f"[profile {n}]", _names),
    st.builds(lambda n: f"[sso-session {n}]", _names),
    st.just("[default]"),
    st.just("[DEFAULT]"),
    st.builds(lambda n: f"[{n}]", _names),
)
_lines = st.one_of(
    _headers,
    st.builds(
        lambda k, sep, v: f"{k}{sep}{v}", _keys, st.sampled_from(["=", " = ", ":", " : "]), _values
    ),
    st.builds(lambda k, v: f"  {k} = {v}", _keys, _values),  # continuation or nested pair
    st.sampled_from(["", "   ", "# comment", "; comment", "  # indented comment", "s3 =", "junk"]),
)
_ini = st.lists(_lines, max_size=14).map(lambda lines: "\n".join(lines) + "\n")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(config=_ini, credentials=_ini)
def test_generated_files_match_botocore(isolated, config, credentials):
    import botocore.exceptions

    isolated.aws_config.parent.mkdir(parents=True, exist_ok=True)
    isolated.aws_config.write_text(config)
    isolated.aws_credentials.write_text(credentials)
    try:
        expected = botocore_profiles()
    except botocore.exceptions.BotoCoreError:
        with pytest.raises(ConfigError):
            load_catalog()
        return
    assert_same_as_botocore()
    assert set(load_catalog().profiles) == set(expected)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200) | _ini)
def test_reader_equals_configparser(text):
    """The fast reader gives RawConfigParser's sections, values and error kinds on any text."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source="x")
        expected: dict | type = {
            section: {option: parser.get(section, option) for option in parser.options(section)}
            for section in parser.sections()
        }
    except configparser.Error as error:
        expected = type(error)
    # read_string does not translate newlines the way reading a text file does: compare on
    # text that has only "\n" line ends, as a file read in text mode would.
    if "\r" in text:
        return
    try:
        actual: dict | type = awsfiles._IniParser("x").parse(text)
    except configparser.Error as error:
        actual = type(error)
    assert actual == expected


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_config_errors(isolated, data):
    for path in (isolated.aws_config, isolated.aws_credentials, isolated.xswitch_config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        with contextlib.suppress(ConfigError):
            load_catalog()
        path.unlink()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "[settings]",
                "[clients.a]",
                "[profiles.p]",
                "[sso-sessions.s]",
                "[other]",
                'name = "x"',
                "prod = true",
                "prod = 1",
                "refresh_margin = 60",
                'refresh_margin = "a"',
                'shell = "fish"',
                'tags = ["a"]',
                "tags = [1]",
                "match = 3",
                'client = "a"',
                "x = 1.5",
                'aws_secret_access_key = "s"',
                "stale = true",
                "= =",
                "[[clients]]",
                "a.b = 1",
            ]
        ),
        max_size=8,
    )
)
def test_generated_toml_raises_only_config_errors(isolated, lines):
    isolated.write_xswitch_config("\n".join(lines) + "\n")
    with contextlib.suppress(ConfigError):
        load_catalog()


def test_environment_paths_are_expanded(isolated, monkeypatch):
    target = isolated.root / "elsewhere" / "cfg"
    target.parent.mkdir()
    target.write_text("[profile moved]\nregion = eu-west-1\n")
    monkeypatch.setenv("XS_TEST_DIR", str(target.parent))
    monkeypatch.setenv("AWS_CONFIG_FILE", "$XS_TEST_DIR/cfg")
    assert "moved" in load_catalog(os.environ).profiles
    assert "moved" in botocore_profiles()
    assert Path(os.path.expandvars("$XS_TEST_DIR/cfg")) == target


# --- the plain-file reader ------------------------------------------------------------------------

_plain_names = st.text(alphabet=st.sampled_from("abX09-_. \"'\\\t#;[]"), min_size=0, max_size=8)
_plain_values = st.text(alphabet=st.sampled_from("ab1 =:#;\t[]\f"), max_size=10)
_plain_lines = st.one_of(
    st.builds(lambda n, t: f"[profile {n}]{t}", _plain_names, st.sampled_from(["", " ", "\t"])),
    st.builds(lambda n: f"[{n}]", _plain_names),
    st.sampled_from(["[default]", "[DEFAULT]", "[]", "[x] junk", "[a]]", "[[a]"]),
    st.builds(
        lambda k, sep, v, t: f"{k}{sep}{v}{t}",
        _keys,
        st.sampled_from(["=", " = ", ":", " : ", "\t=\t", "=:", ":="]),
        _plain_values,
        st.sampled_from(["", " ", "\t "]),
    ),
    st.builds(lambda k, v: f"  {k} = {v}", _keys, _plain_values),
    st.sampled_from(["", "   ", "\t", "# c", "; c", "  # c", "\t; c", "s3 =", "junk", "= v", "#"]),
)
_plain_ini = st.lists(_plain_lines, max_size=14).map("\n".join) | st.lists(
    _plain_lines, max_size=14
).map(lambda lines: "\n".join(lines) + "\n")


@settings(max_examples=500, deadline=None)
@given(text=_plain_ini | _ini)
def test_plain_file_reader_equals_configparser_or_declines(text):
    """The one-pass reader either gives exactly RawConfigParser's sections or leaves the file to
    the exact reader (which then reports any error with its line number)."""
    simple = awsfiles._simple_ini(text)
    if simple is None:
        return
    parser = configparser.RawConfigParser()
    parser.read_string(text, source="x")  # raises if the reader accepted a bad file
    assert simple == {
        section: {option: parser.get(section, option) for option in parser.options(section)}
        for section in parser.sections()
    }


def test_plain_file_reader_takes_ordinary_files():
    url = "https://example.awsapps.com/start # kept, like botocore"
    lines = [
        "# a comment",
        "[default]",
        "region = eu-west-1",
        "",
        "[profile dev]",
        "role_arn=arn:aws:iam::123456789012:role/Dev",
        "source_profile : default",
        "  ; an indented comment",
        "[sso-session corp]   ",
        f"sso_start_url = {url}",
    ]
    assert awsfiles._simple_ini("\n".join(lines) + "\n") == {
        "default": {"region": "eu-west-1"},
        "profile dev": {
            "role_arn": "arn:aws:iam::123456789012:role/Dev",
            "source_profile": "default",
        },
        "sso-session corp": {"sso_start_url": url},
    }
    # Anything unusual is left to the exact reader.
    assert awsfiles._simple_ini("[a]\nkey = v\n  continued\n") is None
    assert awsfiles._simple_ini("[a]\nx = 1\n[a]\n") is None
    assert awsfiles._simple_ini("[é]\nx = 1\n") is None
