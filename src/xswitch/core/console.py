"""AWS console links: federation sign-in URLs from credentials, and switch-role links.

Federation: GetSigninToken exchanges temporary credentials for a sign-in token on the sign-in
endpoint (regional host, or `XSWITCH_SIGNIN_ENDPOINT` for a local test server), and the login URL
carries that token to the console. Long-term keys are first turned into temporary credentials with
STS GetFederationToken, since the sign-in endpoint only accepts temporary ones.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime

from xswitch.core.errors import CredentialError, EndpointUnreachable
from xswitch.core.model import Credentials

SIGNIN_TIMEOUT = 10  # seconds; the picker waits on this in a worker, never forever
MIN_SESSION, MAX_SESSION = 900, 43200  # the range GetSigninToken accepts for SessionDuration
# GetFederationToken without a policy yields a session with no permissions at all; this one keeps
# everything the IAM user itself may do (the effective permissions are the intersection).
_FEDERATION_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _partition_domains(region: str | None) -> tuple[str, str]:
    """(sign-in domain, console domain) of the partition `region` belongs to."""
    region = region or ""
    if region.startswith("cn-"):
        return "signin.amazonaws.cn", "console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"
    return "signin.aws.amazon.com", "console.aws.amazon.com"


def signin_endpoint(
    region: str | None, endpoint: str | None = None, env: Mapping[str, str] = os.environ
) -> str:
    """The federation endpoint: the override, else the regional host (none for us-east-1)."""
    override = endpoint or env.get("XSWITCH_SIGNIN_ENDPOINT")
    if override:
        return override
    domain, _console = _partition_domains(region)
    if region and region != "us-east-1" and domain == "signin.aws.amazon.com":
        domain = f"{region}.{domain}"
    return f"https://{domain}/federation"


def console_home(region: str | None) -> str:
    """The console start page, in `region` when one is given."""
    _signin, domain = _partition_domains(region)
    if not region:
        return f"https://{domain}/"
    host = domain if domain != "console.aws.amazon.com" else f"{region}.{domain}"
    return f"https://{host}/console/home?" + urllib.parse.urlencode({"region": region})


def federation_login_url(
    creds: Credentials,
    region: str | None,
    destination: str | None = None,
    issuer: str = "xswitch",
    chained: bool = False,
    endpoint: str | None = None,
    env: Mapping[str, str] = os.environ,
) -> str:
    """A URL that opens the console signed in with `creds` (valid for 15 minutes, once).

    `chained`: the credentials come from a role assumed by another role; AWS refuses a
    SessionDuration for those, so the console session then lasts as long as the credentials.
    """
    if not creds.session_token:
        creds = federation_token(creds, region, env=env)
        chained = False  # GetFederationToken sessions accept a SessionDuration
    url = signin_endpoint(region, endpoint, env)
    session = json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        }
    )
    query = {"Action": "getSigninToken", "Session": session}
    if not chained:
        query["SessionDuration"] = str(_session_duration(creds))
    token = _get_signin_token(url + "?" + urllib.parse.urlencode(query))
    login = {
        "Action": "login",
        "Issuer": issuer,
        "Destination": destination or console_home(region),
        "SigninToken": token,
    }
    return url + "?" + urllib.parse.urlencode(login)


def _fetch_within(url: str, seconds: float) -> bytes:
    """GET `url` (at most 64 KB of it) within `seconds` in all: a sign-in service that trickles
    its answer a byte at a time is given up at the deadline, not after one timeout per read."""
    import threading
    import urllib.error
    import urllib.request

    outcome: dict[str, object] = {}

    def fetch() -> None:
        request = urllib.request.Request(url, headers={"User-Agent": "xswitch"})
        try:
            with urllib.request.urlopen(request, timeout=seconds) as response:
                outcome["body"] = response.read(65536)
        except BaseException as error:  # handed to the waiting thread
            outcome["error"] = error

    worker = threading.Thread(target=fetch, name="xswitch-signin", daemon=True)
    worker.start()
    worker.join(seconds)
    host = urllib.parse.urlsplit(url).netloc
    error = outcome.get("error")
    if worker.is_alive():
        raise EndpointUnreachable(
            f"The AWS sign-in service at {host} gave no complete answer within {seconds:g} s.",
            "It may be overloaded, or a proxy may be holding the connection: try again later, "
            "or check the proxy settings.",
        )
    if isinstance(error, urllib.error.HTTPError):
        raise CredentialError(
            f"The AWS sign-in service refused the credentials (HTTP {error.code}).",
            "The session may have expired or been revoked: refresh it and try again. Roles "
            "assumed from another role cannot ask for a console session duration.",
        )
    if isinstance(error, urllib.error.URLError | TimeoutError | OSError):
        raise EndpointUnreachable(
            f"The AWS sign-in service at {host} could not be reached ({type(error).__name__}).",
            "Check the network connection or proxy settings, then try again.",
        )
    if isinstance(error, BaseException):
        raise error
    body = outcome["body"]
    assert isinstance(body, bytes)  # fetch() stored either an error or the body
    return body


def _session_duration(creds: Credentials) -> int:
    """As long as the credentials would have lasted, within what the console accepts."""
    left = creds.seconds_left()
    if left is None:
        return MAX_SESSION
    return int(max(MIN_SESSION, min(MAX_SESSION, left)))


def _get_signin_token(url: str) -> str:
    # The URL carries the session credentials: never put it (or the response) in a message.
    body = _fetch_within(url, SIGNIN_TIMEOUT)
    try:
        token = json.loads(body)["SigninToken"]
        if not isinstance(token, str) or not token:
            raise ValueError("empty token")
    except (ValueError, KeyError, TypeError):
        raise CredentialError(
            "The AWS sign-in service answered without a sign-in token.",
            "Try again; if it persists, check that XSWITCH_SIGNIN_ENDPOINT (if set) points at "
            "the federation endpoint.",
        ) from None
    return token


def federation_token(
    creds: Credentials,
    region: str | None,
    name: str = "xswitch",
    env: Mapping[str, str] = os.environ,
) -> Credentials:
    """Temporary credentials for long-term keys (STS GetFederationToken), for the console."""
    from xswitch.core.aws.clients import signed_client
    from xswitch.core.aws.errors import Call, attempt

    client = signed_client("sts", creds, region or "us-east-1", env)
    call = Call("sts", "GetFederationToken", client=client)
    answer = attempt(
        lambda: client.get_federation_token(
            Name=name[:32], Policy=_FEDERATION_POLICY, DurationSeconds=MAX_SESSION
        ),
        call,
    )["Credentials"]
    expiration = answer["Expiration"]
    if isinstance(expiration, datetime) and expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    return Credentials(
        answer["AccessKeyId"],
        answer["SecretAccessKey"],
        answer["SessionToken"],
        expiration,
        via=(*creds.via, "federation"),
    )


def switch_role_url(
    account: str, role: str, display_name: str | None = None, color: str | None = None
) -> str:
    """The console's switch-role link (not usable for roles that require an external ID).

    `color` is a hex colour (with or without '#'); the console shows it next to the role name.
    """
    query = {"roleName": role, "account": account}
    if display_name:
        query["displayName"] = display_name[:64]
    if color:
        query["color"] = color.lstrip("#").upper()
    return "https://signin.aws.amazon.com/switchrole?" + urllib.parse.urlencode(query)


def chained_role(creds: Credentials) -> bool:
    """True for a role assumed by another role: the sign-in service then refuses a
    SessionDuration (see `federation_login_url`)."""
    return sum(step.startswith("role:") for step in creds.via) > 1


def open_in_browser(url: str, env: Mapping[str, str] = os.environ) -> bool:
    """Open `url` in a graphical browser; False when none can be opened.

    On Linux without a display nothing is tried: `webbrowser` would fall back to a text browser
    (lynx, w3m) that takes over the terminal.
    """
    import sys
    import webbrowser

    graphical = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    if sys.platform.startswith("linux") and not graphical:
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
