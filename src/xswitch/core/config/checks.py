"""Checks of a profile and its source_profile chain before any AWS call.

What STS or botocore would refuse (a role ARN, external ID, session name, duration, MFA serial,
credential_source, region or endpoint URL they cannot accept, a profile with no credentials of its
own, a cycle or an endless chain) is reported as what it is: a configuration error naming the
profile, its file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from xswitch.core import paths
from xswitch.core.config import awsfiles
from xswitch.core.errors import ConfigError, SourceCycle
from xswitch.core.model import Catalog, Kind, Origin, Profile
from xswitch.core.text import whole_number

# The longest source_profile chain followed. Real chains are two or three profiles long; a longer
# one is a generated mistake, and following it without end exhausts the stack.
MAX_SOURCE_DEPTH = 50

_ASCII = re.ASCII
# What AWS and botocore accept (STS API reference; botocore's region rule is a host label).
# An ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, printable ASCII without spaces.
_ROLE_ARN = re.compile(r"arn:[\w-]+:[\w-]+:[\w-]*:[0-9]*:[!-~]+", _ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", _ASCII)
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", _ASCII)
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", _ASCII)
_REGION = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", _ASCII)
_MIN_DURATION, _MAX_DURATION = 900, 43200
SUPPORTED_CREDENTIAL_SOURCES = ("Environment",)
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
)
_REGION_HINT = "A region looks like eu-west-1 or us-east-1: letters, digits and hyphens."
# Optional role settings AWS accepts in one form only, in the order they are checked:
# (key, accepts, what the value is not, how to fix it).
_ROLE_FORMS: tuple[tuple[str, Callable[[str], object], str, str], ...] = (
    (
        "external_id",
        _EXTERNAL_ID.fullmatch,
        "which AWS does not accept as an external ID.",
        "An external ID has 2 to 1224 characters: letters, digits and +=,.@:/_-. Copy it "
        "again from the account owner.",
    ),
    (
        "role_session_name",
        SESSION_NAME.fullmatch,
        "which AWS does not accept as a session name.",
        "A role session name has 2 to 64 characters: letters, digits and +=,.@_-.",
    ),
    (
        "duration_seconds",
        lambda value: _MIN_DURATION <= (whole_number(value) or 0) <= _MAX_DURATION,
        f"which is not a whole number of seconds from {_MIN_DURATION} to {_MAX_DURATION}.",
        "Write the duration in seconds with the digits 0-9, e.g. duration_seconds = 3600 "
        "for one hour.",
    ),
    (
        "mfa_serial",
        _MFA_SERIAL.fullmatch,
        "which is not an MFA device.",
        "mfa_serial is the ARN of a virtual MFA device (arn:aws:iam::123456789012:mfa/NAME) "
        "or the serial number of a hardware token.",
    ),
)


def check_chain(profile: Profile, catalog: Catalog, env: Mapping[str, str] = os.environ) -> None:
    """Raise ConfigError for anything in `profile` or its sources that AWS or botocore would refuse.

    Run before any network call, so that a setting AWS cannot accept is reported as what it is (a
    configuration error naming the profile, file and line) instead of an AWS failure, and so that
    a source_profile chain is followed without recursion and at most MAX_SOURCE_DEPTH deep.
    """
    chain = [profile]
    current = profile
    while True:
        _check_settings(current, env)
        if current.kind is Kind.SSO:
            _check_sso_region(current, catalog, env)
            break
        if current.kind is Kind.PROCESS:
            break
        if not (current.kind is Kind.ROLE or current.role_arn):
            if current.kind is Kind.OTHER:
                path, line = _locate(current, None, env)
                raise ConfigError(
                    f"profile '{current.name}' has no credentials of its own"
                    + (f" (it is the source of '{chain[-2].name}')." if len(chain) > 1 else "."),
                    "Give it a role_arn with a source_profile, access keys, an SSO role or a "
                    "credential_process, or use it only as a source of settings.",
                    path=path,
                    line=line,
                )
            break
        source_name = current.source_profile
        source = catalog.profiles.get(source_name) if source_name else None
        if source is None or source_name == current.name:
            break  # keys of its own, credential_source, or a missing source: the resolver explains
        names = [member.name for member in chain]
        if source.name in names:
            raise SourceCycle([*names[names.index(source.name) :], source.name])
        if len(chain) >= MAX_SOURCE_DEPTH:
            path, line = _locate(profile, "source_profile", env)
            raise ConfigError(
                f"the source_profile chain that starts at profile '{profile.name}' is more than "
                f"{MAX_SOURCE_DEPTH} profiles long ({' -> '.join(names[:3])} -> ...).",
                f"xswitch follows at most {MAX_SOURCE_DEPTH} source_profile links; point a profile "
                "near the start at one with keys or an SSO login.",
                path=path,
                line=line,
            )
        chain.append(source)
        current = source
    _check_endpoints(chain, catalog, env)


def _check_settings(profile: Profile, env: Mapping[str, str]) -> None:
    _check_region(profile, env)
    if profile.kind is Kind.ROLE or profile.role_arn:
        _check_role(profile, env)


def _refused(
    profile: Profile, key: str, value: str, what: str, hint: str, env: Mapping[str, str]
) -> ConfigError:
    path, line = _locate(profile, key, env)
    return ConfigError(
        f"profile '{profile.name}' has {key} = '{value}', {what}", hint, path=path, line=line
    )


def _check_region(profile: Profile, env: Mapping[str, str]) -> None:
    region = profile.region
    if region is not None:
        if not _REGION.fullmatch(region):
            raise _refused(
                profile, "region", region, "which is not a region name.", _REGION_HINT, env
            )
        return
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = env.get(variable)
        if value and not _REGION.fullmatch(value):
            raise ConfigError(
                f"{variable} is '{value}', which is not a region name.",
                f"{_REGION_HINT} Fix or unset {variable}.",
            )
        if value:
            break


def _check_role(profile: Profile, env: Mapping[str, str]) -> None:
    arn = profile.role_arn or ""
    if not (20 <= len(arn) <= 2048 and _ROLE_ARN.fullmatch(arn)):
        raise _refused(
            profile,
            "role_arn",
            arn,
            "which is not the ARN of an IAM role.",
            "A role ARN looks like arn:aws:iam::123456789012:role/NAME: 20 to 2048 characters, "
            "no spaces.",
            env,
        )
    for key, accepts, what, hint in _ROLE_FORMS:
        value = profile.get(key)
        if value is not None and not accepts(value):
            raise _refused(profile, key, value, what, hint, env)
    source = profile.credential_source
    if source and source not in SUPPORTED_CREDENTIAL_SOURCES and not profile.source_profile:
        known = source in ("Ec2InstanceMetadata", "EcsContainer")
        raise _refused(
            profile,
            "credential_source",
            source,
            "which xswitch does not support." if known else "which is not a credential source.",
            "xswitch supports credential_source = Environment; use the AWS CLI for instance and "
            "container credentials, or give the profile a source_profile instead.",
            env,
        )


def _check_sso_region(profile: Profile, catalog: Catalog, env: Mapping[str, str]) -> None:
    session = catalog.sso_session_of(profile)
    if session is None or not session.region or _REGION.fullmatch(session.region):
        return
    key = "sso_region"
    path, line = (str(paths.config_file(env)), None)
    if not session.legacy and session.name not in _aws_sso_sessions(env):
        key = "region"
    elif session.legacy:
        path, line = _locate(profile, key, env)
    else:
        path = str(paths.aws_config_file(env))
    raise ConfigError(
        f"SSO session '{session.name}' has {key} = '{session.region}', which is not a region name.",
        _REGION_HINT,
        path=path,
        line=line,
    )


def _aws_sso_sessions(env: Mapping[str, str]) -> set[str]:
    try:
        return set(awsfiles.read_aws_files(env).sso_sessions)
    except ConfigError:
        return set()


def _check_endpoints(chain: list[Profile], catalog: Catalog, env: Mapping[str, str]) -> None:
    """Endpoint URLs botocore would use must be URLs (it raises ValueError otherwise):
    AWS_ENDPOINT_URL*, and `endpoint_url` in the profiles of the chain and in [default] (the
    profile whose settings xswitch's botocore clients read)."""
    for variable in ENDPOINT_VARIABLES:
        value = env.get(variable)
        if value and not _is_url(value):
            raise ConfigError(
                f"{variable} is '{value}', which is not an endpoint URL.",
                f"An endpoint URL looks like https://sts.eu-west-1.amazonaws.com or "
                f"http://127.0.0.1:5000. Fix or unset {variable}.",
            )
    default = catalog.profiles.get("default")
    for profile in [*chain, *([default] if default is not None else [])]:
        for key in ("endpoint_url", "sts.endpoint_url"):
            value = profile.get(key)
            if value is not None and not _is_url(value):
                path, line = _locate(profile, key.rpartition(".")[2], env)
                raise ConfigError(
                    f"profile '{profile.name}' has {key} = '{value}', which is not a URL.",
                    "An endpoint URL looks like https://sts.eu-west-1.amazonaws.com or "
                    "http://127.0.0.1:5000.",
                    path=path,
                    line=line,
                )


def _is_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        url.scheme in ("http", "https")
        and bool(url.hostname)
        and value.isprintable()
        and " " not in value
    )


def _locate(profile: Profile, key: str | None, env: Mapping[str, str]) -> tuple[str, int | None]:
    """The file that defines `profile` (its `key` line if found, else its header line).

    Only called to report an error, so the file is simply read again.
    """
    if profile.origin is not Origin.AWS:
        path = paths.config_file(env)
        line = _toml_line(path, profile.name, key)
        if line is None:  # not in config.toml: a shared catalog's, if one defines it
            from xswitch.core.catalogs.store import defining_file

            path = defining_file(profile.name, env) or path
            line = _toml_line(path, profile.name, key)
        return str(path), line
    candidates = [paths.aws_credentials_file(env), paths.aws_config_file(env)]
    first: tuple[str, int | None] | None = None
    for path in candidates:
        header, line = awsfiles.profile_lines(
            path, profile.name, key, credentials=path == candidates[0]
        )
        if header is None:
            continue
        if line is not None:
            return str(path), line
        first = first or (str(path), header)
    return first or (str(candidates[1]), None)


def _toml_line(path: Path, name: str, key: str | None) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return None
    header = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if header is not None:
                break
            if stripped.startswith("[profiles.") and name in stripped:
                header = number
        elif header is not None and key and stripped.partition("=")[0].strip() == key:
            return number
    return header
