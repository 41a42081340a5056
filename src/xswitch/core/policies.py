"""The policy documents of a cross-account role: the trust policy the client attaches to the role
(who may assume it), the identity policy on your own side (that you may call sts:AssumeRole on
it), and the short request to send the client. Pure functions: no I/O, no AWS calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

VERSION = "2012-10-17"


def trust_policy(
    principal: str, external_id: str | None = None, mfa: bool = False
) -> dict[str, Any]:
    """The role's trust policy: `principal` may assume it, with the external ID (compared
    case-sensitively by AWS) and, with `mfa`, only from an MFA-authenticated session."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if external_id:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if condition:
        statement["Condition"] = condition
    return {"Version": VERSION, "Statement": [statement]}


def identity_policy(role_arns: Iterable[str]) -> dict[str, Any]:
    """The policy on your user (or role) allowing sts:AssumeRole on these roles."""
    arns = sorted(set(role_arns))
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": arns[0] if len(arns) == 1 else arns,
            }
        ],
    }


def compact(document: dict[str, Any]) -> str:
    """A policy on one line (for a diagnosis line)."""
    return json.dumps(document, separators=(",", ":"))


def pretty(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)


@dataclass(frozen=True)
class PolicySet:
    """What to send and what to apply for one client."""

    client: str  # display name
    principal: str  # the ARN the trust policy names
    caller_arn: str  # who GetCallerIdentity said the source is
    role_arns: tuple[str, ...]  # the client's roles (the trust policy goes on each)
    allowed_arns: tuple[str, ...]  # the identity policy's resources (--all: every client's)
    external_id: str | None
    mfa: bool

    @property
    def trust(self) -> dict[str, Any]:
        return trust_policy(self.principal, self.external_id, self.mfa)

    @property
    def identity(self) -> dict[str, Any]:
        return identity_policy(self.allowed_arns)

    def attach_command(self, document: str) -> str:
        """The AWS CLI command that attaches the identity policy (saved as `document`) to the
        caller: a user gets a user policy, a role a role policy."""
        kind, _, rest = self.caller_arn.split(":", 5)[-1].partition("/")
        name = rest.split("/")[-1] if kind == "user" else rest.split("/")[0]
        verb = "put-user-policy --user-name" if kind == "user" else "put-role-policy --role-name"
        return (
            f"aws iam {verb} {name or 'NAME'} --policy-name xswitch-assume-role "
            f"--policy-document file://{document}"
        )

    def request(self) -> str:
        """A plain-text request to paste into an email to the client."""
        roles = "\n".join(f"  {arn}" for arn in self.role_arns)
        lines = [
            f"Hello {self.client} team,",
            "",
            "To give me access without sharing keys, please set the trust policy below on "
            + ("this role" if len(self.role_arns) == 1 else "these roles")
            + " in your account:",
            roles,
            "",
            "In the IAM console: Roles > (the role) > Trust relationships tab > Edit trust policy,",
            "and paste it there. It goes in the Trust relationships tab, not in the permissions",
            "policies (those say what the role may do, and stay yours to decide).",
            "",
            pretty(self.trust),
            "",
            f"It trusts {self.principal} only.",
        ]
        if self.external_id:
            lines.append(
                "The external ID in it is case-sensitive: please copy it exactly as written."
            )
        if self.mfa:
            lines.append("It accepts only sessions signed in with MFA.")
        lines += ["", "Thank you!"]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "principal": self.principal,
            "caller": self.caller_arn,
            "roles": list(self.role_arns),
            "trust_policy": self.trust,
            "identity_policy": self.identity,
            "request": self.request(),
        }
