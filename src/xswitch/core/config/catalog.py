"""The catalog: every profile of the AWS files and config.toml, grouped into clients.

Read without any network call: the AWS files (`awsfiles`) and xswitch's `config.toml` (`settings`):
clients, settings, SSO sessions, and profiles that exist only in xswitch.

When a `[profiles.NAME]` table in config.toml names a profile that also exists in the AWS files, the
table only ADDS xswitch's grouping (`client`, `tags`) to it: xswitch never changes a setting the AWS
CLI would see, so the AWS keys in such a table are ignored and the AWS files stay the truth.

Which client each profile belongs to is `grouping`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
from collections.abc import Iterator, Mapping
from typing import Any

from xswitch.core import paths
from xswitch.core.config.awsfiles import AwsFiles, read_aws_files
from xswitch.core.config.grouping import group
from xswitch.core.config.settings import (
    PROFILE_XSWITCH_KEYS,
    SECRET_PROFILE_KEYS,
    load_document,
    validate_settings,
)
from xswitch.core.model import (
    Catalog,
    Credentials,
    Kind,
    Layers,
    Origin,
    Profile,
    SsoSession,
)

_SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id")


# --- building profiles ---------------------------------------------------------------------------


def _flat_settings(
    values: Mapping[str, Any], lower_keys: bool = False
) -> tuple[dict[str, str], Credentials | None]:
    """Settings as strings minus secrets (nested blocks become `outer.inner`), and static keys.

    `lower_keys` says the keys are lower-case already, as the INI readers make them.
    """
    if lower_keys and _plain_settings(values):
        # Nearly every profile of the AWS files: no per-key work needed.
        return dict(values), None
    settings: dict[str, str] = {}
    for key, value in values.items():
        key = key.lower()
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                settings[f"{key}.{inner}"] = _text(inner_value)
        elif key not in SECRET_PROFILE_KEYS:
            settings[key] = _text(value)
    access_key = settings.get("aws_access_key_id")
    secret = values.get("aws_secret_access_key")
    static_keys = None
    if access_key and isinstance(secret, str) and secret:
        token = values.get("aws_session_token") or values.get("aws_security_token")
        static_keys = Credentials(
            access_key_id=access_key,
            secret_access_key=secret,
            session_token=token if isinstance(token, str) and token else None,
        )
    return settings, static_keys


def _plain_settings(values: Mapping[str, Any]) -> bool:
    """Whether `values` (with lower-case keys) are settings as they are: strings, no secrets."""
    return values.keys().isdisjoint(SECRET_PROFILE_KEYS) and all(
        map(str.__instancecheck__, values.values())
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(settings: Mapping[str, str], keys_first: bool, keyring_name: str | None) -> Kind:
    """The credential kind, ranked like botocore's provider chain."""
    if settings.get("role_arn"):
        return Kind.ROLE
    if any(settings.get(key) for key in _SSO_KEYS):
        return Kind.SSO
    has_keys = bool(settings.get("aws_access_key_id")) or bool(keyring_name)
    if has_keys and keys_first:
        return Kind.KEYS
    if settings.get("credential_process"):
        return Kind.PROCESS
    return Kind.KEYS if has_keys else Kind.OTHER


