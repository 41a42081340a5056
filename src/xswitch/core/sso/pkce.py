"""The browser side of the authorization code grant with PKCE (RFC 7636) and a loopback redirect
(RFC 8252): the verifier and its challenge, the `/authorize` URL, and the one-shot listener on
127.0.0.1 that receives the code.

`browser_login` is the whole login that `SsoAuth` runs with this grant.
The listener takes the first request on its callback path: a code with the `state` it was given,
or a refusal (the identity provider's `error`, or a state that does not match, whose code is never
redeemed). It shows a short page and is closed by its owner; other paths get a 404.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from xswitch.core.errors import SsoDeviceCodeExpired, SsoLoginRequired
from xswitch.core.text import visible

if TYPE_CHECKING:
    from xswitch.core.browser import Browser
    from xswitch.core.model import Prompter
    from xswitch.core.sso.auth import SsoAuth
    from xswitch.core.sso.tokens import Registration, SsoToken

AUTH_CODE_GRANT = "authorization_code"
LOOPBACK_HOST = "127.0.0.1"
CALLBACK_PATH = "/oauth/callback"
# Registered without a port, as the AWS CLI does: a loopback redirect may use any port (RFC 8252
# section 7.3), so one registration serves every login.
REGISTERED_REDIRECT_URI = f"http://{LOOPBACK_HOST}{CALLBACK_PATH}"

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>xswitch</title></head>"
    "<body><h1>{title}</h1><p>{text}</p></body></html>"
)


def new_verifier() -> str:
    """A code verifier: 64 random bytes, base64url (86 characters of the unreserved set)."""
    return secrets.token_urlsafe(64)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of `verifier` (base64url of its SHA-256, no padding)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    oidc_endpoint: str,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str],
) -> str:
    """The identity provider's `/authorize` page for one login."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "code_challenge": challenge,
    }
    if scopes:
        query["scopes"] = " ".join(scopes)
    return oidc_endpoint.rstrip("/") + "/authorize?" + urllib.parse.urlencode(query)


@dataclass(frozen=True)
class Redirect:
    """What the browser brought back: a code, or the identity provider's error."""

    code: str = ""
    error: str = ""
    description: str = ""


class LoopbackListener:
    """An HTTP listener on 127.0.0.1 (a free port) waiting for one redirect carrying `state`."""

    def __init__(self, state: str) -> None:
        self.state = state
        self._result: Redirect | None = None
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                if parts.path != CALLBACK_PATH:
                    self._page(404, "Not found", "This is not an xswitch sign-in address.")
                    return
                if query.get("state") != listener.state:
                    # Not the answer to our request (forged, or from another login): the code
                    # it may carry is never redeemed.
                    listener._deliver(Redirect(error="state_mismatch"))
                    self._page(400, "Sign-in refused", "This answer is not for this sign-in.")
                    return
                if query.get("code"):
                    listener._deliver(Redirect(code=query["code"]))
                    self._page(200, "Signed in", "xswitch has your sign-in: close this tab.")
                else:
                    listener._deliver(
                        Redirect(
                            error=query.get("error") or "no_code",
                            description=query.get("error_description", ""),
                        )
                    )
                    self._page(400, "Sign-in refused", "Go back to xswitch for the reason.")

            def _page(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK_HOST, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="xswitch-sso-callback", daemon=True
        )

    @property
    def redirect_uri(self) -> str:
        port = self._server.server_address[1]
        return f"http://{LOOPBACK_HOST}:{port}{CALLBACK_PATH}"

    def _deliver(self, result: Redirect) -> None:
        if not self._arrived.is_set():
            self._result = result
            self._arrived.set()

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, seconds: float, check: Callable[[], None]) -> Redirect | None:
        """The redirect, or None after `seconds`; `check()` runs every quarter second and may
        raise (the person cancelled)."""
        deadline = time.monotonic() + seconds
        while not self._arrived.wait(min(0.25, max(0.0, deadline - time.monotonic()))):
            check()
            if time.monotonic() >= deadline:
                return None
        return self._result


# --- the login: what SsoAuth runs when a browser can be opened here ---------------------------


def browser_login(auth: SsoAuth, prompter: Prompter, browser: Browser) -> SsoToken | None:
    """Authorization code + PKCE for `auth`'s session, with its lock held; None when the browser
    could not be opened at all (the caller then uses a device code)."""
    from xswitch.core.browser import open_url
    from xswitch.core.sso.auth import BROWSER_LOGIN_WAIT, check_cancelled
    from xswitch.core.sso.tokens import scopes_for

    name = auth.session.name
    registration = auth.registration(auth_code=True)
    verifier = new_verifier()
    state = secrets.token_urlsafe(24)
    oidc = auth.client("sso-oidc")
    with LoopbackListener(state) as listener:
        url = authorize_url(
            oidc.meta.endpoint_url,
            registration.client_id,
            listener.redirect_uri,
            state,
            challenge_of(verifier),
            scopes_for(auth.session),
        )
        if not open_url(url, browser, env=auth.env):
            return None
        prompter.sso_browser_login(name, url)
        redirect = listener.wait(BROWSER_LOGIN_WAIT, lambda: check_cancelled(prompter))
    if redirect is None:
        raise SsoDeviceCodeExpired(
            f"The browser sign-in to SSO session '{name}' was not completed within "
            f"{BROWSER_LOGIN_WAIT // 60} minutes.",
            f"Run 'xswitch sso login {name}' again and approve it in the browser, or add "
            "--use-device-code to approve a code on another device.",
        )
    if not redirect.code:
        raise SsoDeviceCodeExpired(
            f"The sign-in to SSO session '{name}' was refused in the browser "
            f"({visible(redirect.error)}"
            + (f": {visible(redirect.description[:200])}" if redirect.description else "")
            + ").",
            f"Run 'xswitch sso login {name}' again and approve it; if it is refused again, ask "
            "your Identity Center administrator.",
        )
    return _redeem(auth, registration, redirect.code, listener.redirect_uri, verifier)


def _redeem(
    auth: SsoAuth, registration: Registration, code: str, redirect_uri: str, verifier: str
) -> SsoToken:
    """CreateToken with the code and its verifier (one attempt: a code is good only once)."""
    from xswitch.core.aws.errors import call_failures, checked_answer, error_code, translate
    from xswitch.core.sso.auth import TOKEN_ANSWER

    step = "CreateToken (authorization code)"
    oidc = auth.client("sso-oidc", attempts=1)
    try:
        answer = oidc.create_token(
            grantType=AUTH_CODE_GRANT,
            clientId=registration.client_id,
            clientSecret=registration.client_secret,
            code=code,
            redirectUri=redirect_uri,
            codeVerifier=verifier,
        )
    except call_failures() as error:
        explained = translate(error, auth.call(step, oidc))
        if error_code(error) == "InvalidGrantException":
            raise SsoLoginRequired(
                auth.session.name,
                f"Identity Center refused the sign-in code of SSO session "
                f"'{auth.session.name}' (InvalidGrantException): it was used already, it "
                "expired, or it was not issued to this login.",
            ) from None
        raise explained from None
    answer = checked_answer(answer, auth.call(step, oidc), TOKEN_ANSWER)
    return auth.issued(
        answer, registration.client_id, registration.client_secret, registration.expires_at
    )
