"""Where xswitch keeps its files (XDG base directories) and where the AWS files are; how they are
written and read is `core.fs`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def _xdg(env: Mapping[str, str], var: str, default: str) -> Path:
    value = env.get(var)
    return Path(value) if value else Path.home() / default


def config_file(env: Mapping[str, str] = os.environ) -> Path:
    """xswitch's settings: `$XSWITCH_CONFIG`, else `$XDG_CONFIG_HOME/xswitch/config.toml`."""
    if env.get("XSWITCH_CONFIG"):
        return Path(os.path.expanduser(env["XSWITCH_CONFIG"]))
    return _xdg(env, "XDG_CONFIG_HOME", ".config") / "xswitch" / "config.toml"


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Cached sessions: `$XDG_CACHE_HOME/xswitch`."""
    return _xdg(env, "XDG_CACHE_HOME", ".cache") / "xswitch"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The encrypted file keyring and other state: `$XDG_DATA_HOME/xswitch`."""
    return _xdg(env, "XDG_DATA_HOME", ".local/share") / "xswitch"


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Small things remembered between runs (the picker's last selection):
    `$XDG_STATE_HOME/xswitch`."""
    return _xdg(env, "XDG_STATE_HOME", ".local/state") / "xswitch"


def aws_config_file(env: Mapping[str, str] = os.environ) -> Path:
    return Path(os.path.expandvars(os.path.expanduser(env.get("AWS_CONFIG_FILE", "~/.aws/config"))))


def aws_credentials_file(env: Mapping[str, str] = os.environ) -> Path:
    raw = env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    return Path(os.path.expandvars(os.path.expanduser(raw)))


def sso_cache_dir() -> Path:
    """The AWS CLI's SSO token cache, shared with it (always under the home directory)."""
    return Path.home() / ".aws" / "sso" / "cache"
