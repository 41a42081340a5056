"""The vault through a real Secret Service: gnome-keyring on a private D-Bus session bus.

The test starts `dbus-run-session`, unlocks a fresh gnome-keyring (login keyring in the temporary
XDG_DATA_HOME) and runs xswitch's vault in a child process on that bus.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon (apt install dbus gnome-keyring)",
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"

VAULT_SCRIPT = f"""
from xswitch.core.model import Credentials
from xswitch.core.vault import Vault

vault = Vault()
print("backend", vault.backend_name())
vault.set_keys("personal", Credentials("AKIAIOSFODNN7EXAMPLE", {SECRET!r}))
fresh = Vault()
got = fresh.get_keys("personal")
print("secret-matches", got.secret_access_key == {SECRET!r})
print("names", fresh.names())
key = fresh.data_key()
print("data-key-stable", key == Vault().data_key())
print("deleted", fresh.delete_keys("personal"))
print("after-delete", Vault().get_keys("personal"))
"""

# Read the secret back with secretstorage itself: proof that it really lives in the Secret Service.
DIRECT_SCRIPT = """
import secretstorage
bus = secretstorage.dbus_init()
collection = secretstorage.get_default_collection(bus)
items = list(collection.search_items({"service": "xswitch", "username": "keys:witness"}))
print("direct", [item.get_secret().decode() for item in items])
"""


def run_on_private_bus(tmp_path: Path, *scripts: str) -> str:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring",
    )
    for name in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    files = []
    for index, script in enumerate(scripts):
        path = tmp_path / f"script{index}.py"
        path.write_text(script)
        files.append(f"{sys.executable} {path}")
    body = (
        # gnome-keyring creates and unlocks the login keyring with the password from stdin.
        "echo -n test-login-password | gnome-keyring-daemon --unlock --components=secrets "
        ">/dev/null && " + " && ".join(files)
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", body],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_set_get_delete_through_secret_service(tmp_path: Path) -> None:
    out = run_on_private_bus(tmp_path, VAULT_SCRIPT)
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert "SecretService" in lines["backend"]
    assert lines["secret-matches"] == "True"
    assert lines["names"] == "['personal']"
    assert lines["data-key-stable"] == "True"
    assert lines["deleted"] == "True"
    assert lines["after-delete"] == "None"
    # Nothing of the secret was written in clear under the temporary home by xswitch.
    for path in Path(os.environ["HOME"]).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_secret_is_stored_in_the_secret_service_itself(tmp_path: Path) -> None:
    witness = (
        "from xswitch.core.model import Credentials\n"
        "from xswitch.core.vault import Vault\n"
        f"Vault().set_keys('witness', Credentials('AKIAWITNESS', {SECRET!r}))\n"
    )
    out = run_on_private_bus(tmp_path, witness, DIRECT_SCRIPT)
    assert "AKIAWITNESS" in out and SECRET in out
