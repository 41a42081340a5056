"""Property-based tests: whatever is in xswitch's cache files and whatever a server answers,
xswitch explains instead of crashing, exits 1 (AWS/credentials) or 2 (configuration), finishes,
and never prints credentials that are already expired.

The commands run in-process (`xswitch.cli.main`) for speed, in the isolated home of the test;
STS and the SSO services are one local server (AWS_ENDPOINT_URL) whose answer each case sets.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile_http import HostileServer, assume_role_xml, http_date, iso, role_credentials_json
from xswitch.cli import main
from xswitch.core.model import SsoSession
from xswitch.core.sso.tokens import SsoToken, TokenCache

START_URL = "https://fuzz.awsapps.com/start"
REGION = "eu-west-1"
SESSION = SsoSession("fuzz", START_URL, REGION)
CONFIG = f"""
[profile me]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile dev]
role_arn = arn:aws:iam::111111111111:role/Developer
source_profile = me
region = {REGION}

[sso-session fuzz]
sso_start_url = {START_URL}
sso_region = {REGION}

[profile sso]
sso_session = fuzz
sso_account_id = 111111111111
sso_role_name = Admin
"""
CREDENTIAL_PROCESS_PROMISE = timedelta(minutes=15)
HUGE = b"<huge/>"  # stands for a 5 MB body (generated at serving time, to keep reports short)
FUZZ = settings(
    max_examples=int(os.environ.get("XSWITCH_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture
def world(isolated, monkeypatch):
    """The configuration, a valid SSO login in the cache, and the local server."""
    isolated.write_aws_config(CONFIG)
    isolated.write_xswitch_config("[settings]\nnetwork_timeout = 1\n")
    monkeypatch.setenv("XSWITCH_NO_BROWSER", "1")
    monkeypatch.delenv("XSWITCH_DEBUG", raising=False)
    with HostileServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


def valid_answers(server: HostileServer) -> None:
    """A well-behaved STS and SSO portal."""
    sts = server.answer(200, assume_role_xml(), {"Date": http_date()})
    sso = server.answer(200, role_credentials_json(), {"Date": http_date()})
    server.behave = lambda sock, request: (sso if b"/federation/" in request else sts)(
        sock, request
    )


def good_token() -> SsoToken:
    return SsoToken(START_URL, REGION, "fuzz-access-token", datetime.now(UTC) + timedelta(hours=8))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def check(argv: tuple[str, ...], code: int, out: str, err: str, *, config_ok: bool = True) -> None:
    """The properties every run must have."""
    assert "Traceback" not in err, (argv, err)
    assert "unexpected internal error" not in err, (argv, err)
    assert code in ((0, 1) if config_ok else (0, 1, 2)), (argv, code, err)
    if code != 0:
        assert out == "", (argv, out)
        assert err.strip(), argv  # a failure always says something
        return
    now = datetime.now(UTC)
    if argv[0] == "credential-process":
        document = json.loads(out)
        expiration = datetime.fromisoformat(document["Expiration"].replace("Z", "+00:00"))
        assert expiration > now + CREDENTIAL_PROCESS_PROMISE, (argv, out)
    elif argv[0] == "export":
        found = re.search(r"AWS_CREDENTIAL_EXPIRATION=['\"]?([0-9T:Z-]+)", out)
        assert found, out
        expiration = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
        assert expiration > now, (argv, out)


def reset(home: Path, template: Path) -> None:
    """Put the cache directories back to the template's state."""
    for relative in (".cache/xswitch", ".aws/sso"):
        shutil.rmtree(home / relative, ignore_errors=True)
        if (template / relative).exists():
            shutil.copytree(template / relative, home / relative)


# --- strategies ---------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "2099-01-01T00:00:00Z",
            "2000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "soon",
            "",
            "\x00",
            "ASIA\x1b[31m",
            "\u202e",
        ]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def mutated(document: dict) -> st.SearchStrategy[bytes]:
    """`document` with some keys replaced by any JSON value, dropped, or the whole text cut."""
    text = json.dumps(document)
    replaced = st.fixed_dictionaries({}, optional={key: json_values for key in document}).map(
        lambda changes: json.dumps({**document, **changes}).encode()
    )
    dropped = st.sets(st.sampled_from(sorted(document))).map(
        lambda keys: json.dumps({k: v for k, v in document.items() if k not in keys}).encode()
    )
    cut = st.integers(0, len(text)).map(lambda n: text[:n].encode())
    return st.one_of(replaced, dropped, cut)


def file_contents(document: dict) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated(document),
        st.binary(max_size=300),
        st.integers(1, 200_000).map(lambda depth: b"[" * depth + b"]" * depth),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    )


# --- cache files ---------------------------------------------------------------------------


