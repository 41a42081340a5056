"""Credential providers, one small class each, and the resolver that composes them for a profile.

Every provider wraps the provider of its source (keys -> MFA session -> role -> role ...), so a
chain reads like the configuration it came from. Caching is not done here: the resolver hands each
cacheable provider to a `wrap` hook, which the session manager uses to put a cache in front of it.
botocore is imported only when a provider actually calls AWS.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import weakref
from abc import abstractmethod
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from xswitch.core.config import botocore_config, check_chain
from xswitch.core.errors import (
    ConfigError,
    CredentialError,
    MissingSourceKeys,
    NoTerminal,
    SourceCycle,
    UnusableCredentials,
    UsageError,
    XswitchError,
)
from xswitch.core.explain import explain, is_wrong_mfa_code, malformed_answer, redact
from xswitch.core.model import (
    MFA_CODE_RULE,
    Catalog,
    Credentials,
    Kind,
    Profile,
    Prompter,
    Settings,
    valid_mfa_code,
)
from xswitch.core.times import parse_rfc3339, utc_text
from xswitch.core.validate import credential_fields_problem

CHAINED_ROLE_LIMIT = 3600  # AWS caps roles assumed from temporary credentials at one hour
DEFAULT_REGION = "us-east-1"
DEFAULT_SESSION_NAME = "xswitch"
UNSUPPORTED_SOURCES = ("Ec2InstanceMetadata", "EcsContainer")
# Attempts per STS call: idempotent calls are retried twice; a call carrying a one-time MFA code
# is sent once (a retry would present a used code).
STS_ATTEMPTS = 3
# A credential_process prints a few hundred bytes; more than this is not a credentials document.
PROCESS_OUTPUT_LIMIT = 64 * 1024
MFA_TRIES = 3  # codes asked for in a row before giving up
WRONG_MFA_CODE = (
    "AWS refused that MFA code: it was wrong or has expired (a code works once, for about 30 "
    "seconds). Type the code your device shows now."
)
T = TypeVar("T")


class Provider(Protocol):
    """Obtains credentials; `temporary` says whether they expire (and so cap chained roles).

    A protocol: the providers here subclass it, `core.sso.SsoRoleProvider` has its shape without
    importing this module.
    """

    temporary: bool = True

    @abstractmethod
    def retrieve(self) -> Credentials:
        """Obtain fresh credentials (may call AWS or prompt)."""

    @abstractmethod
    def describe(self) -> str:
        """One line for people: where the credentials come from."""

    def identity(self) -> tuple[str, ...]:
        """Everything that determines the result; a cache keyed by it is invalidated by edits."""
        return (type(self).__name__,)

    def chain(self) -> list[str]:
        """Descriptions from the first source to this provider."""
        return [self.describe()]


# --- sources of long-lived (or given) credentials ----------------------------------------------


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


class CredentialProcessProvider(Provider):
    """Runs another tool's `credential_process` command and reads its Version 1 JSON."""

    def __init__(
        self, profile: Profile, env: Mapping[str, str], timeout: float | None = None
    ) -> None:
        self.profile = profile
        self.command = profile.get("credential_process") or ""
        self.env = env
        # None: the person at the terminal can answer the tool's questions, or press Ctrl+C.
        self.timeout = timeout

    def retrieve(self) -> Credentials:
        import shlex
        import subprocess

        name = self.profile.name
        try:
            argv = shlex.split(self.command)
        except ValueError as error:
            raise ConfigError(
                f"The credential_process of profile '{name}' cannot be parsed ({error}).",
                "Check its quoting.",
            ) from None
        if not argv:
            raise ConfigError(f"The credential_process of profile '{name}' is empty.")
        try:
            # stdin and the terminal stay attached so the tool can prompt on /dev/tty.
            done = subprocess.run(
                argv, capture_output=True, env=dict(self.env), check=False, timeout=self.timeout
            )
        except subprocess.TimeoutExpired:
            raise CredentialError(
                f"The credential_process of profile '{name}' gave no answer within "
                f"{self.timeout:g} s and was stopped. With no terminal, nobody can answer a "
                "question it may be asking.",
                f"Run '{argv[0]}' yourself in a terminal to see what it waits for, or run "
                f"'xswitch login {name}' there first. The wait is four times "
                "settings.network_timeout in config.toml.",
            ) from None
        except OSError as error:
            raise CredentialError(
                f"The credential_process of profile '{name}' could not be started: "
                f"{error.strerror or error}.",
                f"Check that '{argv[0]}' is installed and on PATH.",
            ) from None
        if done.returncode != 0:
            stderr = redact(done.stderr.decode(errors="replace"))
            raise CredentialError(
                f"The credential_process of profile '{name}' failed (exit {done.returncode})"
                + (f": {stderr}" if stderr else "."),
                f"Run '{argv[0]}' yourself to see what it needs.",
            )
        return self._parse(done.stdout)

    def _parse(self, stdout: bytes) -> Credentials:
        name = self.profile.name
        hint = (
            "It must print JSON with Version 1, AccessKeyId, SecretAccessKey and optionally "
            "SessionToken and Expiration (strings). Run the command yourself to see its output."
        )

        def refuse(what: str) -> UnusableCredentials:
            # The output is never quoted: it may hold secrets.
            return UnusableCredentials(f"The credential_process of profile '{name}' {what}.", hint)

        if len(stdout) > PROCESS_OUTPUT_LIMIT:
            raise refuse(f"printed more than {PROCESS_OUTPUT_LIMIT // 1024} KB")
        try:
            data = json.loads(stdout)
        except (ValueError, RecursionError):
            raise refuse("did not print valid JSON") from None
        if not isinstance(data, dict) or data.get("Version") != 1:
            raise refuse('printed JSON without "Version": 1')
        problem = credential_fields_problem(
            data.get("AccessKeyId"), data.get("SecretAccessKey"), data.get("SessionToken")
        )
        if problem:
            raise refuse(f"printed {problem}")
        expiration = None
        raw_expiration = data.get("Expiration")
        if raw_expiration is not None:
            try:
                if not isinstance(raw_expiration, str):
                    raise TypeError
                expiration = parse_rfc3339(raw_expiration)
            except (ValueError, TypeError, OverflowError):
                raise refuse("printed an Expiration that is not an RFC 3339 time") from None
        return Credentials(
            data["AccessKeyId"],
            data["SecretAccessKey"],
            data.get("SessionToken") or None,
            expiration,
            via=(f"process:{name}",),
        )

    def describe(self) -> str:
        return f"credential_process of [{self.profile.name}]: {self.command}"

    def identity(self) -> tuple[str, ...]:
        return ("process", self.profile.name, self.command)


