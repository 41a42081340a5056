"""The vault against real keyring backends: the isolated plaintext test keyring and the encrypted
file store xswitch falls back to where no OS keyring exists."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xswitch.core import paths
from xswitch.core.errors import VaultError
from xswitch.core.model import Credentials
from xswitch.core.vault import FILE_STORE_NAME, Vault

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
KEYS = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def file_env(passphrase: str = "correct horse battery staple") -> dict[str, str]:
    base = env(XSWITCH_KEYRING_BACKEND="file", XSWITCH_KEYRING_PASSPHRASE=passphrase)
    base.pop("PYTHON_KEYRING_BACKEND", None)
    return base


def test_keys_round_trip_through_the_configured_keyring() -> None:
    vault = Vault(env())
    assert vault.get_keys("personal") is None
    vault.set_keys("personal", KEYS)

    again = Vault(env()).get_keys("personal")
    assert again is not None
    assert again.access_key_id == KEYS.access_key_id
    assert again.secret_access_key == SECRET
    assert again.session_token is None
    assert again.via == ("keys:personal",)
    assert "PlaintextKeyring" in vault.backend_name()


def test_session_token_and_expiry_survive() -> None:
    expiry = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    Vault(env()).set_keys("temp", Credentials("ASIAEXAMPLE", SECRET, "token/with+chars==", expiry))
    got = Vault(env()).get_keys("temp")
    assert got is not None
    assert (got.session_token, got.expiration) == ("token/with+chars==", expiry)


def test_names_index_follows_set_and_delete() -> None:
    vault = Vault(env())
    vault.set_keys("b", KEYS)
    vault.set_keys("a", KEYS)
    vault.set_keys("b", KEYS)  # replacing keeps one entry
    assert vault.names() == ["b", "a"]
    assert vault.delete_keys("b") is True
    assert vault.delete_keys("b") is False
    assert vault.get_keys("b") is None
    assert Vault(env()).names() == ["a"]


def test_data_key_is_a_stable_fernet_key() -> None:
    from cryptography.fernet import Fernet

    key = Vault(env()).data_key()
    assert key == Vault(env()).data_key()
    token = Fernet(key).encrypt(b"session")
    assert Fernet(Vault(env()).data_key()).decrypt(token) == b"session"


def test_secrets_never_in_repr() -> None:
    Vault(env()).set_keys("personal", KEYS)
    creds = Vault(env()).get_keys("personal")
    assert SECRET not in repr(creds)


def test_empty_name_is_refused() -> None:
    with pytest.raises(VaultError, match="cannot be empty"):
        Vault(env()).set_keys(" ", KEYS)


def test_broken_backend_gives_a_vault_error_not_a_traceback() -> None:
    with pytest.raises(VaultError) as caught:
        Vault(env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")).get_keys("x")
    assert "XSWITCH_KEYRING_BACKEND=file" in str(caught.value)


def test_unknown_backend_name_gives_a_vault_error() -> None:
    with pytest.raises(VaultError):
        Vault(env(PYTHON_KEYRING_BACKEND="no.such.Backend")).get_keys("x")


# --- the encrypted file store ------------------------------------------------------------------


def test_file_store_round_trip_encrypted_and_private() -> None:
    vault = Vault(file_env())
    vault.set_keys("personal", KEYS)
    key = vault.data_key()

    store = paths.data_dir(os.environ) / FILE_STORE_NAME
    assert vault.backend_name() == f"encrypted file ({store})"
    content = store.read_bytes()
    assert SECRET.encode() not in content
    assert KEYS.access_key_id.encode() not in content
    assert key not in content
    assert stat.S_IMODE(store.stat().st_mode) == 0o600

    again = Vault(file_env())
    got = again.get_keys("personal")
    assert got is not None and got.secret_access_key == SECRET
    assert again.data_key() == key
    assert again.names() == ["personal"]


def test_file_store_wrong_passphrase() -> None:
    Vault(file_env("right one")).set_keys("personal", KEYS)
    with pytest.raises(VaultError) as caught:
        Vault(file_env("wrong one")).get_keys("personal")
    message = str(caught.value)
    assert "does not unlock" in message
    assert "wrong one" not in message and SECRET not in message


def test_file_store_without_passphrase_or_terminal(tmp_path: Path) -> None:
    """No passphrase variable and no controlling terminal: a clear error naming both fixes."""
    child_env = file_env()
    del child_env["XSWITCH_KEYRING_PASSPHRASE"]
    script = (
        "import sys\n"
        "from xswitch.cli.context import TerminalPrompter\n"
        "from xswitch.core.vault import Vault\n"
        "from xswitch.core.errors import XswitchError\n"
        "try:\n"
        "    Vault(prompter=TerminalPrompter(None, sys.stderr)).get_keys('x')\n"
        "except XswitchError as e:\n"
        "    print('ERROR', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    assert result.stdout.startswith("ERROR"), result.stderr
    assert "XSWITCH_KEYRING_PASSPHRASE" in result.stdout
    assert "terminal" in result.stdout
    assert not (paths.data_dir(os.environ) / FILE_STORE_NAME).exists()


def test_file_store_passphrase_prompt_on_tty() -> None:
    """Without the variable, the CLI's prompter reads the passphrase from the terminal (twice for
    a new file), once per process: the second vault reuses the unlocked store."""
    import pty

    child_env = file_env()
    del child_env["XSWITCH_KEYRING_PASSPHRASE"]
    script = (
        "import sys\n"
        "from xswitch.cli.context import TerminalPrompter\n"
        "from xswitch.core.vault import Vault\n"
        "from xswitch.core.model import Credentials\n"
        "ask = TerminalPrompter(None, sys.stderr)\n"
        "Vault(prompter=ask).set_keys('p', Credentials('AKIA1', 'sek'))\n"
        "print('STORED', Vault(prompter=ask).get_keys('p').access_key_id)\n"
    )
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-c", script], child_env)
    output = _converse(fd, [b"passphrase for", b"Repeat it"], b"s3cret pass\n")
    os.waitpid(pid, 0)
    assert b"STORED AKIA1" in output
    assert output.count(b"passphrase for") == 1
    assert (paths.data_dir(os.environ) / FILE_STORE_NAME).exists()


def _converse(fd: int, prompts: list[bytes], answer: bytes) -> bytes:
    """Answer each prompt as it appears on the pty, then read until the child closes it."""
    import select

    seen = b""
    answered_up_to = 0
    pending = list(prompts)
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            raise AssertionError(f"timed out; output so far: {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return seen
        if not chunk:
            return seen
        seen += chunk
        if pending and pending[0] in seen[answered_up_to:]:
            answered_up_to = seen.index(pending.pop(0), answered_up_to) + 1
            os.write(fd, answer)


def test_falls_back_to_the_file_store_without_an_os_keyring() -> None:
    """No keyring chosen and no reachable Secret Service: the encrypted file store, never the
    plaintext file keyrings that keyring's own detection would otherwise pick."""
    child_env = file_env()
    del child_env["XSWITCH_KEYRING_BACKEND"]
    child_env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"
    child_env.pop("DISPLAY", None)
    script = (
        "from xswitch.core.vault import Vault\n"
        "from xswitch.core.model import Credentials\n"
        "v = Vault()\n"
        f"v.set_keys('p', Credentials('AKIA1', '{SECRET}'))\n"
        "print(v.backend_name())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=child_env, capture_output=True, text=True, timeout=60
    )
    store = paths.data_dir(os.environ) / FILE_STORE_NAME
    assert result.stdout.strip() == f"encrypted file ({store})", result.stderr
    assert SECRET.encode() not in store.read_bytes()


