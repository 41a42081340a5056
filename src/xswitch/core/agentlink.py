"""Talking to the per-user agent (`core.agent`): where it lives, one request, starting it.

The agent's directory is `$XDG_RUNTIME_DIR/xswitch` (else `$XDG_STATE_HOME/xswitch/agent`), 0700;
it holds the control socket, the pid file, the log and one small state file per shell. Every
request has a short timeout and fails with a sentence, never a hang. Imported by the cached switch:
standard library only, imported where used: nothing that costs the cached switch milliseconds.

Over 400 lines for a reason: the cached switch's client (`warm`) and the commands' (`request`)
must apply the same directory rule and the same checks, so they live side by side.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

from xswitch.core.errors import AgentError

TYPE_CHECKING = False  # not typing's: the cached switch must not pay for importing typing
if TYPE_CHECKING:
    import socket
    from pathlib import Path

    from xswitch.core.model import Credentials

SOCKET = "agent.sock"
PID_FILE = "agent.pid"
LOG_FILE = "agent.log"
STATES = "shells"
_REPLY_LIMIT = 1024 * 1024
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
START_SECONDS = 10.0  # how long a command waits for a newly started agent to answer
# Variables the agent must not inherit from the shell that happened to start it: credentials and
# profiles of that shell would win over the profiles the agent is asked for; regions are per shell.
_NOT_INHERITED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "XSWITCH_MFA_CODE",
)


class AgentNotRunning(AgentError):
    """No agent listens on the socket (none started, or it exited)."""


def directory(env: Mapping[str, str] = os.environ) -> Path:
    """The agent's private directory. A path too long for a Unix socket (deep test or home
    directories) moves to a per-user directory under /tmp named by a digest of the long one."""
    from pathlib import Path

    return Path(_directory_text(env))


def _directory_text(env: Mapping[str, str]) -> str:
    # A string, without pathlib, when XDG_RUNTIME_DIR is set: the cached switch asks the agent
    # before anything else, and pathlib costs it a few milliseconds.
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/"):
        base = os.path.join(runtime, "xswitch")
    else:
        from xswitch.core import paths

        base = str(paths.state_dir(env) / "agent")
    if len(os.path.join(base, SOCKET).encode()) > _SOCKET_PATH_MAX:
        import hashlib

        digest = hashlib.sha256(base.encode()).hexdigest()[:16]
        base = os.path.join("/tmp", f"xswitch-{os.getuid()}", digest)
    return base


def socket_path(env: Mapping[str, str] = os.environ) -> Path:
    return directory(env) / SOCKET


def present(env: Mapping[str, str]) -> bool:
    """Whether an agent's socket exists (it may still have stopped): a cheap check first."""
    return os.path.exists(os.path.join(_directory_text(env), SOCKET))


