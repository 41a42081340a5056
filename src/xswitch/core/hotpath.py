"""The hot path: a cached switch without loading the catalog or building a provider chain.

Every time the session manager hands out a cached kind of session it leaves a small pointer (no
secret) saying which session file serves the profile, stamped with a fingerprint of the
configuration files it was resolved from. `xswitch export P` and `credential-process P` first try
that pointer: when the files are unchanged and the session still has enough time left, the
answer needs four `stat` calls, two small reads and one decryption. Anything unusual — a changed
file, a missing pointer, an expired session, a key not in the kernel keyring — is a miss, and the
command takes the ordinary path, which is always correct. A damaged pointer is moved aside (and
reported once); a damaged session file is left to the ordinary path, which does the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from xswitch.core import fs, keycache, paths
from xswitch.core.times import rfc3339
from xswitch.core.validate import credential_fields_problem

_POINTERS = "hot"
_FILE_LIMIT = 256 * 1024  # pointers and session files are a few kilobytes
# Environment that changes how a profile resolves or what the export lines contain.
_ENV_INPUTS = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "PYTHON_KEYRING_BACKEND",
    "XSWITCH_KEYRING_BACKEND",
    "SHELL",  # the export syntax follows the caller's shell
)


def fingerprint(env: Mapping[str, str]) -> str:
    """Identifies the configuration a profile was resolved from (files by stat, plus env)."""
    parts = []
    for path in (
        paths.aws_config_file(env),
        paths.aws_credentials_file(env),
        paths.config_file(env),
        # Shared catalogs: a pull renames a new copy into this directory, changing its mtime.
        paths.data_dir(env) / "catalogs",
    ):
        try:
            stat = os.stat(path)
            parts.append(f"{path}:{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
        except OSError:
            parts.append(f"{path}:-")
    parts.extend(f"{name}={env.get(name, '')}" for name in _ENV_INPUTS)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _pointer_path(env: Mapping[str, str], profile: str) -> Path:
    digest = hashlib.sha256(profile.encode()).hexdigest()[:32]
    return paths.cache_dir(env) / _POINTERS / f"{digest}.json"


def remember(
    env: Mapping[str, str],
    profile: str,
    session_file: Path,
    *,
    region: str | None,
    shell: str,
    margin: int,
    encrypted: bool,
    prod: bool = False,
) -> None:
    """Leave the pointer for `profile`; failures are ignored (the hot path is only a shortcut)."""
    pointer = {
        "profile": profile,
        "fingerprint": fingerprint(env),
        "session": session_file.name,
        "region": region,
        "shell": shell,
        "margin": margin,
        "encrypted": encrypted,
        "prod": prod,
    }
    path = _pointer_path(env, profile)
    with contextlib.suppress(OSError):
        fs.write_private(path, json.dumps(pointer).encode())


def forget(env: Mapping[str, str], profile: str | None = None) -> None:
    """Remove the pointer of `profile`; None: every pointer and every damaged one set aside."""
    if profile is not None:
        targets = [_pointer_path(env, profile)]
    else:
        directory = paths.cache_dir(env) / _POINTERS
        targets = [*directory.glob("*.json"), *directory.glob("*.corrupt")]
    for path in targets:
        with contextlib.suppress(OSError):
            path.unlink()


def lookup(env: Mapping[str, str], profile: str, min_seconds_left: int = 0) -> dict | None:
    """The cached session of `profile`, or None to take the ordinary path.

    Plain data, so that the hot path imports no dataclasses: AccessKeyId, SecretAccessKey,
    SessionToken (or None), Expiration (RFC 3339, UTC), Region (or None), Shell (default syntax),
    Prod (the profile's client is production: a pointer that does not say counts as one).
    Never raises: whatever is in the files, the answer is a session or a miss.
    """
    pointer_path = _pointer_path(env, profile)
    try:
        pointer = _read_json(pointer_path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:
        _set_aside(pointer_path, error)
        return None
    try:
        return _answer(env, profile, pointer, min_seconds_left)
    except Exception:
        # A damaged or foreign session file: the ordinary path reads it again and deals with it.
        return None


def _answer(env: Mapping[str, str], profile: str, pointer: object, minimum: int) -> dict | None:
    if not isinstance(pointer, dict):
        raise ValueError("not a pointer")
    if pointer.get("profile") != profile or pointer.get("fingerprint") != fingerprint(env):
        return None
    name = pointer["session"]
    if not isinstance(name, str) or os.sep in name or name.startswith("."):
        return None
    session = _read_json(paths.cache_dir(env) / "sessions" / name)
    if not isinstance(session, dict):
        return None
    expiration = datetime.fromisoformat(session["expiration"])
    if expiration.tzinfo is None:
        return None
    left = (expiration - datetime.now(UTC)).total_seconds()
    margin = pointer["margin"]
    if not isinstance(margin, int) or left <= max(margin, minimum, 0):
        return None
    if pointer["encrypted"] is True:
        data = _decrypt(session["secret"], env)
        if data is None:
            return None
    elif pointer["encrypted"] is False:
        data = session["credentials"]
    else:
        return None
    key_id, secret = data["AccessKeyId"], data["SecretAccessKey"]
    token = data.get("SessionToken") or None
    if credential_fields_problem(key_id, secret, token):
        return None
    region, shell = pointer.get("region"), pointer.get("shell")
    if not isinstance(region, str | None) or not isinstance(shell, str | None):
        return None
    return {
        "AccessKeyId": key_id,
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": rfc3339(expiration),
        "Region": region,
        "Shell": shell or "bash",
        "Prod": pointer.get("prod") is not False,
    }


def _read_json(path: Path) -> object:
    """A small regular file's JSON (a FIFO or a huge file is an OSError, never a hang)."""
    return json.loads(fs.read_private_file(path, _FILE_LIMIT))


def _set_aside(path: Path, error: BaseException) -> None:
    """Move a damaged pointer to *.corrupt and say so once (the ordinary path writes a new one)."""
    try:
        os.replace(path, path.with_name(path.name + ".corrupt"))
    except OSError:
        return
    if isinstance(error, ValueError | RecursionError):
        reason = "it is not valid JSON"
    else:
        reason = getattr(error, "strerror", None) or str(error)
    import sys

    sys.stderr.write(
        f"xswitch: the cached-switch pointer {path.name} was damaged ({reason}); it was moved "
        "aside and will be rebuilt.\n"
    )


def _decrypt(token: str, env: Mapping[str, str]) -> dict | None:
    """Decrypt with the kernel-keyring copy of the key only; no copy means a miss."""
    if not keycache.enabled(env):
        return None
    key = keycache.get(keycache.kernel_description(env))
    if key is None:
        return None
    from cryptography.fernet import Fernet, InvalidToken

    try:
        data = json.loads(Fernet(key).decrypt(token.encode()))
    except (InvalidToken, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