@pytest.fixture
def primed(world, isolated, tmp_path):
    """A session for `dev` and `sso`, their pointers and an SSO token file, kept as a template."""
    valid_answers(world)
    TokenCache().save_token(SESSION, good_token())
    for profile in ("dev", "sso"):
        code, _, err = run("export", profile)
        assert code == 0, err
    template = tmp_path / "template"
    for relative in (".cache/xswitch", ".aws/sso"):
        shutil.copytree(isolated.root / relative, template / relative)
    return template


def cache_files(home: Path) -> list[Path]:
    found = sorted((home / ".cache/xswitch/sessions").glob("*.json"))
    found += sorted((home / ".cache/xswitch/hot").glob("*.json"))
    found += sorted((home / ".aws/sso/cache").glob("*.json"))
    return found


@FUZZ
@given(data=st.data())
def test_damaged_cache_files_never_crash_or_hand_out_expired_credentials(
    data, world, isolated, primed, fuzz_counter
):
    reset(isolated.root, primed)
    files = cache_files(isolated.root)
    targets = data.draw(st.sets(st.sampled_from(files), min_size=1, max_size=3), label="files")
    for path in targets:
        original = json.loads(path.read_text())
        path.write_bytes(data.draw(file_contents(original), label=path.parent.name))
    for argv in (
        ("export", "dev"),
        ("credential-process", "dev"),
        ("export", "sso"),
        ("credential-process", "sso"),
        ("list",),
        ("logout", "--all"),
    ):
        code, out, err = run(*argv)
        check(argv, code, out, err)
        if argv[-1] != "sso":  # only a damaged SSO login needs the person (exit 1)
            assert code == 0, (argv, err)
    fuzz_counter("cache files")


# --- server answers ------------------------------------------------------------------------

# Mostly 200 (the interesting bodies); server errors are retried with back-off, so they are rarer.
statuses = st.sampled_from([200] * 12 + [400, 403, 404, 302, 204, 500, 503])
dates = st.one_of(
    st.none(),
    st.just(http_date()),
    st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)).map(
        lambda shift: http_date(datetime.now(UTC) + shift)
    ),
    st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=30),
)
expirations = st.one_of(
    st.timedeltas(min_value=timedelta(days=-2), max_value=timedelta(days=2)).map(
        lambda shift: iso(datetime.now(UTC) + shift)
    ),
    st.text(max_size=25).filter(lambda t: "<" not in t and "&" not in t),
)


def sts_bodies() -> st.SearchStrategy[bytes]:
    valid = expirations.map(lambda expiration: assume_role_xml(expiration))
    return st.one_of(
        valid,
        valid.flatmap(lambda body: st.integers(0, len(body)).map(lambda n: body[:n])),
        st.binary(max_size=400),
        st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.just(HUGE),
        st.just(assume_role_xml(credentials="")),
        st.just(assume_role_xml(key_id="ASIA&#10;BAD")),
    )


def sso_bodies() -> st.SearchStrategy[bytes]:
    fields = {
        "accessKeyId": "ASIAFUZZ",
        "secretAccessKey": "s" * 40,
        "sessionToken": "t",
        "expiration": int((datetime.now(UTC) + timedelta(hours=1)).timestamp() * 1000),
    }
    return st.one_of(
        mutated(fields).map(lambda body: b'{"roleCredentials": ' + body + b"}"),
        st.integers(-(10**15), 10**15).map(lambda ms: role_credentials_json(ms)),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=400),
        st.integers(1, 200_000).map(lambda depth: b"[" * depth),
    )


@FUZZ
@given(
    argv=st.sampled_from(
        [
            ("export", "dev"),
            ("credential-process", "dev"),
            ("export", "sso"),
            ("credential-process", "sso"),
        ]
    ),
    status=statuses,
    date=dates,
    content_type=st.sampled_from(["text/xml", "application/json", "text/html", "\x7f"]),
    sts_body=sts_bodies(),
    sso_body=sso_bodies(),
)
def test_any_server_answer_is_explained_and_never_hands_out_expired_credentials(
    argv, status, date, content_type, sts_body, sso_body, world, isolated, fuzz_counter
):
    shutil.rmtree(isolated.root / ".cache" / "xswitch", ignore_errors=True)
    TokenCache().save_token(SESSION, good_token())
    if sts_body == HUGE:
        sts_body = b"<a>" + b"x" * (5 * 1024 * 1024) + b"</a>"
    headers = {"Content-Type": content_type}
    if date is not None:
        headers["Date"] = date
    sts = world.answer(status, sts_body, headers)
    sso = world.answer(status, sso_body, headers)
    world.behave = lambda sock, request: (sso if b"/federation/" in request else sts)(sock, request)
    check(argv, *run(*argv))
    fuzz_counter("server answers")
