"""The agent's bookkeeping, in process: renewing ahead, warning before an end it cannot avoid,
dropping the slots of shells that ended. The sessions come from the moto server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xswitch.core import agentlink
from xswitch.core.agent import Agent
from xswitch.core.model import Credentials
from xswitch.core.session_store import _credentials_to_json


@pytest.fixture
def agent(tmp_path: Path):
    directory = tmp_path / "agent"
    directory.mkdir(mode=0o700)
    agent = Agent(os.environ, directory, idle=60)
    yield agent
    agent.http.server_close()


def soon(minutes: int) -> dict:
    creds = Credentials(
        "ASIAEXAMPLEEXAMPLE00", "secret", "token", datetime.now(UTC) + timedelta(minutes=minutes)
    )
    return _credentials_to_json(creds)


def state_lines(reply: dict) -> list[str]:
    return Path(reply["state"]).read_text().splitlines()


def test_a_session_that_cannot_renew_itself_is_announced_before_it_ends(
    agent: Agent, dev_role, mfa_sts
) -> None:
    dev_role.write_aws_config(
        """
        [profile admin]
        role_arn = arn:aws:iam::111111111111:role/Admin
        source_profile = me
        mfa_serial = arn:aws:iam::111111111111:mfa/me
        """
    )
    reply = agent.handle(
        {"op": "register", "profile": "admin", "pid": os.getpid(), "credentials": soon(8)}
    )
    agent.housekeeping()
    note = state_lines(reply)[2]
    assert "'admin' ends in" in note and "cannot be renewed without you" in note
    assert "xs admin" in note
    assert mfa_sts.codes == []  # nobody was asked, nothing was sent


def test_a_session_that_can_renew_itself_is_renewed_ahead_without_a_word(
    agent: Agent, dev_role
) -> None:
    reply = agent.handle(
        {"op": "register", "profile": "dev", "pid": os.getpid(), "credentials": soon(8)}
    )
    agent.housekeeping()
    epoch, _iso, note = state_lines(reply)
    assert note == ""
    left = int(epoch) - datetime.now(UTC).timestamp()
    assert left > 50 * 60  # a new one-hour session, not the eight minutes it had
    assert agent.sessions["dev"].access_key_id != "ASIAEXAMPLEEXAMPLE00"


def test_the_slot_of_a_shell_that_ended_is_dropped(agent: Agent, dev_role) -> None:
    shell = subprocess.Popen([sys.executable, "-c", "pass"])
    shell.wait()
    reply = agent.handle({"op": "register", "profile": "dev", "pid": shell.pid})
    assert Path(reply["state"]).exists()
    agent.housekeeping()
    assert agent.slots == {}
    assert not Path(reply["state"]).exists()
    status, _ = agent.answer_http("/v1/credentials/" + reply["slot"], reply["token"], "127.0.0.1")
    assert status == 403


def test_requests_from_elsewhere_than_loopback_are_refused(agent: Agent, dev_role) -> None:
    reply = agent.handle({"op": "register", "profile": "dev", "pid": os.getpid()})
    path = "/v1/credentials/" + reply["slot"]
    assert agent.answer_http(path, reply["token"], "10.0.0.7")[0] == 403
    assert agent.answer_http(path, reply["token"], "127.0.0.1")[0] == 200


def test_agent_directory_must_be_private(tmp_path: Path, monkeypatch) -> None:
    runtime = tmp_path / "run"
    (runtime / "xswitch").mkdir(parents=True)
    os.chmod(runtime / "xswitch", 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with pytest.raises(agentlink.AgentError, match="not private"):
        agentlink.request(os.environ, "ping")


def test_an_agent_that_does_not_answer_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import socket

    directory = agentlink.directory(os.environ)
    directory.mkdir(mode=0o700, parents=True)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(str(directory / agentlink.SOCKET))
    silent.listen(1)  # accepts the connection, never reads nor answers
    try:
        with pytest.raises(agentlink.AgentError, match=r"did not answer within 0\.3 seconds"):
            agentlink.request(os.environ, "ping", timeout=0.3)
        assert agentlink.warm(os.environ, "export", "dev", None, 0) is None
    finally:
        silent.close()
        (directory / agentlink.SOCKET).unlink()
