"""The session cache: files, permissions, encryption, corruption, expiry, and the caching decorator.

The provider behind the cache here is a small counting provider, so these tests need no network;
the real STS path is covered by tests/integration/test_engine_moto.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xswitch.core import sessions as sessions_module
from xswitch.core.model import Catalog, Credentials, Kind, Profile, Settings
from xswitch.core.providers.base import Provider
from xswitch.core.session_store import CachedProvider, SessionStore
from xswitch.core.sessions import SessionManager

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
SECRET = "tEmPoRaRy/SeCrEt+Value0123456789abcdefghij"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN" * 8


class CountingProvider(Provider):
    """Hands out numbered one-hour sessions and counts how often it was asked."""

    def __init__(self, lifetime: timedelta = timedelta(hours=1), name: str = "v1") -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.name = name

    def retrieve(self) -> Credentials:
        self.calls += 1
        return Credentials(
            f"ASIA{self.calls:016d}", SECRET, TOKEN, NOW + self.lifetime, via=("test",)
        )

    def describe(self) -> str:
        return "counting"

    def identity(self) -> tuple[str, ...]:
        return ("counting", self.name)


def sessions_dir() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "xswitch" / "sessions"


def store(plaintext: bool = False) -> SessionStore:
    from xswitch.core.vault import Vault

    return SessionStore(sessions_dir(), Vault().data_key, plaintext=plaintext)


def cached(inner: Provider, clock=lambda: NOW, **options) -> CachedProvider:
    options = {"profile": "p", "kind": "role", "mfa_session": False, "margin": 600, **options}
    return CachedProvider(inner, options.pop("store", None) or store(), clock=clock, **options)


def test_cache_hit_until_the_margin_then_refresh():
    inner = CountingProvider()
    first = cached(inner).retrieve()
    assert cached(inner).retrieve() == first
    assert inner.calls == 1

    # 11 minutes left: still good; 9 minutes left: inside the 10-minute margin, refreshed.
    assert cached(inner, clock=lambda: NOW + timedelta(minutes=49)).retrieve() == first
    refreshed = cached(inner, clock=lambda: NOW + timedelta(minutes=51)).retrieve()
    assert refreshed.access_key_id != first.access_key_id
    assert inner.calls == 2


def test_force_refresh_and_a_larger_margin_skip_the_cache():
    inner = CountingProvider()
    cached(inner).retrieve()
    cached(inner, force_refresh=True).retrieve()
    cached(inner, margin=2 * 3600).retrieve()
    assert inner.calls == 3


def test_files_are_private_and_secrets_are_encrypted():
    creds = cached(CountingProvider()).retrieve()
    directory = sessions_dir()
    [path] = list(directory.glob("*.json"))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.stem) == 32
    text = path.read_text()
    assert SECRET not in text and TOKEN[:40] not in text and creds.access_key_id not in text
    document = json.loads(text)
    assert document["profile"] == "p" and document["version"] == 1
    assert datetime.fromisoformat(document["expiration"]) == creds.expiration
    assert set(document) == {"version", "profile", "kind", "expiration", "mfa_session", "secret"}


def test_plaintext_mode_is_an_explicit_choice():
    cached(CountingProvider(), store=store(plaintext=True)).retrieve()
    [path] = list(sessions_dir().glob("*.json"))
    assert SECRET in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # An encrypted store does not trust a plaintext file: a miss, replaced by an encrypted one.
    inner = CountingProvider()
    cached(inner).retrieve()
    assert inner.calls == 1
    assert SECRET not in path.read_text()


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: "{ not json",
        lambda text: "",
        lambda text: text.replace('"secret": "', '"secret": "x'),
        lambda text: json.dumps({**json.loads(text), "version": 99}),
        lambda text: json.dumps({**json.loads(text), "expiration": "yesterday"}),
    ],
)
def test_corrupt_files_are_a_miss_and_get_replaced(damage):
    inner = CountingProvider()
    cached(inner).retrieve()
    [path] = list(sessions_dir().glob("*.json"))
    path.write_text(damage(path.read_text()))

    again = cached(inner).retrieve()
    assert inner.calls == 2
    assert again.access_key_id == "ASIA0000000000000002"
    assert cached(inner).retrieve() == again  # the replacement is readable


def test_file_encrypted_with_a_lost_key_is_a_miss():
    from cryptography.fernet import Fernet

    inner = CountingProvider()
    cached(inner, store=SessionStore(sessions_dir(), Fernet.generate_key)).retrieve()
    cached(inner).retrieve()
    assert inner.calls == 2


def test_a_failed_write_leaves_the_old_file_and_no_debris(monkeypatch):
    inner = CountingProvider()
    cached(inner).retrieve()
    [path] = list(sessions_dir().glob("*.json"))
    before = path.read_bytes()

    def broken_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sessions_module.os, "fsync", broken_disk)
    with pytest.raises(OSError):
        cached(inner, force_refresh=True).retrieve()
    assert path.read_bytes() == before
    assert sorted(p.suffix for p in sessions_dir().iterdir()) == [".json", ".lock"]


def test_cached_sessions_reads_no_keyring_and_imports_no_aws_library():
    manager = SessionManager(Catalog((), {}), clock=lambda: NOW)
    cached(CountingProvider(), profile="fresh", store=manager.store).retrieve()
    old = CountingProvider(lifetime=timedelta(hours=-2), name="old")
    cached(old, profile="stale", store=manager.store, mfa_session=True).retrieve()

    script = textwrap.dedent(
        """
        import sys
        from xswitch.core.model import Catalog
        from xswitch.core.sessions import SessionManager

        found = SessionManager(Catalog((), {})).cached_sessions()
        heavy = [m for m in ("keyring", "botocore", "boto3", "xswitch.core.vault", "cryptography")
                 if m in sys.modules]
        print(sorted(found), found["stale"].mfa_session, heavy)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['fresh', 'stale'] True []"
    expirations = {n: i.expiration for n, i in manager.cached_sessions().items()}
    assert expirations == {"fresh": NOW + timedelta(hours=1), "stale": NOW - timedelta(hours=2)}


