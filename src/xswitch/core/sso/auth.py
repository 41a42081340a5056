"""The token of one SSO session: read from the cache, refreshed, or obtained by a new login.

One login per SSO session runs at a time across threads and processes (`session_lock`); whoever
waited re-reads the cache. The interactive login is the authorization code grant with PKCE and a
loopback redirect when a browser can be opened (as the AWS CLI v2 does), else the device
authorization grant (`SsoAuth._new_login` chooses). botocore is imported only when a call to the
SSO services is about to be made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from xswitch.core import locks, paths
from xswitch.core.aws.clients import unsigned_client
from xswitch.core.aws.errors import Call, call_failures, checked_answer, error_code, translate
from xswitch.core.errors import (
    ConfigError,
    EndpointMisbehaved,
    EndpointUnreachable,
    PromptCancelled,
    SsoDeviceCodeExpired,
    SsoLoginRequired,
    XswitchError,
)
from xswitch.core.model import DeviceAuthorization, Prompter, SsoSession
from xswitch.core.sso import pkce
from xswitch.core.sso.tokens import Registration, SsoToken, TokenCache, scopes_for

if TYPE_CHECKING:
    from xswitch.core.browser import Browser

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
REFRESH_WINDOW = 15 * 60  # refresh sso-session tokens with less left (as botocore does)
SLOW_DOWN_DELAY = 5  # seconds added to the poll interval on SlowDownException (RFC 8628)
DEFAULT_INTERVAL = 5
CLIENT_NAME = "xswitch"
NO_BROWSER_ENV = "XSWITCH_NO_BROWSER"
BROWSER_LOGIN_WAIT = 10 * 60  # seconds the browser sign-in may take before it is given up


# What each answer must hold (key -> type); anything else is the endpoint's fault.
TOKEN_ANSWER = {"accessToken": str, "expiresIn": int}
_REGISTRATION_ANSWER = {"clientId": str, "clientSecret": str, "clientSecretExpiresAt": int}
_DEVICE_ANSWER = {
    "deviceCode": str,
    "userCode": str,
    "verificationUri": str,
    "verificationUriComplete": str,
    "expiresIn": int,
}


# --- one login at a time ------------------------------------------------------------------------

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def session_lock(
    session: SsoSession, env: Mapping[str, str], prompter: Prompter | None = None
) -> Iterator[None]:
    """Held while one thread of one process refreshes or logs in to `session`."""
    key = TokenCache.token_key(session)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
    while not thread_lock.acquire(timeout=0.2):
        check_cancelled(prompter)
    try:
        with locks.held(
            paths.cache_dir(env) / f"sso-{key}.lock",
            timeout=None,
            busy=lambda: PromptCancelled("The SSO login"),
            check=lambda: check_cancelled(prompter),
        ):
            yield
    finally:
        thread_lock.release()


def check_cancelled(prompter: Prompter | None) -> None:
    if prompter is not None and prompter.cancelled():
        raise PromptCancelled("The SSO login")


# --- tokens: cached, refreshed, or obtained by device login --------------------------------------


class SsoAuth:
    """Everything about the token of one SSO session: read, refresh, log in, log out."""

    def __init__(
        self,
        session: SsoSession,
        env: Mapping[str, str] = os.environ,
        *,
        cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        open_browser: bool | None = None,
        timeout: float | None = None,
        browser: Browser | None = None,
        use_device_code: bool = False,
    ) -> None:
        if not session.start_url or not session.region:
            raise ConfigError(
                f"SSO session '{session.name}' needs both sso_start_url and sso_region.",
                "Add the missing setting to its [sso-session] section.",
            )
        self.session = session
        self.env = env
        self.timeout = timeout
        self.cache = cache or TokenCache()
        self._sleep = sleep
        self.open_browser = (not env.get(NO_BROWSER_ENV)) if open_browser is None else open_browser
        self.browser = browser
        self.use_device_code = use_device_code

    # --- reading ---

    def cached(self) -> SsoToken | None:
        """The cached token, whatever its age (no network)."""
        return self.cache.load_token(self.session)

    def token(self, prompter: Prompter | None = None) -> SsoToken:
        """A usable token: cached, else refreshed, else (with a prompter) a new device login.

        Without a prompter, raises SsoLoginRequired instead of logging in.
        """
        token = self.cached()
        if token is not None and token.usable() and not self._wants_refresh(token):
            return token
        with session_lock(self.session, self.env, prompter):
            # Someone may have logged in or refreshed while we waited for the lock.
            token = self.cached()
            if token is not None and token.usable() and not self._wants_refresh(token):
                return token
            refusal: XswitchError | None = None
            if token is not None and self._wants_refresh(token):
                try:
                    return self._refresh(token)
                except (SsoLoginRequired, EndpointMisbehaved, EndpointUnreachable) as error:
                    refusal = error
                    log.info("SSO token refresh for %s failed: %s", self.session.name, error)
            if token is not None and token.usable():
                return token  # refresh failed but the token still works: use it, as botocore does
            if prompter is None:
                raise refusal or SsoLoginRequired(self.session.name)
            return self._new_login(prompter)

    def login(self, prompter: Prompter, *, force: bool = True) -> SsoToken:
        """`xswitch sso login`: a new device login (or, with force=False, reuse a good token)."""
        if not force:
            return self.token(prompter)
        with session_lock(self.session, self.env, prompter):
            return self._new_login(prompter)

    def logout(self) -> bool:
        """Sign the token out at the portal (best effort) and delete the cached token file."""
        token = self.cached()
        if token is None:
            return False
        if token.usable():
            portal = unsigned_client(
                "sso", self.session.region, self.env, timeout=self.timeout, attempts=1
            )
            with contextlib.suppress(*call_failures()):
                portal.logout(accessToken=token.access_token)
        with session_lock(self.session, self.env):
            return self.cache.delete_token(self.session)

    def _wants_refresh(self, token: SsoToken) -> bool:
        return (
            not self.session.legacy
            and token.seconds_left() < REFRESH_WINDOW
            and token.refreshable()
        )

    # --- refresh ---

    def client(self, service: str, attempts: int = 3) -> Any:
        return unsigned_client(
            service, self.session.region, self.env, timeout=self.timeout, attempts=attempts
        )

    def call(self, step: str, client: Any) -> Call:
        """An Identity Center login call (`sso-oidc`), for `translate` and `checked_answer`."""
        return Call("sso-oidc", step, sso_session=self.session, client=client, env=self.env)

    def _refresh(self, token: SsoToken) -> SsoToken:
        step = "CreateToken (refresh)"
        oidc = self.client("sso-oidc", attempts=1)  # a refresh token may be good only once
        try:
            answer = oidc.create_token(
                grantType=REFRESH_GRANT,
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            )
        except call_failures() as error:
            explained = translate(error, self.call(step, oidc))
            code = error_code(error)
            if code and not isinstance(explained, EndpointMisbehaved | EndpointUnreachable):
                raise SsoLoginRequired(
                    self.session.name,
                    f"Identity Center refused to renew the login of SSO session "
                    f"'{self.session.name}' ({code}): the session ended or was revoked.",
                ) from None
            raise explained from None
        answer = checked_answer(answer, self.call(step, oidc), TOKEN_ANSWER)
        return self.issued(
            answer, token.client_id, token.client_secret, token.registration_expires_at, token
        )

    # --- a new login ---

    def _new_login(self, prompter: Prompter) -> SsoToken:
        """The interactive login, called with the session lock held: authorization code + PKCE
        in a browser when one can be opened here, else the device code (a URL and a code to
        approve on any device)."""
        from xswitch.core.browser import Browser, can_open

        browser = self.browser or Browser("default")
        if self.open_browser and not self.use_device_code and can_open(browser, self.env):
            token = pkce.browser_login(self, prompter, browser)
            if token is not None:
                return token
            log.info("No browser opened for SSO session %s: device code", self.session.name)
        return self._device_login(prompter)

    def _device_login(self, prompter: Prompter) -> SsoToken:
        registration = self.registration()
        try:
            authorization = self._start(registration)
        except SsoLoginRequired:
            # The identity provider forgot our client (expired or revoked): register again once.
            registration = self.registration(force=True)
            authorization = self._start(registration)
        verification = authorization["verificationUriComplete"]
        prompter.sso_device_code(
            DeviceAuthorization(
                session=self.session.name,
                verification_uri=authorization["verificationUri"],
                verification_uri_complete=verification,
                user_code=authorization["userCode"],
                expires_in=int(authorization["expiresIn"]),
            )
        )
        if self.open_browser:
            from xswitch.core.browser import Browser, open_url

            open_url(verification, self.browser or Browser("default"), env=self.env)
        return self._poll(prompter, registration, authorization)

    def registration(self, force: bool = False, auth_code: bool = False) -> Registration:
        if not force:
            cached = self.cache.load_registration(self.session, auth_code=auth_code)
            if cached is not None and (cached.expires_at - _now()).total_seconds() > REFRESH_WINDOW:
                return cached
        scopes = scopes_for(self.session)
        oidc = self.client("sso-oidc")
        arguments: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
        if scopes:
            arguments["scopes"] = list(scopes)
        if auth_code:
            arguments["grantTypes"] = [pkce.AUTH_CODE_GRANT, REFRESH_GRANT]
            arguments["redirectUris"] = [pkce.REGISTERED_REDIRECT_URI]
            arguments["issuerUrl"] = self.session.start_url
        try:
            answer = oidc.register_client(**arguments)
        except call_failures() as error:
            raise translate(error, self.call("RegisterClient", oidc)) from None
        answer = checked_answer(answer, self.call("RegisterClient", oidc), _REGISTRATION_ANSWER)
        registration = Registration(
            client_id=answer["clientId"],
            client_secret=answer["clientSecret"],
            expires_at=datetime.fromtimestamp(int(answer["clientSecretExpiresAt"]), UTC),
            scopes=scopes,
        )
        self.cache.save_registration(self.session, registration, auth_code=auth_code)
        return registration

    def _start(self, registration: Registration) -> dict[str, Any]:
        step = "StartDeviceAuthorization"
        oidc = self.client("sso-oidc")
        try:
            answer = oidc.start_device_authorization(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                startUrl=self.session.start_url,
            )
        except call_failures() as error:
            raise translate(error, self.call(step, oidc)) from None
        return dict(checked_answer(answer, self.call(step, oidc), _DEVICE_ANSWER))

    def _poll(
        self, prompter: Prompter, registration: Registration, authorization: Mapping[str, Any]
    ) -> SsoToken:
        oidc = self.client("sso-oidc")
        interval = authorization.get("interval")
        if not isinstance(interval, int | float) or isinstance(interval, bool):
            interval = DEFAULT_INTERVAL
        interval = float(min(max(interval, 1), 60))
        deadline = time.monotonic() + int(authorization["expiresIn"])
        first = True
        while True:
            if not first:
                self._wait(interval, prompter)
            first = False
            check_cancelled(prompter)
            if time.monotonic() >= deadline:
                raise self._expired()
            try:
                answer = oidc.create_token(
                    grantType=DEVICE_GRANT,
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    deviceCode=authorization["deviceCode"],
                )
            except call_failures() as error:
                code = error_code(error)
                if code == "AuthorizationPendingException":
                    continue
                if code == "SlowDownException":
                    interval += SLOW_DOWN_DELAY
                    continue
                if code == "ExpiredTokenException":
                    raise self._expired() from None
                if code == "AccessDeniedException":
                    raise SsoDeviceCodeExpired(
                        f"The login to SSO session '{self.session.name}' was denied in the "
                        "browser.",
                        f"Run 'xswitch sso login {self.session.name}' again and approve it.",
                    ) from None
                raise translate(error, self.call("CreateToken", oidc)) from None
            answer = checked_answer(answer, self.call("CreateToken", oidc), TOKEN_ANSWER)
            return self.issued(
                answer, registration.client_id, registration.client_secret, registration.expires_at
            )

    def issued(
        self,
        answer: Mapping[str, Any],
        client_id: str,
        client_secret: str,
        registration_expires_at: datetime | None,
        renewed: SsoToken | None = None,
    ) -> SsoToken:
        """The token of a CreateToken answer, saved; renewing `renewed`, its refresh token is
        kept unless the answer brings a new one."""
        token = SsoToken(
            start_url=self.session.start_url,
            region=self.session.region,
            access_token=answer["accessToken"],
            expires_at=_now() + timedelta(seconds=int(answer["expiresIn"])),
            client_id=client_id,
            client_secret=client_secret,
            registration_expires_at=registration_expires_at,
            refresh_token=_text_or_none(answer.get("refreshToken"))
            or (renewed.refresh_token if renewed else None),
        )
        self.cache.save_token(self.session, token)
        return token

    def _wait(self, seconds: float, prompter: Prompter) -> None:
        # Sleep in short steps so that cancelling in the picker takes effect at once.
        remaining = seconds
        while remaining > 0:
            step = min(0.25, remaining)
            self._sleep(step)
            remaining -= step
            check_cancelled(prompter)

    def _expired(self) -> SsoDeviceCodeExpired:
        return SsoDeviceCodeExpired(
            f"The login code for SSO session '{self.session.name}' expired before it was approved.",
            f"Run 'xswitch sso login {self.session.name}' again and approve the code in the "
            "browser within its lifetime (usually 10 minutes).",
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _now() -> datetime:
    return datetime.now(UTC)
