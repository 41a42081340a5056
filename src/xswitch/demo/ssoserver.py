"""A small IAM Identity Center server: SSO OIDC (device code, authorization code with PKCE,
refresh) and the SSO portal, on 127.0.0.1.

It speaks the REST-JSON wire protocol of botocore's `sso-oidc` and `sso` service models
(2019-06-10) (the HTTP side is `ssohttp`), so real clients (botocore, the AWS CLI) reach it through
`AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`. The demo runs it in-process (tests add
their controls in a subclass); `python -m xswitch.demo.ssoserver --accounts 1000 --roles 3
--rate 20` runs a standalone portal. It only speaks the protocol: no switch makes it misbehave.

Over 400 lines because the OIDC flow and the portal share one state under one lock (a token the
one issues, the other checks); what is not that state (HTTP, wire errors) is in `ssohttp`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import string
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

from xswitch.demo.ssohttp import Handler, ServiceError, oidc_error

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
AUTH_CODE_GRANT = "authorization_code"
AUTH_CODE_LIFETIME = 300  # seconds an authorization code may wait to be redeemed
SAMPLE_ROLES = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "Billing", "ViewOnly")


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


@dataclass
class _Client:
    secret: str
    expires_at: float
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()


@dataclass
class _AuthCode:
    """An authorization code handed to the browser, bound to its client, redirect and challenge."""

    client_id: str
    redirect_uri: str
    challenge: str
    expires_at: float
    redeemed: bool = False


@dataclass
class _PendingAuthorization:
    """An /authorize request waiting for the person at the browser (without auto-approval)."""

    client_id: str
    redirect_uri: str
    state: str
    challenge: str


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
    """Lifetimes (seconds), page size, rate limit, approval; tests shorten the lifetimes."""

    token_lifetime: int = 8 * 3600
    refresh_lifetime: int = 90 * 24 * 3600
    client_lifetime: int = 90 * 24 * 3600
    device_code_lifetime: int = 600
    poll_interval: int = 1
    credential_lifetime: int = 3600
    page_size: int = 20  # ListAccounts / ListAccountRoles page size when the client sends none
    rate_limit: float | None = None  # portal requests per second; None = unlimited
    auto_approve: bool = False  # approve every device code and /authorize request (the demo)


@dataclass
class _State:
    clients: dict[str, _Client] = field(default_factory=dict)
    grants: dict[str, _DeviceGrant] = field(default_factory=dict)  # by device code
    tokens: dict[str, _Token] = field(default_factory=dict)  # access tokens
    refresh_tokens: dict[str, _Token] = field(default_factory=dict)
    codes: dict[str, _AuthCode] = field(default_factory=dict)  # authorization codes
    pending: dict[str, _PendingAuthorization] = field(default_factory=dict)  # by request id


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
        self._state = _State()
        self._lock = threading.RLock()
        self._bucket = _TokenBucket(self.options.rate_limit) if self.options.rate_limit else None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> SsoServer:
        handler = type("BoundHandler", (Handler,), {"portal": self})
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

    def received(self, operation: str) -> None:
        """Called for every request, with its operation name (a hook for subclasses)."""

    def approve(self, user_code: str) -> None:
        """Approve a pending device authorization, as the person at the browser does."""
        grant = self._grant(user_code)
        grant.approved, grant.denied = True, False

    def _grant(self, user_code: str) -> _DeviceGrant:
        with self._lock:
            for grant in self._state.grants.values():
                if grant.user_code == user_code:
                    return grant
        raise KeyError(f"unknown user code {user_code}")

    # --- OIDC -----------------------------------------------------------------------------

    def register_client(self, body: dict) -> dict:
        if not body.get("clientName") or body.get("clientType") != "public":
            raise oidc_error(
                "InvalidRequestException", "invalid_request", "clientType must be public"
            )
        grant_types = _strings(body.get("grantTypes"), "grantTypes")
        redirect_uris = _strings(body.get("redirectUris"), "redirectUris")
        if AUTH_CODE_GRANT in grant_types:
            if not redirect_uris or not all(_is_http_uri(uri) for uri in redirect_uris):
                raise oidc_error(
                    "InvalidRedirectUriException",
                    "invalid_redirect_uri",
                    "The authorization_code grant needs http(s) redirectUris",
                )
            if not body.get("issuerUrl"):
                raise oidc_error(
                    "InvalidRequestException",
                    "invalid_request",
                    "issuerUrl is required for the authorization_code grant",
                )
        client_id = "cid-" + secrets.token_urlsafe(16)
        now = time.time()
        client = _Client(
            secret=secrets.token_urlsafe(48),
            expires_at=now + self.options.client_lifetime,
            scopes=tuple(body.get("scopes") or ()),
            grant_types=grant_types,
            redirect_uris=redirect_uris,
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
            raise oidc_error("InvalidRequestException", "invalid_request", "startUrl is required")
        device_code = secrets.token_urlsafe(32)
        user_code = _user_code()
        grant = _DeviceGrant(
            client_id=body["clientId"],
            user_code=user_code,
            start_url=body["startUrl"],
            expires_at=time.time() + self.options.device_code_lifetime,
            approved=self.options.auto_approve,
        )
        with self._lock:
            self._state.grants[device_code] = grant
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
        if grant_type == AUTH_CODE_GRANT:
            return self._redeem_authorization_code(body, client)
        raise oidc_error(
            "UnsupportedGrantTypeException", "unsupported_grant_type", f"{grant_type!r} unsupported"
        )

    def _redeem_device_code(self, body: dict, client: _Client) -> dict:
        with self._lock:
            grant = self._state.grants.get(body.get("deviceCode") or "")
            if grant is None or grant.client_id != body["clientId"] or grant.redeemed:
                raise oidc_error("InvalidGrantException", "invalid_grant", "Invalid device code")
            if grant.expires_at <= time.time():
                raise oidc_error("ExpiredTokenException", "expired_token", "Device code expired")
            if grant.denied:
                raise oidc_error("AccessDeniedException", "access_denied", "Denied by the user")
            if not grant.approved:
                raise oidc_error(
                    "AuthorizationPendingException", "authorization_pending", "Not yet approved"
                )
            grant.redeemed = True
            return self._issue_token(body["clientId"], with_refresh=bool(client.scopes))

    def _redeem_authorization_code(self, body: dict, client: _Client) -> dict:
        verifier = body.get("codeVerifier")
        with self._lock:
            code = self._state.codes.get(body.get("code") or "")
            if (
                code is None
                or code.redeemed
                or code.client_id != body["clientId"]
                or code.expires_at <= time.time()
            ):
                if code is not None:
                    code.redeemed = True  # a code presented twice is burnt (RFC 6749 4.1.2)
                raise oidc_error("InvalidGrantException", "invalid_grant", "Invalid code")
            code.redeemed = True  # good once, whatever follows
            if body.get("redirectUri") != code.redirect_uri:
                raise oidc_error("InvalidGrantException", "invalid_grant", "redirectUri mismatch")
            if not isinstance(verifier, str) or _s256(verifier) != code.challenge:
                raise oidc_error("InvalidGrantException", "invalid_grant", "Invalid code_verifier")
            with_refresh = REFRESH_GRANT in client.grant_types or bool(client.scopes)
            return self._issue_token(body["clientId"], with_refresh=with_refresh)

    # --- the browser's /authorize page (authorization code grant) ---------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """GET /authorize: (302, where to send the browser) or (200/400, a page's text).

        An unknown client or a redirect URI it did not register is answered with a page and
        never redirected (RFC 6749 4.1.2.1); other problems go back to the redirect URI as an
        `error`. With auto-approval (the demo) the code is issued at once.
        """
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        with self._lock:
            client = self._state.clients.get(client_id)
        if client is None or client.expires_at <= time.time():
            return 400, "Unknown client."
        if not any(_redirect_matches(uri, redirect_uri) for uri in client.redirect_uris):
            return 400, "The redirect_uri was not registered by this client."
        state = query.get("state", "")
        if AUTH_CODE_GRANT not in client.grant_types:
            return 302, _with_query(redirect_uri, error="unauthorized_client", state=state)
        challenge = query.get("code_challenge", "")
        if (
            query.get("response_type") != "code"
            or query.get("code_challenge_method") != "S256"
            or not 43 <= len(challenge) <= 128
        ):
            return 302, _with_query(redirect_uri, error="invalid_request", state=state)
        pending = _PendingAuthorization(client_id, redirect_uri, state, challenge)
        if self.options.auto_approve:
            return 302, self._grant_code(pending)
        request_id = secrets.token_urlsafe(16)
        with self._lock:
            self._state.pending[request_id] = pending
        return 200, request_id

    def decide(self, request_id: str, approve: bool) -> str | None:
        """The person at the browser approves or denies a pending /authorize request: where the
        browser goes next, or None for an unknown request."""
        with self._lock:
            pending = self._state.pending.pop(request_id, None)
        if pending is None:
            return None
        if not approve:
            return _with_query(pending.redirect_uri, error="access_denied", state=pending.state)
        return self._grant_code(pending)

    def _grant_code(self, pending: _PendingAuthorization) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._state.codes[code] = _AuthCode(
                pending.client_id,
                pending.redirect_uri,
                pending.challenge,
                time.time() + AUTH_CODE_LIFETIME,
            )
        return _with_query(pending.redirect_uri, code=code, state=pending.state)

    def _redeem_refresh_token(self, body: dict) -> dict:
        with self._lock:
            refresh = self._state.refresh_tokens.get(body.get("refreshToken") or "")
            if (
                refresh is None
                or refresh.revoked
                or refresh.client_id != body["clientId"]
                or refresh.expires_at <= time.time()
            ):
                raise oidc_error("InvalidGrantException", "invalid_grant", "Invalid refresh token")
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
        if with_refresh:
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
            raise oidc_error("InvalidClientException", "invalid_client", "Invalid client")
        if client.expires_at <= time.time():
            raise oidc_error("InvalidClientException", "invalid_client", "Client expired")
        return client

    # --- portal ---------------------------------------------------------------------------

    def check_rate(self) -> None:
        """Refuse a portal request over the rate limit, as AWS does (HTTP 429)."""
        if self._bucket is not None and not self._bucket.try_take():
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


def _strings(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise oidc_error("InvalidRequestException", "invalid_request", f"{name} is not a list")
    return tuple(value)


def _is_http_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _redirect_matches(registered: str, requested: str) -> bool:
    """Exact match, except that a loopback redirect may use any port (RFC 8252 section 7.3)."""
    if registered == requested:
        return True
    want, got = urlsplit(registered), urlsplit(requested)
    try:
        got_port = got.port
    except ValueError:
        return False
    return (
        want.scheme == got.scheme == "http"
        and want.hostname in ("127.0.0.1", "::1")
        and want.hostname == got.hostname
        and want.port is None
        and got_port is not None
        and want.path == got.path
        and not got.query
        and not got.fragment
        and not got.username
        and not got.password
    )


def _with_query(uri: str, **values: str) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return uri + separator + urlencode(values)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("utf-8", "surrogatepass")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m xswitch.demo.ssoserver",
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
