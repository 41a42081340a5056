"""The per-user agent: live sessions in memory, the container-credentials endpoint of every shell.

One background process per user (`xswitch agent run`, started on demand by `core.agentlink`),
like ssh-agent. It listens on a Unix socket in its 0700 directory for xswitch's own requests
(the socket's directory and the peer's uid decide who may ask) and on 127.0.0.1 for the AWS SDKs:
each shell xswitch sets up gets a slot, an URL of its own and a random token scoped to one
profile. Sessions are held in memory only; what it cannot refresh without a person (an MFA code,
an SSO login) fails at once, and the shell's next prompt says which command fixes it (a small
state file per shell, no secret in it). It exits when no shell uses it and nothing asked for a
while (`XSWITCH_AGENT_IDLE` seconds, 15 minutes by default). Its process (sockets, handlers, main)
is `core.agentd`.

Over 400 lines for a reason: `Agent` is the agent's state and every answer it gives, kept in one
class so that its one lock guards all of it in plain sight.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from xswitch.core import agentlink, fs, recents
from xswitch.core.errors import NoTerminal, XswitchError
from xswitch.core.model import Credentials
from xswitch.core.text import visible
from xswitch.core.times import countdown, local_time, rfc3339

# The SDKs refresh container credentials 15 minutes before they end (botocore: mandatory at 10):
# hand out sessions with more left, or every AWS call comes back for new ones.
FRESH_SECONDS = 15 * 60 + 60
DEFAULT_IDLE = 15 * 60
TICK_SECONDS = 5.0
URL_PATH = "/v1/credentials/"


class AgentPrompter:
    """The agent has nobody to ask: what needs a person fails at once with the command to run."""

    def __init__(self, profile: str) -> None:
        self.profile = profile

    def _fix(self) -> str:
        return (
            f"Run 'xs {self.profile}' (or 'xswitch login {self.profile}') in a terminal: the "
            "shells using it then get the new session by themselves."
        )

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        raise NoTerminal("an MFA code", self._fix())

    def sso_device_code(self, authorization: Any) -> None:
        raise NoTerminal("an SSO login", self._fix())

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        raise NoTerminal(
            "the passphrase of the keyring file",
            "Set XSWITCH_KEYRING_PASSPHRASE before the agent starts ('xswitch agent stop', "
            "then run 'xs PROFILE' again).",
        )

    def can_prompt(self) -> bool:
        return False

    def cancelled(self) -> bool:
        return False


@dataclass
class Slot:
    """One shell's access to one profile: its token, the pid that holds it, its state file."""

    id: str
    token: str
    profile: str
    pid: int
    state: Path
    written: str = ""
    adopted: bool = False  # taken over once by the process that runs the shell (a tmux window)


