"""The rules of onboarding without AWS: role ARNs, generated external IDs, the policy documents,
the principal a caller is trusted as, and the paragraphs bad values get."""

from __future__ import annotations

import re

import pytest

from xswitch.core.errors import UsageError
from xswitch.core.iam import Caller
from xswitch.core.model import Catalog, Credentials, Kind, Profile
from xswitch.core.onboard import ClientSpec, check_spec, generate_external_id, role_arn_problem
from xswitch.core.policies import PolicySet, identity_policy, trust_policy


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/Contractor",
        "arn:aws:iam::123456789012:role/team/ops/Contractor",
        "arn:aws-cn:iam::123456789012:role/x+=,.@-y",
        "arn:aws-us-gov:iam::123456789012:role/R",
    ],
)
def test_role_arns_accepted(arn):
    assert role_arn_problem(arn) is None


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::1234:role/Contractor",  # not 12 digits
        "arn:aws:iam::123456789012:user/me",  # a user
        "arn:aws:sts::123456789012:role/R",  # not IAM
        "arn:aws:iam::123456789012:role/",  # no name
        "arn:aws:iam::123456789012:role/has space",
        "",
    ],
)
def test_role_arns_refused_with_the_shape_to_copy(arn):
    problem = role_arn_problem(arn)
    assert problem is not None and "arn:aws:iam::123456789012:role/RoleName" in problem


def test_generated_external_ids_are_long_random_and_accepted_by_aws():
    ids = {generate_external_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) >= 32 and re.fullmatch(r"[\w+=,.@:/-]{2,1224}", i) for i in ids)


def test_trust_policy_conditions():
    plain = trust_policy("arn:aws:iam::111111111111:user/me")
    assert plain["Statement"][0] == {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:user/me"},
        "Action": "sts:AssumeRole",
    }
    strict = trust_policy("arn:aws:iam::111111111111:root", "Case-Sensitive", mfa=True)
    assert strict["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "Case-Sensitive"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }


def test_identity_policy_lists_each_role_once():
    one = identity_policy(["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/a"])
    assert one["Statement"][0]["Resource"] == "arn:aws:iam::1:role/a"
    many = identity_policy(["arn:aws:iam::2:role/b", "arn:aws:iam::1:role/a"])
    assert many["Statement"][0]["Resource"] == ["arn:aws:iam::1:role/a", "arn:aws:iam::2:role/b"]


@pytest.mark.parametrize(
    ("arn", "principal", "user"),
    [
        ("arn:aws:iam::111111111111:user/path/me", "arn:aws:iam::111111111111:user/path/me", "me"),
        (
            "arn:aws:sts::111111111111:assumed-role/Dev/alice",
            "arn:aws:iam::111111111111:role/Dev",
            None,
        ),
    ],
)
def test_caller_principal(arn, principal, user):
    caller = Caller(arn, "111111111111")
    assert caller.principal_arn == principal
    assert caller.user_name == user
    assert caller.root_arn() == "arn:aws:iam::111111111111:root"


def test_the_request_says_trust_relationships_not_permissions_and_attach_command():
    policies = PolicySet(
        "ACME", "arn:aws:iam::1:user/me", "arn:aws:iam::1:user/me", ("arn:aws:iam::2:role/R",),
        ("arn:aws:iam::2:role/R",), "Ext-1", mfa=False,
    )  # fmt: skip
    text = policies.request()
    assert "Trust relationships tab, not in the permissions" in text
    assert "case-sensitive" in text and '"sts:ExternalId": "Ext-1"' in text
    assert policies.attach_command("i.json").startswith("aws iam put-user-policy --user-name me ")


def _catalog() -> Catalog:
    keys = Credentials("AKIAIOSFODNN7EXAMPLE", "secret")
    return Catalog(
        clients=(),
        profiles={
            "me": Profile("me", Kind.KEYS, static_keys=keys),
            "settings-only": Profile("settings-only", Kind.OTHER),
        },
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"key": "a b"}, "cannot be a client name"),
        ({"source_profile": "mee"}, "Did you mean 'me'?"),
        ({"source_profile": "settings-only"}, "has no credentials"),
        ({"external_id": "has space"}, "external ID is not one AWS accepts"),
        ({"duration": 60}, "A session of 60 seconds is not possible"),
        ({"region": "Europe"}, "is not a region name"),
        ({"session_name": "x"}, "is not a session name AWS accepts"),
        ({"color": "rgb(1,2,3)"}, "is not a colour"),
        ({"profile": "settings-only"}, "There is already a profile named 'settings-only'"),
        ({"profile": "me"}, "A role cannot be its own source profile"),
    ],
)
def test_bad_values_get_one_paragraph_and_nothing_written(changes, words):
    values = {"key": "acme", "role_arn": "arn:aws:iam::123456789012:role/R", "source_profile": "me"}
    spec = ClientSpec(**(values | changes))
    with pytest.raises(UsageError) as raised:
        check_spec(spec, _catalog())
    assert words in str(raised.value)
    assert str(raised.value).endswith("Nothing was written.")
    assert raised.value.exit_code == 2
