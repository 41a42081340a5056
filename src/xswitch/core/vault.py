"""The vault: long-lived access keys and the session-cache key, kept in the OS keyring.

Where no usable OS keyring exists (headless Linux, containers, WSL) the vault falls back to an
encrypted file store unlocked by `XSWITCH_KEYRING_PASSPHRASE` or by asking the caller's prompter
(a terminal prompt in the CLI, a masked modal in the picker; the vault itself never reads a
terminal). An unlocked file store is kept for the life of the process, so the passphrase is asked
once. `keyring` is imported only when a secret is actually needed, so commands that never touch one
stay fast.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from xswitch.core import fs, keycache, locks, paths
from xswitch.core.errors import NoTerminal, VaultError
from xswitch.core.model import Credentials, Prompter

SERVICE = "xswitch"
DATA_KEY_ENTRY = "session-cache-key"
INDEX_ENTRY = "keys-index"
KEYS_PREFIX = "keys:"
FILE_STORE_NAME = "keyring.cfg"

_FORCE_FILE = "XSWITCH_KEYRING_BACKEND"
_PASSPHRASE = "XSWITCH_KEYRING_PASSPHRASE"

PASSPHRASE_TRIES = 3

# File stores unlocked by a typed passphrase, by path: asked once per process. One lock, so that two
# logins starting together in the picker ask once, not twice.
_unlocked_stores: dict[str, tuple[int, Any]] = {}
_unlock_lock = threading.Lock()

_BACKEND_HINT = (
    "If no OS keyring is available here, set XSWITCH_KEYRING_BACKEND=file to use xswitch's "
    "encrypted file store instead (unlocked by XSWITCH_KEYRING_PASSPHRASE or a prompt)."
)


class Vault:
    """Secrets of xswitch in one keyring service ("xswitch"), values stored as JSON.

    Entries: `keys:NAME` (access keys), `session-cache-key` (a Fernet key) and `keys-index` (the
    list of key names, since keyrings cannot enumerate their entries; it holds no secret).
    """

    def __init__(
        self, env: Mapping[str, str] = os.environ, prompter: Prompter | None = None
    ) -> None:
        self._env = env
        self._prompter = prompter
        self._backend: Any = None
        self._secrets: list[str] = []  # values scrubbed from any error message we raise

    # --- access keys ---------------------------------------------------------------------------

    def get_keys(self, name: str) -> Credentials | None:
        """The keys stored under `name`, or None when there are none."""
        raw = self._get(KEYS_PREFIX + name)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            creds = Credentials(
                access_key_id=data["AccessKeyId"],
                secret_access_key=data["SecretAccessKey"],
                session_token=data.get("SessionToken"),
                expiration=datetime.fromisoformat(data["Expiration"])
                if data.get("Expiration")
                else None,
                via=(f"keys:{name}",),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise VaultError(
                f"The keyring entry for keys '{name}' is damaged ({type(error).__name__}).",
                f"Store the keys again with 'xswitch keys add {name}'.",
            ) from None
        self._secrets.append(creds.secret_access_key)
        return creds

    def set_keys(self, name: str, creds: Credentials) -> None:
        """Store (or replace) the keys under `name` and record the name in the index."""
        if not name or not name.strip():
            raise VaultError("A key name cannot be empty.", "Choose a name such as 'personal'.")
        self._secrets.append(creds.secret_access_key)
        data: dict[str, str] = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
        }
        if creds.session_token:
            self._secrets.append(creds.session_token)
            data["SessionToken"] = creds.session_token
        if creds.expiration:
            data["Expiration"] = creds.expiration.isoformat()
        with self._locked():
            self._set(KEYS_PREFIX + name, json.dumps(data))
            names = self._read_index()
            if name not in names:
                self._write_index([*names, name])

    def delete_keys(self, name: str) -> bool:
        """Forget the keys under `name`; False when there were none."""
        with self._locked():
            existed = self._delete(KEYS_PREFIX + name)
            names = self._read_index()
            if name in names:
                self._write_index([n for n in names if n != name])
                existed = True
        return existed

    def names(self) -> list[str]:
        """Names of the stored keys, in the order they were added."""
        return self._read_index()

    # --- session cache key ---------------------------------------------------------------------

    def data_key(self) -> bytes:
        """The Fernet key that encrypts the session cache; created and stored on first use.

        A copy is kept for a few hours in the kernel keyring (see `keycache`), so that a cached
        switch does not pay for a keyring round trip.
        """
        use_kernel = keycache.enabled(self._env)
        if use_kernel:
            cached = keycache.get(keycache.kernel_description(self._env))
            if cached is not None and len(cached) == 44:
                return cached
        key = self._data_key_from_keyring()
        if use_kernel:
            keycache.put(keycache.kernel_description(self._env), key)
        return key

    def _data_key_from_keyring(self) -> bytes:
        raw = self._get(DATA_KEY_ENTRY)
        if raw is None:
            # Two processes starting at once must not each create a key: one would lose its cache.
            with self._locked():
                raw = self._get(DATA_KEY_ENTRY)
                if raw is None:
                    from cryptography.fernet import Fernet

                    raw = Fernet.generate_key().decode("ascii")
                    self._set(DATA_KEY_ENTRY, json.dumps(raw))
                    return raw.encode("ascii")
        try:
            key = json.loads(raw)
            if not isinstance(key, str) or len(key) != 44:
                raise ValueError("not a Fernet key")
        except ValueError:
            raise VaultError(
                "The session cache key in the keyring is damaged.",
                "Run 'xswitch logout --all' and delete the keyring entry "
                f"'{SERVICE}/{DATA_KEY_ENTRY}'; a new key is created on next use.",
            ) from None
        return key.encode("ascii")

    # --- backend -------------------------------------------------------------------------------

    def backend_name(self) -> str:
        """A human description of where secrets are kept, for `keys list`."""
        backend = self._keyring()
        if isinstance(backend, _file_store_class()):
            return f"encrypted file ({backend.file_path})"
        cls = type(backend)
        return f"{getattr(backend, 'name', cls.__name__)} ({cls.__module__}.{cls.__name__})"

    def file_store_path(self) -> Path:
        return paths.data_dir(self._env) / FILE_STORE_NAME

    def _keyring(self) -> Any:
        if self._backend is None:
            self._backend = self._choose_backend()
        return self._backend

    def _choose_backend(self) -> Any:
        if self._env.get(_FORCE_FILE, "").lower() == "file":
            return self._open_file_store()
        with self._guard("load the keyring backend"):
            from keyring import core
            from keyring.backend import by_priority, get_all_keyring

            explicit = self._env.get("PYTHON_KEYRING_BACKEND")
            if explicit:
                # The user chose this backend: honour it even if keyring would rank it low.
                return core.load_keyring(explicit)
            configured = core.load_config()
            if configured is not None:
                return configured
            candidates = [b for b in get_all_keyring() if _is_os_keyring(b)]
        if not candidates:
            return self._open_file_store()
        return max(candidates, key=by_priority)

    def _open_file_store(self) -> Any:
        path = self.file_store_path()
        fs.private_dir(path.parent)
        given = self._env.get(_PASSPHRASE)
        if given:
            store = self._new_file_store(path)
            if not self._unlock(store, path, given):
                raise VaultError(
                    f"XSWITCH_KEYRING_PASSPHRASE does not unlock xswitch's encrypted keyring file "
                    f"{path}.",
                    "Check the variable. If the passphrase is lost, delete the file and store "
                    "your keys again with 'xswitch keys add'.",
                )
            return store
        with _unlock_lock:
            known = _unlocked_stores.get(str(path))
            if known is not None and known[0] == _inode(path):
                return known[1]
            store = self._ask_and_unlock(path)
            _unlocked_stores[str(path)] = (_inode(path), store)
            return store

    def _ask_and_unlock(self, path: Path) -> Any:
        if self._prompter is None:
            raise NoTerminal(
                "the passphrase of xswitch's encrypted keyring file",
                "Set XSWITCH_KEYRING_PASSPHRASE in the environment of this command, or run it "
                "from a terminal once so that xswitch can ask.",
            )
        store = self._new_file_store(path)
        new = not path.exists() or path.stat().st_size == 0
        problem = None
        for _ in range(PASSPHRASE_TRIES):
            passphrase = self._prompter.passphrase(str(path), new=new, problem=problem)
            if not passphrase.strip():
                problem = "The passphrase cannot be empty."
            elif self._unlock(store, path, passphrase):
                return store
            else:
                problem = "That passphrase does not unlock the file."
        raise VaultError(
            f"{PASSPHRASE_TRIES} passphrases in a row did not unlock xswitch's encrypted keyring "
            f"file {path}.",
            "Check the passphrase and try again. If it is lost, delete the file and store your "
            "keys again with 'xswitch keys add'.",
        )

    def _new_file_store(self, path: Path) -> Any:
        store = _file_store_class()()
        store.file_path = str(path)
        return store

    def _unlock(self, store: Any, path: Path, passphrase: str) -> bool:
        """Unlock (or initialise) the file store; False when the passphrase is wrong."""
        self._secrets.append(passphrase)
        try:
            store.keyring_key = passphrase
        except ValueError:
            return False
        except Exception as error:
            raise self._vault_error("unlock the encrypted keyring file", error) from None
        _restrict(path)
        return True

    # --- primitive operations, every failure turned into a VaultError --------------------------

    def _get(self, entry: str) -> str | None:
        backend = self._keyring()
        with self._guard("read from the keyring"):
            return backend.get_password(SERVICE, entry)

    def _set(self, entry: str, value: str) -> None:
        backend = self._keyring()
        with self._guard("write to the keyring"):
            backend.set_password(SERVICE, entry, value)
        if isinstance(backend, _file_store_class()):
            _restrict(Path(backend.file_path))

    def _delete(self, entry: str) -> bool:
        backend = self._keyring()
        from keyring.errors import PasswordDeleteError

        try:
            with self._guard("delete from the keyring"):
                backend.delete_password(SERVICE, entry)
        except VaultError as error:
            if isinstance(error.__cause__, PasswordDeleteError):
                return False
            raise
        return True

    def _read_index(self) -> list[str]:
        raw = self._get(INDEX_ENTRY)
        if not raw:
            return []
        try:
            names = json.loads(raw)
        except ValueError:
            return []  # the index is a convenience; a damaged one is rebuilt by the next write
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def _write_index(self, names: list[str]) -> None:
        self._set(INDEX_ENTRY, json.dumps(names))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise read-modify-write updates (the index, the data key) across processes."""
        with locks.held(
            paths.data_dir(self._env) / "vault.lock",
            timeout=30,
            busy=lambda: VaultError(
                "Another xswitch has held the keyring store for more than 30 seconds.",
                "Let it finish (or close it), then try again.",
            ),
        ):
            yield

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except VaultError:
            raise
        except Exception as error:
            raise self._vault_error(action, error) from error

    def _vault_error(self, action: str, error: BaseException) -> VaultError:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        for secret in self._secrets:
            if secret:
                detail = detail.replace(secret, "***")
        what = type(error).__name__ + (f": {detail[:200]}" if detail else "")
        return VaultError(
            f"xswitch could not {action} ({what}).",
            "The keyring may be locked, or its service (D-Bus, gnome-keyring, KWallet) may not be "
            "running; unlock it or start a desktop session and retry. " + _BACKEND_HINT,
        )


def _is_os_keyring(backend: Any) -> bool:
    """True for a working OS keyring (Secret Service, KWallet, macOS, Windows).

    keyring's own detection would also pick the chainer, file keyrings (plaintext ones among
    them) or the fail placeholder on a headless machine; xswitch uses its own encrypted file
    store there instead, so only keyring's OS backends with a recommended priority count.
    """
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring | chainer.ChainerBackend):
        return False
    if not type(backend).__module__.startswith("keyring.backends."):
        return False
    try:
        return backend.priority >= 1
    except Exception:
        return False


@functools.cache
def _file_store_class() -> type[Any]:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    class XswitchFileKeyring(CryptFileKeyring):
        """Argon2id with 64 MiB and 3 passes: above OWASP's minimum, yet ~0.2 s per secret instead
        of ~0.5 s with the library's 15 passes (every single read derives the key again)."""

        time_cost = 3

    return XswitchFileKeyring


def _restrict(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)


def _inode(path: Path) -> int:
    """Identifies the file behind `path` (a file deleted and created again is another one)."""
    try:
        return path.stat().st_ino
    except OSError:
        return -1
