"""The provider chain of a profile, built in one function of named steps (`build_chain`).

SSO role: the SSO provider. credential_process: that tool. Keys: keyring or static keys. Role: the
source's chain, then (MFA with long-lived source keys) one cached GetSessionToken session shared by
every role of that source, then AssumeRole (an MFA code comes from the profile's `mfa_process`
before anyone is asked). A role assumed from temporary credentials, or with
`mfa_mode = direct`, sends its MFA code with AssumeRole itself. Each cacheable provider goes
through `wrap`, which the session manager uses to put a cache in front of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from xswitch.core.config import check_chain
from xswitch.core.errors import ConfigError, CredentialError, SourceCycle, XswitchError
from xswitch.core.mfaprocess import with_mfa_process
from xswitch.core.model import Catalog, Kind, Profile, Prompter, Settings
from xswitch.core.providers.assume_role import AssumeRoleProvider
from xswitch.core.providers.base import Provider, can_prompt, region_for
from xswitch.core.providers.keys import EnvironmentProvider, keys_provider
from xswitch.core.providers.mfa import direct_mfa, mfa_unlocks, source_reference
from xswitch.core.providers.process import CredentialProcessProvider
from xswitch.core.providers.session_token import SessionTokenProvider

DEFAULT_SESSION_NAME = "xswitch"
UNSUPPORTED_SOURCES = ("Ec2InstanceMetadata", "EcsContainer")


class CacheWrap(Protocol):
    """Puts a cache in front of a provider; `kind` is "role", "mfa" or "sso"."""

    def __call__(
        self, provider: Provider, /, *, profile: str, kind: str, mfa_session: bool
    ) -> Provider: ...


def no_cache(provider: Provider, *, profile: str, kind: str, mfa_session: bool) -> Provider:
    return provider


def build_chain(
    profile: Profile,
    catalog: Catalog,
    env: Mapping[str, str],
    prompter: Prompter,
    settings: Settings | None = None,
    wrap: CacheWrap = no_cache,
) -> Provider:
    """The provider chain for `profile`, following source_profile to any depth."""
    # What AWS would refuse is a configuration error, found here before any network call.
    check_chain(profile, catalog, env)
    return _Builder(catalog, env, prompter, settings or catalog.settings, wrap).provider(profile)


class _Builder:
    """The steps of `build_chain`, one method each; `provider` is the whole recipe."""

    def __init__(
        self,
        catalog: Catalog,
        env: Mapping[str, str],
        prompter: Prompter,
        settings: Settings,
        wrap: CacheWrap,
    ) -> None:
        self.catalog = catalog
        self.env = env
        self.prompter = prompter
        self.settings = settings
        self.wrap = wrap
        self.visiting: list[str] = []

    def provider(self, profile: Profile) -> Provider:
        if profile.name in self.visiting:
            raise SourceCycle([*self.visiting, profile.name])
        self.visiting.append(profile.name)
        if profile.kind is Kind.SSO:
            return self.wrap(
                self.sso_role(profile), profile=profile.name, kind="sso", mfa_session=False
            )
        if profile.kind is Kind.PROCESS:
            return self.process(profile)
        if profile.kind is Kind.ROLE or profile.role_arn:
            return self.role(profile)
        if profile.kind is Kind.KEYS:
            return keys_provider(profile, self.env, self.prompter)
        raise CredentialError(
            f"Profile '{profile.name}' has no credentials of its own.",
            "Give it a role_arn with a source_profile, keys, or an SSO role, or use it only as "
            "a source of settings.",
        )

    def role(self, profile: Profile) -> Provider:
        """The source, an MFA session on it when one code should serve many roles, AssumeRole."""
        if not profile.role_arn:
            raise ConfigError(f"Profile '{profile.name}' is a role profile without role_arn.")
        source = self.source(profile)
        mfa_session = bool(profile.mfa_serial and not direct_mfa(profile) and not source.temporary)
        if mfa_session:
            source = self.mfa_session(profile, source)
        assume = AssumeRoleProvider(
            source,
            profile.role_arn,
            profile.role_session_name or self.settings.session_name or DEFAULT_SESSION_NAME,
            external_id=profile.external_id,
            mfa_serial=None if mfa_session else profile.mfa_serial,
            duration=profile.duration_seconds,
            prompter=with_mfa_process(self.prompter, profile, self.env),
            region=region_for(profile, self.env),
            env=self.env,
            profile=profile,
            timeout=self.settings.network_timeout,
        )
        return self.wrap(assume, profile=profile.name, kind="role", mfa_session=mfa_session)

    def mfa_session(self, profile: Profile, source: Provider) -> Provider:
        """GetSessionToken on long-lived keys, cached under the source: shared by its roles."""
        assert profile.mfa_serial is not None
        session = SessionTokenProvider(
            source,
            profile.mfa_serial,
            with_mfa_process(self.prompter, profile, self.env),
            self.settings.mfa_session_duration,
            region=region_for(profile, self.env),
            env=self.env,
            unlocks=mfa_unlocks(profile, self.catalog),
            profile=profile,
            timeout=self.settings.network_timeout,
        )
        return self.wrap(session, profile=source_reference(profile), kind="mfa", mfa_session=True)

    def source(self, profile: Profile) -> Provider:
        """What a role is assumed with: its source profile's chain, its own keys, or the
        environment (credential_source)."""
        source_name, credential_source = profile.source_profile, profile.credential_source
        if source_name and credential_source:
            raise ConfigError(
                f"Profile '{profile.name}' sets both source_profile and credential_source.",
                "Keep one of them.",
            )
        if source_name == profile.name:
            # Naming itself as source means "assume the role with my own keys".
            if profile.static_keys is None and not profile.keyring_name:
                raise SourceCycle([profile.name, profile.name])
            return keys_provider(profile, self.env, self.prompter)
        if source_name:
            return self.provider(self._source_profile(profile, source_name))
        if credential_source == "Environment":
            return EnvironmentProvider(self.env)
        raise _bad_credential_source(profile, credential_source)

    def _source_profile(self, profile: Profile, source_name: str) -> Profile:
        source = self.catalog.profiles.get(source_name)
        if source is None:
            raise ConfigError(
                f"Profile '{profile.name}' names source_profile '{source_name}', which does "
                "not exist.",
                "Fix the name or add that profile.",
            )
        return source

    def process(self, profile: Profile) -> Provider:
        # Without a terminal a tool that waits (for a question, a lock, a dead network) would
        # hold its caller for good.
        timeout = None if can_prompt(self.prompter) else 4 * self.settings.network_timeout
        return CredentialProcessProvider(profile, self.env, timeout)

    def sso_role(self, profile: Profile) -> Provider:
        try:
            from xswitch.core.providers.sso_role import SsoRoleProvider
        except ImportError:
            raise CredentialError(
                "SSO is not available in this installation of xswitch.",
                "Reinstall xswitch, or use the AWS CLI ('aws sso login') for this profile.",
            ) from None
        session = self.catalog.sso_session_of(profile)
        if session is None:
            session_name = profile.sso_session or profile.get("sso_start_url") or ""
            raise ConfigError(
                f"Profile '{profile.name}' refers to SSO session '{session_name}', which is not "
                "defined.",
                "Add an [sso-session NAME] section with sso_start_url and sso_region.",
            )
        return SsoRoleProvider(
            profile,
            session,
            env=self.env,
            prompter=self.prompter,
            timeout=self.settings.network_timeout,
            browser=self.settings.browser,
        )


def _bad_credential_source(profile: Profile, credential_source: str | None) -> XswitchError:
    if credential_source in UNSUPPORTED_SOURCES:
        return CredentialError(
            f"Profile '{profile.name}' uses credential_source = {credential_source}, which "
            "is not supported by xswitch.",
            "Use the AWS CLI for instance and container credentials.",
        )
    if credential_source:
        return ConfigError(
            f"Profile '{profile.name}' has an unknown credential_source '{credential_source}'.",
            "Valid values are Environment, Ec2InstanceMetadata and EcsContainer.",
        )
    return ConfigError(
        f"Profile '{profile.name}' has a role_arn but no source_profile or credential_source.",
        "Add source_profile naming the profile whose credentials assume the role.",
    )