# What the agent needs of a warm-switch caller's environment: where its configuration files are
# (it answers only callers reading its own), and its shell and region for the export lines.
CALLER_VARIABLES = (
    "HOME",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "XSWITCH_CONFIG",
    "XDG_CONFIG_HOME",
    "SHELL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)


def config_identity(env: Mapping[str, str]) -> list[str]:
    """The configuration files a caller reads: the agent answers only callers reading its own."""
    from xswitch.core import paths

    return [
        str(paths.aws_config_file(env)),
        str(paths.aws_credentials_file(env)),
        str(paths.config_file(env)),
    ]


def check_private(path: Path | str) -> None:
    """Refuse a directory that someone else owns or others may enter (a planted socket there
    could collect the credentials sent to it)."""
    text = str(path)
    for part in (text, *([os.path.dirname(text)] if text.startswith("/tmp/xswitch-") else [])):
        info = os.lstat(part)
        if info.st_uid != os.getuid() or info.st_mode & 0o077 or not os.path.isdir(part):
            raise AgentError(
                f"The agent's directory {part} is not private to you (owner or permissions), so "
                "xswitch does not use it.",
                "Remove it (or make it yours with mode 0700) and run the command again.",
            )


def request(
    env: Mapping[str, str], op: str, *, timeout: float = 3.0, **fields: object
) -> dict[str, object]:
    """Send one request to the agent and return its answer.

    Raises AgentNotRunning when nothing listens, AgentError for a slow, foreign or failing agent
    (the agent's own explanation when it refused).
    """
    import socket

    path = socket_path(env)
    try:
        check_private(path.parent)
    except FileNotFoundError:
        raise AgentNotRunning("The xswitch agent is not running.") from None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise AgentNotRunning("The xswitch agent is not running.") from None
        if peer_uid(sock) != os.getuid():
            raise AgentError(
                f"The socket {path} belongs to another user; xswitch does not talk to it.",
                "Remove it and run the command again.",
            )
        data = _exchange(sock, {"op": op, **fields})
    except TimeoutError:
        raise AgentError(
            f"The xswitch agent did not answer within {timeout:g} seconds.",
            "It may be stuck: run 'xswitch agent stop' (the next command starts a new one), and "
            f"see its log {directory(env) / LOG_FILE}.",
        ) from None
    except OSError as error:
        raise AgentError(
            f"The xswitch agent could not be reached ({error.strerror or error}).",
            "Run 'xswitch agent stop'; the next command starts a new one.",
        ) from None
    finally:
        sock.close()
    import json

    try:
        reply = json.loads(data)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise AgentError(
            "The xswitch agent gave no valid answer (it may have stopped while answering).",
            "Run the command again; 'xswitch agent status' shows whether it runs.",
        )
    if "error" in reply:
        raise AgentError(str(reply["error"]), str(reply.get("hint", "")))
    return reply


def _exchange(sock: socket.socket, question: dict[str, object]) -> bytes:
    """One JSON line out, the answer's line back (at most _REPLY_LIMIT bytes)."""
    import json

    sock.sendall(json.dumps(question).encode() + b"\n")
    data = b""
    while not data.endswith(b"\n") and len(data) <= _REPLY_LIMIT:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (Linux: SO_PEERCRED)."""
    import socket
    import struct

    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:  # no SO_PEERCRED (macOS): the 0700 directory is the only check
        return os.getuid()
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, 12))
    return int(uid)


def running(env: Mapping[str, str] = os.environ) -> dict[str, object] | None:
    """The agent's ping answer, or None when it does not run (never starts it)."""
    try:
        return request(env, "ping", timeout=2.0)
    except AgentNotRunning:
        return None


def ensure(env: Mapping[str, str] = os.environ) -> dict[str, object]:
    """The running agent's ping answer, starting the agent first when none runs."""
    answer = running(env)
    if answer is not None:
        return answer
    start(env)
    deadline = time.monotonic() + START_SECONDS
    while True:
        time.sleep(0.05)
        answer = running(env)
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise AgentError(
                f"The xswitch agent did not start within {START_SECONDS:g} seconds.",
                f"Its log {directory(env) / LOG_FILE} may say why; 'xswitch exec --keys' and "
                "'xs PROFILE --keys' work without it.",
            )


def start(env: Mapping[str, str]) -> None:
    """Start `xswitch agent run` in the background: its own session, no terminal, stdio on
    /dev/null, the caller's environment minus its credentials and region."""
    import subprocess
    import threading

    agent_env = {k: v for k, v in env.items() if k not in _NOT_INHERITED}
    agent_env = {k: v for k, v in agent_env.items() if not k.startswith("XSWITCH_PROFILE")}
    process = subprocess.Popen(
        [sys.executable, "-m", "xswitch", "agent", "run"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        cwd="/",
        env=agent_env,
    )
    # Reaped when it exits, should the caller (the picker) outlive it.
    threading.Thread(target=process.wait, daemon=True).start()


def warm(
    env: Mapping[str, str], command: str, profile: str, shell: str | None, min_seconds_left: int
) -> str | None:
    """What `command` ("export" or "credential-process") prints for `profile` (named as the
    caller names it), rendered by the agent from the session it holds in memory; None when no
    agent runs, or it holds no session good enough, or the ordinary path must answer.

    The cached switch's own client: the C `_socket` module (the `socket` module costs more to
    import than the whole answer takes), a one-second limit, the same checks as `request`."""
    import _socket

    base = _directory_text(env)
    path = os.path.join(base, SOCKET)
    if not os.path.exists(path):
        return None
    try:
        check_private(base)
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except (OSError, AgentError):
        return None
    try:
        sock.settimeout(1.0)
        sock.connect(path)
        credentials = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        if int.from_bytes(credentials[4:8], sys.byteorder) != os.getuid():
            return None
        sock.sendall(warm_question(env, command, profile, shell, min_seconds_left))
        data = b""
        while len(data) < _REPLY_LIMIT:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, ValueError, AttributeError):
        return None
    finally:
        sock.close()
    if data[:1] != b"1":
        return None
    try:
        return data[1:].decode()
    except UnicodeDecodeError:
        return None


def warm_question(
    env: Mapping[str, str], command: str, profile: str, shell: str | None, min_seconds_left: int
) -> bytes:
    """The warm switch's request without JSON (its import is a tenth of the answer's time):
    `W`, the length in 8 digits, then NUL-separated fields (no argument or environment value
    holds a NUL): command, profile, shell, minimum, NAME=VALUE of CALLER_VARIABLES. The answer
    is `1` and the text, or `0`; then the agent closes the connection."""
    fields = [command, profile, shell or "", str(min_seconds_left)]
    fields += [f"{name}={env[name]}" for name in CALLER_VARIABLES if name in env]
    payload = "\0".join(fields).encode()
    return b"W" + b"%08d" % len(payload) + payload


def parse_warm_question(payload: bytes) -> dict[str, object]:
    """`warm_question`'s fields as the agent's `get` request."""
    command, profile, shell, minimum, *pairs = payload.decode().split("\0")
    caller = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    return {
        "op": "get",
        "command": command,
        "profile": profile,
        "shell": shell or None,
        "min_seconds_left": int(minimum),
        "env": {name: value for name, value in caller.items() if name in CALLER_VARIABLES},
    }


def offer(env: Mapping[str, str], profile: str, creds: dict[str, object]) -> None:
    """Hand a session to a running agent for the warm switch (never starts one; best effort)."""
    try:  # noqa: SIM105 - contextlib costs the cached switch half a millisecond
        request(
            env,
            "put",
            timeout=1.0,
            profile=profile,
            credentials=creds,
            config=config_identity(env),
        )
    except AgentError:
        pass


def forget(env: Mapping[str, str], profile: str | None) -> None:
    """Tell a running agent to drop the session of `profile` (None: all); best effort."""
    try:  # noqa: SIM105 - contextlib costs the cached switch half a millisecond
        request(env, "forget", timeout=2.0, profile=profile)
    except AgentError:
        pass


def stop(env: Mapping[str, str] = os.environ, *, wait: float = 5.0) -> int | None:
    """Stop the running agent; its pid, or None when none ran."""
    answer = running(env)
    if answer is None:
        return None
    pid = int(str(answer.get("pid", 0)))
    try:  # noqa: SIM105 - contextlib costs the cached switch half a millisecond
        request(env, "stop", timeout=2.0)
    except AgentError:
        pass
    # Its last act is removing its pid file (a process that ended may linger as a zombie).
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and (directory(env) / PID_FILE).exists():
        time.sleep(0.02)
    return pid


def endpoint_variables(
    env: Mapping[str, str], profile: str, pid: int, creds: Credentials
) -> dict[str, str]:
    """Register a shell (`pid`) for `profile` with the agent (started if need be), handing it
    `creds` (a `Credentials`); the variables that point the shell's SDKs at its endpoint."""
    from xswitch.core.session_store import _credentials_to_json

    ensure(env)
    reply = request(
        env, "register", profile=profile, pid=pid, credentials=_credentials_to_json(creds)
    )
    return _variables(reply)


def adopt(env: Mapping[str, str], slot: str, pid: int) -> tuple[str, dict[str, str]]:
    """Take over a slot registered for this process's shell by another (the picker, for a tmux
    window): its profile and the same variables as `endpoint_variables`."""
    reply = request(env, "adopt", slot=slot, pid=pid)
    return str(reply["profile"]), _variables(reply)


def _variables(reply: Mapping[str, object]) -> dict[str, str]:
    variables = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": str(reply["url"]),
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": str(reply["token"]),
        "XSWITCH_STATE": str(reply["state"]),
        "XSWITCH_SLOT": str(reply["slot"]),
        "XSWITCH_AGENT_PID": str(reply["pid"]),
    }
    if isinstance(reply.get("expiration"), str):
        variables["AWS_CREDENTIAL_EXPIRATION"] = str(reply["expiration"])
    return variables


def release(env: Mapping[str, str], slot: str | None) -> None:
    """Give up a shell's slot (its token stops working); best effort, never starts the agent."""
    if not slot:
        return
    try:  # noqa: SIM105 - contextlib costs the cached switch half a millisecond
        request(env, "release", timeout=1.0, slot=slot)
    except AgentError:
        pass


def open_shells(env: Mapping[str, str] = os.environ) -> dict[str, list[int]]:
    """Profile -> the pids of the shells (and tmux windows) the running agent serves it to;
    empty when no agent runs or it cannot be asked (never starts it)."""
    try:
        answer = request(env, "status", timeout=1.0)
    except AgentError:
        return {}
    shells: dict[str, list[int]] = {}
    entries = answer.get("shell_list")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("pid"), int):
            shells.setdefault(str(entry.get("profile")), []).append(entry["pid"])
    return shells
