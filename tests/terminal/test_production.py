"""The production guard at the command line: export, exec and login of a production client ask
for the client's name at a terminal, need --yes without one; credential-process never asks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from termtesting import BIN

QUESTION = (
    r"'dev' belongs to the production client 'Vault Bank'\.\r?\nType the client's name to go on: "
)


@pytest.fixture
def prod(dev_role):
    # A plaintext cache, so that the cached switch could answer if it ignored the guard.
    dev_role.write_xswitch_config(
        """
        [settings]
        cache = "plaintext"

        [clients.bank]
        name = "Vault Bank"
        prod = true
        profiles = ["dev"]
        """
    )
    return dev_role


def without_terminal(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "xswitch"), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal
        env=dict(os.environ),
        timeout=60,
    )


def session_cached() -> bool:
    listing = subprocess.run(
        [sys.executable, "-m", "xswitch", "list", "--json"], capture_output=True, text=True
    )
    return {r["profile"]: r for r in json.loads(listing.stdout)}["dev"]["expires_at"] is not None


def test_export_asks_for_the_name_case_and_spaces_ignored(term, prod):
    t = term.run('eval "$(xswitch export dev)"; echo "key=${AWS_ACCESS_KEY_ID:-none}"')
    t.expect(QUESTION)
    t.type("  vault BANK ")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0

    # Cached now: the cached switch still leaves the question to the ordinary path.
    t = term.run('eval "$(xswitch export dev)"; echo "key=${AWS_ACCESS_KEY_ID:-none}"')
    t.expect(QUESTION)
    t.type("Vault Bank")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0


def test_a_wrong_name_does_nothing(term, prod):
    t = term.run('xswitch login dev; echo "rc=$?"')
    t.expect(QUESTION)
    t.type("Vault")
    t.expect("nothing was done")
    assert t.report("rc") == "2"
    assert t.finish() == 0
    assert not session_cached()


def test_exec_and_login_ask_too(term, prod):
    t = term.run("xswitch exec dev --keys -- sh -c 'echo \"key=$AWS_ACCESS_KEY_ID\"'")
    t.expect(QUESTION)
    t.type("vault bank")
    assert t.report("key").startswith("ASIA")
    assert t.finish() == 0

    t = term.run('xswitch login dev 2>&1 | cat; echo "done=1"')
    t.expect(QUESTION)
    t.type("Vault Bank")
    t.expect("Logged in to 'dev'")
    assert t.report("done") == "1"
    assert t.finish() == 0


def test_ctrl_c_at_the_question(term, prod):
    t = term.run('xswitch exec dev -- true; echo "rc=$?"')
    t.expect(QUESTION)
    t.child.send("Vau")
    t.ctrl_c()
    assert t.report("rc") == "130"
    assert t.finish() == 0
    assert not session_cached()


def test_without_a_terminal_yes_is_needed_and_credential_process_never_asks(prod):
    for args in (["export", "dev"], ["login", "dev"], ["exec", "dev", "--", "true"]):
        refused = without_terminal(*args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert "production client 'Vault Bank'" in refused.stderr
        assert "nothing was done" in refused.stderr and "--yes" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not session_cached()
    assert without_terminal("exec", "dev", "--yes", "--", "true").returncode == 0
    assert without_terminal("exec", "--yes", "dev", "--", "true").returncode == 0
    exported = without_terminal("export", "dev", "--yes")
    assert exported.returncode == 0 and "AWS_ACCESS_KEY_ID" in exported.stdout
    document = json.loads(without_terminal("credential-process", "dev").stdout)
    assert document["AccessKeyId"].startswith("ASIA")


def test_credential_process_at_a_terminal_does_not_ask_either(term, prod):
    t = term.run('xswitch credential-process dev > out.json; echo "rc=$?"')
    assert t.report("rc") == "0"
    assert t.finish() == 0
    assert "production" not in t.screen
