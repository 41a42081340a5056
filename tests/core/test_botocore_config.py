"""`botocore_config` gives botocore the same [default] and [services] it would read itself.

xswitch's STS clients use no profile, so botocore reads only those sections; reading them alone
spares it a parse and deep copy of every profile (seconds at 50,000 profiles).
"""

from __future__ import annotations

import os

import botocore.session

from xswitch.core.config import botocore_config

CONFIG = """
[profile a]
region = eu-west-1

[default]
region = eu-central-1
sts_regional_endpoints = regional
services = local
s3 =
    max_concurrent_requests = 20
    addressing_style = path

[profile b]
role_arn = arn:aws:iam::111111111111:role/B
source_profile = a

[services local]
sts =
    endpoint_url = http://127.0.0.1:9

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
"""

CREDENTIALS = """
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[a]
aws_access_key_id = AKIAOTHER
"""


def botocore_view() -> dict:
    session = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.environ["AWS_CONFIG_FILE"], None),
        }
    )
    return session.full_config


def test_default_and_services_match_botocore(isolated):
    isolated.write_aws_config(CONFIG)
    isolated.write_aws_credentials(CREDENTIALS)
    ours = botocore_config(os.environ)
    theirs = botocore_view()
    assert ours["profiles"]["default"] == theirs["profiles"]["default"]
    assert ours["services"] == theirs["services"]
    assert set(ours["profiles"]) == {"default"}


def test_without_files_there_is_no_default(isolated):
    assert botocore_config(os.environ) == {"profiles": {}, "sso_sessions": {}, "services": {}}
