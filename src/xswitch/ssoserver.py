"""A small IAM Identity Center server: the SSO OIDC device flow and the SSO portal, on 127.0.0.1.

It speaks the REST-JSON wire protocol of botocore's `sso-oidc` and `sso` service models
(2019-06-10), so real clients (botocore, the AWS CLI) reach it through `AWS_ENDPOINT_URL_SSO_OIDC`
and `AWS_ENDPOINT_URL_SSO`. Tests and the demo use it in-process;
`python -m xswitch.ssoserver --accounts 1000 --roles 3 --rate 20` runs a standalone portal.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
SAMPLE_ROLES = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "Billing", "ViewOnly")
_PORTAL_ERROR_NAMESPACE = "com.amazonaws.switchboard.portal"


@dataclass(frozen=True)
class Account:
    """An AWS account in the directory, with the permission sets (roles) assigned to the user."""

    id: str
    name: str
    email: str = ""
    roles: tuple[str, ...] = ()


def sample_accounts(count: int, roles_per_account: int = 3) -> list[Account]:
    """A directory of `count` accounts named account-0001..., each with the first N sample roles."""
    roles = tuple(SAMPLE_ROLES[:roles_per_account])
    return [
        Account(
            id=f"{100000000000 + index:012d}",
            name=f"account-{index:04d}",
            email=f"aws+{index:04d}@example.com",
            roles=roles,
        )
        for index in range(1, count + 1)
    ]


class ServiceError(Exception):
    """An error answer: HTTP status, the error type botocore maps to an exception, a message."""

    def __init__(self, status: int, code: str, message: str, oidc_error: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.oidc_error = oidc_error  # the OAuth `error` field (OIDC answers only)


@dataclass
class _Client:
    secret: str
    expires_at: float
    scopes: tuple[str, ...]


@dataclass
class _DeviceGrant:
    client_id: str
    user_code: str
    start_url: str
    expires_at: float
    approved: bool = False
    denied: bool = False
    redeemed: bool = False


@dataclass
class _Token:
    client_id: str
    expires_at: float
    revoked: bool = False


class _TokenBucket:
    """Allows `rate` requests per second on average, with bursts of up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def try_take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


@dataclass
class ServerOptions:
    """Lifetimes (seconds) and behaviour switches; tests shorten the lifetimes."""

    token_lifetime: int = 8 * 3600
    refresh_lifetime: int = 90 * 24 * 3600
    client_lifetime: int = 90 * 24 * 3600
    device_code_lifetime: int = 600
    poll_interval: int = 1
    credential_lifetime: int = 3600
    page_size: int = 20  # ListAccounts / ListAccountRoles page size when the client sends none
    rate_limit: float | None = None  # portal requests per second; None = unlimited
    auto_approve: bool = False  # approve every device code at once (the demo)
    slow_down_polls: int = 0  # answer this many CreateToken polls with SlowDownException
    throttle_every: int = 0  # answer every Nth portal request with 429, whatever the rate
    issue_refresh_tokens: bool = True  # only to clients registered with scopes, as AWS does


@dataclass
class _State:
    clients: dict[str, _Client] = field(default_factory=dict)
    grants: dict[str, _DeviceGrant] = field(default_factory=dict)  # by device code
    tokens: dict[str, _Token] = field(default_factory=dict)  # access tokens
    refresh_tokens: dict[str, _Token] = field(default_factory=dict)


