"""The catalog: every profile of the AWS files and config.toml, grouped into clients.

Read without any network call: the AWS files (`awsfiles`) and xswitch's `config.toml` (`settings`):
clients, settings, SSO sessions, and profiles that exist only in xswitch.

When a `[profiles.NAME]` table in config.toml names a profile that also exists in the AWS files, the
table only ADDS xswitch's grouping (`client`, `tags`) to it: xswitch never changes a setting the AWS
CLI would see, so the AWS keys in such a table are ignored and the AWS files stay the truth.

A profile's client is, in order: its explicit `client` key, else the first client listing it in
`profiles`, else the first client with a matching `match` glob. Profiles left over are grouped
automatically (Client.derived) by shared name prefix, else shared account ID, else "Other"; a
derived group whose key equals a configured client's key joins that client.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from xswitch.core import paths
from xswitch.core.config.awsfiles import AwsFiles, read_aws_files
from xswitch.core.config.settings import (
    PROFILE_XSWITCH_KEYS,
    SECRET_PROFILE_KEYS,
    load_document,
    validate_settings,
)
from xswitch.core.errors import ConfigError
from xswitch.core.model import (
    Catalog,
    Client,
    Credentials,
    Kind,
    Layers,
    Origin,
    Profile,
    SsoSession,
)

OTHER_CLIENT_KEY = "other"
OTHER_CLIENT_NAME = "Other"

_NAME_PREFIX = re.compile(r"[^-_./]*")  # a profile name up to its first separator
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
        settings, _ = _flat_settings(aws_values)
        keyring_name = table.get("keys") or None
        drafts[name] = Profile(
            name=name,
            kind=_kind(settings, True, keyring_name),
            origin=Origin.SSO_SYNC if table.get("origin") == "sso-sync" else Origin.XSWITCH,
            settings=settings,
            tags=tags,
            keyring_name=keyring_name,
            stale=bool(table.get("stale", False)),
        )
    return list(drafts.values())


# --- clients -------------------------------------------------------------------------------------


def _configured_clients(doc: Mapping[str, Any]) -> list[Client]:
    return [
        Client(
            key=key,
            name=table.get("name") or key,
            color=table.get("color"),
            prod=bool(table.get("prod", False)),
            notes=table.get("notes", ""),
            tags=tuple(table.get("tags", ())),
            browser=table.get("browser"),
        )
        for key, table in doc.get("clients", {}).items()
    ]


class _ClientAssigner:
    """Decides each profile's client: explicit key, then `profiles` lists, then `match` globs."""

    def __init__(self, clients: list[Client], doc: Mapping[str, Any], path: Path) -> None:
        import fnmatch

        self.path = path
        self.by_key = {client.key: client for client in clients}
        self.by_name = {client.name.casefold(): client for client in reversed(clients)}
        self.listed: dict[str, str] = {}
        # (translated glob, client key), in configuration order: the first match wins.
        globs: list[tuple[str, str]] = []
        for key, table in doc.get("clients", {}).items():
            for profile in table.get("profiles", ()):
                self.listed.setdefault(profile, key)
            globs.extend((fnmatch.translate(glob), key) for glob in table.get("match", ()))
        self.glob_keys = [key for _, key in globs]
        # All globs as one pattern, one alternative each, tried in order: an empty group named
        # after its position closes each, so `lastgroup` tells which matched. One match call per
        # profile instead of one per glob (50 clients' globs over 10,000 profiles otherwise take
        # longer than everything else in the catalog).
        self.any_glob = (
            re.compile("|".join(f"(?:{regex})(?P<_{n}>)" for n, (regex, _) in enumerate(globs)))
            if globs
            else None
        )

    def explicit(self, profile: str, wanted: str) -> str:
        client = self.by_key.get(wanted) or self.by_name.get(wanted.casefold())
        if client is None:
            raise ConfigError(
                f"profiles.{profile}.client is '{wanted}', but there is no [clients.{wanted}].",
                "Add that client table, or use the key of an existing one: "
                + (", ".join(self.by_key) or "(none configured yet)")
                + ".",
                path=str(self.path),
            )
        return client.key

    def configured(self, profile: str) -> str | None:
        listed = self.listed.get(profile)
        if listed is not None or self.any_glob is None:
            return listed
        match = self.any_glob.match(profile)
        if match is None or match.lastgroup is None:
            return None
        return self.glob_keys[int(match.lastgroup[1:])]


