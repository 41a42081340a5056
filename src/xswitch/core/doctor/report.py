"""What doctor reports: one `Check` per link or property (ok / warn / fail, with the cause and
the fix of a warning or failure), the text both front ends show, and the state one diagnosis
shares (`Walk`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from xswitch.core.model import Catalog, Profile

KEY_AGE_LIMIT = 90  # days: rotate long-lived keys older than this
CLOCK_SKEW_LIMIT = 300  # seconds: AWS refuses signatures further off than this
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")  # fmt: skip


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis; `cause` and `fix` explain a warning or a failure."""

    profile: str
    name: str
    status: Status
    summary: str
    cause: str = ""
    fix: str = ""
    code: str = ""  # the AWS error code behind a failure, if any

    def as_json(self) -> dict[str, str]:
        return {
            "profile": self.profile,
            "check": self.name,
            "status": str(self.status),
            "summary": self.summary,
            "cause": self.cause,
            "fix": self.fix,
            "code": self.code,
        }


def failed(checks: list[Check]) -> bool:
    return any(check.status is Status.FAIL for check in checks)


@dataclass
class Walk:
    """State shared by the links of one diagnosis."""

    profile: Profile
    catalog: Catalog
    env: Mapping[str, str]
    checks: list[Check] = field(default_factory=list)
    principal: str = ""  # who the next AssumeRole is made by (a trust policy's principal)
    failed: bool = False

    def add(self, name: str, status: Status, summary: str, **more: str) -> None:
        self.checks.append(Check(self.profile.name, name, status, summary, **more))
        self.failed = self.failed or status is Status.FAIL


def lines(checks: list[Check], mark: Callable[[Status], str] = str) -> list[str]:
    """Plain lines: `mark(status)` padded, the check's name and summary; cause and fix indented."""
    out = []
    for check in checks:
        out.append(f"{mark(check.status):<4}  {check.name}: {check.summary}")
        if check.cause:
            out.append(f"        cause: {check.cause}")
        if check.fix:
            out.append(f"        fix:   {check.fix}")
    return out
