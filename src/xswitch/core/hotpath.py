"""The hot path: a cached switch without loading the catalog or building a provider chain.

Every time the session manager hands out a cached kind of session it leaves a small pointer (no
secret) saying which session file serves the profile, stamped with a fingerprint of the
configuration files it was resolved from. `xswitch export P` and `credential-process P` first try
that pointer: when the files are unchanged and the session still has enough time left, the
answer needs three `stat` calls, two small reads and one decryption. Anything unusual — a changed
file, a missing pointer, an expired session, a key not in the kernel keyring — is a miss, and the
command takes the ordinary path, which is always correct.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from xswitch.core import keycache, paths

_POINTERS = "hot"
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
    try:
        paths.private_dir(path.parent)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(pointer, handle)
        os.replace(temporary, path)
    except OSError:
        pass


def lookup(env: Mapping[str, str], profile: str, min_seconds_left: int = 0) -> dict | None:
    """The cached session of `profile`, or None to take the ordinary path.

    Plain data, so that the hot path imports no dataclasses: AccessKeyId, SecretAccessKey,
    SessionToken (or None), Expiration (RFC 3339, UTC), Region (or None), Shell (default syntax),
    Prod (the profile's client is production: a pointer that does not say counts as one).
    """
    try:
        pointer = json.loads(_pointer_path(env, profile).read_text())
        if pointer.get("profile") != profile or pointer.get("fingerprint") != fingerprint(env):
            return None
        session = json.loads((paths.cache_dir(env) / "sessions" / pointer["session"]).read_text())
        expiration = datetime.fromisoformat(session["expiration"])
        left = (expiration - datetime.now(UTC)).total_seconds()
        if left <= max(int(pointer["margin"]), min_seconds_left):
            return None
        if pointer["encrypted"]:
            data = _decrypt(session["secret"], env)
            if data is None:
                return None
        else:
            data = session["credentials"]
        return {
            "AccessKeyId": str(data["AccessKeyId"]),
            "SecretAccessKey": str(data["SecretAccessKey"]),
            "SessionToken": data.get("SessionToken") or None,
            "Expiration": expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Region": pointer.get("region"),
            "Shell": pointer.get("shell") or "bash",
            "Prod": pointer.get("prod") is not False,
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _decrypt(token: str, env: Mapping[str, str]) -> dict | None:
    """Decrypt with the kernel-keyring copy of the key only; no copy means a miss."""
    if not keycache.enabled(env):
        return None
    key = keycache.get(keycache.kernel_description(env))
    if key is None:
        return None
    from cryptography.fernet import Fernet, InvalidToken

    try:
        return json.loads(Fernet(key).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None
