"""The cached-switch shortcut for `export` and `credential-process` (see `core.hotpath`).

Only the plain forms are handled here (`export P`, `export P --shell S`, `credential-process P`);
anything else, and any miss, returns None and the ordinary command runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

CREDENTIAL_PROCESS_MIN_SECONDS = 15 * 60 + 60  # botocore refreshes 15 minutes before expiry


def run(argv: Sequence[str]) -> int | None:
    command, *rest = argv
    shell = None
    if command == "export" and len(rest) == 3 and rest[1] == "--shell":
        rest, shell = rest[:1], rest[2]
    if len(rest) != 1 or rest[0].startswith("-"):
        return None
    from xswitch.core import hotpath

    env = os.environ
    minimum = CREDENTIAL_PROCESS_MIN_SECONDS if command == "credential-process" else 0
    found = hotpath.lookup(env, rest[0], minimum)
    if found is None:
        return None
    creds, region, default_shell = found
    if command == "credential-process":
        sys.stdout.write(json.dumps(credential_process_document(creds)) + "\n")
        return 0
    from xswitch.core.shell import SHELLS, export_lines

    if shell is not None and shell not in SHELLS:
        return None  # let argparse explain
    region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    lines = export_lines(creds, region, shell or default_shell)
    sys.stdout.write(lines if lines.endswith("\n") else lines + "\n")
    return 0


def credential_process_document(creds) -> dict[str, object]:
    """Version 1 JSON for botocore's credential_process."""
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
    }
    if creds.session_token:
        document["SessionToken"] = creds.session_token
    if creds.expiration:
        document["Expiration"] = creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    return document
