"""botocore's client-side validation errors are configuration errors (exit 2), not AWS failures."""

from __future__ import annotations

from botocore import exceptions as bce

from xswitch.core.errors import EXIT_USAGE, ConfigError
from xswitch.core.explain import explain


def test_param_validation_is_a_configuration_error():
    error = explain(
        bce.ParamValidationError(report="Invalid length for RoleArn"), None, "AssumeRole"
    )
    assert isinstance(error, ConfigError) and error.exit_code == EXIT_USAGE
    assert "RoleArn" in str(error)


def test_invalid_region_is_a_configuration_error():
    error = explain(bce.InvalidRegionError(region_name="eu west"), None, "AssumeRole")
    assert isinstance(error, ConfigError) and error.exit_code == EXIT_USAGE
    assert "eu-west-1" in str(error)
