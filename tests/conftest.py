"""Shared fixtures: an isolated home for every test, a local STS/IAM (moto server), config writers.

No test touches the real ~/.aws, the real xswitch config or the real keyring: the `isolated` fixture
(autouse) points HOME, the XDG directories, the AWS file variables and the keyring backend at a
temporary directory.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Variables that could leak the developer's real AWS identity or settings into a test.
_LEAKY = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "XSWITCH_PROFILE",
    "XSWITCH_CLIENT",
    "XSWITCH_MFA_CODE",
    "XSWITCH_CONFIG",
    "XSWITCH_KEYRING_PASSPHRASE",
    "XSWITCH_KEYRING_BACKEND",
    "NO_COLOR",
    # Where the clipboard goes (a display's, tmux's): the same for every test wherever it runs.
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "TMUX",
    "TMUX_PANE",
    "STY",
)


@dataclass
class Home:
    """The temporary home of one test, with writers for the files xswitch reads."""

    root: Path

    @property
    def aws_config(self) -> Path:
        return self.root / ".aws" / "config"

    @property
    def aws_credentials(self) -> Path:
        return self.root / ".aws" / "credentials"

    @property
    def xswitch_config(self) -> Path:
        return self.root / ".config" / "xswitch" / "config.toml"

    def write_aws_config(self, text: str) -> Path:
        return _write(self.aws_config, text)

    def write_aws_credentials(self, text: str) -> Path:
        return _write(self.aws_credentials, text)

    def write_xswitch_config(self, text: str) -> Path:
        return _write(self.xswitch_config, text)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    root = tmp_path / "home"
    root.mkdir()
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(root))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(root / ".local" / "state"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(root / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(root / ".aws" / "credentials"))
    # A real keyring backend, isolated in the temporary XDG_DATA_HOME.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The agent of this test only (its socket moves under /tmp when this path is too long).
    runtime = root / ".run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield Home(root)
    import contextlib

    from xswitch.core import agentlink

    with contextlib.suppress(agentlink.AgentError):
        agentlink.stop(os.environ)  # an agent a test started ends with it


@dataclass
class Moto:
    """A moto server speaking the real STS/IAM wire protocol on 127.0.0.1."""

    url: str

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST"))

    def enforce_auth(self, enabled: bool = True) -> None:
        """Switch moto's IAM authentication on (or off): unknown keys and missing rights fail."""
        import urllib.request

        # The body is how many requests moto lets through before enforcing: "never" is a big number.
        request = urllib.request.Request(
            self.url + "/moto-api/reset-auth",
            data=b"0" if enabled else b"1000000000",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: Moto, monkeypatch: pytest.MonkeyPatch) -> Moto:
    """A clean moto server for one test; boto3 in this process and children reach it."""
    moto_server.enforce_auth(False)
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    return moto_server


@pytest.fixture
def xswitch_cmd() -> list[str]:
    """The command that runs this checkout's xswitch in a subprocess."""
    return [sys.executable, "-m", "xswitch"]


@pytest.fixture
def dev_role(isolated: Home, moto: Moto) -> Home:
    """Keys in ~/.aws/credentials [me] and a role [profile dev] assumed from them (moto STS)."""
    isolated.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    isolated.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1
        """
    )
    return isolated


class SigninEndpoint:
    """A console sign-in endpoint: records each getSigninToken query, answers with `token`
    (or `status`, or a raw `body`)."""

    token = "signin-token-Zq8"

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []
        self.status = 200
        self.body = json.dumps({"SigninToken": self.token}).encode()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                endpoint.queries.append(query)
                ok = url.path == "/federation" and query.get("Action") == ["getSigninToken"]
                self.send_response(endpoint.status if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(endpoint.body if ok else b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"


@pytest.fixture
def signin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SigninEndpoint]:
    """A local sign-in endpoint that xswitch's console links use (XSWITCH_SIGNIN_ENDPOINT)."""
    endpoint = SigninEndpoint()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("XSWITCH_SIGNIN_ENDPOINT", endpoint.url)
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