class SsoServer:
    """The OIDC device flow and the SSO portal for a fixed directory of accounts and roles."""

    def __init__(
        self,
        accounts: Iterable[Account] = (),
        *,
        options: ServerOptions | None = None,
        auto_approve: bool | None = None,
        rate_limit: float | None = None,
    ) -> None:
        self.options = options or ServerOptions()
        if auto_approve is not None:
            self.options.auto_approve = auto_approve
        if rate_limit is not None:
            self.options.rate_limit = rate_limit
        self.accounts: dict[str, Account] = {a.id: a for a in accounts}
        self._account_order = list(self.accounts)
        self.requests: Counter[str] = Counter()  # per operation, plus "Throttled"
        self._state = _State()
        self._lock = threading.RLock()
        self._approved = threading.Condition(self._lock)
        self._bucket = _TokenBucket(self.options.rate_limit) if self.options.rate_limit else None
        self._portal_calls = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> SsoServer:
        handler = type("BoundHandler", (_Handler,), {"portal": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="sso-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SsoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the SSO server is not running")
        host, port = self._httpd.server_address[:2]
        # Once bound, the address is getsockname()'s, whose host is a str (the stubs also allow
        # the bytes that binding accepts).
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    @property
    def start_url(self) -> str:
        """A start URL to configure; any URL is accepted, this one just looks like AWS's."""
        return "https://xswitch-demo.awsapps.com/start"

    def environment(self) -> dict[str, str]:
        """The variables that point botocore and the AWS CLI at this server."""
        return {"AWS_ENDPOINT_URL_SSO_OIDC": self.url, "AWS_ENDPOINT_URL_SSO": self.url}

    # --- controls for tests and the demo ----------------------------------------------------

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
        with self._approved:
            while True:
                codes = self.pending_user_codes()
                if codes:
                    return codes[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no device authorization was started")
                self._approved.wait(remaining)

    def approve(self, user_code: str) -> None:
        self._decide(user_code, approved=True)

    def deny(self, user_code: str) -> None:
        self._decide(user_code, approved=False)

    def _decide(self, user_code: str, *, approved: bool) -> None:
        with self._lock:
            for grant in self._state.grants.values():
                if grant.user_code == user_code:
                    grant.approved, grant.denied = approved, not approved
                    return
        raise KeyError(f"unknown user code {user_code}")

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

    # --- OIDC -----------------------------------------------------------------------------

    def register_client(self, body: dict) -> dict:
        if not body.get("clientName") or body.get("clientType") != "public":
            raise _oidc_error(
                "InvalidRequestException", "invalid_request", "clientType must be public"
            )
        client_id = "cid-" + secrets.token_urlsafe(16)
        now = time.time()
        client = _Client(
            secret=secrets.token_urlsafe(48),
            expires_at=now + self.options.client_lifetime,
            scopes=tuple(body.get("scopes") or ()),
        )
        with self._lock:
            self._state.clients[client_id] = client
        return {
            "clientId": client_id,
            "clientSecret": client.secret,
            "clientIdIssuedAt": int(now),
            "clientSecretExpiresAt": int(client.expires_at),
        }

    def start_device_authorization(self, body: dict) -> dict:
        self._check_client(body)
        if not body.get("startUrl"):
            raise _oidc_error("InvalidRequestException", "invalid_request", "startUrl is required")
        device_code = secrets.token_urlsafe(32)
        user_code = _user_code()
        grant = _DeviceGrant(
            client_id=body["clientId"],
            user_code=user_code,
            start_url=body["startUrl"],
            expires_at=time.time() + self.options.device_code_lifetime,
            approved=self.options.auto_approve,
        )
        with self._approved:
            self._state.grants[device_code] = grant
            self._approved.notify_all()
        verification_uri = f"{self.url}/device"
        return {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": verification_uri,
            "verificationUriComplete": f"{verification_uri}?user_code={user_code}",
            "expiresIn": self.options.device_code_lifetime,
            "interval": self.options.poll_interval,
        }

    def create_token(self, body: dict) -> dict:
        client = self._check_client(body)
        grant_type = body.get("grantType")
        if grant_type == DEVICE_GRANT:
            return self._redeem_device_code(body, client)
        if grant_type == REFRESH_GRANT:
            return self._redeem_refresh_token(body)
        raise _oidc_error(
            "UnsupportedGrantTypeException", "unsupported_grant_type", f"{grant_type!r} unsupported"
        )

    def _redeem_device_code(self, body: dict, client: _Client) -> dict:
        with self._lock:
            grant = self._state.grants.get(body.get("deviceCode") or "")
            if grant is None or grant.client_id != body["clientId"] or grant.redeemed:
                raise _oidc_error("InvalidGrantException", "invalid_grant", "Invalid device code")
            if grant.expires_at <= time.time():
                raise _oidc_error("ExpiredTokenException", "expired_token", "Device code expired")
            if grant.denied:
                raise _oidc_error("AccessDeniedException", "access_denied", "Denied by the user")
            if self.options.slow_down_polls > 0:
                self.options.slow_down_polls -= 1
                raise _oidc_error("SlowDownException", "slow_down", "Client is polling too fast")
            if not grant.approved:
                raise _oidc_error(
                    "AuthorizationPendingException", "authorization_pending", "Not yet approved"
                )
            grant.redeemed = True
            return self._issue_token(body["clientId"], with_refresh=bool(client.scopes))

    def _redeem_refresh_token(self, body: dict) -> dict:
        with self._lock:
            refresh = self._state.refresh_tokens.get(body.get("refreshToken") or "")
            if (
                refresh is None
                or refresh.revoked
                or refresh.client_id != body["clientId"]
                or refresh.expires_at <= time.time()
            ):
                raise _oidc_error("InvalidGrantException", "invalid_grant", "Invalid refresh token")
            refresh.revoked = True  # refresh tokens rotate: each is good for one use
            return self._issue_token(body["clientId"], with_refresh=True)

    def _issue_token(self, client_id: str, *, with_refresh: bool) -> dict:
        now = time.time()
        access = "aoa" + secrets.token_urlsafe(48)
        self._state.tokens[access] = _Token(client_id, now + self.options.token_lifetime)
        answer: dict = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.options.token_lifetime,
        }
        if with_refresh and self.options.issue_refresh_tokens:
            refresh = "aor" + secrets.token_urlsafe(48)
            self._state.refresh_tokens[refresh] = _Token(
                client_id, now + self.options.refresh_lifetime
            )
            answer["refreshToken"] = refresh
        return answer

    def _check_client(self, body: dict) -> _Client:
        with self._lock:
            client = self._state.clients.get(body.get("clientId") or "")
        if client is None or client.secret != body.get("clientSecret"):
            raise _oidc_error("InvalidClientException", "invalid_client", "Invalid client")
        if client.expires_at <= time.time():
            raise _oidc_error("InvalidClientException", "invalid_client", "Client expired")
        return client

    # --- portal ---------------------------------------------------------------------------

    def check_rate(self) -> None:
        with self._lock:
            self._portal_calls += 1
            injected = self.options.throttle_every and (
                self._portal_calls % self.options.throttle_every == 0
            )
        if injected or (self._bucket is not None and not self._bucket.try_take()):
            with self._lock:
                self.requests["Throttled"] += 1
            raise ServiceError(429, "TooManyRequestsException", "Rate exceeded")

    def check_token(self, token: str | None) -> None:
        with self._lock:
            known = self._state.tokens.get(token or "")
            if known is None or known.revoked or known.expires_at <= time.time():
                raise ServiceError(
                    401, "UnauthorizedException", "Session token not found or invalid"
                )

    def list_accounts(self, query: dict[str, str]) -> dict:
        with self._lock:
            ids = list(self._account_order)
            page, next_token = _page(ids, query, self.options.page_size)
            accounts = [self.accounts[i] for i in page]
        answer: dict = {
            "accountList": [
                {"accountId": a.id, "accountName": a.name, "emailAddress": a.email}
                for a in accounts
            ]
        }
        if next_token:
            answer["nextToken"] = next_token
        return answer

    def list_account_roles(self, query: dict[str, str]) -> dict:
        account = self._account(query.get("account_id"))
        page, next_token = _page(list(account.roles), query, self.options.page_size)
        answer: dict = {"roleList": [{"roleName": r, "accountId": account.id} for r in page]}
        if next_token:
            answer["nextToken"] = next_token
        return answer

    def get_role_credentials(self, query: dict[str, str]) -> dict:
        account_id, role = query.get("account_id"), query.get("role_name")
        if not account_id or not role:
            raise ServiceError(400, "InvalidRequestException", "account_id and role_name required")
        with self._lock:
            account = self.accounts.get(account_id)
        if account is None or role not in account.roles:
            # What AWS answers for an account or permission set not assigned to the user.
            raise ServiceError(403, "ForbiddenException", "No access")
        return {
            "roleCredentials": {
                "accessKeyId": "ASIA" + _random(string.ascii_uppercase + string.digits, 16),
                "secretAccessKey": _random(string.ascii_letters + string.digits + "/+", 40),
                "sessionToken": secrets.token_urlsafe(200),
                "expiration": int((time.time() + self.options.credential_lifetime) * 1000),
            }
        }

    def logout(self, token: str | None) -> None:
        with self._lock:
            known = self._state.tokens.get(token or "")
            if known is not None:
                known.revoked = True

    def _account(self, account_id: str | None) -> Account:
        with self._lock:
            account = self.accounts.get(account_id or "")
        if account is None:
            raise ServiceError(404, "ResourceNotFoundException", "Account not found")
        return account


def _oidc_error(code: str, error: str, description: str) -> ServiceError:
    status = 401 if code == "InvalidClientException" else 400
    return ServiceError(status, code, description, oidc_error=error)


def _page(items: list[str], query: dict[str, str], default_size: int) -> tuple[list[str], str]:
    try:
        size = min(100, max(1, int(query.get("max_result") or default_size)))
        start = int(query.get("next_token") or "0")
    except ValueError as error:
        raise ServiceError(400, "InvalidRequestException", "Invalid pagination token") from error
    end = start + size
    return items[start:end], (str(end) if end < len(items) else "")


def _user_code() -> str:
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    return _random(letters, 4) + "-" + _random(letters, 4)


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


# --- HTTP ----------------------------------------------------------------------------------

_OIDC_ROUTES = {
    "/client/register": ("RegisterClient", SsoServer.register_client),
    "/device_authorization": ("StartDeviceAuthorization", SsoServer.start_device_authorization),
    "/token": ("CreateToken", SsoServer.create_token),
}
_PORTAL_ROUTES = {
    "/assignment/accounts": ("ListAccounts", SsoServer.list_accounts),
    "/assignment/roles": ("ListAccountRoles", SsoServer.list_account_roles),
    "/federation/credentials": ("GetRoleCredentials", SsoServer.get_role_credentials),
}


class _Handler(BaseHTTPRequestHandler):
    portal: SsoServer
    protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses connections

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests and benchmarks would drown in access logs

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/logout":
            self._count("Logout")
            self.portal.logout(self.headers.get("x-amz-sso_bearer_token"))
            self._send(200, {})
            return
        route = _OIDC_ROUTES.get(path)
        if route is None:
            self._send_error(ServiceError(404, "ResourceNotFoundException", f"No route {path}"))
            return
        operation, method = route
        self._count(operation)
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except ValueError:
            self._send_error(_oidc_error("InvalidRequestException", "invalid_request", "Bad JSON"))
            return
        try:
            self._send(200, method(self.portal, body))
        except ServiceError as error:
            self._send_error(error)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/device":
            self._send_page()
            return
        route = _PORTAL_ROUTES.get(parts.path)
        if route is None:
            self._send_error(ServiceError(404, "ResourceNotFoundException", "No such route"))
            return
        operation, method = route
        self._count(operation)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        try:
            self.portal.check_rate()
            self.portal.check_token(self.headers.get("x-amz-sso_bearer_token"))
            self._send(200, method(self.portal, query))
        except ServiceError as error:
            self._send_error(error)

    def _count(self, operation: str) -> None:
        with self.portal._lock:
            self.portal.requests[operation] += 1

    def _send_page(self) -> None:
        body = b"<html><body><h1>xswitch demo SSO</h1><p>Approve in the terminal.</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: ServiceError) -> None:
        if error.oidc_error:
            body = {"error": error.oidc_error, "error_description": error.message}
        else:
            body = {"message": error.message, "__type": f"{_PORTAL_ERROR_NAMESPACE}#{error.code}"}
        self._send(error.status, body, error_type=error.code)

    def _send(self, status: int, body: dict, error_type: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        if error_type:
            self.send_header("x-amzn-ErrorType", f"{error_type}:http://internal.amazon.com/")
        self.end_headers()
        self.wfile.write(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m xswitch.ssoserver",
        description="Run a local IAM Identity Center (SSO OIDC + portal) server until interrupted.",
    )
    parser.add_argument("--accounts", type=int, default=20, help="number of accounts")
    parser.add_argument("--roles", type=int, default=3, help="roles per account (max 5)")
    parser.add_argument("--rate", type=float, default=None, help="portal requests per second")
    parser.add_argument(
        "--manual-approve",
        action="store_true",
        help="do not approve device codes automatically (approve by typing the code)",
    )
    args = parser.parse_args(argv)
    server = SsoServer(
        sample_accounts(args.accounts, args.roles),
        auto_approve=not args.manual_approve,
        rate_limit=args.rate,
    ).start()
    print(f"SSO server on {server.url} (start URL {server.start_url})", flush=True)
    for name, value in server.environment().items():
        print(f"export {name}={value}", flush=True)
    try:
        while True:
            if args.manual_approve:
                code = input("user code to approve> ").strip()
                if code:
                    try:
                        server.approve(code)
                    except KeyError:
                        print("unknown code", flush=True)
            else:
                time.sleep(3600)
    except (KeyboardInterrupt, EOFError):
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
