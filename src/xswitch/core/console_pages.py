"""Console pages: the partition's domains, the console host of a region, the service short
names (`SERVICES`) and their deep links, a console path kept on the console host."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

from xswitch.core.errors import UsageError


def partition_domains(region: str | None) -> tuple[str, str]:
    """(sign-in domain, console domain) of the partition `region` belongs to."""
    region = region or ""
    if region.startswith("cn-"):
        return "signin.amazonaws.cn", "console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"
    return "signin.aws.amazon.com", "console.aws.amazon.com"


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


def console_host(region: str | None) -> str:
    """`https://` + the console host of `region` (the regional host in the aws partition)."""
    _signin, domain = partition_domains(region)
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
    _signin, domain = partition_domains(region)
    if not region:
        return f"https://{domain}/"
    host = domain if domain != "console.aws.amazon.com" else f"{region}.{domain}"
    return f"https://{host}/console/home?" + urllib.parse.urlencode({"region": region})
