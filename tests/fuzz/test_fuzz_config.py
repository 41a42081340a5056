"""Property: no configuration, however broken or hostile, makes xswitch crash, hang or spill raw
control characters onto the terminal.

Hypothesis writes ~/.aws/config, ~/.aws/credentials and config.toml (odd sections, unicode, control
characters, huge and non-ASCII numbers, deep nesting, duplicate keys, invalid TOML, hostile names)
and runs the real commands through `xswitch.cli.main` in an isolated home; a few examples also
run the installed command in a subprocess. AWS is a closed port: nothing can succeed over the
network, so exit 1 is only acceptable where credentials were really needed (`export`).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xswitch.cli import main
from xswitch.core.text import has_unsafe

# --- building blocks ------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "$(touch pwned)",
    "`id`",
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\x9b31m",
    "\u202e",
    "\u2028",
    "\x00",
    "\x7f",
    "[red]x[/]",
    "'\"",
    "*?[x]",
    " ",
    "\t",
    "²",
    "①",
    "١٢",
    "é",
    "🙂",
]
KEYS = [
    "region",
    "role_arn",
    "source_profile",
    "duration_seconds",
    "external_id",
    "role_session_name",
    "mfa_serial",
    "credential_source",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "mfa_mode",
    "s3",
]
NAMES = ["dev", "prod", "default", "me", "p1", "a/b", "x y"]


def fragments(base: list[str]) -> st.SearchStrategy[str]:
    """Short texts mixing plain words, hostile pieces and arbitrary characters."""
    piece = st.one_of(
        st.sampled_from(base),
        st.sampled_from(HOSTILE_TEXT),
        st.text(min_size=0, max_size=6),
    )
    return st.lists(piece, min_size=1, max_size=3).map("".join)


names = fragments(NAMES)
values = st.one_of(
    fragments(["eu-west-1", "arn:aws:iam::111111111111:role/R", "me", "Environment", "direct"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["900", "3600", "43200", "9" * 5000, "", "1e3", "0x10"]),
)


@st.composite
def ini_files(draw: st.DrawFn, credentials: bool = False) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(names)
        header = draw(
            st.sampled_from(
                [
                    "[{}]",
                    "[profile {}]",
                    "[sso-session {}]",
                    "[profile '{}']",
                    "[{}",
                    "[services {}]",
                ]
            )
        )
        lines.append(header.format(name) if not credentials else f"[{name}]")
        for _ in range(draw(st.integers(0, 5))):
            key = draw(st.one_of(st.sampled_from(KEYS), fragments(KEYS)))
            indent = draw(st.sampled_from(["", "", "", "  "]))
            separator = draw(st.sampled_from([" = ", "=", ": ", " "]))
            lines.append(f"{indent}{key}{separator}{draw(values)}")
        if draw(st.booleans()):
            lines.append(
                draw(st.sampled_from(["", "# comment", "; comment", "garbage", "  x = 1"]))
            )
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


toml_scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(HOSTILE_TEXT),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def toml_files(draw: st.DrawFn) -> str:
    """Mostly well-formed TOML with xswitch's tables (written by tomli-w), sometimes broken text."""
    kind = draw(st.sampled_from(["structured", "structured", "structured", "deep", "raw"]))
    if kind == "deep":
        depth = draw(st.integers(1, 200_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a=", "}")]))
        return f"x = {opener * depth}{closer * depth}\n"
    if kind == "raw":
        return draw(st.text(max_size=200))
    import tomli_w

    table_keys = [*KEYS, "client", "tags", "keys", "stale", "origin", "name", "prod", "match"]
    table = st.dictionaries(st.one_of(st.sampled_from(table_keys), names), toml_values, max_size=4)
    doc = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "settings": st.dictionaries(
                    st.sampled_from(["shell", "refresh_margin", "cache", "session_name", "x"]),
                    toml_values,
                    max_size=3,
                ),
                "clients": st.dictionaries(names, table, max_size=3),
                "profiles": st.dictionaries(names, table, max_size=4),
                "sso-sessions": st.dictionaries(names, table, max_size=2),
            },
        )
    )
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        return "broken = [\n"
    if draw(st.booleans()):
        text += draw(st.sampled_from(["\n[settings]\nshell = 'zsh'\n", "\nx = 1\nx = 2\n", "\n["]))
    return text


# --- running the commands -------------------------------------------------------------------------


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def world(isolated, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port())
    monkeypatch.setenv("XSWITCH_MFA_CODE", "123456")
    monkeypatch.chdir(isolated.root)
    return isolated


def write(home, config: str, credentials: str, toml: str) -> None:
    for path, text in (
        (home.aws_config, config),
        (home.aws_credentials, credentials),
        (home.xswitch_config, toml),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass", newline="")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def check(argv: tuple[str, ...], code: int, out: str, err: str, allowed: set[int]) -> None:
    where = f"xswitch {' '.join(map(repr, argv))} -> {code}\n{err[-1500:]}"
    assert code in allowed, where
    assert "Traceback" not in err, where
    assert "internal error" not in err, where
    for line in (out + err).splitlines():
        assert not has_unsafe(line), f"raw control character: {line!r}\n{where}"


def profile_to_try(config: str, toml: str, name: str) -> str:
    """A name likely to exist: the drawn one, or the first header of the config."""
    for line in config.splitlines():
        if line.startswith("[profile ") and line.endswith("]"):
            return line[len("[profile ") : -1]
    return name


# About ten seconds here; XSWITCH_FUZZ_EXAMPLES=1000 for a longer hunt.
@settings(
    max_examples=int(os.environ.get("XSWITCH_FUZZ_EXAMPLES", "120")),
    deadline=20_000,  # a bound against hangs, not a speed check
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(config=ini_files(), credentials=ini_files(credentials=True), toml=toml_files(), name=names)
def test_commands_survive_any_configuration(world, fuzz_counter, config, credentials, toml, name):
    fuzz_counter("config")
    write(world, config, credentials, toml)
    profile = profile_to_try(config, toml, name)
    for argv, allowed in (
        (("list",), {0, 2}),
        (("list", "--json"), {0, 2}),
        (("_profiles",), {0}),
        (("export", profile), {0, 1, 2}),
        (("logout", "--all"), {0, 2}),
    ):
        code, out, err = run(*argv)
        check(argv, code, out, err, allowed)
        if argv == ("list", "--json") and code == 0:
            import json

            json.loads(out)  # exact JSON, whatever the names hold


@settings(
    max_examples=6,
    deadline=60_000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(config=ini_files(), toml=toml_files())
def test_the_installed_command_survives_too(world, fuzz_counter, config, toml):
    fuzz_counter("subprocess")
    write(world, config, "", toml)
    for argv in (("list",), ("_profiles",)):
        result = subprocess.run(
            [sys.executable, "-m", "xswitch", *argv],
            capture_output=True,
            text=True,
            errors="replace",
            env=dict(os.environ),
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        check(argv, result.returncode, result.stdout, result.stderr, {0, 2})
    assert not list(Path(world.root).glob("pwned*"))
