"""config.toml: validation, defaults, atomic saves with a backup, and edits that never lose data."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import tomllib
from pathlib import Path

import pytest

from xswitch.core.config.checks import SESSION_NAME
from xswitch.core.config.settings import (
    default_session_name,
    default_shell,
    edit_document,
    load_document,
    save_document,
    validate_settings,
)
from xswitch.core.errors import ConfigError
from xswitch.core.model import Settings

DOC = {
    "settings": {"shell": "fish", "refresh_margin": 300, "sso_rate_limit": 5},
    "clients": {
        "acme": {
            "name": "ACME",
            "color": "#e5484d",
            "prod": True,
            "notes": "line one\nline two",
            "tags": ["eu"],
            "profiles": ["acme-prod"],
            "match": ["acme-*"],
        }
    },
    "profiles": {
        "acme.audit": {
            "client": "acme",
            "role_arn": "arn:aws:iam::1:role/x",
            "duration_seconds": 900,
        },
        "mine": {
            "keys": "me",
            "stale": False,
            "origin": "sso-sync",
            "s3": {"addressing_style": "path"},
        },
    },
    "sso-sessions": {"corp": {"start_url": "https://x", "region": "eu-west-1", "scopes": ["a"]}},
}


def test_missing_file_is_empty(tmp_path):
    assert load_document(tmp_path / "nope.toml") == {}


def test_round_trip_keeps_every_value(tmp_path):
    path = tmp_path / "config.toml"
    save_document(path, DOC)
    assert load_document(path) == DOC
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_keeps_previous_version_as_backup(tmp_path):
    path = tmp_path / "config.toml"
    save_document(path, {"settings": {"theme": "light"}})
    save_document(path, {"settings": {"theme": "dark"}})
    backup = tmp_path / "config.toml.bak"
    assert tomllib.loads(backup.read_text()) == {"settings": {"theme": "light"}}
    assert load_document(path) == {"settings": {"theme": "dark"}}
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_unserializable_value_leaves_the_file_intact(tmp_path):
    path = tmp_path / "cfg" / "config.toml"
    save_document(path, DOC)
    before = path.read_bytes()
    broken = {"profiles": {"p": {"region": object()}}}
    with pytest.raises(ConfigError):
        save_document(path, broken)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_a_serialisation_failure_leaves_the_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "config.toml"
    save_document(path, DOC)
    before = path.read_bytes()
    import tomlkit

    def fail(document):
        raise TypeError("Object of type set is not TOML serializable")

    monkeypatch.setattr(tomlkit, "dumps", fail)
    with pytest.raises(ConfigError, match="Nothing was changed"):
        save_document(path, {"settings": {"shell": "bash"}})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


def test_disk_error_during_save_leaves_the_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "config.toml"
    save_document(path, {"settings": {"theme": "light"}})
    save_document(path, DOC)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ConfigError, match="No space left on device"):
        save_document(path, {"settings": {"shell": "bash"}})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml", "config.toml.bak"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[setings]\n", "unknown key 'setings'"),
        ("[settings]\nshel = 'zsh'\n", "unknown key 'settings.shel'"),
        ("[clients.acme]\ncolour = 'red'\n", "unknown key 'clients.acme.colour'"),
        ("[sso-sessions.x]\nurl = 'u'\n", "unknown key 'sso-sessions.x.url'"),
        ("[clients.acme]\nprod = 'yes'\n", "clients.acme.prod must be true or false"),
        ("[clients.acme]\ntags = 'a'\n", "clients.acme.tags must be a list of strings"),
        ("[settings]\nshell = 'tcsh'\n", "settings.shell must be one of"),
        ("[settings]\nrefresh_margin = -1\n", "settings.refresh_margin must be a whole number"),
        ("[settings]\nrefresh_margin = true\n", "settings.refresh_margin must be a whole number"),
        ("[settings]\nsession_name = 'has space'\n", "settings.session_name"),
        ("[settings]\nmfa_session_duration = 100\n", "settings.mfa_session_duration"),
        ("[settings]\nsso_rate_limit = 0\n", "settings.sso_rate_limit"),
        ("[profiles.p]\nregion = ['a']\n", "profiles.p.region must be a string"),
        ("[profiles.p]\nduration_seconds = 1.5\n", "profiles.p.duration_seconds"),
        ("[profiles.p]\norigin = 'manual'\n", "profiles.p.origin must be one of"),
        ("[profiles.'a b']\nstale = 1\n", 'profiles."a b".stale must be true or false'),
        ("settings = 3\n", "'settings' must be a table"),
    ],
)
def test_invalid_documents_are_refused_clearly(tmp_path, text, fragment):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_document(path)
    assert fragment in str(error.value)
    assert str(path) in str(error.value)


def test_unknown_key_lists_the_valid_ones(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[clients.acme]\ncolour = 'red'\n")
    with pytest.raises(ConfigError) as error:
        load_document(path)
    assert "name, color, prod, notes, tags, profiles, match" in str(error.value)


def test_profiles_accept_new_aws_keys(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[profiles.p]\nsome_future_aws_setting = 'x'\nretries = 3\nflag = true\n")
    assert load_document(path)["profiles"]["p"]["retries"] == 3


def test_toml_syntax_error_names_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[settings]\n\ntheme = 'dark\n")
    with pytest.raises(ConfigError) as error:
        load_document(path)
    assert error.value.line == 3 and f"{path}:3:" in str(error.value)


def test_non_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"[settings]\ntheme = '\xff'\n")
    with pytest.raises(ConfigError) as error:
        load_document(path)
    assert error.value.line == 2


def test_settings_defaults_and_values(monkeypatch):
    defaults = validate_settings({}, env={"SHELL": "/usr/bin/fish"})
    assert defaults.shell == "fish"
    assert defaults.refresh_margin == 600 and defaults.cache == "encrypted"
    assert defaults.session_name == default_session_name()
    configured = validate_settings(
        {
            "settings": {
                "session_name": "ops@acme",
                "refresh_margin": 120,
                "shell": "powershell",
                "cache": "plaintext",
                "theme": "light",
                "sso_rate_limit": 2,
                "mfa_session_duration": 3600,
            }
        },
        env={},
    )
    assert configured == Settings(
        session_name="ops@acme",
        refresh_margin=120,
        shell="powershell",
        cache="plaintext",
        theme="light",
        sso_rate_limit=2.0,
        mfa_session_duration=3600,
    )


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("/bin/zsh", "zsh"),
        ("/usr/local/bin/pwsh", "powershell"),
        ("/bin/tcsh", "bash"),
        ("", "bash"),
    ],
)
def test_default_shell(shell, expected):
    assert default_shell({"SHELL": shell}) == expected


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("jane.doe", "jane.doe"),
        ("DOMAIN\\jane doe", "DOMAIN-jane-doe"),
        ("x" * 80, "x" * 64),
        ("é", "xswitch"),
        ("", "xswitch"),
    ],
)
def test_session_name_from_user_name(user, expected):
    name = default_session_name(user)
    assert name == expected
    assert SESSION_NAME.fullmatch(name)


# --- concurrent edits -------------------------------------------------------------------------


def _add_clients(path: str, prefix: str, count: int) -> None:
    for index in range(count):
        with edit_document(path) as doc:
            doc.setdefault("clients", {})[f"{prefix}{index}"] = {"name": f"{prefix} {index}"}


def test_concurrent_edits_lose_nothing(tmp_path):
    path = str(tmp_path / "config.toml")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_clients, args=(path, p, 20)) for p in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    clients = load_document(path)["clients"]
    assert len(clients) == 40
    assert {f"a{i}" for i in range(20)} | {f"b{i}" for i in range(20)} == set(clients)


def test_edit_saves_only_on_success(tmp_path):
    path = tmp_path / "config.toml"
    with edit_document(path) as doc:
        doc["settings"] = {"theme": "light"}
    with pytest.raises(RuntimeError), edit_document(path) as doc:
        doc["settings"]["theme"] = "dark"
        raise RuntimeError("caller failed")
    assert load_document(path) == {"settings": {"theme": "light"}}


def test_edit_refuses_to_save_an_invalid_document(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[settings]\ntheme = 'light'\n")
    with pytest.raises(ConfigError, match="unknown key 'bogus'"), edit_document(path) as doc:
        doc["bogus"] = {}
    assert Path(path).read_text() == "[settings]\ntheme = 'light'\n"


# --- parse cache for large files --------------------------------------------------------------


def _large_document(count: int) -> str:
    return "\n".join(
        f'[profiles."synced-{i}"]\norigin = "sso-sync"\nsso_account_id = "{i:012d}"\n'
        for i in range(count)
    )


def test_large_file_is_served_from_cache_and_never_stale(isolated):
    path = isolated.write_xswitch_config(_large_document(3000))
    first = load_document(path)
    cache = isolated.root / ".cache" / "xswitch" / "config-toml.json"
    assert cache.exists() and stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert load_document(path) == first == tomllib.loads(path.read_text())
    # The second load came from the cache: what the cache says is what is returned.
    entry = json.loads(cache.read_text())
    entry["doc"]["profiles"]["synced-0"]["sso_account_id"] = "from-cache"
    cache.write_text(json.dumps(entry))
    assert load_document(path)["profiles"]["synced-0"]["sso_account_id"] == "from-cache"
    # Same size, different content: the hash key notices.
    path.write_text(path.read_text().replace('"synced-7"', '"synced-X"'))
    assert "synced-X" in load_document(path)["profiles"]
    # A cached document is still validated.
    path.write_text(_large_document(3000) + "\n[profiles.bad]\nstale = 3\n")
    with pytest.raises(ConfigError, match=r"profiles\.bad\.stale"):
        load_document(path)


def test_corrupt_cache_is_ignored(isolated):
    path = isolated.write_xswitch_config(_large_document(3000))
    expected = load_document(path)
    cache = isolated.root / ".cache" / "xswitch" / "config-toml.json"
    cache.write_text("{not json")
    assert load_document(path) == expected


def test_small_files_are_not_cached(isolated):
    path = isolated.write_xswitch_config("[settings]\ntheme = 'light'\n")
    load_document(path)
    assert not (isolated.root / ".cache" / "xswitch" / "config-toml.json").exists()
