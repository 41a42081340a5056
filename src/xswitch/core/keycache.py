"""A short-lived copy of the session-cache key in the Linux kernel keyring.

Reading the OS keyring costs tens of milliseconds per process (importing `keyring`, a D-Bus round
trip), which would dominate every cached switch. Like Kerberos' KEYRING credential caches, xswitch
keeps a copy of the key in the kernel's per-user keyring for a few hours: it never touches disk,
only processes of the same user can read it, and it vanishes on reboot or timeout. Anywhere the
kernel keyring is unavailable (macOS, containers whose seccomp profile blocks keyctl) every call
simply misses and the OS keyring is read as before. `XSWITCH_KERNEL_KEYRING=0` turns it off.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from collections.abc import Mapping

from xswitch.core import paths

TIMEOUT_SECONDS = 8 * 3600

_USER_KEYRING = -4  # KEY_SPEC_USER_KEYRING
_KEYCTL_REVOKE = 3
_KEYCTL_SEARCH = 10
_KEYCTL_READ = 11
_KEYCTL_SET_TIMEOUT = 15
# Syscall numbers differ per architecture (add_key, keyctl).
_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219), "arm64": (217, 219)}


def _syscall():
    if not sys.platform.startswith("linux"):
        return None
    numbers = _SYSCALLS.get(os.uname().machine)
    if numbers is None:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    libc.syscall.restype = ctypes.c_long
    return libc.syscall, numbers


def kernel_description(env: Mapping[str, str]) -> str:
    """Names the kernel-keyring copy of the data key after all that selects its keyring entry."""
    scope = "\0".join(
        [
            str(paths.data_dir(env)),
            str(paths.cache_dir(env)),
            env.get("PYTHON_KEYRING_BACKEND", ""),
            env.get("XSWITCH_KEYRING_BACKEND", ""),
        ]
    )
    return "xswitch:session-cache-key:" + hashlib.sha256(scope.encode()).hexdigest()[:24]


def enabled(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("XSWITCH_KERNEL_KEYRING", "1") != "0"


def get(description: str) -> bytes | None:
    """The cached value, or None when absent, expired or unsupported here."""
    found = _syscall()
    if found is None:
        return None
    syscall, (_, keyctl) = found
    key_id = syscall(keyctl, _KEYCTL_SEARCH, _USER_KEYRING, b"user", description.encode(), 0)
    if key_id < 0:
        return None
    buffer = ctypes.create_string_buffer(256)
    size = syscall(keyctl, _KEYCTL_READ, ctypes.c_long(key_id), buffer, ctypes.c_size_t(256))
    if size < 0 or size > 256:
        return None
    return buffer.raw[:size]


def put(description: str, value: bytes, timeout: int = TIMEOUT_SECONDS) -> bool:
    """Store `value` for `timeout` seconds; False when the kernel keyring is unavailable."""
    found = _syscall()
    if found is None:
        return False
    syscall, (add_key, keyctl) = found
    key_id = syscall(
        add_key,
        b"user",
        description.encode(),
        value,
        ctypes.c_size_t(len(value)),
        _USER_KEYRING,
    )
    if key_id < 0:
        return False
    syscall(keyctl, _KEYCTL_SET_TIMEOUT, ctypes.c_long(key_id), ctypes.c_uint(timeout))
    return True


def forget(description: str) -> None:
    """Revoke the cached copy, if any."""
    found = _syscall()
    if found is None:
        return
    syscall, (_, keyctl) = found
    key_id = syscall(keyctl, _KEYCTL_SEARCH, _USER_KEYRING, b"user", description.encode(), 0)
    if key_id >= 0:
        syscall(keyctl, _KEYCTL_REVOKE, ctypes.c_long(key_id))
