"""xswitch's own settings file, config.toml: load and validate, save atomically, edit under a lock.

The document is a plain dict as `tomllib` returns it. Validation refuses unknown keys and wrong
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

from xswitch.core import fs, locks, paths
from xswitch.core.errors import ConfigError
from xswitch.core.model import Settings
from xswitch.core.shell import SHELLS

TOP_LEVEL_TABLES = ("settings", "clients", "profiles", "sso-sessions", "keys")

SETTINGS_KEYS = (
    "session_name",
    "refresh_margin",
    "shell",
    "cache",
    "theme",
    "sso_rate_limit",
    "mfa_session_duration",
    "network_timeout",
)
CLIENT_KEYS = ("name", "color", "prod", "notes", "tags", "profiles", "match")
SSO_SESSION_KEYS = ("start_url", "region", "scopes")
# Keys of a [profiles.NAME] table that belong to xswitch; every other scalar key is an AWS setting
# (AWS adds profile keys over time, so those are accepted as long as they are scalars).
PROFILE_XSWITCH_KEYS = ("client", "tags", "keys", "stale", "origin")
PROFILE_ORIGINS = ("xswitch", "sso-sync")
SECRET_PROFILE_KEYS = ("aws_secret_access_key", "aws_session_token", "aws_security_token")

CACHE_MODES = ("encrypted", "plaintext")
THEMES = ("dark", "light")

# RoleSessionName: 2-64 characters of [\w+=,.@-].
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


# --- loading and validation -----------------------------------------------------------------------


def load_document(path: Path | str) -> dict[str, Any]:
    """Read and validate config.toml; a missing file is an empty document."""
    from xswitch.core.fs import read_config_file

    path = Path(path)
    raw = read_config_file(path)
    if raw is None:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            "is not valid UTF-8 text.",
            "TOML files must be UTF-8; re-save the file with that encoding.",
            path=str(path),
            line=line,
        ) from None
    doc = _ParseCache.get(raw)
    if doc is not None:
        validate_document(doc, path=str(path), text=text)
        return doc
    import tomllib  # only once there is a file to parse

    try:
        doc = tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: [[[[...]]]] 100,000 deep.
        raise ConfigError(
            "nests arrays or inline tables too deeply to be read.",
            "No xswitch setting nests more than two levels: fix the file or restore "
            "config.toml.bak.",
            path=str(path),
        ) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) if found else 0
        if "(at end of document)" in message:
            # Something left open (a string, an array): point at the last line.
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        reason = _TOML_LINE.sub("", message).replace("(at end of document)", "").strip()
        raise ConfigError(
            f"is not valid TOML: {reason}.",
            "Fix the line (see https://toml.io) or restore config.toml.bak.",
            path=str(path),
            line=line or None,
        ) from None
    validate_document(doc, path=str(path), text=text)
    _ParseCache.put(raw, doc)
    return doc


class _ParseCache:
    """The last parsed config.toml, as JSON in the cache directory, keyed by the file's hash.

    `tomllib` is pure Python: a config.toml holding thousands of synced SSO profiles takes half a
    second to parse, on every start. JSON parses in C. Only large files are cached; the key is the
    content's SHA-256, so an edit (by hand or by xswitch) is never served stale. The cache holds
    nothing secret: config.toml refuses secrets.
    """

    MIN_SIZE = 64 * 1024
    VERSION = 1

    @staticmethod
    def _file() -> Path:

        return paths.cache_dir() / "config-toml.json"

    @classmethod
    def get(cls, raw: bytes) -> dict[str, Any] | None:
        import hashlib
        import json

        if len(raw) < cls.MIN_SIZE:
            return None
        try:
            cached = json.loads(cls._file().read_bytes())
        except (OSError, ValueError):
            return None
        valid = (
            isinstance(cached, dict)
            and cached.get("version") == cls.VERSION
            and cached.get("sha256") == hashlib.sha256(raw).hexdigest()
            and isinstance(cached.get("doc"), dict)
        )
        return cached["doc"] if valid else None

    @classmethod
    def put(cls, raw: bytes, doc: Mapping[str, Any]) -> None:
        import hashlib
        import json

        if len(raw) < cls.MIN_SIZE:
            return
        entry = {"version": cls.VERSION, "sha256": hashlib.sha256(raw).hexdigest(), "doc": doc}

        # Only a speed-up: a cache that cannot be written is skipped, not reported.
        with contextlib.suppress(OSError, TypeError, ValueError):
            fs.write_private(cls._file(), json.dumps(entry).encode("utf-8"))


def validate_document(
    doc: Mapping[str, Any], path: str | None = None, text: str | None = None
) -> None:
    """Raise ConfigError for the first unknown key or wrongly typed value in `doc` (`text`, the
    file's, lets some errors name their line)."""
    _Validator(path, text).document(doc)


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
            if not _SESSION_NAME.match(name):
                raise self.fail(
                    "settings.session_name must be 2-64 characters of letters, digits and +=,.@_-.",
                    "AWS refuses other characters in a role session name.",
                )
        if "refresh_margin" in table:
            self.integer(table["refresh_margin"], where + "refresh_margin", 0, 3600)
        if "shell" in table:
            self.choice(table["shell"], where + "shell", SHELLS)
        if "cache" in table:
            self.choice(table["cache"], where + "cache", CACHE_MODES)
        if "theme" in table:
            self.choice(table["theme"], where + "theme", THEMES)
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
        if "mfa_session_duration" in table:
            self.integer(table["mfa_session_duration"], where + "mfa_session_duration", 900, 129600)
        if "network_timeout" in table:
            self.integer(table["network_timeout"], where + "network_timeout", 1, 300)

    def client(self, client: Any, where: str) -> None:
        self.table(client, where)
        self.known_keys(client, where, CLIENT_KEYS)
        for key in ("name", "color", "notes"):
            if key in client:
                self.string(client[key], f"{where}.{key}")
        if "prod" in client:
            self.boolean(client["prod"], f"{where}.prod")
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
    formatting the user gave it stay, and only the values that differ change (see `_render`).
    """
    path = Path(path)
    validate_document(doc, path=str(path))
    try:
        data = _render(path, doc)
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


def _render(path: Path, doc: Mapping[str, Any]) -> bytes:
    """`doc` as TOML: the current file with only the differing values changed, when there is a
    current file that parses; a fresh dump otherwise.

    tomlkit keeps what tomllib drops (comments, blank lines, layout). Its output is parsed back and
    compared with `doc`: should the update come out different, the fresh dump is written instead,
    so a save never writes something other than `doc`.
    """
    import tomllib

    import tomli_w

    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current:
        import tomlkit

        try:
            document = tomlkit.parse(current)
        except (tomlkit.exceptions.TOMLKitError, RecursionError):
            document = None
        if document is not None:
            _update(document, doc)
            text = tomlkit.dumps(document)
            try:
                if tomllib.loads(text) == doc:
                    return text.encode("utf-8")
            except (tomllib.TOMLDecodeError, RecursionError):
                pass
    return tomli_w.dumps(dict(doc)).encode("utf-8")


def _update(target: Any, new: Mapping[str, Any]) -> None:
    """Make the tomlkit table `target` equal to `new`, touching only the keys that differ."""
    for key in [key for key in target if key not in new]:
        del target[key]
    for key, value in new.items():
        if key in target:
            existing = target[key]
            if isinstance(value, Mapping) and isinstance(existing, dict):
                _update(existing, value)
                continue
            plain = existing.unwrap() if hasattr(existing, "unwrap") else existing
            if plain == value and type(plain) is type(value):
                continue  # unchanged: keep its formatting and comment
        target[key] = value


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
