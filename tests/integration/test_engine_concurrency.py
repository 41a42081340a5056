"""Several processes and threads asking for the same MFA role at once: one prompt, one session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from xswitch.core.model import Catalog, Credentials, Kind, Profile
from xswitch.core.sessions import SessionManager

ACCOUNT = "123456789012"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/alice"

# Each worker waits for a start signal, then asks for the role; its prompter logs every prompt
# to a shared file and dawdles like a person typing, which widens any race.
WORKER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from xswitch.core.model import Catalog, Credentials, Kind, Profile
    from xswitch.core.sessions import SessionManager

    given = json.loads(os.environ["TEST_SETUP"])
    log = Path(given["log"])

    class SlowPrompter:
        def mfa_code(self, serial, unlocks):
            with open(log, "a") as stream:
                stream.write(f"{os.getpid()} {serial}\\n")
            time.sleep(0.5)
            return "123456"

    keys = Credentials(given["key_id"], given["secret"])
    profiles = {
        "me": Profile("me", Kind.KEYS, static_keys=keys),
        "admin": Profile("admin", Kind.ROLE, settings=given["role"]),
    }
    manager = SessionManager(Catalog((), profiles))
    while not Path(given["start"]).exists():
        time.sleep(0.01)
    print(manager.credentials("admin", SlowPrompter()).access_key_id)
    """
)


def setup_role(moto) -> tuple[Credentials, dict[str, str]]:
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps(trust))
    role = {"role_arn": arn["Role"]["Arn"], "source_profile": "me", "mfa_serial": SERIAL}
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"]), role


def session_files() -> list[Path]:
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "xswitch" / "sessions").glob("*.json"))


def test_four_processes_share_one_prompt_and_one_session(moto, tmp_path):
    keys, role = setup_role(moto)
    log, start = tmp_path / "prompts.log", tmp_path / "start"
    setup = {
        "log": str(log),
        "start": str(start),
        "key_id": keys.access_key_id,
        "secret": keys.secret_access_key,
        "role": role,
    }
    env = {**os.environ, "TEST_SETUP": json.dumps(setup)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(1.0)  # let every worker import and reach the start line
    start.touch()
    results = [worker.communicate(timeout=90) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], [e for _, e in results]
    access_keys = {out.strip() for out, _ in results}
    assert len(access_keys) == 1
    assert len(log.read_text().splitlines()) == 1
    # One MFA session and one role session, nothing else (no stray temporary files).
    files = session_files()
    assert len(files) == 2
    assert not list(files[0].parent.glob("*.tmp"))
    profiles = Catalog((), {"me": Profile("me", Kind.KEYS, static_keys=keys)})
    assert set(SessionManager(profiles).cached_sessions()) == {"admin"}


def test_threads_in_one_process_share_one_prompt(moto):
    keys, role = setup_role(moto)
    catalog = Catalog(
        (),
        {
            "me": Profile("me", Kind.KEYS, static_keys=keys),
            "admin": Profile("admin", Kind.ROLE, settings=role),
        },
    )
    manager = SessionManager(catalog)
    prompts: list[str] = []
    barrier = threading.Barrier(4)

    class SlowPrompter:
        def mfa_code(self, serial: str, unlocks: list[str]) -> str:
            prompts.append(serial)
            time.sleep(0.3)
            return "123456"

        def sso_device_code(self, authorization: object) -> None:
            raise AssertionError

        def cancelled(self) -> bool:
            return False

    results: list[str] = []

    def ask() -> None:
        barrier.wait()
        results.append(manager.credentials("admin", SlowPrompter()).access_key_id)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 4
    assert len(set(results)) == 1
    assert prompts == [SERIAL]
    assert len(session_files()) == 2