def test_logout_one_and_all():
    manager = SessionManager(Catalog((), {}), clock=lambda: NOW)
    for name in ("a", "b"):
        cached(CountingProvider(name=name), profile=name, store=manager.store).retrieve()
    assert manager.logout("a") == ["a"]
    assert set(manager.cached_sessions()) == {"b"}
    assert manager.logout("nobody") == []
    assert manager.logout(None) == ["b"]
    assert list(sessions_dir().glob("*.json")) == []


def test_long_lived_keys_are_not_cached():
    keys = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)
    profile = Profile("me", Kind.KEYS, static_keys=keys)
    manager = SessionManager(Catalog((), {"me": profile}, settings=Settings(cache="plaintext")))
    creds = manager.credentials("me", prompter=None)
    assert (creds.access_key_id, creds.secret_access_key) == (keys.access_key_id, SECRET)
    assert creds.expiration is None
    assert not sessions_dir().exists() or not list(sessions_dir().glob("*.json"))


def test_unknown_profile_is_a_clear_error():
    from xswitch.core.errors import UnknownProfile

    manager = SessionManager(Catalog((), {}))
    with pytest.raises(UnknownProfile):
        manager.credentials("ghost", prompter=None)


def test_chain_description_and_unlocks_need_no_network():
    keys = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)
    serial = "arn:aws:iam::111111111111:mfa/me"
    role = {"role_arn": "arn:aws:iam::2:role/r", "source_profile": "me", "mfa_serial": serial}
    catalog = Catalog(
        (),
        {
            "me": Profile("me", Kind.KEYS, static_keys=keys),
            "r": Profile("r", Kind.ROLE, settings=role),
        },
    )
    manager = SessionManager(catalog, env={**os.environ, "AWS_ENDPOINT_URL": "http://0.0.0.0:1"})
    assert manager.chain_description("r") == [
        "keys in ~/.aws/credentials [me]",
        f"MFA session ({serial}, 8 h)",
        "AssumeRole arn:aws:iam::2:role/r",
    ]
    assert manager.unlocks("r") == ["r"]
    assert manager.unlocks("me") == []


def test_a_cancelled_key_prompt_is_no_damaged_session():
    """Esc at the passphrase prompt while a cached session is read: the error reaches the caller
    and the session file stays where it is (it is not damaged, only locked)."""
    from xswitch.core.errors import PromptCancelled

    provider = cached(CountingProvider())
    provider.retrieve()
    files = sorted(sessions_dir().iterdir())

    def cancelled_prompt() -> bytes:
        raise PromptCancelled("The passphrase prompt")

    with pytest.raises(PromptCancelled):
        SessionStore(sessions_dir(), cancelled_prompt).load(provider.identity())
    assert sorted(sessions_dir().iterdir()) == files
