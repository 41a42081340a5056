"""IAM Identity Center (SSO): device login, the token cache shared with the AWS CLI, refresh, roles.

The token cache is the AWS CLI's: `~/.aws/sso/cache/<sha1(session name, or start URL for a legacy
profile)>.json`, same keys, same timestamp format, so a login by either tool serves both. One login
per SSO session runs at a time across threads and processes; whoever waited re-reads the cache.
botocore is imported only when a call to the SSO services is about to be made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from xswitch.core import fs, locks, paths
from xswitch.core.errors import (
    AwsError,
    EndpointMisbehaved,
    EndpointUnreachable,
    PromptCancelled,
    SsoDeviceCodeExpired,
    SsoLoginRequired,
    SsoRoleNotAssigned,
    SsoThrottled,
    XswitchError,
)
from xswitch.core.model import Credentials, DeviceAuthorization, Profile, Prompter, SsoSession
from xswitch.core.times import parse_rfc3339, rfc3339

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
REFRESH_WINDOW = 15 * 60  # refresh sso-session tokens with less left (as botocore does)
USABLE_MARGIN = 60  # a token with less left is treated as expired
SLOW_DOWN_DELAY = 5  # seconds added to the poll interval on SlowDownException (RFC 8628)
DEFAULT_INTERVAL = 5
# Registering with this scope is what makes Identity Center issue refresh tokens; it is what
# `aws configure sso` writes when the user accepts the default.
DEFAULT_SCOPES = ("sso:account:access",)
CLIENT_NAME = "xswitch"
NO_BROWSER_ENV = "XSWITCH_NO_BROWSER"


# What each answer must hold (key -> type); anything else is the endpoint's fault.
_TOKEN_ANSWER = {"accessToken": str, "expiresIn": int}
_REGISTRATION_ANSWER = {"clientId": str, "clientSecret": str, "clientSecretExpiresAt": int}
_DEVICE_ANSWER = {
    "deviceCode": str,
    "userCode": str,
    "verificationUri": str,
    "verificationUriComplete": str,
    "expiresIn": int,
}
# Upper bounds of numbers in answers: lifetimes in seconds, expiry times in (milli)seconds.
_NUMBER_LIMITS = {"expiresIn": 10**8, "clientSecretExpiresAt": 2 * 10**11, "expiration": 2 * 10**14}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def can_prompt(prompter: Prompter) -> bool:
    """Whether `prompter` can ask somebody (prompters without `can_prompt()` always can)."""
    check = getattr(prompter, "can_prompt", None)
    return bool(check()) if callable(check) else True


# --- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SsoToken:
    """A cached SSO access token and the client registration that obtained it."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: datetime
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    registration_expires_at: datetime | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def seconds_left(self, now: datetime | None = None) -> float:
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()

    def usable(self, now: datetime | None = None) -> bool:
        return self.seconds_left(now) > USABLE_MARGIN

    def refreshable(self, now: datetime | None = None) -> bool:
        registration_ok = self.registration_expires_at is None or self.registration_expires_at > (
            now or datetime.now(UTC)
        )
        return bool(self.refresh_token and self.client_id and self.client_secret) and (
            registration_ok
        )

    def to_cache(self) -> dict[str, str]:
        """The AWS CLI's token file keys (botocore.tokens.SSOTokenProvider reads them)."""
        data = {
            "startUrl": self.start_url,
            "region": self.region,
            "accessToken": self.access_token,
            "expiresAt": rfc3339(self.expires_at),
        }
        if self.client_id:
            data["clientId"] = self.client_id
            data["clientSecret"] = self.client_secret
        if self.registration_expires_at:
            data["registrationExpiresAt"] = rfc3339(self.registration_expires_at)
        if self.refresh_token:
            data["refreshToken"] = self.refresh_token
        return data

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> SsoToken:
        """Parse a token file; raises ValueError/KeyError/TypeError when it is not one."""
        registration = _optional_text(data, "registrationExpiresAt")
        return cls(
            start_url=_optional_text(data, "startUrl"),
            region=_optional_text(data, "region"),
            access_token=_required_text(data, "accessToken"),
            expires_at=parse_rfc3339(_required_text(data, "expiresAt")),
            client_id=_optional_text(data, "clientId"),
            client_secret=_optional_text(data, "clientSecret"),
            registration_expires_at=parse_rfc3339(registration) if registration else None,
            refresh_token=_optional_text(data, "refreshToken") or None,
        )


