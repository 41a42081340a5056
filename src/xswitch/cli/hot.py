"""The cached-switch shortcut for `export` and `credential-process` (see `core.hotpath`).

Only the plain forms are handled here (`export P`, `export P --shell S`, `credential-process P`);
anything else, and any miss, returns None and the ordinary command runs. So does an `export` of
a production profile (the ordinary path asks for confirmation).
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
    session = hotpath.lookup(env, rest[0], minimum)
    if session is None:
        return None
    key_id, secret = session["AccessKeyId"], session["SecretAccessKey"]
    token, expiration = session["SessionToken"], session["Expiration"]
    if command == "credential-process":
        sys.stdout.write(credential_process_json(key_id, secret, token, expiration) + "\n")
        return 0
    from xswitch.core.shell import SHELLS, render_exports, session_variables, shell_from_env

    # The caller's shell. The pointer's was chosen by the same rule under the same $SHELL (it is
    # part of the fingerprint), never by whichever shell happened to cache the session.
    shell = shell or shell_from_env(env) or session["Shell"]
    if shell not in SHELLS or session["Prod"]:
        return None  # the ordinary path reads the setting, explains, or asks
    region = session["Region"] or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    variables = session_variables(key_id, secret, token, expiration, region)
    sys.stdout.write(render_exports(*variables, shell))
    return 0


def credential_process_json(
    access_key_id: str, secret_access_key: str, session_token: str | None, expiration: str | None
) -> str:
    """Version 1 JSON for botocore's credential_process (`expiration` in RFC 3339)."""
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": access_key_id,
        "SecretAccessKey": secret_access_key,
    }
    if session_token:
        document["SessionToken"] = session_token
    if expiration:
        document["Expiration"] = expiration
    return json.dumps(document)
