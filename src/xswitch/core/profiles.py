"""The catalog: every profile xswitch knows, grouped into clients, and name resolution.

Sources, read without any network call:
- `~/.aws/config` and `~/.aws/credentials` (or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`),
  parsed by the rules botocore uses, so xswitch sees exactly the profiles the AWS CLI and SDKs see:
  `configparser.RawConfigParser`, `[profile NAME]` with NAME split like a shell word, `[default]`,
  bare section names in the credentials file, credentials-file keys winning over config-file keys,
  option names lower-cased, inline `#` kept as part of the value, duplicate sections or keys
  refused.
  Nested blocks (`s3 =` followed by indented `key = value` lines) become flat settings named
  `s3.key`, because `Profile.settings` holds strings only.
- xswitch's `config.toml` (see `core.settings`): clients, settings, SSO sessions, and profiles that
  exist only in xswitch.

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
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from xswitch.core import fs, paths
from xswitch.core.errors import ConfigError, SourceCycle, UnknownProfile
from xswitch.core.model import (
    Catalog,
    Client,
    Credentials,
    Kind,
    Origin,
    Profile,
    SsoSession,
)
from xswitch.core.settings import (
    PROFILE_XSWITCH_KEYS,
    SECRET_PROFILE_KEYS,
    load_document,
    validate_settings,
)
from xswitch.core.text import visible

# Settings that are secrets: kept out of Profile.settings (and so out of every display and repr).

OTHER_CLIENT_KEY = "other"
OTHER_CLIENT_NAME = "Other"

_NAME_PREFIX = re.compile(r"[^-_./]*")  # a profile name up to its first separator
_PLAIN_HEADER = re.compile(r"[^'\"\\\s]*(?:[ \t\r\n]+[^'\"\\\s]*)*\Z")
_SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id")

IniValue = str | dict[str, str]
IniSections = dict[str, dict[str, IniValue]]


# --- the AWS files, by botocore's rules ----------------------------------------------------------


def read_ini(path: Path) -> IniSections:
    """Sections of an AWS INI file as botocore sees them; a missing file has none."""
    raw = fs.read_config_file(path, directory_is_missing=True)
    if not raw:
        return {}
    try:
        # Universal newlines, like configparser's own file reading in text mode.
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read()
    except UnicodeDecodeError:
        raise ConfigError(
            "is not valid UTF-8 text.",
            "Re-save the file as UTF-8; the AWS CLI cannot read it either.",
            path=str(path),
        ) from None
    return _parse_ini(path, text)


def _parse_ini(path: Path, text: str) -> IniSections:
    simple = _simple_ini(text)
    if simple is not None:
        return simple
    import configparser

    try:
        parsed = _IniParser(str(path)).parse(text)
    except configparser.Error as error:
        raise _ini_error(path, error) from None
    sections: IniSections = {}
    for section, values in parsed.items():
        sections[section] = {
            option: _nested(path, section, option, value) if value[:1] == "\n" else value
            for option, value in values.items()
        }
    return sections


# Nearly every AWS file is ASCII with `[name]` headers and `key = value` lines at column 0, blank
# and comment lines: `_simple_ini` reads those with one whole-text regex pass. Each alternative
# starts at a newline, so a file whose every line matches has exactly one match per line.
_SIMPLE_LINE = re.compile(
    r"\n(?:"
    r"\[([^\n]+)\][ \t]*(?=\n|\Z)"  # a header: the name runs to the last "]"
    r"|([^\n\[#;=: \t][^\n=:]*)[=:]([^\n]*)"  # an option: the key runs to the first "=" or ":"
    r"|[ \t]*(?:[#;][^\n]*)?(?=\n|\Z)"  # a blank or comment line
    r")"
)
# Whitespace that str.strip removes but the pattern above does not expect.
_UNUSUAL_WHITESPACE = "\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _simple_ini(text: str) -> IniSections | None:
    """The sections of a plain AWS file, exactly as `_IniParser` gives them; None when the file
    has anything else (indented lines, [DEFAULT], a malformed, duplicate or orphan line, unusual
    whitespace), for the exact parser to handle and report."""
    if not text.isascii() or any(char in text for char in _UNUSUAL_WHITESPACE):
        return None
    lines = _SIMPLE_LINE.findall("\n" + text)
    if len(lines) != text.count("\n") + 1:
        return None
    sections: IniSections = {}
    current: dict[str, IniValue] | None = None
    for header, key, value in lines:
        if header:
            if header == "DEFAULT" or header in sections:
                return None
            current = sections[header] = {}
        elif key:
            key = key.rstrip().lower()
            if current is None or key in current:
                return None
            current[key] = value.strip()
    return sections


class _IniParser:
    """`configparser.RawConfigParser` with its default options, re-done for speed.

    The standard parser needs about half a second for 10,000 profiles; this one gives the same
    sections, options, values and errors (the differential tests compare the two on generated
    files) in a fraction of that. Its rules: `#`/`;` start comment lines only (never inline);
    indented lines continue the previous value; blank lines inside a value are kept; `=` or `:`
    separates a key from its value; `[DEFAULT]` supplies keys to every section; duplicate sections
    or keys are errors; malformed lines are collected and reported after the whole file is read.
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def parse(self, text: str) -> dict[str, dict[str, str]]:
        import configparser

        sections: dict[str, dict[str, list[str]]] = {}
        defaults: dict[str, list[str]] = {}
        current: dict[str, list[str]] | None = None
        section_name = ""  # set, with `current`, by the first section header
        option: str | None = None
        indent_level = 0
        parsing_error: configparser.ParsingError | None = None
        for lineno, line in enumerate(text.split("\n"), start=1):
            value = line.strip()
            if not value or value[0] in "#;":
                # A blank line (not a comment line) belongs to a value being continued.
                if not value and option and current is not None:
                    current[option].append("")
                continue
            indent = 0 if line[0] == value[0] else len(line) - len(line.lstrip())
            if option and indent > indent_level and current is not None:
                current[option].append(value)
                continue
            indent_level = indent
            if value[0] == "[" and value.rfind("]") >= 2:
                section_name = value[1 : value.rfind("]")]
                if section_name in sections:
                    raise configparser.DuplicateSectionError(section_name, self.source, lineno)
                if section_name == "DEFAULT":
                    current = defaults
                else:
                    current = sections[section_name] = {}
                option = None
                continue
            if current is None:
                raise configparser.MissingSectionHeaderError(self.source, lineno, line)
            delimiter = value.find("=")
            colon = value.find(":", 0, delimiter) if delimiter >= 0 else value.find(":")
            if colon >= 0:
                delimiter = colon
            if delimiter < 0:
                parsing_error = parsing_error or configparser.ParsingError(self.source)
                parsing_error.append(lineno, repr(line))
                continue
            option = value[:delimiter].rstrip().lower()
            if not option:
                parsing_error = parsing_error or configparser.ParsingError(self.source)
                parsing_error.append(lineno, repr(line))
            # Sections are never re-entered (a repeat is an error), except [DEFAULT], whose keys
            # must still be unique: so the section's own dict is the record of keys seen.
            if option in current:
                raise configparser.DuplicateOptionError(section_name, option, self.source, lineno)
            current[option] = [value[delimiter + 1 :].strip()]
        if parsing_error is not None:
            raise parsing_error
        joined_defaults = {key: _joined(lines) for key, lines in defaults.items()}
        result: dict[str, dict[str, str]] = {}
        for name, options in sections.items():
            values = {key: _joined(lines) for key, lines in options.items()}
            for key, default in joined_defaults.items():
                values.setdefault(key, default)
            result[name] = values
        return result