class Agent:
    """The agent's state and its answers; `serve()` runs it until it is stopped or idle."""

    def __init__(self, env: Mapping[str, str], directory: Path, *, idle: float) -> None:
        self.env = env
        self.directory = directory
        self.idle = idle
        self.lock = threading.RLock()
        self.slots: dict[str, Slot] = {}
        self.sessions: dict[str, Credentials] = {}
        self.notes: dict[str, str] = {}  # profile -> the line its shells' prompts show
        self.stuck: dict[str, str] = {}  # profile -> why it cannot refresh without a person
        self._tried: dict[str, datetime] = {}  # profile -> expiry whose refresh was attempted
        self._profile_locks: dict[str, threading.Lock] = {}
        self._manager: Any = None
        self._fingerprint = ""
        self.started = time.time()
        self.last_activity = time.monotonic()
        self.stopped = threading.Event()
        self.reason = ""
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(self))
        self.http.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.http.server_address[1])

    # --- sessions ------------------------------------------------------------------------------

    def manager(self) -> Any:
        """The session manager for the configuration as it is now (re-read when a file changed;
        then the sessions held in memory are dropped: a profile may mean something else)."""
        from xswitch.core.hotpath import fingerprint

        current = fingerprint(self.env)
        with self.lock:
            if self._manager is None or current != self._fingerprint:
                from xswitch.core.config import load_catalog
                from xswitch.core.sessions import SessionManager

                catalog = load_catalog(self.env)
                if self._manager is not None:
                    self.sessions.clear()
                    log(self.directory, "configuration changed: sessions in memory dropped")
                self._manager = SessionManager(catalog, self.env)
                self._fingerprint = current
            return self._manager

    def _profile_lock(self, profile: str) -> threading.Lock:
        with self.lock:
            return self._profile_locks.setdefault(profile, threading.Lock())

    def obtain(self, profile: str) -> Credentials:
        """A session for `profile` with more than FRESH_SECONDS left: from memory, else from the
        session cache or its source without a prompt. When that fails, a session still valid
        for a minute is handed out (the SDK comes back) and the shells are told what to run."""
        with self._profile_lock(profile):
            held = self.sessions.get(profile)
            if held is not None and _left(held) > FRESH_SECONDS:
                return held
            try:
                creds = self.manager().credentials(
                    profile, AgentPrompter(profile), min_seconds_left=FRESH_SECONDS
                )
            except XswitchError as error:
                self._failed(profile, error)
                if held is not None and _left(held) > 60:
                    return held
                raise
            with self.lock:
                self.sessions[profile] = creds
                self.stuck.pop(profile, None)
                self.notes.pop(profile, None)
            return creds

    def _failed(self, profile: str, error: XswitchError) -> None:
        text = visible(f"xswitch: AWS credentials for '{profile}' could not be renewed: {error}")
        with self.lock:
            self.stuck[profile] = str(error)
            self.notes[profile] = text
        log(self.directory, f"{visible(profile)}: renewal failed: {visible(str(error))}")

    # --- requests on the control socket --------------------------------------------------------

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        self.last_activity = time.monotonic()
        if op == "ping":
            return self._ping()
        if op == "register":
            return self._register(request)
        if op == "adopt":
            return self._adopt(request)
        if op == "release":
            self._release(str(request.get("slot", "")))
            return {"ok": True}
        if op == "put":
            return self._put(request)
        if op == "get":
            return self._get(request)
        if op == "forget":
            return self._forget(request.get("profile"))
        if op == "status":
            return self._status()
        if op == "stop":
            self.stop("asked to stop ('xswitch agent stop')")
            return {"ok": True}
        return {"error": f"The agent does not know the request '{visible(str(op))}'."}

    def _ping(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "port": self.port,
            "started": self.started,
            "shells": len(self.slots),
            "sessions": len(self.sessions),
        }

    def _register(self, request: Mapping[str, Any]) -> dict[str, Any]:
        profile, pid = str(request.get("profile", "")), request.get("pid")
        if not profile or not isinstance(pid, int) or pid <= 0:
            return {"error": "A shell must register with a profile and its process id."}
        wire = request.get("credentials")
        if isinstance(wire, dict):
            self._store(profile, wire)
        slot = Slot(
            secrets.token_hex(8),
            secrets.token_urlsafe(32),
            profile,
            pid,
            self.directory / agentlink.STATES / f"{secrets.token_hex(8)}",
        )
        with self.lock:
            self.slots[slot.id] = slot
        self._write_state(slot)
        log(self.directory, f"shell {pid} uses '{visible(profile)}'")
        return self._slot_reply(slot)

    def _slot_reply(self, slot: Slot) -> dict[str, Any]:
        creds = self.sessions.get(slot.profile)
        expiration = creds.expiration if creds is not None else None
        return {
            "slot": slot.id,
            "profile": slot.profile,
            "url": f"http://127.0.0.1:{self.port}{URL_PATH}{slot.id}",
            "token": slot.token,
            "state": str(slot.state),
            "pid": os.getpid(),
            "expiration": rfc3339(expiration) if expiration else None,
        }

    def _adopt(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """A slot registered for a shell that another process runs (the picker's tmux window):
        that process takes it over once, and the slot then lives as long as it does."""
        pid = request.get("pid")
        with self.lock:
            slot = self.slots.get(str(request.get("slot", "")))
            if slot is None or slot.adopted or not isinstance(pid, int) or pid <= 0:
                return {"error": "That shell's access to the agent is gone or already taken."}
            slot.pid, slot.adopted = pid, True
        return self._slot_reply(slot)

    def _release(self, slot_id: str) -> None:
        with self.lock:
            slot = self.slots.pop(slot_id, None)
        if slot is not None:
            with contextlib.suppress(OSError):
                slot.state.unlink()

    def _store(self, profile: str, wire: Mapping[str, Any]) -> None:
        from xswitch.core.session_store import _credentials_from_json

        try:
            creds = _credentials_from_json(wire)
        except (KeyError, ValueError, TypeError):
            return
        if creds.expiration is not None and _left(creds) > 0:
            with self.lock:
                self.sessions[profile] = creds
                self.stuck.pop(profile, None)
                self.notes.pop(profile, None)

    def _put(self, request: Mapping[str, Any]) -> dict[str, Any]:
        wire = request.get("credentials")
        if isinstance(wire, dict) and request.get("config", None) in (
            None,
            agentlink.config_identity(self.env),
        ):
            try:
                name = self.manager().profile(str(request.get("profile", ""))).name
            except XswitchError:
                return {"ok": False}
            self._store(name, wire)
        return {"ok": True}

    def _get(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The warm switch: what `export` / `credential-process` print for `profile` (as the
        caller names it) from the session held in memory, when the caller reads the same
        configuration files and enough time is left; `{}` otherwise."""
        from xswitch.core.answer import render

        caller = request.get("env")
        if not isinstance(caller, dict) or any(not isinstance(v, str) for v in caller.values()):
            return {}
        if agentlink.config_identity(caller) != agentlink.config_identity(self.env):
            return {}
        try:
            manager = self.manager()
            profile = manager.profile(str(request.get("profile", "")))
        except XswitchError:
            return {}
        creds = self.sessions.get(profile.name)
        minimum = request.get("min_seconds_left")
        needed = max(manager.settings.refresh_margin, minimum if isinstance(minimum, int) else 0)
        if creds is None or creds.expiration is None or _left(creds) <= needed:
            return {}
        client = manager.catalog.client(profile.client)
        session = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": rfc3339(creds.expiration),
            "Region": profile.region,
            "Shell": manager.settings.shell,
            "Prod": bool(client and client.prod),
        }
        shell = request.get("shell")
        text = render(
            session, str(request.get("command")), shell if isinstance(shell, str) else None, caller
        )
        if text is None:
            return {}
        threading.Thread(target=recents.record, args=(profile.name, self.env)).start()
        return {"text": text}

    def _forget(self, profile: object) -> dict[str, Any]:
        with self.lock:
            if profile is None:
                names = list(self.sessions)
                self.sessions.clear()
                self._tried.clear()
            else:
                names = [str(profile)] if self.sessions.pop(str(profile), None) else []
                self._tried.pop(str(profile), None)
        if names:
            log(self.directory, "forgot " + ", ".join(map(visible, names)))
        return {"forgot": names}

    def _status(self) -> dict[str, Any]:
        with self.lock:
            shells = [
                {"profile": s.profile, "pid": s.pid, "note": self.notes.get(s.profile, "")}
                for s in self.slots.values()
            ]
            sessions = [
                {"profile": name, "expiration": rfc3339(c.expiration) if c.expiration else None}
                for name, c in self.sessions.items()
            ]
        return {
            **self._ping(),
            "idle_limit": self.idle,
            "directory": str(self.directory),
            "shell_list": shells,
            "session_list": sessions,
            "stuck": dict(self.stuck),
        }

    # --- the endpoint ---------------------------------------------------------------------------

    def answer_http(self, path: str, authorization: str, client: str) -> tuple[int, dict[str, str]]:
        denied = 403, {"code": "AccessDenied", "message": "Missing or wrong token."}
        if client not in ("127.0.0.1", "::1") or not path.startswith(URL_PATH):
            return denied
        with self.lock:
            slot = self.slots.get(path[len(URL_PATH) :])
        expected = slot.token if slot is not None else secrets.token_urlsafe(32)
        if not hmac.compare_digest(authorization.encode(), expected.encode()) or slot is None:
            return denied
        self.last_activity = time.monotonic()
        try:
            creds = self.obtain(slot.profile)
        except XswitchError as error:
            self._write_states()
            # The SDK shows this message: the explanation and the command to run, no secret.
            return 500, {"code": type(error).__name__, "message": str(error)}
        self._write_states()
        body = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.session_token or "",
        }
        if creds.expiration is not None:
            body["Expiration"] = rfc3339(creds.expiration)
        return 200, body

    # --- shells' state files and housekeeping ---------------------------------------------------

    def _write_state(self, slot: Slot) -> None:
        """`epoch\\nRFC 3339\\nnote\\n` of the session the slot's shell uses (no secret)."""
        creds = self.sessions.get(slot.profile)
        expiration = creds.expiration if creds is not None else None
        text = "{}\n{}\n{}\n".format(
            int(expiration.timestamp()) if expiration else "",
            rfc3339(expiration) if expiration else "",
            self.notes.get(slot.profile, ""),
        )
        if text != slot.written:
            with contextlib.suppress(OSError):
                fs.write_private(slot.state, text.encode())
                slot.written = text

    def _write_states(self) -> None:
        with self.lock:
            slots = list(self.slots.values())
        for slot in slots:
            self._write_state(slot)

    def housekeeping(self) -> None:
        """Drop the slots of shells that ended; renew what ends soon; warn about what cannot be
        renewed without a person, `refresh_margin` before it ends; stop when idle."""
        with self.lock:
            for slot in list(self.slots.values()):
                if not _alive(slot.pid):
                    self._release(slot.id)
            profiles = {slot.profile for slot in self.slots.values()}
        for profile in profiles:
            self._renew_ahead(profile)
        self._write_states()
        if not self.slots and time.monotonic() - self.last_activity > self.idle:
            self.stop(f"idle for {self.idle:g} s with no shell using it")

    def _renew_ahead(self, profile: str) -> None:
        held = self.sessions.get(profile)
        if held is None or held.expiration is None:
            return
        left = _left(held)
        if left < FRESH_SECONDS and self._tried.get(profile) != held.expiration:
            self._tried[profile] = held.expiration
            with contextlib.suppress(XswitchError):
                self.obtain(profile)
            held = self.sessions.get(profile) or held
            left = _left(held)
        margin = self._manager.settings.refresh_margin if self._manager else 600
        if profile in self.stuck and held.expiration is not None and 0 < left <= margin:
            with self.lock:
                self.notes[profile] = visible(
                    f"xswitch: the session of '{profile}' ends in {countdown(left)} (at "
                    f"{local_time(held.expiration)}) and cannot be renewed without you: run "
                    f"'xs {profile}' (or 'xswitch login {profile}')."
                )

    def stop(self, reason: str) -> None:
        if not self.stopped.is_set():
            self.reason = reason
            self.stopped.set()


def _left(creds: Credentials) -> float:
    left = creds.seconds_left()
    return float("inf") if left is None else left


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _http_handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = agent.answer_http(
                self.path, self.headers.get("Authorization", ""), self.client_address[0]
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the agent logs what happened to sessions, never requests

    return Handler


def log(directory: Path, line: str) -> None:
    """One line in the agent's log (what happened to sessions and shells; never a secret)."""
    stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    with contextlib.suppress(OSError):
        descriptor = os.open(
            directory / agentlink.LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        with os.fdopen(descriptor, "a") as stream:
            stream.write(f"{stamp} [{os.getpid()}] {line}\n")
