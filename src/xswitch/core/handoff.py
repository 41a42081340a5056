"""Handing a URL that is a secret (a console sign-in link) to a browser without putting it on a
command line, where `ps` shows it to every user: the browser is given a one-time address on
127.0.0.1 that redirects to the URL once, and (on Linux) only to a connection of the same user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from xswitch.core.browser import Browser, open_url
from xswitch.core.model import Client


class Handoff:
    """A one-time address on 127.0.0.1 that redirects the first browser to ask to a secret URL,
    then closes; nothing else on the port gets anything but a 404. Closed after `lifetime`
    seconds whatever happens."""

    def __init__(self, url: str, lifetime: float = 120.0) -> None:
        import secrets
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self._path = "/" + secrets.token_urlsafe(24)
        self.fetched = threading.Event()
        handoff = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if (
                    self.path != handoff._path
                    or handoff.fetched.is_set()
                    or not _own_connection(self.client_address[1], handoff.port)
                ):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                handoff.fetched.set()
                self.send_response(302)
                self.send_header("Location", url)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("Content-Length", "0")
                self.end_headers()
                threading.Thread(target=handoff.close, daemon=True).start()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._closed = threading.Event()
        threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="xswitch-handoff", daemon=True
        ).start()
        self._timer = threading.Timer(lifetime, self.close)
        self._timer.daemon = True
        self._timer.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._path}"

    def wait(self, seconds: float) -> bool:
        """Whether the browser fetched the address within `seconds`."""
        return self.fetched.wait(seconds)

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            self._timer.cancel()
            self._server.shutdown()
            self._server.server_close()


def _own_connection(client_port: int, server_port: int) -> bool:
    """Whether the connection from `client_port` belongs to this user. On Linux the kernel's
    socket table says whose it is (another user who read the address in a process list gets
    nothing); elsewhere, or when the table does not tell, the one-time path is the guard."""
    try:
        with open("/proc/net/tcp", encoding="ascii") as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return True
    local, remote = f":{client_port:04X}", f":{server_port:04X}"
    for row in rows:
        fields = row.split()
        if len(fields) > 7 and fields[1].endswith(local) and fields[2].endswith(remote):
            return fields[7] == str(os.getuid())
    return True


def open_secret_url(
    url: str,
    browser: Browser,
    client: Client | None = None,
    env: Mapping[str, str] = os.environ,
    profile: str = "",
) -> Handoff | None:
    """Open a URL that is a secret through a `Handoff`; None when no browser could be opened.
    The caller may `wait()` on the handoff (a command that exits would take it away)."""
    handoff = Handoff(url)
    try:
        opened = open_url(handoff.url, browser, client, env, profile)
    except BaseException:
        handoff.close()
        raise
    if not opened:
        handoff.close()
        return None
    return handoff
