"""The agent's process: its two servers (the control socket, the loopback endpoint), their
request handlers, and `run()`, its main: one per user (a file lock decides), serving until it is
stopped, its socket is taken away, or it has been idle with no shell to serve (`core.agent`)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socketserver
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from xswitch.core import agentlink, fs
from xswitch.core.agent import DEFAULT_IDLE, TICK_SECONDS, Agent, log
from xswitch.core.errors import XswitchError

_REQUEST_LIMIT = 256 * 1024
_LOG_LIMIT = 256 * 1024


def _control_handler(agent: Agent) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        timeout = 5.0

        def handle(self) -> None:
            if agentlink.peer_uid(self.connection) != os.getuid():
                return
            try:
                first = self.rfile.read(1)
                if first == b"W":
                    self._warm()
                    return
                line = first + self.rfile.readline(_REQUEST_LIMIT)
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise ValueError
            except (OSError, ValueError):
                return
            try:
                reply = agent.handle(request)
            except XswitchError as error:
                reply = {"error": error.message, "hint": error.hint}
            except Exception as error:  # one request failing must not end the agent
                log(agent.directory, f"request failed: {type(error).__name__}")
                reply = {"error": f"The agent failed to answer ({type(error).__name__})."}
            with contextlib.suppress(OSError):
                self.wfile.write(json.dumps(reply).encode() + b"\n")

        def _warm(self) -> None:
            """The cached switch's request (see `agentlink.warm_question`)."""
            header = self.rfile.read(8)
            size = int(header) if header.isdigit() else -1
            if not 0 <= size <= _REQUEST_LIMIT:
                return
            try:
                request = agentlink.parse_warm_question(self.rfile.read(size))
                text = agent.handle(request).get("text")
            except (ValueError, UnicodeDecodeError, XswitchError):
                text = None
            except Exception as error:  # one request failing must not end the agent
                log(agent.directory, f"warm switch failed: {type(error).__name__}")
                text = None
            answer = b"1" + text.encode() if isinstance(text, str) else b"0"
            with contextlib.suppress(OSError):
                self.wfile.write(answer)

    return Handler


def run(env: Mapping[str, str]) -> int:
    """The agent's main: one per user (a lock decides), serves until stopped or idle."""
    directory = agentlink.directory(env)
    fs.private_dir(directory)
    agentlink.check_private(directory)
    lock = open(directory / "agent.lock", "a")  # noqa: SIM115 - held for the agent's life
    if not _sole_agent(lock, env):
        return 0
    _trim_log(directory)
    idle = float(env.get("XSWITCH_AGENT_IDLE") or DEFAULT_IDLE)
    agent = Agent(env, directory, idle=idle)
    path = directory / agentlink.SOCKET
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    old_umask = os.umask(0o177)
    try:
        control = socketserver.ThreadingUnixStreamServer(str(path), _control_handler(agent))
    finally:
        os.umask(old_umask)
    control.daemon_threads = True
    inode = os.stat(path).st_ino
    fs.write_private(directory / agentlink.PID_FILE, f"{os.getpid()}\n".encode())
    signal.signal(signal.SIGTERM, lambda *_: agent.stop("terminated (SIGTERM)"))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    for server in (agent.http, control):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    log(directory, f"started, endpoint 127.0.0.1:{agent.port}, idle limit {idle:g} s")
    try:
        _serve(agent, path, inode, float(env.get("XSWITCH_AGENT_TICK") or TICK_SECONDS))
    finally:
        log(directory, f"stopped: {agent.reason}")
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:
                path.unlink()
        with contextlib.suppress(OSError):
            (directory / agentlink.PID_FILE).unlink()
        for slot in list(agent.slots.values()):
            with contextlib.suppress(OSError):
                slot.state.unlink()
        # The servers' threads are daemons: they end with the process, at once.
    return 0


def _sole_agent(lock: IO[str], env: Mapping[str, str]) -> bool:
    """Take the agent's lock; False when another agent runs (or is starting). One on its way
    out after 'agent stop' is waited for a moment."""
    import fcntl

    deadline = time.monotonic() + 3.0
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            if agentlink.running(env) is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def _serve(agent: Agent, path: Path, inode: int, tick: float) -> None:
    """Housekeeping every `tick` seconds until the agent stops or its socket is taken away."""
    while not agent.stopped.wait(tick):
        try:
            if os.stat(path).st_ino != inode:
                agent.stop("its socket was replaced")
                return
        except FileNotFoundError:
            agent.stop("its socket was removed")
            return
        try:
            agent.housekeeping()
        except Exception as error:  # keep serving; the log says what went wrong
            log(agent.directory, f"housekeeping failed: {type(error).__name__}: {error}")


def _trim_log(directory: Path) -> None:
    path = directory / agentlink.LOG_FILE
    with contextlib.suppress(OSError):
        if path.stat().st_size > _LOG_LIMIT:
            path.replace(path.with_suffix(".log.old"))
