"""Escape sequences in names, settings and AWS answers never reach the terminal raw.

Each test runs the real `xswitch` in a subprocess with an isolated home and checks what it printed:
control characters shown as `\\x1b`-style escapes, `--json` output exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xswitch.core.text import has_unsafe, visible

# An OSC title change, a bell, an 8-bit CSI, a bidi override and a line separator.
EVIL = "ev\x1b]0;pwned\x07il\x9b2J\u202e\u2028x"
KEYS = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n" + (
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def xswitch(*args: str, input: str | None = None, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        input=input,
        env=env or dict(os.environ),
        timeout=60,
    )


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        for line in stream.splitlines():
            assert not has_unsafe(line), repr(line)
    assert "Traceback" not in result.stderr


@pytest.fixture
def evil(isolated):
    isolated.write_aws_credentials("[me]\n" + KEYS)
    isolated.write_aws_config(
        f"""
        [profile {EVIL}]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1
        """
    )
    isolated.write_xswitch_config(
        """
        [clients.evil]
        name = "Client\\u001b[31m"
        match = ["ev*"]
        """
    )
    return isolated


def test_list_escapes_names_and_json_stays_exact(evil):
    table = xswitch("list")
    assert table.returncode == 0, table.stderr
    assert_clean(table)
    assert visible(EVIL) in table.stdout
    assert "Client\\x1b[31m" in table.stdout
    rows = json.loads(xswitch("list", "--json").stdout)
    assert {row["profile"] for row in rows} == {"me", EVIL}
    assert {row["client"] for row in rows} >= {"Client\x1b[31m"}


def test_errors_quoting_names_escape_them(evil):
    unknown = xswitch("export", "nope\x1b]0;t\x07")
    assert unknown.returncode == 2
    assert_clean(unknown)
    assert "nope\\x1b]0;t\\x07" in unknown.stderr
    evil.aws_config.write_text(f"[profile {EVIL}]\nregion = a\n[profile {EVIL}]\nregion = b\n")
    duplicate = xswitch("list")
    assert duplicate.returncode == 2
    assert_clean(duplicate)
    assert "appears twice" in duplicate.stderr and visible(EVIL) in duplicate.stderr


def test_login_and_logout_messages_escape_names(evil, moto):
    login = xswitch("login", EVIL)
    assert login.returncode == 0, login.stderr
    assert_clean(login)
    logout = xswitch("logout", "--all")
    assert logout.returncode == 0
    assert_clean(logout)
    assert visible(EVIL) in logout.stderr


def test_exec_subshell_line_escapes_names(evil, moto):
    env = dict(os.environ, SHELL="/bin/sh")
    result = xswitch("exec", EVIL, input="exit 0\n", env=env)
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert f"Entering a subshell for Client\\x1b[31m/{visible(EVIL)}" in result.stderr


class HostileSts:
    """Answers GetCallerIdentity with an ARN holding an 8-bit CSI and a bidi override."""

    ARN = "arn:aws:sts::111111111111:assumed-role/R/s\x9b2J\u202e"

    def __init__(self) -> None:
        arn = self.ARN

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = (
                    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                    f"<GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDA</UserId>"
                    "<Account>111111111111</Account></GetCallerIdentityResult>"
                    "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
                    "</GetCallerIdentityResponse>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def test_whoami_escapes_the_arn_from_the_server(isolated, monkeypatch):
    isolated.write_aws_credentials("[me]\n" + KEYS)
    sts = HostileSts()
    thread = threading.Thread(target=sts.server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", sts.url)
        result = xswitch("whoami", "me")
        as_json = xswitch("whoami", "me", "--json")
    finally:
        sts.server.shutdown()
        sts.server.server_close()
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert visible(HostileSts.ARN) in result.stdout
    assert json.loads(as_json.stdout)["arn"] == HostileSts.ARN


def test_keys_list_escapes_names(isolated):
    stored = xswitch(
        "keys", "add", "k\x1b]0;t\x07", "--stdin", input="AKIAIOSFODNN7EXAMPLE\n" + "s" * 40 + "\n"
    )
    assert stored.returncode == 0, stored.stderr
    assert_clean(stored)
    listed = xswitch("keys", "list")
    assert listed.returncode == 0
    assert_clean(listed)
    assert "k\\x1b]0;t\\x07" in listed.stdout


def test_list_escapes_the_names_in_mfa_session_lines(isolated, moto):
    source = "src\x1b]0;t\x07"
    isolated.write_aws_credentials(f"[{source}]\n" + KEYS)
    isolated.write_aws_config(
        f"""
        [profile r]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = {source}
        mfa_serial = arn:aws:iam::111111111111:mfa/me
        """
    )
    login = xswitch("login", "r", "--mfa-code", "123456")
    assert login.returncode == 0, login.stderr
    listed = xswitch("list")
    assert listed.returncode == 0, listed.stderr
    assert_clean(listed)
    assert "MFA sessions" in listed.stdout and "src\\x1b]0;t\\x07" in listed.stdout
