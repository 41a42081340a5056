"""What AWS says of a source profile (the identity your roles are assumed from): its ARN and the
principal a trust policy names for it (a role with its path, from IAM GetRole), the MFA devices of
its IAM user, and a client's policy documents filled in from it (`client_policies`)."""

from __future__ import annotations

from typing import Any

from xswitch.core import iam
from xswitch.core.errors import UsageError, XswitchError
from xswitch.core.iam import Caller
from xswitch.core.model import Catalog, Profile, Prompter
from xswitch.core.policies import PolicySet
from xswitch.core.providers.base import region_for


def source_identity(sessions: Any, source: str, prompter: Prompter) -> str:
    """The ARN STS GetCallerIdentity gives for the source profile's credentials."""
    return str(sessions.caller_identity(source, prompter).arn)


def _role_with_path(sessions: Any, source: str, caller: Any, prompter: Prompter) -> str:
    """The principal for `caller`: a session of a role is named by the role's ARN, with the
    path the role has (SSO roles live under aws-reserved/...), which IAM GetRole tells when the
    role may read it; without it, the ARN without a path."""
    principal = str(caller.principal_arn)
    if principal == caller.arn or ":role/" not in principal:
        return principal  # a user (or the account) is named as it is
    try:
        profile = sessions.profile(source)
        creds = sessions.credentials(profile, prompter)
        client = iam.client(
            "iam",
            creds,
            sessions.env,
            timeout=sessions.settings.network_timeout,
            region=region_for(profile, sessions.env),
        )
        role = iam.call("GetRole", client.get_role, RoleName=principal.rsplit("/", 1)[-1])
        return str(role["Role"]["Arn"])
    except (XswitchError, KeyError, TypeError):
        return principal


def mfa_devices_of(sessions: Any, source: str, prompter: Prompter) -> list[str]:
    """The MFA devices of the source profile's IAM user; empty when it is not a user or IAM does
    not allow ListMFADevices (the caller then asks for the serial by hand)."""
    try:
        profile = sessions.profile(source)
        creds = sessions.credentials(profile, prompter)
        if creds.session_token:
            return []
        timeout = sessions.settings.network_timeout
        region = region_for(profile, sessions.env)
        sts = iam.client("sts", creds, sessions.env, timeout=timeout, region=region)
        caller, _ = iam.caller(sts)
        if not caller.user_name:
            return []
        client = iam.client("iam", creds, sessions.env, timeout=timeout, region=region)
        return iam.mfa_devices(client, caller.user_name)
    except XswitchError:
        return []


def client_policies(
    catalog: Catalog,
    key: str,
    sessions: Any,
    prompter: Prompter,
    *,
    mfa: bool = False,
    account: bool = False,
    every_client: bool = False,
) -> PolicySet:
    """The trust policy, identity policy and request for client `key`, from the source's real
    identity (GetCallerIdentity)."""
    client = catalog.client(key)
    if client is None:
        raise UsageError(
            f"There is no client named '{key}'.",
            "'xswitch list' shows the clients; 'xswitch client add' creates one.",
        )
    roles, source, external_id = _client_roles(catalog, key)
    arn = source_identity(sessions, source, prompter)
    caller = Caller(arn, arn.split(":")[4] if arn.count(":") >= 5 else "")
    principal = (
        caller.root_arn() if account else _role_with_path(sessions, source, caller, prompter)
    )
    allowed = [p.role_arn or "" for p in roles]
    if every_client:
        allowed = [
            p.role_arn or ""
            for p in catalog.profiles.values()
            if p.role_arn and p.source_profile == source
        ]
    return PolicySet(
        client=client.name,
        principal=principal,
        caller_arn=caller.arn,
        role_arns=tuple(dict.fromkeys(p.role_arn or "" for p in roles)),
        allowed_arns=tuple(dict.fromkeys(allowed)),
        external_id=external_id,
        mfa=mfa,
    )


def _client_roles(catalog: Catalog, key: str) -> tuple[list[Profile], str, str | None]:
    """The client's role profiles, their one source profile and their one external ID; a
    UsageError when one trust policy cannot serve them all."""
    roles = [p for p in catalog.profiles_of(key) if p.role_arn and p.source_profile]
    if not roles:
        raise UsageError(
            f"Client '{key}' has no role profile assumed from a source profile.",
            f"Add one with 'xswitch client add {key} --role-arn ARN --source-profile NAME'.",
        )
    source = roles[0].source_profile or ""
    others = sorted({p.source_profile or "" for p in roles} - {source})
    if others:
        raise UsageError(
            f"The roles of client '{key}' are assumed from different source profiles "
            f"({source}, {', '.join(others)}): one trust policy cannot name them all.",
            "Give them one source profile, or ask for the policies of each separately.",
        )
    external_ids = sorted({p.external_id for p in roles if p.external_id})
    if len(external_ids) > 1:
        raise UsageError(
            f"The roles of client '{key}' use different external IDs: one trust policy holds one.",
            "Use one external ID for the client's roles (xswitch client edit).",
        )
    return roles, source, external_ids[0] if external_ids else None
