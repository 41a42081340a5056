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
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from xswitch.core import paths
from xswitch.core.errors import (
    AwsError,
    EndpointUnreachable,
    PromptCancelled,
    SsoDeviceCodeExpired,
    SsoLoginRequired,
    SsoRoleNotAssigned,
    SsoThrottled,
    XswitchError,
)
from xswitch.core.model import Credentials, DeviceAuthorization, Profile, Prompter, SsoSession

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
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CLIENT_NAME = "xswitch"
NO_BROWSER_ENV = "XSWITCH_NO_BROWSER"


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
            "expiresAt": format_time(self.expires_at),
        }
        if self.client_id:
            data["clientId"] = self.client_id
            data["clientSecret"] = self.client_secret
        if self.registration_expires_at:
            data["registrationExpiresAt"] = format_time(self.registration_expires_at)
        if self.refresh_token:
            data["refreshToken"] = self.refresh_token
        return data

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> SsoToken:
        """Parse a token file; raises ValueError/KeyError/TypeError when it is not one."""
        registration = data.get("registrationExpiresAt")
        return cls(
            start_url=str(data.get("startUrl", "")),
            region=str(data.get("region", "")),
            access_token=_required_text(data, "accessToken"),
            expires_at=parse_time(_required_text(data, "expiresAt")),
            client_id=str(data.get("clientId") or ""),
            client_secret=str(data.get("clientSecret") or ""),
            registration_expires_at=parse_time(registration) if registration else None,
            refresh_token=data.get("refreshToken") or None,
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
            "expiresAt": format_time(self.expires_at),
        }
        if self.scopes:
            data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> Registration:
        return cls(
            client_id=_required_text(data, "clientId"),
            client_secret=_required_text(data, "clientSecret"),
            expires_at=parse_time(_required_text(data, "expiresAt")),
            scopes=tuple(data.get("scopes") or ()),
        )


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(value: str) -> datetime:
    """Timestamps as the AWS CLI versions write them: `...Z`, `...UTC` or with an offset."""
    text = value.strip()
    if text.endswith("UTC"):
        text = text[:-3] + "+00:00"
    elif text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


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
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            _warn_malformed(path, what, str(error))
            return None
        try:
            data = json.loads(text)
        except ValueError:
            _warn_malformed(path, what, "it is not valid JSON")
            return None
        if not isinstance(data, dict):
            _warn_malformed(path, what, "it is not a JSON object")
            return None
        return data

    def _write(self, path: Path, data: Mapping[str, Any]) -> None:
        """Atomically, readable only by the user; a malformed file being replaced is kept aside."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() and self._read_quietly(path) is None:
            # Never lose a file we could not read: the user may want to look at it.
            os.replace(path, path.with_suffix(".malformed"))
        fd, temp_name = tempfile.mkstemp(dir=self.directory, prefix=".xswitch-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                json.dump(dict(data), stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @staticmethod
    def _read_quietly(path: Path) -> dict | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def _warn_malformed(path: Path, what: str, reason: str) -> None:
    log.warning(
        "Ignoring the %s cache file %s: %s. It is left in place; log in again to replace it.",
        what,
        path,
        reason,
    )


# --- botocore clients --------------------------------------------------------------------------

_CLIENTS: dict[tuple[str, str, str | None, int], Any] = {}
_CLIENTS_LOCK = threading.Lock()
_BOTOCORE_SESSION: Any = None


def endpoint_for(service: str, env: Mapping[str, str]) -> str | None:
    """The endpoint override botocore would use: service-specific variable, then the global one."""
    specific = {"sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC", "sso": "AWS_ENDPOINT_URL_SSO"}[service]
    return env.get(specific) or env.get("AWS_ENDPOINT_URL") or None


def sso_client(service: str, region: str, env: Mapping[str, str], attempts: int = 3) -> Any:
    """An unsigned botocore client for `sso-oidc` or `sso` in `region` (shared, thread-safe)."""
    global _BOTOCORE_SESSION
    endpoint = endpoint_for(service, env)
    key = (service, region, endpoint, attempts)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            import botocore
            import botocore.session
            from botocore.config import Config

            if _BOTOCORE_SESSION is None:
                _BOTOCORE_SESSION = botocore.session.get_session()
            config = Config(
                signature_version=botocore.UNSIGNED,
                region_name=region,
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=5,
                read_timeout=20,
                max_pool_connections=32,
            )
            client = _BOTOCORE_SESSION.create_client(
                service, region_name=region, endpoint_url=endpoint, config=config
            )
            _CLIENTS[key] = client
        return client


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "") or "")
    return ""


def translate(
    error: BaseException, session: SsoSession, step: str, env: Mapping[str, str] = os.environ
) -> XswitchError:
    """What botocore raised while talking to Identity Center, in the user's terms."""
    if isinstance(error, XswitchError):
        return error
    from xswitch.core.explain import redact

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
    override = endpoint_for("sso-oidc" if "Token" in step or "Client" in step else "sso", env)
    return EndpointUnreachable(
        f"Could not reach IAM Identity Center for SSO session '{session.name}' ({step}): "
        f"{redact(str(error))}.",
        f"Check the network (VPN, proxy) and sso_region '{session.region}'"
        + (f"; the endpoint is overridden to {override}" if override else "")
        + ".",
    )


def _botocore_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