# --- STS calls -----------------------------------------------------------------------------------


class SessionTokenProvider(Provider):
    """STS GetSessionToken with an MFA code: one code unlocks every role assumed from it."""

    def __init__(
        self,
        source: Provider,
        mfa_serial: str,
        prompter: Prompter,
        duration: int,
        *,
        region: str,
        env: Mapping[str, str],
        unlocks: list[str],
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> None:
        self.source = source
        self.mfa_serial = mfa_serial
        self.prompter = prompter
        self.duration = duration
        self.region = region
        self.env = env
        self.unlocks = unlocks
        self.profile = profile
        self.timeout = timeout

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        client = sts_client(base, self.region, self.env, timeout=self.timeout, attempts=1)
        response = with_mfa_code(
            self.prompter,
            self.mfa_serial,
            list(self.unlocks),
            lambda code: call_sts(
                lambda: client.get_session_token(
                    DurationSeconds=self.duration, SerialNumber=self.mfa_serial, TokenCode=code
                ),
                self.profile,
                "GetSessionToken",
                client,
            ),
        )
        via = (*base.via, "mfa")
        return credentials_from(response, via, client, self.profile, "GetSessionToken")

    def describe(self) -> str:
        return f"MFA session ({self.mfa_serial}, {_hours(self.duration)})"

    def identity(self) -> tuple[str, ...]:
        return ("mfa", self.mfa_serial, *self.source.identity())

    def chain(self) -> list[str]:
        return [*self.source.chain(), self.describe()]


class AssumeRoleProvider(Provider):
    """STS AssumeRole from a source; with `mfa_serial` the code is sent with the call itself."""

    def __init__(
        self,
        source: Provider,
        role_arn: str,
        session_name: str,
        *,
        external_id: str | None = None,
        mfa_serial: str | None = None,
        duration: int | None = None,
        prompter: Prompter | None = None,
        region: str = DEFAULT_REGION,
        env: Mapping[str, str] | None = None,
        profile: Profile | None = None,
        timeout: float | None = None,
    ) -> None:
        self.timeout = timeout
        self.source = source
        self.role_arn = role_arn
        self.session_name = session_name
        self.external_id = external_id
        self.mfa_serial = mfa_serial
        self.requested_duration = duration
        # A role assumed from temporary credentials (a role, an MFA session) lasts one hour at most.
        self.capped = bool(source.temporary and duration and duration > CHAINED_ROLE_LIMIT)
        self.duration = CHAINED_ROLE_LIMIT if self.capped else duration
        self.prompter = prompter
        self.region = region
        self.env = env if env is not None else {}
        self.profile = profile

    def retrieve(self) -> Credentials:
        base = self.source.retrieve()
        params: dict[str, Any] = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name}
        if self.external_id:
            params["ExternalId"] = self.external_id
        if self.duration:
            params["DurationSeconds"] = self.duration
        attempts = 1 if self.mfa_serial else STS_ATTEMPTS
        client = sts_client(base, self.region, self.env, timeout=self.timeout, attempts=attempts)
        if self.mfa_serial:
            if self.prompter is None:
                raise CredentialError(f"Assuming {self.role_arn} needs an MFA code.")
            unlocks = [self.profile.name] if self.profile else []
            params["SerialNumber"] = self.mfa_serial
            response = with_mfa_code(
                self.prompter,
                self.mfa_serial,
                unlocks,
                lambda code: call_sts(
                    lambda: client.assume_role(**params, TokenCode=code),
                    self.profile,
                    "AssumeRole",
                    client,
                ),
            )
        else:
            response = call_sts(
                lambda: client.assume_role(**params), self.profile, "AssumeRole", client
            )
        label = f"role:{self.profile.name}" if self.profile else f"role:{self.role_arn}"
        return credentials_from(response, (*base.via, label), client, self.profile, "AssumeRole")

    def describe(self) -> str:
        parts = [f"AssumeRole {self.role_arn}"]
        if self.external_id:
            parts.append("with external ID")
        if self.mfa_serial:
            parts.append(f"with MFA {self.mfa_serial}")
        if self.capped:
            parts.append(
                f"for 1 h (duration_seconds {self.requested_duration} capped: AWS limits roles "
                "assumed from temporary credentials to 1 hour)"
            )
        elif self.duration:
            parts.append(f"for {_hours(self.duration)}")
        return " ".join(parts)

    def identity(self) -> tuple[str, ...]:
        return (
            "role",
            self.profile.name if self.profile else "",
            self.role_arn,
            self.session_name,
            self.external_id or "",
            self.mfa_serial or "",
            str(self.duration or ""),
            *self.source.identity(),
        )

    def chain(self) -> list[str]:
        return [*self.source.chain(), self.describe()]


