"""The demo's SSO server with the controls only tests need: request counters, the person at the
browser (deny, wait for a code), the portal's administrator (revoke, expire, forget, reassign) and
switches that make it misbehave (slow-down answers, injected throttling)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xswitch.demo.ssohttp import ServiceError, oidc_error
from xswitch.demo.ssoserver import Account, ServerOptions, SsoServer


@dataclass
class ControlledOptions(ServerOptions):
    slow_down_polls: int = 0  # answer this many CreateToken polls with SlowDownException
    throttle_every: int = 0  # answer every Nth portal request with 429, whatever the rate


class ControlledSsoServer(SsoServer):
    """`SsoServer` plus test controls; `requests` counts each operation, plus "Throttled"."""

    options: ControlledOptions

    def __init__(
        self, accounts: Iterable[Account] = (), *, options: ServerOptions | None = None, **more: Any
    ) -> None:
        if not isinstance(options, ControlledOptions):
            options = ControlledOptions(**vars(options)) if options else ControlledOptions()
        super().__init__(accounts, options=options, **more)
        self.requests: Counter[str] = Counter()
        self._started = threading.Condition(self._lock)
        self._portal_calls = 0

    def received(self, operation: str) -> None:
        with self._lock:
            self.requests[operation] += 1

    # --- the person at the browser -----------------------------------------------------------

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            now = time.time()
            return [
                g.user_code
                for g in self._state.grants.values()
                if not g.approved and not g.denied and g.expires_at > now
            ]

    def wait_for_user_code(self, timeout: float = 10.0) -> str:
        """Block until a device authorization is pending; return its user code."""
        deadline = time.monotonic() + timeout
        with self._started:
            while not (codes := self.pending_user_codes()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no device authorization was started")
                self._started.wait(remaining)
            return codes[0]

    def start_device_authorization(self, body: dict) -> dict:
        answer = super().start_device_authorization(body)
        with self._started:
            self._started.notify_all()
        return answer

    def deny(self, user_code: str) -> None:
        grant = self._grant(user_code)
        grant.approved, grant.denied = False, True

    # --- the portal's administrator ----------------------------------------------------------

    def revoke_all(self) -> None:
        """End every session, as signing out of the portal (or an administrator) does."""
        with self._lock:
            for token in [*self._state.tokens.values(), *self._state.refresh_tokens.values()]:
                token.revoked = True

    def expire_access_tokens(self) -> None:
        """Make every access token expired (refresh tokens stay valid)."""
        with self._lock:
            for token in self._state.tokens.values():
                token.expires_at = 0

    def forget_clients(self) -> None:
        """Drop every client registration, as after a server restart."""
        with self._lock:
            self._state.clients.clear()

    def set_roles(self, account_id: str, roles: Sequence[str]) -> None:
        with self._lock:
            account = self.accounts[account_id]
            self.accounts[account_id] = Account(
                account.id, account.name, account.email, tuple(roles)
            )

    # --- misbehaviour --------------------------------------------------------------------------

    def _redeem_device_code(self, body: dict, client: Any) -> dict:
        with self._lock:
            if self.options.slow_down_polls > 0:
                self.options.slow_down_polls -= 1
                raise oidc_error("SlowDownException", "slow_down", "Client is polling too fast")
        return super()._redeem_device_code(body, client)

    def check_rate(self) -> None:
        with self._lock:
            self._portal_calls += 1
            every = self.options.throttle_every
            injected = every and self._portal_calls % every == 0
        try:
            if injected:
                raise ServiceError(429, "TooManyRequestsException", "Rate exceeded")
            super().check_rate()
        except ServiceError:
            with self._lock:
                self.requests["Throttled"] += 1
            raise
