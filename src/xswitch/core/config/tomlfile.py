"""config.toml's text: parsed (large files through a JSON cache, since tomllib is pure Python)
with errors that name the line, and written back with the user's comments and layout kept."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from xswitch.core import fs, paths
from xswitch.core.errors import ConfigError

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def parse(raw: bytes, path: Path, validate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The document in `raw`, passed through `validate` (which raises for a wrong one); a
    ConfigError naming the line when it is not UTF-8 or not TOML."""
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
        validate(doc)
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
    validate(doc)
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


def render(path: Path, doc: Mapping[str, Any]) -> bytes:
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