@dataclass(frozen=True)
class Registration:
    """An OIDC client registration (RegisterClient), reusable until it expires."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] = ()

    def to_cache(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "expiresAt": rfc3339(self.expires_at),
        }
        if self.scopes:
            data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> Registration:
        scopes = data.get("scopes") or ()
        if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("scopes is not a list of strings")
        return cls(
            client_id=_required_text(data, "clientId"),
            client_secret=_required_text(data, "clientSecret"),
            expires_at=parse_rfc3339(_required_text(data, "expiresAt")),
            scopes=tuple(scopes),
        )


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def scopes_for(session: SsoSession) -> tuple[str, ...]:
    """Legacy profiles register without scopes (as the AWS CLI does); sessions with the default."""
    if session.legacy:
        return ()
    return session.scopes or DEFAULT_SCOPES


# --- the AWS CLI compatible cache ------------------------------------------------------------


class TokenCache:
    """`~/.aws/sso/cache`: token files and client registrations, laid out as the AWS CLI does."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or paths.sso_cache_dir()

    @staticmethod
    def token_key(session: SsoSession) -> str:
        """botocore.utils.SSOTokenLoader._generate_cache_key: sha1 of session name or start URL."""
        text = session.start_url if session.legacy else session.name
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    @staticmethod
    def registration_key(session: SsoSession) -> str:
        """The AWS CLI v2's client-registration file name.

        As in `SSOTokenFetcher._registration_cache_key` (AWS CLI v2, awscli/botocore/utils.py):
        sha1 of the sorted JSON of tool, startUrl, region, scopes, session_name (None if legacy).
        """
        scopes = list(scopes_for(session)) or None
        args = {
            "tool": "botocore",
            "startUrl": session.start_url,
            "region": session.region,
            "scopes": scopes,
            "session_name": None if session.legacy else session.name,
        }
        return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()

    def token_path(self, session: SsoSession) -> Path:
        return self.directory / f"{self.token_key(session)}.json"

    def registration_path(self, session: SsoSession) -> Path:
        return self.directory / f"{self.registration_key(session)}.json"

    def load_token(self, session: SsoSession) -> SsoToken | None:
        data = self._read(self.token_path(session), "SSO token")
        if data is None:
            return None
        try:
            return SsoToken.from_cache(data)
        except (KeyError, ValueError, TypeError) as error:
            _warn_malformed(self.token_path(session), "SSO token", f"missing or bad {error}")
            return None

    def save_token(self, session: SsoSession, token: SsoToken) -> None:
        self._write(self.token_path(session), token.to_cache())

    def delete_token(self, session: SsoSession) -> bool:
        try:
            self.token_path(session).unlink()
        except FileNotFoundError:
            return False
        return True

    def load_registration(self, session: SsoSession) -> Registration | None:
        data = self._read(self.registration_path(session), "SSO client registration")
        if data is None:
            return None
        try:
            return Registration.from_cache(data)
        except (KeyError, ValueError, TypeError) as error:
            path = self.registration_path(session)
            _warn_malformed(path, "SSO client registration", f"missing or bad {error}")
            return None

    def save_registration(self, session: SsoSession, registration: Registration) -> None:
        self._write(self.registration_path(session), registration.to_cache())

    def _read(self, path: Path, what: str) -> dict[str, Any] | None:
        try:
            raw = fs.read_private_file(path, CACHE_FILE_LIMIT, warn=_warn_loose)
        except FileNotFoundError:
            return None
        except OSError as error:
            _warn_malformed(path, what, error.strerror or str(error))
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            _warn_malformed(path, what, "it is not valid JSON")
            return None
        if not isinstance(data, dict):
            _warn_malformed(path, what, "it is not a JSON object")
            return None
        return data

    def _write(self, path: Path, data: Mapping[str, Any]) -> None:
        """Atomically, readable only by the user; a malformed file being replaced is kept aside."""
        fs.private_dir(self.directory)
        if (path.exists() or path.is_symlink()) and self._read_quietly(path) is None:
            # Never lose a file we could not read: the user may want to look at it.
            os.replace(path, path.with_suffix(".malformed"))
        fs.write_private(path, json.dumps(dict(data)).encode("utf-8"))

    @staticmethod
    def _read_quietly(path: Path) -> dict | None:
        try:
            data = json.loads(fs.read_private_file(path, CACHE_FILE_LIMIT).decode("utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None


CACHE_FILE_LIMIT = 1024 * 1024  # a token file is a few kilobytes
_warned: set[tuple[str, str]] = set()


def _warn_malformed(path: Path, what: str, reason: str) -> None:
    if (str(path), "malformed") in _warned:
        return
    _warned.add((str(path), "malformed"))
    log.warning(
        "xswitch: ignoring the %s cache file %s (%s); a new login will replace it.",
        what,
        path,
        reason,
    )


def _warn_loose(path: Path, mode: int) -> None:
    if (str(path), "loose") in _warned:
        return
    _warned.add((str(path), "loose"))
    log.warning(
        "xswitch: %s is readable by other users (mode %04o): it holds an SSO login. "
        "Run 'chmod 600 %s'.",
        path,
        mode,
        path,
    )


# --- botocore clients --------------------------------------------------------------------------

_CLIENTS: dict[tuple[str, str, str | None, int, float], Any] = {}
_CLIENTS_LOCK = threading.Lock()
_BOTOCORE_SESSION: Any = None


def endpoint_for(service: str, env: Mapping[str, str]) -> str | None:
    """The endpoint override botocore would use: service-specific variable, then the global one."""
    specific = {"sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC", "sso": "AWS_ENDPOINT_URL_SSO"}[service]
    return env.get(specific) or env.get("AWS_ENDPOINT_URL") or None


def sso_client(
    service: str,
    region: str,
    env: Mapping[str, str],
    attempts: int = 3,
    timeout: float | None = None,
) -> Any:
    """An unsigned botocore client for `sso-oidc` or `sso` in `region` (shared, thread-safe).

    Each attempt has a total deadline of `timeout` seconds (settings.network_timeout)."""
    global _BOTOCORE_SESSION
    from xswitch.core import network

    timeout = timeout or network.DEFAULT_TIMEOUT
    endpoint = endpoint_for(service, env)
    key = (service, region, endpoint, attempts, timeout)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            import botocore
            import botocore.session

            if _BOTOCORE_SESSION is None:
                _BOTOCORE_SESSION = botocore.session.get_session()
            config = network.config(
                timeout,
                attempts,
                signature_version=botocore.UNSIGNED,
                region_name=region,
                max_pool_connections=32,
            )
            client = _BOTOCORE_SESSION.create_client(
                service, region_name=region, endpoint_url=endpoint, config=config
            )
            _CLIENTS[key] = network.bound(client, timeout, attempts)
        return client


_SERVICE_NAMES = {"sso": "the SSO portal", "sso-oidc": "the SSO login service (OIDC)"}


def _service_of(step: str) -> str:
    return "sso-oidc" if "Token" in step or "Client" in step or "Device" in step else "sso"


def checked_answer(
    answer: Any,
    session: SsoSession,
    step: str,
    env: Mapping[str, str],
    checks: Mapping[str, type[Any]],
) -> Mapping[str, Any]:
    """`answer` when it has each key of `checks` with a value of that type; else the endpoint
    is blamed (a 200 without the data is the endpoint's fault, not the user's)."""
    from xswitch.core.explain import malformed_answer

    service = _service_of(step)
    problem = "" if isinstance(answer, Mapping) else "not a JSON object"
    for key, kind in checks.items():
        if problem:
            break
        value = answer.get(key)
        if value is None or (kind is str and value == ""):
            problem = f"no {key}"
        elif not isinstance(value, kind) or isinstance(value, bool):
            problem = f"{key} has the wrong type"
        elif kind is int and not 0 <= value <= _NUMBER_LIMITS.get(key, 10**8):
            problem = f"{key} is out of range"
    if problem:
        url = endpoint_for(service, env) or f"{service} in {session.region}"
        raise malformed_answer(
            _SERVICE_NAMES[service], url, step, problem, f" for SSO session '{session.name}'"
        )
    return answer


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "") or "")
    return ""


