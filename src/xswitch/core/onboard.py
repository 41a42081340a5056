"""Onboarding a client: the values of a cross-account role checked in the user's terms, written
to xswitch's config.toml only (comments kept, atomic, a backup), edited and removed. What AWS
says of the source profile (its principal, its MFA devices, the policies) is `core.identity`.

The front ends (`cli.client`, the picker's form) ask and present; the rules live here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from xswitch.core.errors import UsageError
from xswitch.core.model import Catalog, Kind, Profile

ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):role/"
    r"(?P<path>(?:[\x21-\x2e\x30-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})$",
    re.ASCII,
)
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
MFA_SERIAL = re.compile(r"^[\w+=/:,.@-]{9,256}$", re.ASCII)
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$", re.ASCII)
CLIENT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", re.ASCII)
COLOUR = re.compile(r"^(?:#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|[a-z]{3,20})$", re.ASCII)
MIN_DURATION, MAX_DURATION = 900, 43200
GENERATED_ID_LENGTH = 40
GENERATE = "generate"


@dataclass(frozen=True)
class ClientSpec:
    """One client with one role, as `client add` writes it."""

    key: str  # the client's key in config.toml, also the default profile name
    role_arn: str
    source_profile: str
    profile: str = ""  # the role profile's name; empty: the client key
    name: str = ""  # display name; empty: the key
    external_id: str | None = None
    mfa_serial: str | None = None
    session_name: str | None = None
    duration: int | None = None
    region: str | None = None
    prod: bool = False
    color: str | None = None

    @property
    def profile_name(self) -> str:
        return self.profile or self.key


def generate_external_id() -> str:
    """A random external ID of 40 characters (letters, digits, - and _), for the client's trust
    policy; AWS compares it case-sensitively."""
    return secrets.token_urlsafe(GENERATED_ID_LENGTH * 3 // 4)[:GENERATED_ID_LENGTH]


# --- checks, each one paragraph in the user's terms -----------------------------------------------


def role_arn_problem(arn: str) -> str | None:
    if ROLE_ARN.match(arn or ""):
        return None
    return (
        f"'{arn}' is not the ARN of an IAM role. A role ARN looks like "
        "arn:aws:iam::123456789012:role/RoleName (the partition, the client's 12-digit account "
        "number, then role/ and the role's name, with its path if it has one). Copy it from the "
        "role's Summary page in the client's IAM console."
    )


def check_spec(spec: ClientSpec, catalog: Catalog, *, editing: bool = False) -> None:
    """Raise UsageError for the first value AWS or xswitch would refuse."""
    problem = (
        _value_problem(spec)
        or _source_problem(spec, catalog)
        or (None if editing else _name_taken(spec, catalog))
    )
    if problem is not None:
        message, hint = problem
        raise UsageError(message, (hint + " Nothing was written.").strip())


def _value_problem(spec: ClientSpec) -> tuple[str, str] | None:
    """(what is wrong, what to do) for the first value AWS would refuse, or None."""
    arn_problem = role_arn_problem(spec.role_arn)
    checks: list[tuple[bool, str, str]] = [
        (
            not CLIENT_KEY.match(spec.key),
            f"'{spec.key}' cannot be a client name.",
            "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit "
            "(e.g. acme or acme-prod); the name shown in the picker can be any text.",
        ),
        (arn_problem is not None, arn_problem or "", ""),
        (
            spec.external_id is not None and not EXTERNAL_ID.match(spec.external_id),
            "The external ID is not one AWS accepts.",
            "It has 2 to 1224 characters: letters, digits and +=,.@:/_- (no spaces). Pass the "
            "one the client gave you exactly, or '--external-id generate' for a new one.",
        ),
        (
            spec.mfa_serial is not None and not MFA_SERIAL.match(spec.mfa_serial),
            f"'{spec.mfa_serial}' is not an MFA device.",
            "An MFA serial is the ARN of your virtual device (arn:aws:iam::123456789012:mfa/NAME) "
            "or a hardware token's serial number.",
        ),
        (
            spec.session_name is not None and not SESSION_NAME.match(spec.session_name),
            f"'{spec.session_name}' is not a session name AWS accepts.",
            "It has 2 to 64 characters: letters, digits and +=,.@_-. The client sees it in "
            "CloudTrail, so your name is a good choice.",
        ),
        (
            spec.duration is not None and not MIN_DURATION <= spec.duration <= MAX_DURATION,
            f"A session of {spec.duration} seconds is not possible.",
            f"AWS accepts {MIN_DURATION} (15 minutes) to {MAX_DURATION} (12 hours), and only up "
            "to the role's maximum session duration (1 hour unless the client raised it).",
        ),
        (
            spec.region is not None and not REGION.match(spec.region),
            f"'{spec.region}' is not a region name.",
            "A region looks like eu-west-1.",
        ),
        (
            spec.color is not None and not COLOUR.match(spec.color),
            f"'{spec.color}' is not a colour.",
            "Use a name (red, green) or #rrggbb (#e5484d).",
        ),
    ]
    return next(((message, hint) for bad, message, hint in checks if bad), None)


def _source_problem(spec: ClientSpec, catalog: Catalog) -> tuple[str, str] | None:
    source = catalog.profiles.get(spec.source_profile)
    if source is None:
        from xswitch.core.config.names import suggest

        close = suggest(catalog, spec.source_profile)
        return (
            f"There is no profile named '{spec.source_profile}' to assume the role from.",
            ("Did you mean " + ", ".join(f"'{c}'" for c in close) + "? " if close else "")
            + "The source profile holds your own credentials (keys in the keyring: 'xswitch "
            "keys add NAME'; or an SSO role); 'xswitch list' shows them.",
        )
    if source.kind is Kind.OTHER:
        return (
            f"Profile '{spec.source_profile}' has no credentials, so it cannot assume a role.",
            "Name a profile with keys, an SSO role or a role of its own.",
        )
    if spec.source_profile == spec.profile_name:
        return "A role cannot be its own source profile.", "Name another profile."
    return None


def _name_taken(spec: ClientSpec, catalog: Catalog) -> tuple[str, str] | None:
    existing = catalog.client(spec.key)
    if existing is not None and not existing.derived:
        return (
            f"There is already a client named '{spec.key}'.",
            f"Change it with 'xswitch client edit {spec.key}', or choose another name.",
        )
    if spec.profile_name in catalog.profiles:
        return (
            f"There is already a profile named '{spec.profile_name}'.",
            "Pass --profile with another name for the role's profile.",
        )
    return None


def parse_duration(text: str) -> int:
    from xswitch.core.text import whole_number

    value = whole_number(text.strip())
    if value is None:
        raise UsageError(f"'{text}' is not a number of seconds.", "Write e.g. 3600 for one hour.")
    return value


# --- config.toml ----------------------------------------------------------------------------------


def profile_table(spec: ClientSpec) -> dict[str, Any]:
    table: dict[str, Any] = {
        "client": spec.key,
        "role_arn": spec.role_arn,
        "source_profile": spec.source_profile,
    }
    optional = {
        "external_id": spec.external_id,
        "mfa_serial": spec.mfa_serial,
        "role_session_name": spec.session_name,
        "duration_seconds": spec.duration,
        "region": spec.region,
    }
    table.update({key: value for key, value in optional.items() if value is not None})
    return table


def client_table(spec: ClientSpec) -> dict[str, Any]:
    table: dict[str, Any] = {"name": spec.name or spec.key, "prod": spec.prod}
    if spec.color:
        table["color"] = spec.color
    return table


def write_client(path: Path, spec: ClientSpec) -> None:
    """Add (or replace) the client and its role profile in config.toml."""
    from xswitch.core.config.settings import edit_document

    with edit_document(path) as doc:
        doc.setdefault("clients", {})[spec.key] = client_table(spec)
        doc.setdefault("profiles", {})[spec.profile_name] = profile_table(spec)


def spec_of(catalog: Catalog, key: str, profile: str | None = None) -> ClientSpec:
    """The client `key` as a ClientSpec (its role profile: `profile`, else its only role)."""
    client = catalog.client(key)
    if client is None or client.derived:
        raise UsageError(
            f"There is no client named '{key}' in xswitch's config.",
            "'xswitch list' shows the clients; 'xswitch client add' creates one.",
        )
    roles = [p for p in catalog.profiles_of(key) if p.role_arn]
    chosen = [p for p in roles if p.name == profile] if profile else roles
    if len(chosen) != 1:
        names = ", ".join(p.name for p in roles) or "(none)"
        what = f"no role profile named '{profile}'" if profile else f"{len(roles)} role profiles"
        raise UsageError(
            f"Client '{key}' has {what}.",
            f"Its role profiles: {names}. Pass --profile NAME.",
        )
    role: Profile = chosen[0]
    return ClientSpec(
        key=key,
        name=client.name,
        role_arn=role.role_arn or "",
        source_profile=role.source_profile or "",
        profile=role.name,
        external_id=role.external_id,
        mfa_serial=role.mfa_serial,
        session_name=role.role_session_name,
        duration=role.duration_seconds,
        region=role.region,
        prod=client.prod,
        color=client.color,
    )


def edited(spec: ClientSpec, changes: Mapping[str, Any]) -> ClientSpec:
    """`spec` with the given fields changed ("" clears an optional one)."""
    known = {f.name for f in fields(ClientSpec)}
    values: dict[str, Any] = {
        key: (None if value == "" and key not in ("key", "role_arn", "source_profile") else value)
        for key, value in changes.items()
        if key in known and value is not None
    }
    return replace(spec, **values)


def remove_client(path: Path, key: str) -> list[str]:
    """Remove the client and the profiles config.toml defines for it; the removed profiles."""
    from xswitch.core.config.settings import edit_document

    with edit_document(path) as doc:
        clients = doc.get("clients", {})
        if key not in clients:
            raise UsageError(
                f"There is no client named '{key}' in xswitch's config.",
                "'xswitch list' shows the clients. Nothing was changed.",
            )
        del clients[key]
        profiles = doc.get("profiles", {})
        removed = [name for name, table in profiles.items() if table.get("client") == key]
        for name in removed:
            del profiles[name]
        for table in ("clients", "profiles"):
            if table in doc and not doc[table]:
                del doc[table]  # an empty table left behind would only be noise
    return removed
