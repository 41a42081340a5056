"""MFA: asking for a code (again, with the reason, when AWS refuses it) and which roles one code
unlocks (every role sharing a source and a device shares one GetSessionToken session)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TypeVar

from xswitch.core.aws.sts_codes import is_wrong_mfa_code
from xswitch.core.errors import NoTerminal, UsageError, XswitchError
from xswitch.core.model import MFA_CODE_RULE, Catalog, Profile, Prompter, valid_mfa_code

MFA_TRIES = 3  # codes asked for in a row before giving up
WRONG_MFA_CODE = (
    "AWS refused that MFA code: it was wrong or has expired (a code works once, for about 30 "
    "seconds). Type the code your device shows now."
)
T = TypeVar("T")


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


def direct_mfa(profile: Profile) -> bool:
    """`mfa_mode = direct`: the code goes with AssumeRole itself, no shared MFA session."""
    return (profile.get("mfa_mode") or "").lower() == "direct"


def source_reference(profile: Profile) -> str:
    """How a role names its source, for grouping roles that share one MFA session."""
    if profile.source_profile:
        return profile.source_profile
    return f"credential_source={profile.credential_source}"


def mfa_unlocks(profile: Profile, catalog: Catalog) -> list[str]:
    """Profiles one MFA code for `profile` unlocks: every role sharing its source and device."""
    if not profile.mfa_serial:
        return []
    if direct_mfa(profile):
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
        if serial and other.role_arn and not direct_mfa(other):
            groups.setdefault((serial, source_reference(other)), []).append(other.name)
    with _groups_lock:
        _groups_of = (weakref.ref(catalog), groups)
    return groups
