"""The daily background pull: started by an ordinary command in a detached process (the command
does not wait for it), and a failed pull told once, by the next command, with exit 0."""

from __future__ import annotations

import json
import time

from catalogtesting import ACME, xswitch

STATE = ".local/share/xswitch/catalogs/team.state.json"


def _age_state(home, **extra) -> dict:
    """Make the last attempt two days old, so that a daily pull is due."""
    path = home.root / STATE
    state = json.loads(path.read_text())
    state.update(attempted_at="2020-01-01T00:00:00Z", **extra)
    path.write_text(json.dumps(state))
    return state


def _wait_for_attempt(home, bound: float = 60.0) -> dict:
    """The state once a pull has recorded a new attempt (polls; the bound only stops a hang)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        state = json.loads((home.root / STATE).read_text())
        if state["attempted_at"] != "2020-01-01T00:00:00Z":
            return state
        time.sleep(0.1)
    raise AssertionError("no background pull happened")


def test_a_due_catalog_is_pulled_in_the_background(team, me):
    team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    new = team.commit(ACME.replace("eu-west-1", "eu-central-1"))
    _age_state(me)
    listed = xswitch("list", "--json")
    assert listed.returncode == 0
    state = _wait_for_attempt(me)
    assert state["commit"] == new
    region = {row["profile"]: row["region"] for row in json.loads(xswitch("list", "--json").stdout)}
    assert region["acme-prod"] == "eu-central-1"


def test_no_background_pull_before_it_is_due(team, me):
    team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    before = json.loads((me.root / STATE).read_text())
    team.commit(ACME.replace("eu-west-1", "eu-central-1"))
    assert xswitch("list").returncode == 0
    # A background pull run now would find nothing due either.
    assert xswitch("catalog", "pull", "--background").returncode == 0
    assert json.loads((me.root / STATE).read_text()) == before


def test_a_failed_background_pull_is_told_once(team, me):
    good = team.commit(ACME)
    assert xswitch("catalog", "add", "team", team.url).returncode == 0
    team.commit('[clients.acme]\nprod = "yes"\n', "prod as text")
    _age_state(me)
    assert xswitch("_profiles").returncode == 0  # completion: starts nothing, says nothing
    assert json.loads((me.root / STATE).read_text())["attempted_at"].startswith("2020")
    first = xswitch("whoami", "nobody")  # any command that reads the catalog starts the pull
    assert first.returncode == 2  # (for its own reason: there is no such profile)
    state = _wait_for_attempt(me)
    assert state["commit"] == good
    assert "clients.acme.prod must be true or false" in state["problem"]
    assert state["problem_shown"] is False
    told = xswitch("list")
    assert told.returncode == 0
    assert "The last update of catalog 'team' failed" in told.stderr
    assert "clients.acme.prod must be true or false" in told.stderr
    assert "acme-prod" in told.stdout  # the last good copy
    again = xswitch("list")
    assert again.returncode == 0
    assert "catalog 'team'" not in again.stderr