class _ScriptedPrompter:
    """Answers passphrase questions from a list and records what each question said."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[bool, str | None]] = []

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        self.asked.append((new, problem))
        return self.answers.pop(0)


def test_file_store_prompter_retries_a_wrong_passphrase() -> None:
    """A wrong or empty answer is refused with its reason and asked again; then it unlocks."""
    Vault(file_env("right one")).set_keys("personal", KEYS)
    no_variable = file_env()
    del no_variable["XSWITCH_KEYRING_PASSPHRASE"]
    prompter = _ScriptedPrompter(["wrong one", " ", "right one"])
    got = Vault(no_variable, prompter).get_keys("personal")
    assert got is not None and got.access_key_id == KEYS.access_key_id
    assert prompter.asked == [
        (False, None),
        (False, "That passphrase does not unlock the file."),
        (False, "The passphrase cannot be empty."),
    ]


def test_file_store_gives_up_after_three_wrong_passphrases() -> None:
    Vault(file_env("right one")).set_keys("personal", KEYS)
    no_variable = file_env()
    del no_variable["XSWITCH_KEYRING_PASSPHRASE"]
    prompter = _ScriptedPrompter(["a", "b", "c", "right one"])
    with pytest.raises(VaultError, match="3 passphrases in a row"):
        Vault(no_variable, prompter).get_keys("personal")
    assert len(prompter.asked) == 3
