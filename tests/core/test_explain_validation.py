"""botocore's client-side validation errors are configuration errors (exit 2), not AWS failures."""

from __future__ import annotations

from botocore import exceptions as bce

from xswitch.core.aws.errors import Call, translate
from xswitch.core.errors import EXIT_USAGE, ConfigError


def test_param_validation_is_a_configuration_error():
    error = translate(
        bce.ParamValidationError(report="Invalid length for RoleArn"), Call("sts", "AssumeRole")
    )
    assert isinstance(error, ConfigError) and error.exit_code == EXIT_USAGE
    assert "RoleArn" in str(error)


def test_invalid_region_is_a_configuration_error():
    error = translate(bce.InvalidRegionError(region_name="eu west"), Call("sts", "AssumeRole"))
    assert isinstance(error, ConfigError) and error.exit_code == EXIT_USAGE
    assert "eu-west-1" in str(error)