# --- one login at a time ------------------------------------------------------------------------

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def session_lock(
    session: SsoSession, env: Mapping[str, str], prompter: Prompter | None = None
) -> Iterator[None]:
    """Held while one thread of one process refreshes or logs in to `session`."""
    from filelock import FileLock, Timeout

    key = TokenCache.token_key(session)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
    while not thread_lock.acquire(timeout=0.2):
        _check_cancelled(prompter)
    try:
        lock_path = paths.private_dir(paths.cache_dir(env)) / f"sso-{key}.lock"
        file_lock = FileLock(str(lock_path))
        while True:
            try:
                file_lock.acquire(timeout=0.2)
                break
            except Timeout:
                _check_cancelled(prompter)
        try:
            yield
        finally:
            file_lock.release()
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
    ) -> None:
        if not session.start_url or not session.region:
            from xswitch.core.errors import ConfigError

            raise ConfigError(
                f"SSO session '{session.name}' needs both sso_start_url and sso_region.",
                "Add the missing setting to its [sso-session] section.",
            )
        self.session = session
        self.env = env
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
            refusal: SsoLoginRequired | None = None
            if token is not None and self._wants_refresh(token):
                try:
                    return self._refresh(token)
                except SsoLoginRequired as error:
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
                sso_client("sso", self.session.region, self.env, attempts=1).logout(
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

    def _refresh(self, token: SsoToken) -> SsoToken:
        oidc = sso_client("sso-oidc", self.session.region, self.env)
        try:
            answer = oidc.create_token(
                grantType=REFRESH_GRANT,
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            )
        except _botocore_errors() as error:
            code = error_code(error)
            if code:
                raise SsoLoginRequired(
                    self.session.name,
                    f"Identity Center refused to renew the login of SSO session "
                    f"'{self.session.name}' ({code}): the session ended or was revoked.",
                ) from None
            raise translate(error, self.session, "CreateToken (refresh)", self.env) from None
        fresh = SsoToken(
            start_url=self.session.start_url,
            region=self.session.region,
            access_token=answer["accessToken"],
            expires_at=_now() + timedelta(seconds=int(answer["expiresIn"])),
            client_id=token.client_id,
            client_secret=token.client_secret,
            registration_expires_at=token.registration_expires_at,
            refresh_token=answer.get("refreshToken") or token.refresh_token,
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
            _open_browser(verification)
        return self._poll(prompter, registration, authorization)

    def _registration(self, force: bool = False) -> Registration:
        if not force:
            cached = self.cache.load_registration(self.session)
            if cached is not None and (cached.expires_at - _now()).total_seconds() > REFRESH_WINDOW:
                return cached
        scopes = scopes_for(self.session)
        oidc = sso_client("sso-oidc", self.session.region, self.env)
        arguments: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
        if scopes:
            arguments["scopes"] = list(scopes)
        try:
            answer = oidc.register_client(**arguments)
        except _botocore_errors() as error:
            raise translate(error, self.session, "RegisterClient", self.env) from None
        registration = Registration(
            client_id=answer["clientId"],
            client_secret=answer["clientSecret"],
            expires_at=datetime.fromtimestamp(int(answer["clientSecretExpiresAt"]), UTC),
            scopes=scopes,
        )
        self.cache.save_registration(self.session, registration)
        return registration

    def _start(self, registration: Registration) -> dict[str, Any]:
        oidc = sso_client("sso-oidc", self.session.region, self.env)
        try:
            return oidc.start_device_authorization(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                startUrl=self.session.start_url,
            )
        except _botocore_errors() as error:
            raise translate(error, self.session, "StartDeviceAuthorization", self.env) from None

    def _poll(
        self, prompter: Prompter, registration: Registration, authorization: Mapping[str, Any]
    ) -> SsoToken:
        oidc = sso_client("sso-oidc", self.session.region, self.env)
        interval = float(authorization.get("interval") or DEFAULT_INTERVAL)
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
                raise translate(error, self.session, "CreateToken", self.env) from None
            token = SsoToken(
                start_url=self.session.start_url,
                region=self.session.region,
                access_token=answer["accessToken"],
                expires_at=_now() + timedelta(seconds=int(answer["expiresIn"])),
                client_id=registration.client_id,
                client_secret=registration.client_secret,
                registration_expires_at=registration.expires_at,
                refresh_token=answer.get("refreshToken") or None,
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


def _open_browser(url: str) -> None:
    import sys
    import webbrowser

    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        # Without a display, webbrowser falls back to text browsers (lynx, w3m) that would take
        # over the terminal the prompt is shown in; the printed URL is enough.
        return
    with contextlib.suppress(Exception):  # no browser is not an error: the URL was printed
        webbrowser.open(url, new=2)


# --- role credentials ---------------------------------------------------------------------------


def role_credentials(
    session: SsoSession,
    token: SsoToken,
    account_id: str,
    role_name: str,
    env: Mapping[str, str] = os.environ,
) -> Credentials:
    """GetRoleCredentials for one account and role with `token`."""
    portal = sso_client("sso", session.region, env)
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
        raise translate(error, session, "GetRoleCredentials", env) from None
    creds = answer["roleCredentials"]
    return Credentials(
        access_key_id=creds["accessKeyId"],
        secret_access_key=creds["secretAccessKey"],
        session_token=creds.get("sessionToken"),
        expiration=datetime.fromtimestamp(int(creds["expiration"]) / 1000, UTC),
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
    ) -> None:
        self.profile = profile
        self.session = sso_session
        self.env = env
        self.prompter = prompter

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
        auth = SsoAuth(self.session, self.env)
        token = auth.token(self.prompter)
        return role_credentials(self.session, token, self.account_id, self.role_name, self.env)

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
