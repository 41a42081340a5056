"""AWS console links: federation sign-in URLs from credentials, deep links to services, and
switch-role links.

Federation: GetSigninToken exchanges temporary credentials for a sign-in token on the sign-in
endpoint (regional host, or `XSWITCH_SIGNIN_ENDPOINT` for a local test server), and the login URL
carries that token to the console. Long-term keys are first turned into temporary credentials with
STS GetFederationToken, since the sign-in endpoint only accepts temporary ones. The login URL goes
straight to its `Destination` (no logout hop), so the console's own multi-session sign-in keeps the
sessions already open. `console_link` is the use case the CLI and the picker share.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from xswitch.core.errors import CredentialError, EndpointUnreachable, UsageError
from xswitch.core.model import Catalog, Credentials, Profile

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


# Console short names -> path on the console host ({region} filled in). Global services live
# on the partition's console host whatever the region.
SERVICES: Mapping[str, str] = {
    "acm": "/acm/home?region={region}#/certificates/list",
    "apigateway": "/apigateway/main/apis?region={region}",
    "athena": "/athena/home?region={region}#/query-editor",
    "billing": "/billing/home#/",
    "cloudformation": "/cloudformation/home?region={region}#/stacks",
    "cloudfront": "/cloudfront/v4/home#/distributions",
    "cloudtrail": "/cloudtrailv2/home?region={region}#/events",
    "cloudwatch": "/cloudwatch/home?region={region}#home:",
    "codebuild": "/codesuite/codebuild/projects?region={region}",
    "codepipeline": "/codesuite/codepipeline/pipelines?region={region}",
    "cost-explorer": "/cost-management/home#/cost-explorer",
    "dynamodb": "/dynamodbv2/home?region={region}#tables",
    "ec2": "/ec2/home?region={region}#Instances:",
    "ecr": "/ecr/private-registry/repositories?region={region}",
    "ecs": "/ecs/v2/clusters?region={region}",
    "eks": "/eks/home?region={region}#/clusters",
    "elasticache": "/elasticache/home?region={region}#/",
    "eventbridge": "/events/home?region={region}#/rules",
    "glue": "/glue/home?region={region}#/v2/home",
    "guardduty": "/guardduty/home?region={region}#/findings",
    "iam": "/iam/home#/home",
    "kinesis": "/kinesis/home?region={region}#/streams/list",
    "kms": "/kms/home?region={region}#/kms/keys",
    "lambda": "/lambda/home?region={region}#/functions",
    "logs": "/cloudwatch/home?region={region}#logsV2:log-groups",
    "organizations": "/organizations/v2/home/accounts",
    "rds": "/rds/home?region={region}#databases:",
    "route53": "/route53/v2/hostedzones#",
    "s3": "/s3/buckets?region={region}",
    "secretsmanager": "/secretsmanager/listsecrets?region={region}",
    "securityhub": "/securityhub/home?region={region}#/summary",
    "sns": "/sns/v3/home?region={region}#/topics",
    "sqs": "/sqs/v3/home?region={region}#/queues",
    "ssm": "/systems-manager/home?region={region}",
    "stepfunctions": "/states/home?region={region}#/statemachines",
    "support": "/support/home#/",
    "vpc": "/vpcconsole/home?region={region}#vpcs:",
    "waf": "/wafv2/homev2/web-acls?region={region}",
}
DEFAULT_REGION = "us-east-1"  # where a regional deep link goes when nothing names a region
CHAINED_ROLE_LIMIT = 3600  # AWS caps a role assumed by another role (and its console) at 1 hour


def console_host(region: str | None) -> str:
    """`https://` + the console host of `region` (the regional host in the aws partition)."""
    _signin, domain = _partition_domains(region)
    if region and domain == "console.aws.amazon.com":
        return f"https://{region}.{domain}"
    return f"https://{domain}"


def service_destination(service: str, region: str | None) -> str:
    """The console page of a service short name (`SERVICES`), in `region`."""
    template = SERVICES.get(service.strip().lower())
    if template is None:
        import difflib

        close = difflib.get_close_matches(service.lower(), list(SERVICES), n=3)
        raise UsageError(
            f"'{service}' is not a console service xswitch knows.",
            (f"Did you mean {', '.join(close)}? " if close else "")
            + "Known services: "
            + ", ".join(SERVICES)
            + ". Any other page: --path /PATH (the part of the console URL after the host).",
        )
    region = region or DEFAULT_REGION
    host = console_host(region if "{region}" in template else None)
    return host + template.format(region=urllib.parse.quote(region, safe=""))


def path_destination(path: str, region: str | None) -> str:
    """A console page given as its path (`/ec2/home?region=...#Instances:`), on the console
    host of `region`; refused unless it is a path on that host."""
    if (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in path)
    ):
        raise UsageError(
            "--path must be a path on the console, starting with one '/' and without spaces or "
            "control characters (e.g. /ec2/home#Instances:).",
            "Give the part of the console URL after the host name; for a whole page of a "
            "service, --service NAME is shorter.",
        )
    return console_host(region) + path


@dataclass(frozen=True)
class ConsoleLink:
    """A console sign-in: the URL (a secret for 15 minutes), how long the console session lasts
    (None: as long as the credentials, for chained roles), and for a chained role the way to a
    longer one: sign in as `source` and open `switch_role`."""

    url: str = field(repr=False)
    duration: int | None
    chained: bool = False
    source: str | None = None
    switch_role: str | None = None

    def chained_notice(self, profile: str) -> str:
        """What to say about a chained role's short console, with the alternative."""
        text = (
            f"'{profile}' is a role assumed from another role: AWS limits its console session "
            "to at most 1 hour."
        )
        if self.source and self.switch_role:
            text += (
                f" For a longer one, open the console as '{self.source}' "
                f"(xswitch console {self.source}) and switch role with {self.switch_role}"
            )
        return text


