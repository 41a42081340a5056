"""Long-lived (or given) keys: written in the AWS files, kept in the keyring, or in the environment.

The first link of most chains; no AWS call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from xswitch.core.errors import MissingSourceKeys
from xswitch.core.model import Credentials, Profile, Prompter
from xswitch.core.providers.base import Provider


class StaticKeysProvider(Provider):
    """Keys written in ~/.aws/credentials (or ~/.aws/config) for a profile."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        keys = profile.static_keys
        self.temporary = bool(keys and keys.session_token)

    def retrieve(self) -> Credentials:
        keys = self.profile.static_keys
        if keys is None:
            raise MissingSourceKeys(
                f"Profile '{self.profile.name}' has no access keys.",
                f"Add them with 'xswitch keys add {self.profile.name}'.",
            )
        return dataclasses.replace(keys, via=(f"keys:{self.profile.name}",))

    def describe(self) -> str:
        return f"keys in ~/.aws/credentials [{self.profile.name}]"

    def identity(self) -> tuple[str, ...]:
        keys = self.profile.static_keys
        return ("keys", self.profile.name, keys.access_key_id if keys else "")


class KeyringKeysProvider(Provider):
    """Long-lived keys that xswitch keeps in the OS keyring (or its encrypted file store)."""

    temporary = False

    def __init__(self, profile: Profile, env: Mapping[str, str], prompter: Prompter) -> None:
        self.profile = profile
        self.name = profile.keyring_name or profile.name
        self.env = env
        self.prompter = prompter  # asked for the file store's passphrase, if it is locked

    def retrieve(self) -> Credentials:
        from xswitch.core.vault import Vault

        keys = Vault(self.env, self.prompter).get_keys(self.name)
        if keys is None:
            raise MissingSourceKeys(
                f"There are no access keys for '{self.name}' in the keyring.",
                f"Store them with 'xswitch keys add {self.name}'.",
            )
        return dataclasses.replace(keys, via=(f"keyring:{self.name}",))

    def describe(self) -> str:
        return f"keys in the keyring [{self.name}]"

    def identity(self) -> tuple[str, ...]:
        return ("keyring", self.name)


class EnvironmentProvider(Provider):
    """Keys from AWS_ACCESS_KEY_ID and friends: credential_source = Environment."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.temporary = bool(self._session_token())

    def _session_token(self) -> str | None:
        return self.env.get("AWS_SESSION_TOKEN") or self.env.get("AWS_SECURITY_TOKEN") or None

    def retrieve(self) -> Credentials:
        key_id = self.env.get("AWS_ACCESS_KEY_ID")
        secret = self.env.get("AWS_SECRET_ACCESS_KEY")
        if not key_id or not secret:
            raise MissingSourceKeys(
                "credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "are not both set.",
                "Export them in this shell, or give the profile a source_profile instead.",
            )
        return Credentials(key_id, secret, self._session_token(), via=("env",))

    def describe(self) -> str:
        return "keys in the environment (AWS_ACCESS_KEY_ID)"

    def identity(self) -> tuple[str, ...]:
        return ("env", self.env.get("AWS_ACCESS_KEY_ID", ""))


def keys_provider(profile: Profile, env: Mapping[str, str], prompter: Prompter) -> Provider:
    """Long-lived keys of a profile: the keyring if xswitch holds them, else the AWS files."""
    if profile.keyring_name:
        return KeyringKeysProvider(profile, env, prompter)
    if profile.static_keys is not None:
        return StaticKeysProvider(profile)
    raise MissingSourceKeys(
        f"Profile '{profile.name}' has no access keys.",
        f"Store them with 'xswitch keys add {profile.name}'.",
    )
