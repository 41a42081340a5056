"""Catalog profiles obtain credentials like any other (moto STS over HTTP), and a catalog update
reaches the cached switch: a client turned production by a pull is confirmed again, even for a
session cached before."""

from __future__ import annotations

from catalogtesting import xswitch

DEV = """
[clients.acme]
name = "Acme Corp"
prod = {prod}

[profiles.acme-dev]
client = "acme"
role_arn = "arn:aws:iam::111111111111:role/Developer"
source_profile = "me"
region = "eu-west-1"
"""


def test_a_pull_that_turns_a_client_production_is_confirmed_on_the_cached_switch(
    team, dev_role, moto
):
    team.commit(DEV.format(prod="false"))
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    first = xswitch("export", "acme-dev", "--shell", "bash")
    assert first.returncode == 0, first.stderr
    assert "AWS_SESSION_TOKEN=" in first.stdout
    cached = xswitch("export", "acme-dev", "--shell", "bash")  # the cached switch answers
    assert cached.returncode == 0 and "AWS_SESSION_TOKEN=" in cached.stdout
    team.commit(DEV.format(prod="true"), "acme is production now")
    pulled = xswitch("catalog", "pull", "team")
    assert "  ! production now: acme" in pulled.stdout
    refused = xswitch("export", "acme-dev", "--shell", "bash")
    assert refused.returncode == 2
    assert "belongs to the production client 'Acme Corp'" in refused.stderr
    assert "AWS_SESSION_TOKEN" not in refused.stdout
    confirmed = xswitch("export", "acme-dev", "--shell", "bash", "--yes")
    assert confirmed.returncode == 0 and "AWS_SESSION_TOKEN=" in confirmed.stdout