def role_from_role(profile: Profile, catalog: Catalog) -> bool:
    """Whether the configuration makes `profile` a chained role (its source assumes a role
    itself): its console is capped at one hour, which the picker says before it is opened."""
    if not profile.role_arn or not profile.source_profile:
        return False
    source = catalog.profiles.get(profile.source_profile)
    return source is not None and source is not profile and bool(source.role_arn)


def session_duration(profile: Profile, creds: Credentials) -> int:
    """The console session's length: the profile's duration_seconds when it has one, else as
    long as the credentials last; within what the sign-in service accepts."""
    wanted = profile.duration_seconds
    if wanted is None:
        left = creds.seconds_left()
        wanted = MAX_SESSION if left is None else int(left)
    return int(max(MIN_SESSION, min(MAX_SESSION, wanted)))


def console_link(
    profile: Profile,
    creds: Credentials,
    catalog: Catalog,
    *,
    region: str | None = None,
    service: str | None = None,
    path: str | None = None,
    env: Mapping[str, str] = os.environ,
) -> ConsoleLink:
    """The sign-in link that opens the console as `profile` (its credentials `creds`), on the
    page of `service` or `path` (default: the console home) in `region` (default: the
    profile's)."""
    region = region or profile.region_in(env)
    destination = destination_for(region, service, path)
    chained = chained_role(creds)
    duration = None if chained else session_duration(profile, creds)
    url = federation_login_url(
        creds, region, destination, chained=chained, duration=duration, env=env
    )
    if not chained:
        return ConsoleLink(url, duration)
    source = profile.source_profile
    switch = None
    if source and profile.account_id and profile.role_name and not profile.external_id:
        client = catalog.client(profile.client)
        switch = switch_role_url(
            profile.account_id, profile.role_name, profile.name, client.color if client else None
        )
    return ConsoleLink(url, None, chained=True, source=source, switch_role=switch)


def destination_for(region: str | None, service: str | None, path: str | None) -> str:
    """Where the sign-in lands: a service's page, a path, or the console home."""
    if service and path:
        raise UsageError("--service and --path name two pages: give one of them.")
    if service:
        return service_destination(service, region)
    if path:
        return path_destination(path, region)
    return console_home(region)


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
    duration: int | None = None,
) -> str:
    """A URL that opens the console signed in with `creds` (valid for 15 minutes, once).

    `chained`: the credentials come from a role assumed by another role; AWS refuses a
    SessionDuration for those, so the console session then lasts as long as the credentials.
    `duration`: the console session's length (default: as long as the credentials last).
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
        wanted = duration if duration is not None else _session_duration(creds)
        query["SessionDuration"] = str(int(max(MIN_SESSION, min(MAX_SESSION, wanted))))
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