def _name_prefix(name: str) -> str:
    """`name` up to its first separator, or all of it when it starts with one."""
    match = _NAME_PREFIX.match(name)
    return (match.group() if match else "") or name


def _derived_groups(unassigned: list[Profile]) -> dict[str, tuple[str, str]]:
    """profile name -> (derived client key, display name) for profiles no client claimed."""
    named = [draft for draft in unassigned if draft.name != "default"]
    # The prefix pattern matches every name (maybe empty): C-level passes over all of them.
    matches = cast("Iterator[re.Match[str]]", map(_NAME_PREFIX.match, (d.name for d in named)))
    prefixes = map(re.Match.group, matches)
    by_prefix: dict[str, list[Profile]] = {}
    for draft, prefix in zip(named, prefixes, strict=True):
        by_prefix.setdefault((prefix or draft.name).casefold(), []).append(draft)
    groups: dict[str, tuple[str, str]] = {}
    accounts: dict[str, list[Profile]] = {}
    for key, members in by_prefix.items():
        if len(members) >= 2:
            group = (key, _name_prefix(members[0].name))
            groups.update(dict.fromkeys([draft.name for draft in members], group))
        elif account := members[0].account_id:
            accounts.setdefault(account, []).append(members[0])
    for account, members in accounts.items():
        if len(members) >= 2:
            groups.update(dict.fromkeys([draft.name for draft in members], (account, account)))
    rest = [draft.name for draft in unassigned if draft.name not in groups]
    groups.update(dict.fromkeys(rest, (OTHER_CLIENT_KEY, OTHER_CLIENT_NAME)))
    return groups


def _group(
    drafts: list[Profile], doc: Mapping[str, Any], path: Path
) -> tuple[tuple[Client, ...], dict[str, Profile]]:
    """Clients in display order, and every profile with its client, in that order."""
    configured = _configured_clients(doc)
    assigner = _ClientAssigner(configured, doc, path)
    overlays: Mapping[str, Mapping[str, Any]] = doc.get("profiles", {})
    client_of: dict[str, str] = {}
    unassigned: list[Profile] = []
    for draft in drafts:
        overlay = overlays.get(draft.name)
        wanted = overlay.get("client") if overlay else None
        key = assigner.explicit(draft.name, wanted) if wanted else assigner.configured(draft.name)
        if key is None:
            unassigned.append(draft)
        else:
            client_of[draft.name] = key
    derived: dict[str, Client] = {}
    for name, (key, display) in _derived_groups(unassigned).items():
        if key not in assigner.by_key and key not in derived:
            derived[key] = Client(key=key, name=display, derived=True)
        client_of[name] = key
    other = derived.pop(OTHER_CLIENT_KEY, None)
    clients = [
        *configured,
        *sorted(derived.values(), key=lambda client: (client.name.casefold(), client.key)),
        *([other] if other else []),
    ]
    order = {client.key: index for index, client in enumerate(clients)}
    # Stable sort: profiles of one client keep their file order.
    ordered = sorted(drafts, key=lambda draft: order[client_of[draft.name]])
    return tuple(clients), {draft.name: _placed(draft, client_of[draft.name]) for draft in ordered}


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
    clients, by_name = _group(drafts, doc, config_path)
    return Catalog(
        clients=clients,
        profiles=by_name,
        sso_sessions=sso_sessions,
        settings=validate_settings(doc, env),
        layers=layers,
    )
