"""The one client pool: where each service's endpoint comes from."""

from __future__ import annotations

import pytest

from xswitch.core.aws.clients import endpoint_for


@pytest.mark.parametrize("service", ["sts", "sso", "sso-oidc"])
def test_endpoints_come_from_the_environment_as_botocore_reads_them(service):
    specific = {"sts": "AWS_ENDPOINT_URL_STS", "sso": "AWS_ENDPOINT_URL_SSO"}.get(
        service, "AWS_ENDPOINT_URL_SSO_OIDC"
    )
    assert endpoint_for(service, {}) is None
    assert endpoint_for(service, {"AWS_ENDPOINT_URL": "http://all"}) == "http://all"
    both = {"AWS_ENDPOINT_URL": "http://all", specific: "http://one"}
    assert endpoint_for(service, both) == "http://one"
    # The same rule for every service: the switch that turns configured endpoints off.
    assert endpoint_for(service, {**both, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}) is None