def _scopes(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return tuple(scope.strip() for scope in items if scope.strip())


def _sso_sessions(files: AwsFiles, doc: Mapping[str, Any]) -> dict[str, SsoSession]:
    sessions: dict[str, SsoSession] = {}
    for name, values in files.sso_sessions.items():
        sessions[name] = SsoSession(
            name=name,
            start_url=_text(values.get("sso_start_url", "")),
            region=_text(values.get("sso_region", "")),
            scopes=_scopes(values.get("sso_registration_scopes")),
        )
    # xswitch's own sessions never replace an AWS one of the same name.
    for name, table in doc.get("sso-sessions", {}).items():
        sessions.setdefault(
            name,
            SsoSession(
                name=name,
                start_url=table.get("start_url", ""),
                region=table.get("region", ""),
                scopes=_scopes(table.get("scopes", [])),
            ),
        )
    return sessions


def _legacy_sso_session(settings: Mapping[str, str]) -> SsoSession | None:
    start_url = settings.get("sso_start_url")
    if not start_url or settings.get("sso_session"):
        return None
    return SsoSession(
        name=start_url, start_url=start_url, region=settings.get("sso_region", ""), legacy=True
    )


# A frozen dataclass sets each field through object.__setattr__: building 10,000 profiles that way
# is a fifth of the catalog's load time. A Profile with no __post_init__ and no slots is nothing
# but its __dict__, so that is filled at once instead.
_PROFILE_FIELDS = frozenset(field.name for field in dataclasses.fields(Profile))
_PROFILE_IS_PLAIN = not hasattr(Profile, "__post_init__") and not hasattr(Profile, "__slots__")


def _new_profile(**values: Any) -> Profile:
    """`Profile(**values)`, faster when `values` name every field."""
    if not _PROFILE_IS_PLAIN or values.keys() != _PROFILE_FIELDS:
        return Profile(**values)
    profile = object.__new__(Profile)
    profile.__dict__.update(values)
    return profile


def _placed(profile: Profile, client: str) -> Profile:
    """`profile` as a member of `client`: `dataclasses.replace`, without its per-field work."""
    if not _PROFILE_IS_PLAIN:
        return dataclasses.replace(profile, client=client)
    placed = object.__new__(Profile)
    values = placed.__dict__
    values.update(profile.__dict__)
    values["client"] = client
    return placed


def _drafts(files: AwsFiles, doc: Mapping[str, Any]) -> list[Profile]:
    """Every profile, its client not yet known: the AWS files' in file order, then the ones only
    config.toml defines."""
    drafts: dict[str, Profile] = {}
    for name, values in files.profiles.items():
        settings, static_keys = _flat_settings(values, lower_keys=True)
        keys_first = name in files.keys_from_credentials
        drafts[name] = _new_profile(
            name=name,
            kind=_kind(settings, keys_first, None),
            origin=Origin.AWS,
            client="",
            settings=settings,
            tags=(),
            static_keys=static_keys,
            keyring_name=None,
            stale=False,
        )
    for name, table in doc.get("profiles", {}).items():
        tags = tuple(table.get("tags", ()))
        existing = drafts.get(name)
        if existing is not None:
            # An AWS profile: config.toml only adds grouping, never AWS settings.
            drafts[name] = dataclasses.replace(existing, tags=tags)
            continue
        aws_values = {key: value for key, value in table.items() if key not in PROFILE_XSWITCH_KEYS}
        # Thousands of synced or shared profiles: the quick paths when the keys are lower-case.
        settings, _ = _flat_settings(aws_values, lower_keys=all(map(str.islower, aws_values)))
        keyring_name = table.get("keys") or None
        drafts[name] = _new_profile(
            name=name,
            kind=_kind(settings, True, keyring_name),
            origin=Origin.SSO_SYNC if table.get("origin") == "sso-sync" else Origin.XSWITCH,
            client="",
            settings=settings,
            tags=tags,
            static_keys=None,
            keyring_name=keyring_name,
            stale=bool(table.get("stale", False)),
        )
    return list(drafts.values())


# --- public API ----------------------------------------------------------------------------------


def load_catalog(env: Mapping[str, str] = os.environ) -> Catalog:
    """Read the AWS files and config.toml into a Catalog; ConfigError names the file and line."""
    with _collector_paused():
        return _load_catalog(env)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage-collector passes meanwhile.

    Building the catalog allocates several objects per profile and keeps nearly all of them, so
    the passes that allocation would trigger scan a growing heap and free nothing: a tenth of the
    load time for 10,000 profiles.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _load_catalog(env: Mapping[str, str]) -> Catalog:
    config_path = paths.config_file(env)
    doc = load_document(config_path)
    layers = Layers()
    if doc.get("catalogs"):
        from xswitch.core.catalogs.layers import apply

        doc, layers = apply(doc, env)
    files = read_aws_files(env)
    drafts = _drafts(files, doc)
    sso_sessions = _sso_sessions(files, doc)
    for draft in drafts:
        if draft.kind is Kind.SSO:
            legacy = _legacy_sso_session(draft.settings)
            if legacy is not None:
                sso_sessions.setdefault(legacy.name, legacy)
    clients, by_name = group(drafts, doc, config_path, _placed)
    return Catalog(
        clients=clients,
        profiles=by_name,
        sso_sessions=sso_sessions,
        settings=validate_settings(doc, env),
        layers=layers,
    )
