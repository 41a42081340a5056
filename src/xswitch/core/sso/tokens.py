"""The SSO token cache shared with the AWS CLI: tokens, client registrations, their files.

`~/.aws/sso/cache/<sha1(session name, or start URL for a legacy profile)>.json`, same keys, same
timestamp format, so a login by either tool serves both. A damaged file is a miss (set aside when
replaced) and reported once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xswitch.core import fs, paths
from xswitch.core.model import SsoSession
from xswitch.core.times import parse_rfc3339, rfc3339

log = logging.getLogger(__name__)

USABLE_MARGIN = 60  # a token with less left is treated as expired
# Registering with this scope is what makes Identity Center issue refresh tokens; it is what
# `aws configure sso` writes when the user accepts the default.
DEFAULT_SCOPES = ("sso:account:access",)


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
    def registration_key(session: SsoSession, auth_code: bool = False) -> str:
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
        if auth_code:
            # A registration for the authorization code grant is another client: its own file.
            args["grantTypes"] = ["authorization_code", "refresh_token"]
        return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()

    def token_path(self, session: SsoSession) -> Path:
        return self.directory / f"{self.token_key(session)}.json"

    def registration_path(self, session: SsoSession, auth_code: bool = False) -> Path:
        return self.directory / f"{self.registration_key(session, auth_code)}.json"

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

    def load_registration(
        self, session: SsoSession, auth_code: bool = False
    ) -> Registration | None:
        data = self._read(self.registration_path(session, auth_code), "SSO client registration")
        if data is None:
            return None
        try:
            return Registration.from_cache(data)
        except (KeyError, ValueError, TypeError) as error:
            path = self.registration_path(session, auth_code)
            _warn_malformed(path, "SSO client registration", f"missing or bad {error}")
            return None

    def save_registration(
        self, session: SsoSession, registration: Registration, auth_code: bool = False
    ) -> None:
        self._write(self.registration_path(session, auth_code), registration.to_cache())

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
