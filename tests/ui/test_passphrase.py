"""The keyring passphrase in the picker: a masked modal, retried when wrong, Esc cancels one login.

The encrypted file store (XSWITCH_KEYRING_BACKEND=file) with no XSWITCH_KEYRING_PASSPHRASE: the
picker must ask with a modal, never by reading the terminal behind Textual's back.
"""

from __future__ import annotations

import builtins
import getpass
import os
import threading

import pytest
from uitesting import SIZE, new_app, notifications, screen_text, wait_for_dialog, wait_until

from xswitch.core.model import Credentials
from xswitch.core.vault import Vault
from xswitch.ui.screens.passphrase import PassphraseScreen

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def file_store(monkeypatch):
    monkeypatch.setenv("XSWITCH_KEYRING_BACKEND", "file")
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)


@pytest.fixture
def vault_world(isolated, moto, file_store):
    """A role assumed from keys kept in the encrypted file store (as `xswitch keys add` does)."""
    isolated.write_aws_config(
        """
        [profile vault-dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = vaultkeys
        region = eu-west-1
        """
    )
    isolated.write_xswitch_config(
        """
        [profiles.vaultkeys]
        keys = "vaultkeys"

        [clients.acme]
        name = "Acme Retail"
        match = ["vault-*"]
        """
    )
    env = {**os.environ, "XSWITCH_KEYRING_PASSPHRASE": PASSPHRASE}
    Vault(env).set_keys(
        "vaultkeys",
        Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    )
    return isolated


def no_terminal_reads(monkeypatch) -> list[str]:
    """Make every way of reading the terminal fail loudly, and record who tried."""
    tried: list[str] = []
    real_open = os.open

    def guarded_open(path, *args, **kwargs):
        if os.fspath(path) == "/dev/tty":
            tried.append(f"os.open(/dev/tty) in {threading.current_thread().name}")
            raise AssertionError("the picker opened /dev/tty")
        return real_open(path, *args, **kwargs)

    def refuse(name):
        def called(*args, **kwargs):
            tried.append(f"{name} in {threading.current_thread().name}")
            raise AssertionError(f"the picker called {name}")

        return called

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(builtins, "input", refuse("input()"))
    monkeypatch.setattr(getpass, "getpass", refuse("getpass()"))
    return tried


async def test_wrong_passphrase_says_so_then_the_right_one_logs_in(vault_world, monkeypatch):
    tried = no_terminal_reads(monkeypatch)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.profiles.selected.name == "vault-dev"
        await pilot.press("l")
        await wait_for_dialog(pilot, PassphraseScreen)
        assert not app.screen.new  # the file exists: one field, no "repeat"
        assert len(app.screen.query("Input")) == 1
        await pilot.press(*"wrong guess", "enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, PassphraseScreen) and "does not unlock" in screen_text(app)
            ),
            "the modal to come back with the reason",
        )
        assert "wrong guess" not in screen_text(app)  # masked
        await pilot.press(*PASSPHRASE, "enter")
        await wait_until(pilot, lambda: "vault-dev" in app.board.expirations, "the login")
        assert PASSPHRASE not in screen_text(app)
        assert not any(PASSPHRASE in n for n in notifications(app))
    assert tried == []


async def test_escape_cancels_that_login_only(vault_world, monkeypatch):
    tried = no_terminal_reads(monkeypatch)
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_for_dialog(pilot, PassphraseScreen)
        assert "vault-dev" in app.board.busy
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.board.busy, "the row to leave its login state")
        assert not isinstance(app.screen, PassphraseScreen)
        assert "vault-dev" not in app.board.errors
        assert any("Login cancelled: vault-dev" in n for n in notifications(app))
        assert app.is_running
        # The picker still works: the next login asks again and succeeds.
        await pilot.press("l")
        await wait_for_dialog(pilot, PassphraseScreen)
        await pilot.press(*PASSPHRASE, "enter")
        await wait_until(pilot, lambda: "vault-dev" in app.board.expirations, "the login")
    assert tried == []
    assert not [t for t in threading.enumerate() if t.name.startswith("xswitch login")]


async def test_a_new_store_asks_twice_and_refuses_differing_answers(world, moto, file_store):
    # Source keys in ~/.aws/credentials: only the session-cache key needs the (new) store.
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await wait_for_dialog(pilot, PassphraseScreen)
        assert app.screen.new and len(app.screen.query("Input")) == 2
        await pilot.press(*"first", "enter", *"second", "enter")
        assert isinstance(app.screen, PassphraseScreen)
        assert "differ" in screen_text(app)
        await pilot.press("enter")
        assert "cannot be empty" in screen_text(app)
        await pilot.press(*"chosen one", "enter", *"chosen one", "enter")
        await wait_until(pilot, lambda: "acme-dev" in app.board.expirations, "the login")
    store = Vault({**os.environ, "XSWITCH_KEYRING_PASSPHRASE": "chosen one"})
    assert store.names() == []  # the store opens with the chosen passphrase (else VaultError)
