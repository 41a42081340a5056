"""git's failures in the user's words, and git never left waiting: a server asking for a password
(git may not ask: it fails at once) and a server that never answers (stopped at the time limit)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from catalogtesting import xswitch


class _AsksForPassword(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def password_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AsksForPassword)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/team/catalog.git"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/team/catalog.git"
    listener.close()


def test_a_server_asking_for_a_password_fails_without_a_prompt(password_server, me):
    added = xswitch("catalog", "add", "team", password_server)
    assert added.returncode == 1
    assert "asked for a sign-in, and xswitch does not let git ask questions" in added.stderr
    assert "credential helper" in added.stderr
    assert "Username" not in added.stdout
    assert not me.xswitch_config.exists()


def test_a_server_that_never_answers_is_given_up(silent_server, me):
    me.write_xswitch_config(
        """
        [settings]
        network_timeout = 1
        """
    )
    added = xswitch("catalog", "add", "team", silent_server)
    assert added.returncode == 1
    assert "gave no answer with" in added.stderr
    assert "within 8 seconds and was stopped" in added.stderr
    assert "catalogs" not in me.xswitch_config.read_text()
    leftovers = list((me.root / ".local/share/xswitch/catalogs").iterdir())
    assert [path.name for path in leftovers] == ["team.lock"]


def test_transports_that_run_commands_are_refused(tmp_path, me):
    marker = tmp_path / "ran"
    added = xswitch("catalog", "add", "team", f"ext::sh -c touch% {marker}")
    assert added.returncode == 2
    assert "names a git remote helper" in added.stderr
    # The ext transport written as a URL reaches git, which refuses it.
    added = xswitch("catalog", "add", "team", f"ext://sh -c touch% {marker}")
    assert added.returncode == 1
    assert "does not fetch catalogs through the transport" in added.stderr
    assert not marker.exists()
