"""Which region a command uses, the region remembered per profile (the picker's `r`), and the
regions offered to pick from.

The rule, the same for every command: `--region`, else the region picked for the profile in the
picker, else the profile's own `region`, else AWS_REGION / AWS_DEFAULT_REGION of the caller.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from xswitch.core import fs, paths
from xswitch.core.errors import UsageError
from xswitch.core.text import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from xswitch.core.model import Profile

FILE_NAME = "regions.json"
_FILE_LIMIT = 256 * 1024
_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")

# The public AWS regions and where they are, for the picker's list (any well-formed name is
# accepted elsewhere).
REGIONS = {
    "us-east-1": "N. Virginia",
    "us-east-2": "Ohio",
    "us-west-1": "N. California",
    "us-west-2": "Oregon",
    "ca-central-1": "Canada Central (Montreal)",
    "ca-west-1": "Calgary",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "São Paulo",
    "eu-west-1": "Ireland",
    "eu-west-2": "London",
    "eu-west-3": "Paris",
    "eu-central-1": "Frankfurt",
    "eu-central-2": "Zurich",
    "eu-north-1": "Stockholm",
    "eu-south-1": "Milan",
    "eu-south-2": "Spain",
    "il-central-1": "Tel Aviv",
    "me-central-1": "UAE",
    "me-south-1": "Bahrain",
    "af-south-1": "Cape Town",
    "ap-east-1": "Hong Kong",
    "ap-south-1": "Mumbai",
    "ap-south-2": "Hyderabad",
    "ap-northeast-1": "Tokyo",
    "ap-northeast-2": "Seoul",
    "ap-northeast-3": "Osaka",
    "ap-southeast-1": "Singapore",
    "ap-southeast-2": "Sydney",
    "ap-southeast-3": "Jakarta",
    "ap-southeast-4": "Melbourne",
    "ap-southeast-5": "Malaysia",
    "ap-southeast-7": "Thailand",
    "us-gov-east-1": "GovCloud (US-East)",
    "us-gov-west-1": "GovCloud (US-West)",
    "cn-north-1": "Beijing",
    "cn-northwest-1": "Ningxia",
}


def check(region: str) -> str:
    """`region` if it is shaped like a region name (`eu-west-1`); else a UsageError."""
    if _PATTERN.match(region):
        return region
    raise UsageError(
        f"'{visible(region)}' is not a region name.",
        "A region looks like eu-west-1 or us-east-1; 'aws ec2 describe-regions' lists them.",
    )


def region_file(env: Mapping[str, str] = os.environ) -> Path:
    return paths.state_dir(env) / FILE_NAME


def remembered(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Profile name -> the region picked for it; a missing or damaged file is no choice."""
    try:
        data = json.loads(fs.read_private_file(region_file(env), _FILE_LIMIT))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and _PATTERN.match(v)}


def remember(profile: str, region: str | None, env: Mapping[str, str] = os.environ) -> None:
    """Remember `region` for `profile` (None forgets it); a failure to write is not worth
    interrupting anyone for."""
    chosen = remembered(env)
    if region is None:
        chosen.pop(profile, None)
    else:
        chosen[profile] = check(region)
    with contextlib.suppress(OSError):
        fs.write_private(region_file(env), json.dumps(chosen, indent=1).encode())


def region_of(
    profile: Profile,
    env: Mapping[str, str],
    flag: str | None = None,
    picked: Mapping[str, str] | None = None,
) -> str | None:
    """The region a command uses for `profile` (see the module docstring)."""
    if flag:
        return check(flag)
    choice = (remembered(env) if picked is None else picked).get(profile.name)
    return choice or profile.region_in(env)