def with_mfa_code(
    prompter: Prompter, serial: str, unlocks: list[str], call: Callable[[str], T]
) -> T:
    """`call(code)` with a code from `prompter`. A code that is not 6 digits (never sent) or that
    AWS refuses as wrong or expired is asked for again with the reason, MFA_TRIES codes in all;
    when nobody can be asked again, the refusal itself is raised."""
    problem: str | None = None
    refused: XswitchError | None = None
    for _ in range(MFA_TRIES):
        try:
            if problem is None:
                code = prompter.mfa_code(serial, unlocks)
            else:
                code = prompter.mfa_code(serial, unlocks, problem=problem)
        except NoTerminal:
            if refused is not None:
                raise refused from None
            raise
        code = code.strip()
        if not valid_mfa_code(code):
            problem = MFA_CODE_RULE
            refused = UsageError("That is not an MFA code.", MFA_CODE_RULE)
            continue
        try:
            return call(code)
        except XswitchError as error:
            if not is_wrong_mfa_code(error):
                raise
            problem, refused = WRONG_MFA_CODE, error
    assert refused is not None
    raise refused


def sts_client(
    creds: Credentials,
    region: str,
    env: Mapping[str, str],
    *,
    timeout: float | None = None,
    attempts: int = STS_ATTEMPTS,
) -> Any:
    """A botocore STS client signing with `creds` (never with any configured profile).

    The endpoint comes from `env` (AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL), so a local STS
    or a corporate endpoint works the way it does for the AWS CLI. Each attempt has a total
    deadline of `timeout` seconds (settings.network_timeout) and `attempts` are made in all.
    """
    from xswitch.core import network

    timeout = timeout or network.DEFAULT_TIMEOUT
    endpoint_url = None
    if not _truthy(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")):
        endpoint_url = env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL") or None
    config_file = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    # Clients are thread-safe, sessions are not: create them one at a time from a shared session,
    # whose loaded service model makes each further client cheap (50 parallel logins need that).
    with _SESSION_LOCK:
        client = _botocore_session(config_file, env).create_client(
            "sts",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=network.config(timeout, attempts),
        )
    return network.bound(client, timeout, attempts)


_SESSION_LOCK = threading.Lock()
_SESSIONS: dict[str, Any] = {}


def _botocore_session(config_file: str, env: Mapping[str, str]) -> Any:
    """One botocore session per config file; call with `_SESSION_LOCK` held."""
    session = _SESSIONS.get(config_file)
    if session is None:
        import botocore.session

        # profile: no environment variable, so AWS_PROFILE (perhaps naming a profile botocore
        # cannot read) never affects how xswitch signs.
        session = botocore.session.Session(
            session_vars={
                "profile": (None, None, None, None),
                "config_file": (None, None, config_file, None),
            }
        )
        # The [default] and [services] sections it reads, without parsing every profile.
        session._config = botocore_config(env)
        _SESSIONS[config_file] = session
    return session


def call_sts(
    call: Callable[[], Any], profile: Profile | None, step: str, client: Any = None
) -> Any:
    """Run one STS call; anything botocore raises becomes an explained XswitchError."""
    try:
        return call()
    except XswitchError:
        raise
    except Exception as error:
        raise explain(error, profile, step, getattr(client, "xswitch_limits", None)) from None


def credentials_from(
    response: Mapping[str, Any],
    via: tuple[str, ...],
    client: Any = None,
    profile: Profile | None = None,
    step: str = "STS",
) -> Credentials:
    """Credentials out of an STS response (AssumeRole, GetSessionToken), checked: an answer
    without valid credentials, or with credentials already expired, blames the endpoint."""
    url = str(getattr(client, "xswitch_limits", {}).get("endpoint") or "")
    who = f" for profile '{profile.name}'" if profile else ""
    data = response.get("Credentials") if isinstance(response, Mapping) else None
    if not isinstance(data, Mapping):
        raise malformed_answer("AWS STS", url, step, "no Credentials element", who)
    key_id, secret = data.get("AccessKeyId"), data.get("SecretAccessKey")
    token = data.get("SessionToken")
    problem = credential_fields_problem(key_id, secret, token)
    expiration = data.get("Expiration")
    try:
        if isinstance(expiration, str):
            expiration = parse_rfc3339(expiration)
        if not isinstance(expiration, datetime):
            raise TypeError
        expiration = expiration.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        problem = problem or "an Expiration that is not a time"
    if problem:
        raise malformed_answer("AWS STS", url, step, problem, who)
    # What the checks above established: no problem means two key strings and a time.
    assert isinstance(key_id, str) and isinstance(secret, str) and isinstance(expiration, datetime)
    check_not_expired(expiration, server_date(response), "AWS STS", url, f"{step}{who}")
    return Credentials(key_id, secret, token or None, expiration, via=via)


def server_date(response: Any) -> datetime | None:
    """The `Date` header of a botocore response, if it has a valid one."""
    from email.utils import parsedate_to_datetime

    try:
        text = response["ResponseMetadata"]["HTTPHeaders"]["date"]
        value = parsedate_to_datetime(text)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def check_not_expired(
    expiration: datetime, server_now: datetime | None, service: str, url: str, what: str
) -> None:
    """Refuse credentials that are already expired when issued; tell clock skew apart."""
    now = datetime.now(UTC)
    if expiration > now:
        return
    at = f"{service} at {url}" if url else service
    expired = utc_text(expiration)
    if server_now is not None and expiration > server_now:
        ahead = round((now - server_now).total_seconds() / 60)
        raise UnusableCredentials(
            f"{what}: {at} issued credentials valid until {expired}, which by this computer's "
            f"clock ({utc_text(now)}) has already passed; the server's clock says "
            f"{utc_text(server_now)}.",
            f"This computer's clock is about {ahead} minutes ahead. Fix it (enable time "
            "synchronisation, e.g. 'timedatectl set-ntp true') and try again.",
        )
    server = f" (the server's clock says {utc_text(server_now)})" if server_now else ""
    raise UnusableCredentials(
        f"{what}: {at} issued credentials that were already expired ({expired}, now "
        f"{utc_text(now)}){server}.",
        "The endpoint is misbehaving, or its clock is wrong; nothing was handed out. Try "
        "again later, and check AWS_ENDPOINT_URL if it is set.",
    )


def region_for(profile: Profile, env: Mapping[str, str]) -> str:
    """Where to call STS: the profile's region, else the environment's, else us-east-1."""
    return profile.region_in(env) or DEFAULT_REGION


# --- the resolver -------------------------------------------------------------------------------


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
    """The provider chain for `profile`, following source_profile to any depth.

    SSO role: SSO provider. Keys: keyring or static keys. credential_process: that tool. Role: the
    source's chain, then (MFA with long-lived source keys) one cached GetSessionToken session shared
    by every role of that source, then AssumeRole. A role assumed from temporary credentials, or
    with `mfa_mode = direct`, sends its MFA code with AssumeRole itself.
    """
    settings = settings or catalog.settings
    # What AWS would refuse is a configuration error, found here before any network call.
    check_chain(profile, catalog, env)
    visiting: list[str] = []

    def build(current: Profile) -> Provider:
        if current.name in visiting:
            raise SourceCycle([*visiting, current.name])
        visiting.append(current.name)
        if current.kind is Kind.SSO:
            return wrap(
                sso_provider(current, catalog, env, prompter, settings.network_timeout),
                profile=current.name,
                kind="sso",
                mfa_session=False,
            )
        if current.kind is Kind.PROCESS:
            # Without a terminal a tool that waits (for a question, a lock, a dead network)
            # would hold its caller for good.
            from xswitch.core.sso import can_prompt

            timeout = None if can_prompt(prompter) else 4 * settings.network_timeout
            return CredentialProcessProvider(current, env, timeout)
        if current.kind is Kind.ROLE or current.role_arn:
            return role(current)
        if current.kind is Kind.KEYS:
            return keys_provider(current, env, prompter)
        raise CredentialError(
            f"Profile '{current.name}' has no credentials of its own.",
            "Give it a role_arn with a source_profile, keys, or an SSO role, or use it only as "
            "a source of settings.",
        )

    def role(current: Profile) -> Provider:
        if not current.role_arn:
            raise ConfigError(f"Profile '{current.name}' is a role profile without role_arn.")
        source = role_source(current)
        region = region_for(current, env)
        session_name = current.role_session_name or settings.session_name or DEFAULT_SESSION_NAME
        serial = current.mfa_serial
        direct = (current.get("mfa_mode") or "").lower() == "direct"
        mfa_session = bool(serial and not direct and not source.temporary)
        if mfa_session:
            assert serial is not None
            source = wrap(
                SessionTokenProvider(
                    source,
                    serial,
                    prompter,
                    settings.mfa_session_duration,
                    region=region,
                    env=env,
                    unlocks=mfa_unlocks(current, catalog),
                    profile=current,
                    timeout=settings.network_timeout,
                ),
                profile=source_reference(current),
                kind="mfa",
                mfa_session=True,
            )
        provider = AssumeRoleProvider(
            source,
            current.role_arn,
            session_name,
            external_id=current.external_id,
            mfa_serial=None if mfa_session else serial,
            duration=current.duration_seconds,
            prompter=prompter,
            region=region,
            env=env,
            profile=current,
            timeout=settings.network_timeout,
        )
        return wrap(provider, profile=current.name, kind="role", mfa_session=mfa_session)

    def role_source(current: Profile) -> Provider:
        source_name = current.source_profile
        credential_source = current.credential_source
        if source_name and credential_source:
            raise ConfigError(
                f"Profile '{current.name}' sets both source_profile and credential_source.",
                "Keep one of them.",
            )
        if source_name == current.name:
            # Naming itself as source means "assume the role with my own keys".
            if current.static_keys is None and not current.keyring_name:
                raise SourceCycle([current.name, current.name])
            return keys_provider(current, env, prompter)
        if source_name:
            source = catalog.profiles.get(source_name)
            if source is None:
                raise ConfigError(
                    f"Profile '{current.name}' names source_profile '{source_name}', which does "
                    "not exist.",
                    "Fix the name or add that profile.",
                )
            return build(source)
        if credential_source == "Environment":
            return EnvironmentProvider(env)
        if credential_source in UNSUPPORTED_SOURCES:
            raise CredentialError(
                f"Profile '{current.name}' uses credential_source = {credential_source}, which "
                "is not supported by xswitch.",
                "Use the AWS CLI for instance and container credentials.",
            )
        if credential_source:
            raise ConfigError(
                f"Profile '{current.name}' has an unknown credential_source '{credential_source}'.",
                "Valid values are Environment, Ec2InstanceMetadata and EcsContainer.",
            )
        raise ConfigError(
            f"Profile '{current.name}' has a role_arn but no source_profile or credential_source.",
            "Add source_profile naming the profile whose credentials assume the role.",
        )

    return build(profile)


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


def sso_provider(
    profile: Profile,
    catalog: Catalog,
    env: Mapping[str, str],
    prompter: Prompter,
    timeout: float | None = None,
) -> Provider:
    try:
        from xswitch.core.sso import SsoRoleProvider
    except ImportError:
        raise CredentialError(
            "SSO is not available in this installation of xswitch.",
            "Reinstall xswitch, or use the AWS CLI ('aws sso login') for this profile.",
        ) from None
    session = catalog.sso_session_of(profile)
    if session is None:
        session_name = profile.sso_session or profile.get("sso_start_url") or ""
        raise ConfigError(
            f"Profile '{profile.name}' refers to SSO session '{session_name}', which is not "
            "defined.",
            "Add an [sso-session NAME] section with sso_start_url and sso_region.",
        )
    return SsoRoleProvider(profile, session, env=env, prompter=prompter, timeout=timeout)


def source_reference(profile: Profile) -> str:
    """How a role names its source, for grouping roles that share one MFA session."""
    if profile.source_profile:
        return profile.source_profile
    return f"credential_source={profile.credential_source}"


def mfa_unlocks(profile: Profile, catalog: Catalog) -> list[str]:
    """Profiles one MFA code for `profile` unlocks: every role sharing its source and device."""
    if not profile.mfa_serial:
        return []
    if (profile.get("mfa_mode") or "").lower() == "direct":
        return [profile.name]
    group = _mfa_groups(catalog).get((profile.mfa_serial, source_reference(profile)))
    return list(group) if group else [profile.name]


def mfa_groups(catalog: Catalog) -> Mapping[tuple[str, str], list[str]]:
    """Role names by (MFA device, source reference) for roles that share one MFA session."""
    return _mfa_groups(catalog)


# The groups of the catalog last asked about: the picker asks for one profile after another (each
# cursor move shows what the profile's MFA code unlocks), and a scan per question cost ~10 ms at
# 10,000 profiles.
_groups_of: tuple[weakref.ref[Catalog], dict[tuple[str, str], list[str]]] | None = None
_groups_lock = threading.Lock()


def _mfa_groups(catalog: Catalog) -> dict[tuple[str, str], list[str]]:
    """Role names by (MFA device, source reference), in catalog order, for roles that share an
    MFA session (not `mfa_mode = direct`)."""
    global _groups_of
    with _groups_lock:
        if _groups_of is not None and _groups_of[0]() is catalog:
            return _groups_of[1]
    groups: dict[tuple[str, str], list[str]] = {}
    for other in catalog.profiles.values():
        serial = other.mfa_serial
        if serial and other.role_arn and (other.get("mfa_mode") or "").lower() != "direct":
            groups.setdefault((serial, source_reference(other)), []).append(other.name)
    with _groups_lock:
        _groups_of = (weakref.ref(catalog), groups)
    return groups


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} h" if seconds % 900 == 0 else f"{seconds} s"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")
