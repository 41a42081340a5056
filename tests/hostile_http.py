"""A small misbehaving HTTP server on 127.0.0.1 for the broken-endpoint tests.

It reads each request (headers and body), counts it, and then does what the test set: answer
with a given status, headers and body, trickle bytes slowly, or say nothing at all. Also builds
the answers of a real STS (AssumeRole XML) and SSO portal (GetRoleCredentials JSON) so that a
test can change one thing at a time.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

KEY_ID = "ASIAHOSTILE000000001"
SECRET = "hostileSecretKey0000000000000000000000000"
TOKEN = "hostileSessionToken000000000000000000000"

Behaviour = Callable[["socket.socket", bytes], None]


class HostileServer:
    """`behave(sock, request)` decides what each request gets; `requests` counts them."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.stop = threading.Event()
        self.behave: Behaviour = self.answer(200, b"")
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                request = _read_request(self.request)
                if request is None:
                    return
                owner.requests.append(request)
                with contextlib.suppress(OSError):
                    owner.behave(self.request, request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    # --- behaviours ---

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
        def behave(sock: socket.socket, request: bytes) -> None:
            head = [f"HTTP/1.1 {status} Whatever", f"Content-Length: {len(body)}"]
            head += [f"{name}: {value}" for name, value in (headers or {}).items()]
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

        return behave

    def trickle(self, every: float) -> Behaviour:
        """A status line and headers that never end, one byte per `every` seconds."""

        def behave(sock: socket.socket, request: bytes) -> None:
            data = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 100000
            for byte in data:
                if self.stop.wait(every):
                    return
                sock.sendall(bytes([byte]))

        return behave

    def silent(self) -> Behaviour:
        """Reads the request and never answers."""

        def behave(sock: socket.socket, request: bytes) -> None:
            self.stop.wait(600)

        return behave


def _read_request(sock: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


# --- answers ---------------------------------------------------------------------------------


def http_date(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime.now(UTC), usegmt=True)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assume_role_xml(
    expiration: str | None = None, *, credentials: str | None = None, key_id: str = KEY_ID
) -> bytes:
    """An AssumeRole answer; `credentials` replaces the whole <Credentials> element."""
    expiration = expiration or iso(datetime.now(UTC) + timedelta(hours=1))
    if credentials is None:
        credentials = (
            f"<Credentials><AccessKeyId>{key_id}</AccessKeyId>"
            f"<SecretAccessKey>{SECRET}</SecretAccessKey>"
            f"<SessionToken>{TOKEN}</SessionToken>"
            f"<Expiration>{expiration}</Expiration></Credentials>"
        )
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        f"{credentials}"
        "<AssumedRoleUser><AssumedRoleId>AROAHOSTILE:xswitch</AssumedRoleId>"
        "<Arn>arn:aws:sts::111111111111:assumed-role/Developer/xswitch</Arn></AssumedRoleUser>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    ).encode()


def role_credentials_json(expiration_ms: int | None = None, **overrides: object) -> bytes:
    if expiration_ms is None:
        expiration_ms = int((time.time() + 3600) * 1000)
    creds: dict[str, object] = {
        "accessKeyId": KEY_ID,
        "secretAccessKey": SECRET,
        "sessionToken": TOKEN,
        "expiration": expiration_ms,
    }
    creds.update(overrides)
    return json.dumps({"roleCredentials": creds}).encode()
