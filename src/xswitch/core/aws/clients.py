"""The one botocore session and client pool behind every AWS call (STS, SSO portal, SSO OIDC).

One botocore session per AWS config file, reading only its [default] and [services] sections
(`botocore_config`) and never a profile, so AWS_PROFILE (perhaps naming a profile botocore cannot
read) never affects how xswitch signs. Clients are thread-safe, sessions are not: clients are
created one at a time from the shared session, whose loaded service models make each further
client cheap (50 parallel logins need that). Unsigned clients (SSO) are pooled; signed ones carry
their credentials and are made per call. Every client gets a total deadline per attempt
(`network.bound`). The endpoint comes from `env` the way the AWS CLI reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from xswitch.core.model import Credentials

# The service-specific endpoint variable of each service xswitch calls.
ENDPOINT_VARIABLES = {
    "sts": "AWS_ENDPOINT_URL_STS",
    "sso": "AWS_ENDPOINT_URL_SSO",
    "sso-oidc": "AWS_ENDPOINT_URL_SSO_OIDC",
    "iam": "AWS_ENDPOINT_URL_IAM",
}
DEFAULT_ATTEMPTS = 3

_LOCK = threading.Lock()
_SESSIONS: dict[str, Any] = {}
_UNSIGNED: dict[tuple[str, str, str | None, int, float, str], Any] = {}


def endpoint_for(service: str, env: Mapping[str, str]) -> str | None:
    """The endpoint override botocore would use: the service's variable, then the global one;
    none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set."""
    if _truthy(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")):
        return None
    return env.get(ENDPOINT_VARIABLES[service]) or env.get("AWS_ENDPOINT_URL") or None


def signed_client(
    service: str,
    creds: Credentials,
    region: str,
    env: Mapping[str, str],
    *,
    timeout: float | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
) -> Any:
    """A new client signing with `creds` (never with any configured profile).

    Each attempt has a total deadline of `timeout` seconds (settings.network_timeout) and
    `attempts` are made in all.
    """
    from xswitch.core.aws import network

    timeout = timeout or network.DEFAULT_TIMEOUT
    with _LOCK:
        client = _session(env).create_client(
            service,
            region_name=region,
            endpoint_url=endpoint_for(service, env),
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=network.config(timeout, attempts),
        )
    return network.bound(client, timeout, attempts)


def unsigned_client(
    service: str,
    region: str,
    env: Mapping[str, str],
    *,
    timeout: float | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
) -> Any:
    """A shared unsigned client (`sso`, `sso-oidc`) in `region`, bounded like `signed_client`."""
    from xswitch.core.aws import network

    timeout = timeout or network.DEFAULT_TIMEOUT
    endpoint = endpoint_for(service, env)
    key = (service, region, endpoint, attempts, timeout, _config_file(env))
    with _LOCK:
        client = _UNSIGNED.get(key)
        if client is None:
            import botocore

            config = network.config(
                timeout,
                attempts,
                signature_version=botocore.UNSIGNED,
                region_name=region,
                max_pool_connections=32,
            )
            client = _session(env).create_client(
                service, region_name=region, endpoint_url=endpoint, config=config
            )
            _UNSIGNED[key] = client = network.bound(client, timeout, attempts)
        return client


def _config_file(env: Mapping[str, str]) -> str:
    return env.get("AWS_CONFIG_FILE") or "~/.aws/config"


def _session(env: Mapping[str, str]) -> Any:
    """The botocore session of `env`'s config file; call with `_LOCK` held."""
    config_file = _config_file(env)
    session = _SESSIONS.get(config_file)
    if session is None:
        import botocore.session

        from xswitch.core.config import botocore_config

        session = botocore.session.Session(
            session_vars={
                "profile": (None, None, None, None),
                "config_file": (None, None, config_file, None),
            }
        )
        session._config = botocore_config(env)
        _SESSIONS[config_file] = session
    return session


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")
