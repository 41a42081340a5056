"""Bounded HTTP for the botocore clients xswitch creates (STS, SSO portal, SSO OIDC).

botocore's `read_timeout` applies to each socket read, so an endpoint that answers one byte every
few seconds is never given up on, and a body of any size is read into memory. `bound()` takes the
sending over (through botocore's `before-send` event, with the client's own HTTP session, so
proxies and certificates are unchanged): each attempt has a total deadline for connecting, the
headers and the body, and the body is read up to `MAX_BODY` bytes. A missed deadline is a read
timeout to botocore, so idempotent calls are retried as configured.

Imported only where a client is about to be made: it imports botocore.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import botocore.config
from botocore.exceptions import BotoCoreError, ReadTimeoutError

DEFAULT_TIMEOUT = 15  # seconds per attempt: connect, headers and body together
MAX_BODY = 4 * 1024 * 1024  # an STS or SSO answer is a few kilobytes
_CHUNK = 64 * 1024


class DeadlineExceeded(ReadTimeoutError):
    """One attempt got no complete answer within its deadline."""

    fmt = 'No complete answer from "{endpoint_url}" within {seconds:g} s'


class ResponseTooLarge(BotoCoreError):
    """The body of an answer was larger than any real answer."""

    fmt = 'The answer of "{endpoint_url}" was larger than {limit} bytes'


def config(timeout: float, attempts: int, **extra: Any) -> botocore.config.Config:
    """Client configuration: per-read timeouts no longer than the deadline, `attempts` in all."""
    return botocore.config.Config(
        connect_timeout=min(timeout, 5),
        read_timeout=timeout,
        retries={"mode": "standard", "total_max_attempts": max(1, attempts)},
        **extra,
    )


def bound(client: Any, timeout: float, attempts: int) -> Any:
    """Give every HTTP exchange of `client` a total deadline and a size cap; return `client`.

    The deadline, attempt count and endpoint are kept on the client (`client.xswitch_limits`)
    so that error messages can say how long was waited, how often, and for whom.
    """
    http_session = client._endpoint.http_session

    def send(request: Any, **_: Any) -> Any:
        return _send_with_deadline(http_session, request, timeout)

    client.meta.events.register_first("before-send", send)
    client.xswitch_limits = {
        "timeout": timeout,
        "attempts": attempts,
        "endpoint": client.meta.endpoint_url,
    }
    return client


def _send_with_deadline(http_session: Any, request: Any, timeout: float) -> Any:
    outcome: dict[str, Any] = {}
    request.stream_output = True  # the body is read here, with a cap, not by botocore

    def exchange() -> None:
        try:
            response = http_session.send(request)
            outcome["response"] = response
            response._content = _read_capped(response.raw, request.url)
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error
            response = outcome.get("response")
            if response is not None:
                _close(response.raw)  # never reuse a connection with unread data on it

    worker = threading.Thread(target=exchange, name="xswitch-http", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        # The worker keeps at most one socket until the endpoint stops; wake it if we can.
        response = outcome.get("response")
        if response is not None:
            _abort(response.raw)
        raise DeadlineExceeded(endpoint_url=request.url, seconds=timeout)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def _read_capped(raw: Any, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = raw.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise ResponseTooLarge(endpoint_url=url, limit=MAX_BODY)
        chunks.append(chunk)


def _close(raw: Any) -> None:
    with contextlib.suppress(Exception):
        raw.close()


def _abort(raw: Any) -> None:
    import socket

    with contextlib.suppress(Exception):
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