def translate(
    error: BaseException,
    session: SsoSession,
    step: str,
    env: Mapping[str, str] = os.environ,
    limits: Mapping[str, Any] | None = None,
) -> XswitchError:
    """What botocore raised while talking to Identity Center, in the user's terms."""
    if isinstance(error, XswitchError):
        return error
    from xswitch.core.explain import endpoint_problem, redact

    service = _service_of(step)
    limits = dict(limits or {})
    limits.setdefault("endpoint", endpoint_for(service, env) or "")
    blamed = endpoint_problem(
        error, _SERVICE_NAMES[service], step, f" for SSO session '{session.name}'", limits
    )
    if blamed is not None:
        return blamed
    code = error_code(error)
    if code == "UnauthorizedException":
        return SsoLoginRequired(
            session.name,
            f"The SSO portal rejected the login of SSO session '{session.name}': the token "
            "expired or was revoked (signed out in the portal, or ended by an administrator).",
        )
    if code in ("TooManyRequestsException", "SlowDownException"):
        return SsoThrottled(
            f"The SSO portal is throttling requests ({step}).",
            "Wait a minute and try again; for 'xswitch sso sync' lower --rate.",
            code=code,
        )
    if code in ("InvalidGrantException", "InvalidClientException", "ExpiredTokenException"):
        return SsoLoginRequired(
            session.name,
            f"Identity Center no longer accepts the saved login of SSO session '{session.name}'.",
        )
    if code:
        message = ""
        response = getattr(error, "response", {}) or {}
        if isinstance(response, dict):
            message = str(response.get("Error", {}).get("Message", "") or "")
            message = message or str(response.get("error_description", "") or "")
        quoted = f" ({redact(message)})" if message else ""
        return AwsError(
            f"Identity Center refused {step} with {code}{quoted}.",
            f"Check sso_start_url and sso_region of SSO session '{session.name}'.",
            code=code,
        )
    override = endpoint_for(service, env)
    return EndpointUnreachable(
        f"Could not reach IAM Identity Center for SSO session '{session.name}' ({step}): "
        f"{redact(str(error))}.",
        f"Check the network (VPN, proxy) and sso_region '{session.region}'"
        + (f"; the endpoint is overridden to {override}" if override else "")
        + ".",
    )