def _joined(lines: list[str]) -> str:
    # A one-line value is already stripped; only continued values need joining.
    return lines[0] if len(lines) == 1 else "\n".join(lines).rstrip()


def _nested(path: Path, section: str, option: str, value: str) -> dict[str, str]:
    """An indented block under `option =`: one level of `key = value` lines, like botocore."""
    nested: dict[str, str] = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, sub_value = line.partition("=")
        if not sep:
            raise ConfigError(
                f"the indented lines under '{option}' in [{section}] must each be 'key = value'.",
                "Indent only nested settings (like `s3 =` blocks); otherwise start the line at "
                "column 0. The AWS CLI cannot read this file either.",
                path=str(path),
            )
        nested[key.strip()] = sub_value.strip()
    return nested


def _ini_error(path: Path, error: Exception) -> ConfigError:
    """A configparser error in our words. Line contents are never quoted: they may hold a secret."""
    import configparser

    hint = "Fix the line; the AWS CLI cannot read this file either."
    if isinstance(error, configparser.DuplicateSectionError):
        return ConfigError(
            f"the section [{error.section}] appears twice.",
            "Merge the two sections into one. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.DuplicateOptionError):
        return ConfigError(
            f"the key '{error.option}' appears twice in [{error.section}].",
            "Keep one of them. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.MissingSectionHeaderError):
        return ConfigError(
            "has a setting before the first [section] header.",
            "Every setting must follow a header such as [default] or [profile NAME]. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.ParsingError):
        lines = [lineno for lineno, _ in error.errors]
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        return ConfigError(
            f"has a line that is neither a [section] header nor 'key = value'{more}.",
            "Start comments with # or ;, and write settings as key = value. " + hint,
            path=str(path),
            line=lines[0] if lines else None,
        )
    return ConfigError("could not be parsed.", hint, path=str(path))


def _section_name(section: str) -> str | None:
    """The name in `[profile NAME]`-style headers, split like a shell word; None if unusable."""
    if _PLAIN_HEADER.match(section):
        # Nothing for shlex to interpret, and only its whitespace: str.split gives the same words.
        parts = section.split()
    else:
        try:
            import shlex

            parts = shlex.split(section)
        except ValueError:
            return None
    return parts[1] if len(parts) == 2 else None


@dataclass
class _AwsFiles:
    """The merged view of ~/.aws/config and ~/.aws/credentials that botocore builds."""

    profiles: dict[str, dict[str, IniValue]] = field(default_factory=dict)
    sso_sessions: dict[str, dict[str, IniValue]] = field(default_factory=dict)
    # Profiles whose access key came from the credentials file (botocore ranks those above
    # credential_process; keys in the config file rank below it).
    keys_from_credentials: set[str] = field(default_factory=set)


def read_aws_files(env: Mapping[str, str] = os.environ) -> _AwsFiles:
    """Profiles and sso-sessions of the AWS files, merged the way botocore's Session does."""
    config = read_ini(paths.aws_config_file(env))
    credentials = read_ini(paths.aws_credentials_file(env))
    files = _AwsFiles()
    for section, values in config.items():
        # Prefix tests, not word tests: that is how botocore tells the section kinds apart.
        if section.startswith("profile"):
            name = _section_name(section)
            if name is not None:
                files.profiles[name] = values
        elif section.startswith("sso-session"):
            name = _section_name(section)
            if name is not None:
                files.sso_sessions[name] = values
        elif section == "default":
            files.profiles[section] = values
    for name, values in credentials.items():
        files.profiles.setdefault(name, {}).update(values)
        if "aws_access_key_id" in values:
            files.keys_from_credentials.add(name)
    return files


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


def _sso_sessions(files: _AwsFiles, doc: Mapping[str, Any]) -> dict[str, SsoSession]:
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


def _drafts(files: _AwsFiles, doc: Mapping[str, Any]) -> list[Profile]:
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
    )


def resolve(catalog: Catalog, name: str) -> Profile:
    """The profile called `name`, or `client/profile` (client key or display name, any case)."""
    profile = catalog.profiles.get(name)
    if profile is not None:
        return profile
    start = 0
    while (slash := name.find("/", start)) != -1:
        client_part, profile_part = name[:slash], name[slash + 1 :]
        start = slash + 1
        profile = catalog.profiles.get(profile_part)
        if profile is None:
            continue
        client = catalog.client(profile.client)
        if client and client_part.casefold() in (client.key.casefold(), client.name.casefold()):
            return profile
    if "\\" in name:
        # A name with control characters is shown (and completed) with them escaped: accept that
        # form too, so that what the completion offered can be used.
        for known, profile in catalog.profiles.items():
            if not known.isprintable() and visible(known) == name:
                return profile
    raise UnknownProfile(name, suggest(catalog, name))


def suggest(catalog: Catalog, name: str, limit: int = 3) -> list[str]:
    """Up to `limit` known names close to `name` (profile names or `client/profile` forms)."""
    import difflib

    folded = name.casefold()
    exact_case = [known for known in catalog.profiles if known.casefold() == folded]
    # A "client/" form is offered only when the name itself looks like one.
    if "/" in name:
        candidates = [f"{p.client}/{p.name}" for p in catalog.profiles.values()]
    else:
        candidates = list(catalog.profiles)
    close = difflib.get_close_matches(name, candidates, n=limit, cutoff=0.6)
    return _unique([*exact_case, *close])[:limit]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- what botocore reads -------------------------------------------------------------------------

_HEADER = re.compile(r"^\[([^\n]*)\][ \t]*$", re.MULTILINE)


def botocore_config(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The part of botocore's `Session.full_config` that a session without a profile reads.

    xswitch's botocore clients use no profile, so botocore looks only at `[default]` and the
    `[services NAME]` sections it may name; yet it parses (and deep-copies) the whole file to find
    them: seconds for 50,000 profiles, on every call. This reads those sections alone.
    """
    config = _sections_where(
        paths.aws_config_file(env), lambda name: name == "default" or name.startswith("services")
    )
    credentials = _sections_where(paths.aws_credentials_file(env), lambda name: name == "default")
    default = dict(config.get("default", {}))
    default.update(credentials.get("default", {}))
    services: dict[str, Any] = {}
    for section, values in config.items():
        if section.startswith("services"):
            name = _section_name(section)
            if name is not None:
                services[name] = values
    return {"profiles": {"default": default} if default else {}, "sso_sessions": {},
            "services": services}  # fmt: skip


def _sections_where(path: Path, wanted: Callable[[str], bool]) -> IniSections:
    """The sections of an AWS file whose names pass `wanted`, parsed like `read_ini`."""
    try:
        raw = fs.read_config_file(path, directory_is_missing=True)
        text = io.TextIOWrapper(io.BytesIO(raw or b""), encoding="utf-8").read()
    except (ConfigError, UnicodeDecodeError):
        return {}
    headers = list(_HEADER.finditer(text))
    if not headers:
        return {}
    kept = [
        text[header.start() : following.start() if following else len(text)]
        for header, following in zip(headers, [*headers[1:], None], strict=True)
        if wanted(header.group(1))
    ]
    try:
        return _parse_ini(path, "\n".join(kept)) if kept else {}
    except ConfigError:
        return {}


# --- checking a profile before any AWS call -----------------------------------------------------

# The longest source_profile chain followed. Real chains are two or three profiles long; a longer
# one is a generated mistake, and following it without end exhausts the stack.
MAX_SOURCE_DEPTH = 50

_ASCII = re.ASCII
# What AWS and botocore accept (STS API reference; botocore's region rule is a host label).
# An ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, printable ASCII without spaces.
_ROLE_ARN = re.compile(r"arn:[\w-]+:[\w-]+:[\w-]*:[0-9]*:[!-~]+", _ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", _ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", _ASCII)
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", _ASCII)
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", _ASCII)
_MIN_DURATION, _MAX_DURATION = 900, 43200
SUPPORTED_CREDENTIAL_SOURCES = ("Environment",)
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
)


def check_chain(profile: Profile, catalog: Catalog, env: Mapping[str, str] = os.environ) -> None:
    """Raise ConfigError for anything in `profile` or its sources that AWS or botocore would refuse.

    Run before any network call, so that a setting AWS cannot accept is reported as what it is (a
    configuration error naming the profile, file and line) instead of an AWS failure, and so that
    a source_profile chain is followed without recursion and at most MAX_SOURCE_DEPTH deep.
    """
    chain = [profile]
    current = profile
    while True:
        _check_settings(current, env)
        if current.kind is Kind.SSO:
            _check_sso_region(current, catalog, env)
            break
        if current.kind is Kind.PROCESS:
            break
        if not (current.kind is Kind.ROLE or current.role_arn):
            if current.kind is Kind.OTHER:
                path, line = _locate(current, None, env)
                raise ConfigError(
                    f"profile '{current.name}' has no credentials of its own"
                    + (f" (it is the source of '{chain[-2].name}')." if len(chain) > 1 else "."),
                    "Give it a role_arn with a source_profile, access keys, an SSO role or a "
                    "credential_process, or use it only as a source of settings.",
                    path=path,
                    line=line,
                )
            break
        source_name = current.source_profile
        source = catalog.profiles.get(source_name) if source_name else None
        if source is None or source_name == current.name:
            break  # keys of its own, credential_source, or a missing source: the resolver explains
        names = [member.name for member in chain]
        if source.name in names:
            raise SourceCycle([*names[names.index(source.name) :], source.name])
        if len(chain) >= MAX_SOURCE_DEPTH:
            path, line = _locate(profile, "source_profile", env)
            raise ConfigError(
                f"the source_profile chain that starts at profile '{profile.name}' is more than "
                f"{MAX_SOURCE_DEPTH} profiles long ({' -> '.join(names[:3])} -> ...).",
                f"xswitch follows at most {MAX_SOURCE_DEPTH} source_profile links; point a profile "
                "near the start at one with keys or an SSO login.",
                path=path,
                line=line,
            )
        chain.append(source)
        current = source
    _check_endpoints(chain, catalog, env)


def _check_settings(profile: Profile, env: Mapping[str, str]) -> None:
    def fail(key: str, value: str, what: str, hint: str) -> ConfigError:
        path, line = _locate(profile, key, env)
        return ConfigError(
            f"profile '{profile.name}' has {key} = '{value}', {what}",
            hint,
            path=path,
            line=line,
        )

    region = profile.region
    if region is not None and not _REGION.fullmatch(region):
        raise fail(
            "region",
            region,
            "which is not a region name.",
            "A region looks like eu-west-1 or us-east-1: letters, digits and hyphens.",
        )
    if region is None:
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            value = env.get(variable)
            if value and not _REGION.fullmatch(value):
                raise ConfigError(
                    f"{variable} is '{value}', which is not a region name.",
                    "A region looks like eu-west-1 or us-east-1: letters, digits and hyphens. "
                    f"Fix or unset {variable}.",
                )
            if value:
                break
    if not (profile.kind is Kind.ROLE or profile.role_arn):
        return
    arn = profile.role_arn or ""
    if not (20 <= len(arn) <= 2048 and _ROLE_ARN.fullmatch(arn)):
        raise fail(
            "role_arn",
            arn,
            "which is not the ARN of an IAM role.",
            "A role ARN looks like arn:aws:iam::123456789012:role/NAME: 20 to 2048 characters, "
            "no spaces.",
        )
    external_id = profile.external_id
    if external_id is not None and not _EXTERNAL_ID.fullmatch(external_id):
        raise fail(
            "external_id",
            external_id,
            "which AWS does not accept as an external ID.",
            "An external ID has 2 to 1224 characters: letters, digits and +=,.@:/_-. Copy it "
            "again from the account owner.",
        )
    session_name = profile.role_session_name
    if session_name is not None and not _SESSION_NAME.fullmatch(session_name):
        raise fail(
            "role_session_name",
            session_name,
            "which AWS does not accept as a session name.",
            "A role session name has 2 to 64 characters: letters, digits and +=,.@_-.",
        )
    duration = profile.get("duration_seconds")
    if duration is not None:
        seconds = profile.duration_seconds
        if seconds is None or not _MIN_DURATION <= seconds <= _MAX_DURATION:
            raise fail(
                "duration_seconds",
                duration,
                f"which is not a whole number of seconds from {_MIN_DURATION} to {_MAX_DURATION}.",
                "Write the duration in seconds with the digits 0-9, e.g. duration_seconds = 3600 "
                "for one hour.",
            )
    serial = profile.mfa_serial
    if serial is not None and not _MFA_SERIAL.fullmatch(serial):
        raise fail(
            "mfa_serial",
            serial,
            "which is not an MFA device.",
            "mfa_serial is the ARN of a virtual MFA device (arn:aws:iam::123456789012:mfa/NAME) "
            "or the serial number of a hardware token.",
        )
    source = profile.credential_source
    if source and source not in SUPPORTED_CREDENTIAL_SOURCES and not profile.source_profile:
        known = source in ("Ec2InstanceMetadata", "EcsContainer")
        raise fail(
            "credential_source",
            source,
            "which xswitch does not support." if known else "which is not a credential source.",
            "xswitch supports credential_source = Environment; use the AWS CLI for instance and "
            "container credentials, or give the profile a source_profile instead.",
        )


def _check_sso_region(profile: Profile, catalog: Catalog, env: Mapping[str, str]) -> None:
    session = catalog.sso_session_of(profile)
    if session is None or not session.region or _REGION.fullmatch(session.region):
        return
    key = "sso_region"
    path, line = (str(paths.config_file(env)), None)
    if not session.legacy and session.name not in _aws_sso_sessions(env):
        key = "region"
    elif session.legacy:
        path, line = _locate(profile, key, env)
    else:
        path = str(paths.aws_config_file(env))
    raise ConfigError(
        f"SSO session '{session.name}' has {key} = '{session.region}', which is not a region name.",
        "A region looks like eu-west-1 or us-east-1: letters, digits and hyphens.",
        path=path,
        line=line,
    )


def _aws_sso_sessions(env: Mapping[str, str]) -> set[str]:
    try:
        return set(read_aws_files(env).sso_sessions)
    except ConfigError:
        return set()


def _check_endpoints(chain: list[Profile], catalog: Catalog, env: Mapping[str, str]) -> None:
    """Endpoint URLs botocore would use must be URLs (it raises ValueError otherwise):
    AWS_ENDPOINT_URL*, and `endpoint_url` in the profiles of the chain and in [default] (the
    profile whose settings xswitch's botocore clients read)."""
    for variable in ENDPOINT_VARIABLES:
        value = env.get(variable)
        if value and not _is_url(value):
            raise ConfigError(
                f"{variable} is '{value}', which is not an endpoint URL.",
                f"An endpoint URL looks like https://sts.eu-west-1.amazonaws.com or "
                f"http://127.0.0.1:5000. Fix or unset {variable}.",
            )
    default = catalog.profiles.get("default")
    for profile in [*chain, *([default] if default is not None else [])]:
        for key in ("endpoint_url", "sts.endpoint_url"):
            value = profile.get(key)
            if value is not None and not _is_url(value):
                path, line = _locate(profile, key.rpartition(".")[2], env)
                raise ConfigError(
                    f"profile '{profile.name}' has {key} = '{value}', which is not a URL.",
                    "An endpoint URL looks like https://sts.eu-west-1.amazonaws.com or "
                    "http://127.0.0.1:5000.",
                    path=path,
                    line=line,
                )


def _is_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        url.scheme in ("http", "https")
        and bool(url.hostname)
        and value.isprintable()
        and " " not in value
    )


def _locate(profile: Profile, key: str | None, env: Mapping[str, str]) -> tuple[str, int | None]:
    """The file that defines `profile` (its `key` line if found, else its header line).

    Only called to report an error, so the file is simply scanned again.
    """
    if profile.origin is not Origin.AWS:
        path = paths.config_file(env)
        return str(path), _toml_line(path, profile.name, key)
    candidates = [paths.aws_credentials_file(env), paths.aws_config_file(env)]
    first: tuple[str, int | None] | None = None
    for path in candidates:
        header, line = _ini_line(path, profile.name, key, path == candidates[0])
        if header is None:
            continue
        if line is not None:
            return str(path), line
        first = first or (str(path), header)
    return first or (str(candidates[1]), None)


def _ini_line(
    path: Path, name: str, key: str | None, is_credentials: bool
) -> tuple[int | None, int | None]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, None
    header = None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and "]" in stripped:
            section = stripped[1 : stripped.rfind("]")]
            if header is not None:
                break
            if section == name == "default" or (
                (is_credentials and section == name)
                or (section.startswith("profile") and _section_name(section) == name)
            ):
                header = number
            continue
        if header is not None and key and line[:1] not in " \t":
            option = stripped.partition("=")[0].strip().lower()
            if option == key:
                return header, number
    return header, None


def _toml_line(path: Path, name: str, key: str | None) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None
    header = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if header is not None:
                break
            if stripped.startswith("[profiles.") and name in stripped:
                header = number
        elif header is not None and key and stripped.partition("=")[0].strip() == key:
            return number
    return header
