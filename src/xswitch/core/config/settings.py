"""xswitch's own settings file, config.toml: load and validate, save atomically, edit under a lock.

The document is a plain dict as `tomllib` returns it (parsing and writing the text itself is
`tomlfile`). Validation refuses unknown keys and wrong
types with an error naming the key path, so a typo never silently changes behaviour. Saving writes a
private temporary file next to the target, fsyncs it, keeps the previous version as
`config.toml.bak` and renames over the original: a crash leaves either the old or the new file.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from xswitch.core import fs, locks
from xswitch.core.config import tomlfile
from xswitch.core.config.checks import SESSION_NAME
from xswitch.core.errors import ConfigError
from xswitch.core.model import Settings
from xswitch.core.shell import SHELLS

TOP_LEVEL_TABLES = ("settings", "clients", "profiles", "sso-sessions", "keys", "catalogs")

SETTINGS_KEYS = (
    "session_name",
    "refresh_margin",
    "shell",
    "cache",
    "theme",
    "sso_rate_limit",
    "mfa_session_duration",
    "network_timeout",
    "catalog_pull_hours",
    "browser",
)
CLIENT_KEYS = ("name", "color", "prod", "notes", "tags", "profiles", "match", "browser")
SSO_SESSION_KEYS = ("start_url", "region", "scopes")
# Keys of a [profiles.NAME] table that belong to xswitch; every other scalar key is an AWS setting
# (AWS adds profile keys over time, so those are accepted as long as they are scalars).
PROFILE_XSWITCH_KEYS = ("client", "tags", "keys", "stale", "origin")
PROFILE_ORIGINS = ("xswitch", "sso-sync")
SECRET_PROFILE_KEYS = ("aws_secret_access_key", "aws_session_token", "aws_security_token")

CACHE_MODES = ("encrypted", "plaintext")
THEMES = ("dark", "light")

_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)


# --- loading and validation -----------------------------------------------------------------------


def load_document(path: Path | str) -> dict[str, Any]:
    """Read and validate config.toml; a missing file is an empty document."""
    path = Path(path)
    raw = fs.read_config_file(path)
    if raw is None:
        return {}
    # The text too, so that an error in [keys] can name its line.
    return tomlfile.parse(
        raw,
        path,
        lambda doc: validate_document(doc, path=str(path), text=raw.decode("utf-8", "replace")),
    )


def validate_document(
    doc: Mapping[str, Any], path: str | None = None, text: str | None = None
) -> None:
    """Raise ConfigError for the first unknown key or wrongly typed value in `doc` (`text`, the
    file's, lets some errors name their line)."""
    _Validator(path, text).document(doc)


# Settings that are whole numbers, with their bounds, and settings that are one of a few words.
_WHOLE_NUMBER_SETTINGS = {
    "refresh_margin": (0, 3600),
    "mfa_session_duration": (900, 129600),
    "network_timeout": (1, 300),
    "catalog_pull_hours": (0, 720),
}
_CHOICE_SETTINGS = {"shell": SHELLS, "cache": CACHE_MODES, "theme": THEMES}


class _Validator:
    """Walks a config.toml document; every error names the offending key path."""

    def __init__(self, path: str | None, text: str | None = None) -> None:
        self.path = path
        self.text = text

    def fail(self, message: str, hint: str = "") -> ConfigError:
        return ConfigError(message, hint, path=self.path)

    def document(self, doc: Mapping[str, Any]) -> None:
        self.known_keys(doc, "", TOP_LEVEL_TABLES)
        for table in TOP_LEVEL_TABLES:
            if table in doc:
                self.table(doc[table], table)
        self.settings(doc.get("settings", {}))
        for key, client in doc.get("clients", {}).items():
            self.client(client, f"clients.{_key(key)}")
        for name, profile in doc.get("profiles", {}).items():
            self.profile(profile, f"profiles.{_key(name)}")
        for name, session in doc.get("sso-sessions", {}).items():
            self.sso_session(session, f"sso-sessions.{_key(name)}")
        if "catalogs" in doc:
            from xswitch.core.catalogs.registry import validate_catalogs_table

            validate_catalogs_table(doc["catalogs"], self)
        from xswitch.core.actions.keys import keys_problem  # [keys]: the picker's keys

        problem = keys_problem(doc.get("keys", {}))
        if problem is not None:
            raise self.fail_at_key("keys", *problem)

    def fail_at_key(self, table: str, key: str, message: str, hint: str) -> ConfigError:
        """An error about `key` of `[table]`, with its line when the file's text is known."""
        line = None
        if self.text is not None:
            found = re.search(
                rf"^\[{re.escape(table)}\][^\[]*?^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=",
                self.text,
                re.MULTILINE,
            )
            line = self.text[: found.end()].count("\n") + 1 if found else None
        return ConfigError(message, hint, path=self.path, line=line)

    def known_keys(self, table: Mapping[str, Any], where: str, valid: tuple[str, ...]) -> None:
        for key in table:
            if key not in valid:
                place = f"'{where}.{key}'" if where else f"'{key}'"
                raise self.fail(
                    f"unknown key {place}.",
                    "Valid keys "
                    + (f"in [{where}]" if where else "at the top level")
                    + " are: "
                    + ", ".join(valid)
                    + ". Check the spelling.",
                )

    def table(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise self.fail(f"'{where}' must be a table, e.g. [{where}].")

    def settings(self, table: Mapping[str, Any]) -> None:
        self.known_keys(table, "settings", SETTINGS_KEYS)
        where = "settings."
        if "session_name" in table:
            name = self.string(table["session_name"], where + "session_name")
            if not SESSION_NAME.fullmatch(name):
                raise self.fail(
                    "settings.session_name must be 2-64 characters of letters, digits and +=,.@_-.",
                    "AWS refuses other characters in a role session name.",
                )
        for key, (low, high) in _WHOLE_NUMBER_SETTINGS.items():
            if key in table:
                self.integer(table[key], where + key, low, high)
        for key, choices in _CHOICE_SETTINGS.items():
            if key in table:
                self.choice(table[key], where + key, choices)
        if "sso_rate_limit" in table:
            value = table["sso_rate_limit"]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not 0 < value <= 1000
            ):
                raise self.fail(
                    "settings.sso_rate_limit must be a number of requests per second "
                    "above 0 and at most 1000."
                )
        if "browser" in table:
            self.browser(table["browser"], where + "browser")

    def client(self, client: Any, where: str) -> None:
        self.table(client, where)
        self.known_keys(client, where, CLIENT_KEYS)
        for key in ("name", "color", "notes"):
            if key in client:
                self.string(client[key], f"{where}.{key}")
        if "prod" in client:
            self.boolean(client["prod"], f"{where}.prod")
        if "browser" in client:
            self.browser(client["browser"], f"{where}.browser")
        for key in ("tags", "profiles", "match"):
            if key in client:
                self.strings(client[key], f"{where}.{key}")

    def profile(self, profile: Any, where: str) -> None:
        self.table(profile, where)
        for key, value in profile.items():
            place = f"{where}.{key}"
            if key.lower() in SECRET_PROFILE_KEYS:
                raise self.fail(
                    f"{place} holds a secret, and xswitch keeps secrets out of its files.",
                    "Remove the line and store the keys in the keyring with 'xswitch keys add', "
                    'then set keys = "NAME" in this profile.',
                )
            if key in ("client", "keys"):
                self.string(value, place)
            elif key == "tags":
                self.strings(value, place)
            elif key == "stale":
                self.boolean(value, place)
            elif key == "origin":
                self.choice(value, place, PROFILE_ORIGINS)
            elif isinstance(value, dict):
                # AWS nested settings (e.g. `s3 = \n max_concurrent_requests = 10`) are a table of
                # scalars.
                for sub, subvalue in value.items():
                    self.scalar(subvalue, f"{place}.{sub}")
            else:
                self.scalar(value, place)

    def sso_session(self, session: Any, where: str) -> None:
        self.table(session, where)
        self.known_keys(session, where, SSO_SESSION_KEYS)
        for key in ("start_url", "region"):
            if key in session:
                self.string(session[key], f"{where}.{key}")
        if "scopes" in session:
            self.strings(session["scopes"], f"{where}.scopes")

    # --- value checks ---

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{where} must be a string (in quotes).")
        return value

    def browser(self, value: Any, where: str) -> None:
        from xswitch.core.browser import parse_browser

        try:
            parse_browser(self.string(value, where))
        except ValueError as error:
            raise self.fail(f"{where}: {error}.") from None

    def boolean(self, value: Any, where: str) -> None:
        if not isinstance(value, bool):
            raise self.fail(f"{where} must be true or false.")

    def integer(self, value: Any, where: str, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"{where} must be a whole number from {low} to {high}.")

    def choice(self, value: Any, where: str, valid: tuple[str, ...]) -> None:
        if value not in valid:
            raise self.fail(f"{where} must be one of: " + ", ".join(f'"{v}"' for v in valid) + ".")

    def strings(self, value: Any, where: str) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(f'{where} must be a list of strings, e.g. ["a", "b"].')

    def scalar(self, value: Any, where: str) -> None:
        if isinstance(value, bool | int | str):
            return
        raise self.fail(
            f"{where} must be a string, a whole number or true/false, "
            "like the values in ~/.aws/config."
        )


def _key(name: str) -> str:
    """A table key as TOML would write it in a path (quoted when it is not a bare key)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else '"' + name.replace('"', '\\"') + '"'


def validate_settings(doc: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> Settings:
    """The `[settings]` table as model.Settings, with defaults filled in from the environment."""
    table = doc.get("settings", {})
    # Only this table: load_document has checked the rest, and it may hold thousands of profiles.
    validator = _Validator(None)
    validator.table(table, "settings")
    validator.settings(table)
    return Settings(
        session_name=table.get("session_name") or default_session_name(),
        refresh_margin=table.get("refresh_margin", Settings.refresh_margin),
        shell=table.get("shell") or default_shell(env),
        cache=table.get("cache", Settings.cache),
        theme=table.get("theme", Settings.theme),
        sso_rate_limit=float(table.get("sso_rate_limit", Settings.sso_rate_limit)),
        mfa_session_duration=table.get("mfa_session_duration", Settings.mfa_session_duration),
        network_timeout=table.get("network_timeout", Settings.network_timeout),
        catalog_pull_hours=table.get("catalog_pull_hours", Settings.catalog_pull_hours),
        browser=table.get("browser", Settings.browser),
        keys=tuple(doc.get("keys", {}).items()),
    )


def default_session_name(user: str | None = None) -> str:
    """The OS user name, reduced to what AWS accepts as a RoleSessionName."""
    if user is None:
        try:
            import getpass

            user = getpass.getuser()
        except (OSError, KeyError):  # no passwd entry (containers) and no LOGNAME/USER
            user = ""
    name = _SESSION_NAME_BAD_CHARS.sub("-", user)[:64].strip("-")
    return name if len(name) >= 2 else "xswitch"


def default_shell(env: Mapping[str, str] = os.environ) -> str:
    """The export syntax matching the user's login shell; bash when it is not one we speak."""
    from xswitch.core.shell import shell_from_env

    return shell_from_env(env) or "bash"


# --- saving -------------------------------------------------------------------------------------


def save_document(path: Path | str, doc: Mapping[str, Any]) -> None:
    """Validate `doc` and write it atomically (0600), keeping the previous file as `<name>.bak`.

    The file on disk is updated rather than rewritten: comments, blank lines, key order and
    formatting the user gave it stay, and only the values that differ change (`tomlfile.render`).
    """
    path = Path(path)
    validate_document(doc, path=str(path))
    try:
        data = tomlfile.render(path, doc)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"could not be saved: a value cannot be written as TOML ({error}).",
            "Nothing was changed.",
            path=str(path),
        ) from None
    try:
        if path.exists():
            # The previous version, kept whole: the backup is written like the file itself.
            fs.write_private(path.with_name(path.name + ".bak"), path.read_bytes())
        fs.write_private(path, data)
    except OSError as error:
        raise _save_failed(path, error) from None


def _save_failed(path: Path, error: OSError) -> ConfigError:
    return ConfigError(
        f"could not be saved ({error.strerror or error}).",
        "Check that the directory is writable and the disk is not full; the previous file is "
        "unchanged.",
        path=str(path),
    )


@contextlib.contextmanager
def edit_document(path: Path | str) -> Iterator[dict[str, Any]]:
    """Load config.toml, let the caller change it, save on normal exit, all under a file lock.

    The lock spans load and save so that two processes editing at once (say `xswitch keys add`
    and `xswitch sso sync`) both see their changes kept. Nothing is written when the body raises
    or leaves the document unchanged.
    """
    import copy

    path = Path(path)
    try:
        fs.private_dir(path.parent)
    except OSError as error:
        raise _save_failed(path, error) from None
    busy = ConfigError(
        "is locked by another xswitch process.",
        f"Wait for it to finish, or remove {path}.lock if no xswitch is running.",
        path=str(path),
    )
    with locks.held(path.with_name(path.name + ".lock"), timeout=30, busy=lambda: busy):
        doc = load_document(path)
        before = copy.deepcopy(doc)
        yield doc
        if doc != before:
            save_document(path, doc)