def _botocore_errors() -> tuple[type[BaseException], ...]:
    from xswitch.core.explain import call_failures

    return call_failures()


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
        _check_cancelled(prompter)
    try:
        with locks.held(
            paths.cache_dir(env) / f"sso-{key}.lock",
            timeout=None,
            busy=lambda: PromptCancelled("The SSO login"),
            check=lambda: _check_cancelled(prompter),
        ):
            yield
    finally:
        thread_lock.release()


def _check_cancelled(prompter: Prompter | None) -> None:
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
    ) -> None:
        if not session.start_url or not session.region:
            from xswitch.core.errors import ConfigError

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
            return self._device_login(prompter)

    def login(self, prompter: Prompter, *, force: bool = True) -> SsoToken:
        """`xswitch sso login`: a new device login (or, with force=False, reuse a good token)."""
        if not force:
            return self.token(prompter)
        with session_lock(self.session, self.env, prompter):
            return self._device_login(prompter)

    def logout(self) -> bool:
        """Sign the token out at the portal (best effort) and delete the cached token file."""
        token = self.cached()
        if token is None:
            return False
        if token.usable():
            with contextlib.suppress(*_botocore_errors()):
                sso_client("sso", self.session.region, self.env, 1, self.timeout).logout(
                    accessToken=token.access_token
                )
        with session_lock(self.session, self.env):
            return self.cache.delete_token(self.session)

    def _wants_refresh(self, token: SsoToken) -> bool:
        return (
            not self.session.legacy
            and token.seconds_left() < REFRESH_WINDOW
            and token.refreshable()
        )

    # --- refresh ---

    def _client(self, service: str, attempts: int = 3) -> Any:
        return sso_client(service, self.session.region, self.env, attempts, self.timeout)

    def _translate(self, error: BaseException, step: str, client: Any) -> XswitchError:
        limits = getattr(client, "xswitch_limits", None)
        return translate(error, self.session, step, self.env, limits)

    def _refresh(self, token: SsoToken) -> SsoToken:
        step = "CreateToken (refresh)"
        oidc = self._client("sso-oidc", attempts=1)  # a refresh token may be good only once
        try:
            answer = oidc.create_token(
                grantType=REFRESH_GRANT,
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            )
        except _botocore_errors() as error:
            explained = self._translate(error, step, oidc)
            code = error_code(error)
            if code and not isinstance(explained, EndpointMisbehaved | EndpointUnreachable):
                raise SsoLoginRequired(
                    self.session.name,
                    f"Identity Center refused to renew the login of SSO session "
                    f"'{self.session.name}' ({code}): the session ended or was revoked.",
                ) from None
            raise explained from None
        answer = checked_answer(answer, self.session, step, self.env, _TOKEN_ANSWER)
        fresh = SsoToken(
            start_url=self.session.start_url,
            region=self.session.region,
            access_token=answer["accessToken"],
            expires_at=_now() + timedelta(seconds=int(answer["expiresIn"])),
            client_id=token.client_id,
            client_secret=token.client_secret,
            registration_expires_at=token.registration_expires_at,
            refresh_token=_text_or_none(answer.get("refreshToken")) or token.refresh_token,
        )
        self.cache.save_token(self.session, fresh)
        return fresh

    # --- device login ---

    def _device_login(self, prompter: Prompter) -> SsoToken:
        registration = self._registration()
        try:
            authorization = self._start(registration)
        except SsoLoginRequired:
            # The identity provider forgot our client (expired or revoked): register again once.
            registration = self._registration(force=True)
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
            from xswitch.core.console import open_in_browser

            open_in_browser(verification)
        return self._poll(prompter, registration, authorization)

    def _registration(self, force: bool = False) -> Registration:
        if not force:
            cached = self.cache.load_registration(self.session)
            if cached is not None and (cached.expires_at - _now()).total_seconds() > REFRESH_WINDOW:
                return cached
        scopes = scopes_for(self.session)
        oidc = self._client("sso-oidc")
        arguments: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
        if scopes:
            arguments["scopes"] = list(scopes)
        try:
            answer = oidc.register_client(**arguments)
        except _botocore_errors() as error:
            raise self._translate(error, "RegisterClient", oidc) from None
        answer = checked_answer(
            answer, self.session, "RegisterClient", self.env, _REGISTRATION_ANSWER
        )
        registration = Registration(
            client_id=answer["clientId"],
            client_secret=answer["clientSecret"],
            expires_at=datetime.fromtimestamp(int(answer["clientSecretExpiresAt"]), UTC),
            scopes=scopes,
        )
        self.cache.save_registration(self.session, registration)
        return registration

    def _start(self, registration: Registration) -> dict[str, Any]:
        step = "StartDeviceAuthorization"
        oidc = self._client("sso-oidc")
        try:
            answer = oidc.start_device_authorization(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                startUrl=self.session.start_url,
            )
        except _botocore_errors() as error:
            raise self._translate(error, step, oidc) from None
        return dict(checked_answer(answer, self.session, step, self.env, _DEVICE_ANSWER))

    def _poll(
        self, prompter: Prompter, registration: Registration, authorization: Mapping[str, Any]
    ) -> SsoToken:
        oidc = self._client("sso-oidc")
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
            _check_cancelled(prompter)
            if time.monotonic() >= deadline:
                raise self._expired()
            try:
                answer = oidc.create_token(
                    grantType=DEVICE_GRANT,
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    deviceCode=authorization["deviceCode"],
                )
            except _botocore_errors() as error:
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
                raise self._translate(error, "CreateToken", oidc) from None
            answer = checked_answer(answer, self.session, "CreateToken", self.env, _TOKEN_ANSWER)
            token = SsoToken(
                start_url=self.session.start_url,
                region=self.session.region,
                access_token=answer["accessToken"],
                expires_at=_now() + timedelta(seconds=int(answer["expiresIn"])),
                client_id=registration.client_id,
                client_secret=registration.client_secret,
                registration_expires_at=registration.expires_at,
                refresh_token=_text_or_none(answer.get("refreshToken")),
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
            _check_cancelled(prompter)

    def _expired(self) -> SsoDeviceCodeExpired:
        return SsoDeviceCodeExpired(
            f"The login code for SSO session '{self.session.name}' expired before it was approved.",
            f"Run 'xswitch sso login {self.session.name}' again and approve the code in the "
            "browser within its lifetime (usually 10 minutes).",
        )


def _now() -> datetime:
    return datetime.now(UTC)


# --- role credentials ---------------------------------------------------------------------------


def role_credentials(
    session: SsoSession,
    token: SsoToken,
    account_id: str,
    role_name: str,
    env: Mapping[str, str] = os.environ,
    timeout: float | None = None,
) -> Credentials:
    """GetRoleCredentials for one account and role with `token`; the answer is checked."""
    portal = sso_client("sso", session.region, env, timeout=timeout)
    try:
        answer = portal.get_role_credentials(
            accessToken=token.access_token, accountId=account_id, roleName=role_name
        )
    except _botocore_errors() as error:
        if error_code(error) == "ForbiddenException":
            raise SsoRoleNotAssigned(
                f"IAM Identity Center gives you no access to role '{role_name}' in account "
                f"{account_id} (ForbiddenException).",
                "The permission set is not (or no longer) assigned to you there, or the profile "
                "names the wrong account or role. Run 'xswitch sso sync' to refresh the list, or "
                "ask your Identity Center administrator for the assignment.",
                code="ForbiddenException",
            ) from None
        if error_code(error) == "ResourceNotFoundException":
            raise SsoRoleNotAssigned(
                f"IAM Identity Center knows no role '{role_name}' in account {account_id}.",
                "Check sso_account_id and sso_role_name of the profile, or run 'xswitch sso sync'.",
                code="ResourceNotFoundException",
            ) from None
        limits = getattr(portal, "xswitch_limits", None)
        raise translate(error, session, "GetRoleCredentials", env, limits) from None
    from xswitch.core.explain import malformed_answer
    from xswitch.core.providers import check_not_expired, server_date
    from xswitch.core.validate import credential_fields_problem

    step = "GetRoleCredentials"
    answer = checked_answer(answer, session, step, env, {"roleCredentials": dict})
    creds = checked_answer(answer["roleCredentials"], session, step, env, {"expiration": int})
    problem = credential_fields_problem(
        creds.get("accessKeyId"), creds.get("secretAccessKey"), creds.get("sessionToken")
    )
    url = str(getattr(portal, "xswitch_limits", {}).get("endpoint") or "")
    who = f" for SSO session '{session.name}'"
    if problem:
        raise malformed_answer(_SERVICE_NAMES["sso"], url, step, problem, who)
    expiration = datetime.fromtimestamp(creds["expiration"] / 1000, UTC)
    check_not_expired(expiration, server_date(answer), _SERVICE_NAMES["sso"], url, step + who)
    return Credentials(
        access_key_id=creds["accessKeyId"],
        secret_access_key=creds["secretAccessKey"],
        session_token=creds.get("sessionToken") or None,
        expiration=expiration,
        via=(f"sso:{session.name}", f"role:{account_id}/{role_name}"),
    )


class SsoRoleProvider:
    """Credentials of an SSO profile: a token for its session, then GetRoleCredentials.

    It has the shape of `core.providers.Provider` (retrieve, describe, identity, chain, temporary)
    without importing the engine, which imports this module lazily.
    """

    temporary = True

    def __init__(
        self,
        profile: Profile,
        sso_session: SsoSession,
        *,
        env: Mapping[str, str] = os.environ,
        prompter: Prompter | None = None,
        timeout: float | None = None,
    ) -> None:
        self.profile = profile
        self.session = sso_session
        self.env = env
        self.prompter = prompter
        self.timeout = timeout

    @property
    def account_id(self) -> str:
        return self.profile.get("sso_account_id") or ""

    @property
    def role_name(self) -> str:
        return self.profile.get("sso_role_name") or ""

    def retrieve(self) -> Credentials:
        if not self.account_id or not self.role_name:
            from xswitch.core.errors import ConfigError

            raise ConfigError(
                f"SSO profile '{self.profile.name}' needs sso_account_id and sso_role_name.",
                "Add them, or run 'xswitch sso sync' to create profiles for your roles.",
            )
        auth = SsoAuth(self.session, self.env, timeout=self.timeout)
        if self.prompter is None or can_prompt(self.prompter):
            token = auth.token(self.prompter)
        else:
            # Nobody could see a login code (no terminal, or a command that never prompts):
            # waiting for an approval that cannot come would only look like a hang.
            try:
                token = auth.token(None)
            except SsoLoginRequired:
                name = self.session.name
                raise SsoLoginRequired(
                    name,
                    f"Profile '{self.profile.name}' needs a new login to SSO session '{name}' "
                    "(the saved one is missing, expired or cannot be renewed), and there is no "
                    "terminal here to show its code on.",
                    f"Run 'xswitch sso login {name}' in a terminal, then try again.",
                ) from None
        return role_credentials(
            self.session, token, self.account_id, self.role_name, self.env, self.timeout
        )

    def describe(self) -> str:
        return (
            f"SSO role {self.role_name} in {self.account_id} (session '{self.session.name}', "
            f"{self.session.start_url})"
        )

    def chain(self) -> list[str]:
        return [self.describe()]

    def identity(self) -> tuple[str, ...]:
        return (
            type(self).__name__,
            self.session.name,
            self.session.start_url,
            self.session.region,
            self.account_id,
            self.role_name,
        )
