"""What a cached switch prints, from plain session data: export lines or credential_process JSON.

One rule for the two places that answer without the ordinary path: `cli.hot` (the cache pointer)
and the agent (its session in memory, rendered for the caller's shell and region). Nothing
imported until used: the cached switch pays for nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

CREDENTIAL_PROCESS_MIN_SECONDS = 15 * 60 + 60  # botocore refreshes 15 minutes before expiry


def credential_process_json(
    access_key_id: str, secret_access_key: str, session_token: str | None, expiration: str | None
) -> str:
    """Version 1 JSON for botocore's credential_process (`expiration` in RFC 3339)."""
    import json

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


def render(session: Mapping, command: str, shell: str | None, env: Mapping[str, str]) -> str | None:
    """The output of `command` ("export" or "credential-process") for `session` (the shape of
    `hotpath.lookup`), or None when the ordinary path must answer (a production profile, a
    shell xswitch writes nothing for)."""
    key_id, secret = session["AccessKeyId"], session["SecretAccessKey"]
    token, expiration = session["SessionToken"], session["Expiration"]
    if command == "credential-process":
        return credential_process_json(key_id, secret, token, expiration) + "\n"
    from xswitch.core.shell import SHELLS, render_exports, session_variables, shell_from_env

    # The caller's shell. The pointer's was chosen by the same rule under the same $SHELL (it is
    # part of the fingerprint), never by whichever shell happened to cache the session.
    shell = shell or shell_from_env(env) or session["Shell"]
    if shell not in SHELLS or session["Prod"]:
        return None  # the ordinary path reads the setting, explains, or asks
    region = session["Region"] or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    variables = session_variables(key_id, secret, token, expiration, region)
    return render_exports(*variables, shell)