@pytest.fixture
def time_zone() -> Iterator[Callable[[str], None]]:
    """`time_zone("Europe/Paris")` makes that the local zone of this process and its children
    (TZ), until the end of the test."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


class MfaCheckingSts:
    """An HTTP front for the moto server that judges MFA codes, which moto accepts whatever they
    are: a TokenCode in `refused` gets the AccessDenied AWS gives for a wrong or expired code;
    every other request goes to moto unchanged. `codes` records the codes that reached it."""

    refused = frozenset({"000000", "111111"})

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.codes: list[str] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = urllib.parse.parse_qs(body.decode(errors="replace"))
                code = (form.get("TokenCode") or [None])[0]
                if code is not None:
                    front.codes.append(code)
                if code in front.refused:
                    self._answer(403, _MFA_REFUSED, {"Content-Type": "text/xml"})
                    return
                self._forward(body)

            def _forward(self, body: bytes) -> None:
                import urllib.error
                import urllib.request

                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                request = urllib.request.Request(
                    front.upstream + self.path, data=body, headers=headers, method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, data, kept = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, data, kept = error.code, error.read(), error.headers
                self._answer(status, data, {"Content-Type": kept.get("Content-Type", "text/xml")})

            def _answer(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


_MFA_REFUSED = b"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>MultiFactorAuthentication failed with invalid MFA one time pass code. </Message>
  </Error>
  <RequestId>4c3c6d8e-0000-4000-8000-000000000000</RequestId>
</ErrorResponse>
"""


@pytest.fixture
def mfa_sts(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[MfaCheckingSts]:
    """STS that refuses the MFA codes 000000 and 111111 (see MfaCheckingSts); boto3 in this
    process and children reach it through AWS_ENDPOINT_URL."""
    front = MfaCheckingSts(moto.url)
    thread = threading.Thread(target=front.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", front.url)
    yield front
    front.server.shutdown()
    front.server.server_close()


class StandinBrowser:
    """A browser stand-in (tests/browser_standin.py) that records what xswitch asked it to open.

    `template` is a `browser` setting that runs it; `path_dir` holds executables named like real
    browsers (firefox, chromium, google-chrome) that run it, for a PATH; `wait(n)` returns the
    first n argv records once they are there (the browser runs detached)."""

    def __init__(self, root: Path) -> None:
        import shlex
        import stat

        self.log = root / "browser.log"
        self.script = Path(__file__).with_name("browser_standin.py")
        self.template = f"{shlex.quote(sys.executable)} {shlex.quote(str(self.script))} {{url}}"
        self.path_dir = root / "browsers-bin"
        self.path_dir.mkdir()
        for name in ("firefox", "chromium", "google-chrome"):
            exe = self.path_dir / name
            exe.write_text(
                f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(self.script))} "
                '"$@"\n'
            )
            exe.chmod(exe.stat().st_mode | stat.S_IXUSR)

    def records(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def argvs(self) -> list[list[str]]:
        return [r["argv"] for r in self.records() if "argv" in r]

    def wait(self, count: int = 1, visited: int = 0, bound: float = 30.0) -> list[list[str]]:
        """The argv of the first `count` starts, once they (and `visited` visits) are logged."""
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            records = self.records()
            starts = [r["argv"] for r in records if "argv" in r]
            if len(starts) >= count and sum("visited" in r for r in records) >= visited:
                return starts[:count]
            time.sleep(0.05)
        raise AssertionError(f"the browser stand-in logged only {self.records()!r}")


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandinBrowser:
    """A recording browser stand-in; its log file is STANDIN_BROWSER_LOG for this test."""
    standin = StandinBrowser(tmp_path)
    monkeypatch.setenv("STANDIN_BROWSER_LOG", str(standin.log))
    monkeypatch.setenv("PATH", f"{standin.path_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return standin
