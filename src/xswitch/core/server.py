"""A local container-credentials endpoint, so long-running work outlives a session.

`xswitch exec --server P -- CMD` runs CMD with `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
`AWS_CONTAINER_AUTHORIZATION_TOKEN` instead of exported keys. Every AWS SDK and the AWS CLI then
ask this endpoint for credentials and come back before they expire, so a deployment that runs for
three hours keeps working. It listens on 127.0.0.1 only (the SDKs allow plain http to loopback
only) and answers only requests that carry the random token, which travels in the environment,
never in argv.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from xswitch.core.errors import XswitchError
from xswitch.core.model import Credentials
from xswitch.core.times import rfc3339


class CredentialsServer:
    """Serves `provide()` in the container-credentials format; use as a context manager."""

    def __init__(self, provide: Callable[[], Credentials]) -> None:
        self._provide = provide
        self.token = secrets.token_urlsafe(32)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="xswitch-credentials", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        # Once bound, the address is getsockname()'s, whose host is a str (the stubs also allow
        # the bytes that binding accepts).
        assert isinstance(host, str)
        return f"http://{host}:{port}/credentials"

    def environment(self) -> dict[str, str]:
        """What a child process needs to reach this endpoint."""
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def __enter__(self) -> CredentialsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, authorization: str) -> tuple[int, dict[str, str]]:
        if not hmac.compare_digest(authorization.encode(), self.token.encode()):
            return 403, {"code": "AccessDenied", "message": "Missing or wrong token."}
        try:
            creds = self._provide()
        except XswitchError as error:
            # botocore shows this message to the user of the SDK: the explanation, no secret.
            return 500, {"code": type(error).__name__, "message": str(error)}
        body = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.session_token or "",
        }
        if creds.expiration is not None:
            body["Expiration"] = rfc3339(creds.expiration)
        return 200, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        answer = self._answer
        # One request at a time: credentials are obtained under the session cache's own locks,
        # but serialising here keeps a burst of SDK clients from racing to the same prompt.
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    status, body = answer(self.headers.get("Authorization", ""))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # requests carry no secret, but a subshell's terminal is not a log

        return Handler
