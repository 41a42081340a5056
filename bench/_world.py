"""The world the contenders run in: a local STS, generated AWS configs, one isolated home each.

No contender ever sees the real ~/.aws, keyring or caches: every home has its own HOME, XDG
directories, AWS files and a file keyring inside it.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
BIN = Path(sys.executable).parent

SOURCE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SOURCE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_KEY_ID = "AKIAI44QH8DHBEXAMPLE"
MFA_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"

# The profiles of the small config that cases 1-3 use.
WARM_ROLE = "acme-prod-admin"  # a role whose session xswitch has cached
MFA_USER = "mfa-user"  # keys + mfa_serial: awsume caches its GetSessionToken session


def cold_profile(contender: str, round_number: int) -> str:
    """A role profile nobody has assumed yet, so every contender's round is really cold."""
    return f"cold-{contender}-{round_number}"


def refresh_profile(index: int) -> str:
    return f"fleet-{index:03d}"


def tool(name: str) -> Path | None:
    """An executable next to this interpreter (the venv), or None when it is not installed."""
    path = BIN / name
    return path if path.exists() else None


def xswitch_argv() -> list[str]:
    console = tool("xswitch")
    return [str(console)] if console else [sys.executable, "-m", "xswitch"]


class StsServer:
    """The moto server child process; `url` is what AWS_ENDPOINT_URL points at."""

    def __init__(self, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "_sts_server.py"), "--latency-ms", str(latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError("the local STS (moto) did not start; is moto[server] installed?")
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def unused_endpoint() -> str:
    """An address where nothing listens: a contender that tries the network there fails loudly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Home:
    """One contender's private home directory and the environment that points everything at it."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, parent: Path, name: str, endpoint: str) -> Home:
        root = parent / name
        (root / ".aws").mkdir(parents=True)
        (root / ".run").mkdir(mode=0o700)
        env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "HOME": str(root),
            "XDG_CONFIG_HOME": str(root / ".config"),
            "XDG_CACHE_HOME": str(root / ".cache"),
            "XDG_DATA_HOME": str(root / ".local" / "share"),
            "XDG_STATE_HOME": str(root / ".local" / "state"),
            # As a Linux login session has it (systemd): where the agent keeps its socket.
            "XDG_RUNTIME_DIR": str(root / ".run"),
            "AWS_CONFIG_FILE": str(root / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / ".aws" / "credentials"),
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
        }
        return cls(root, env)

    def write_aws(self, config: str, credentials: str) -> None:
        (self.root / ".aws" / "config").write_text(config)
        (self.root / ".aws" / "credentials").write_text(credentials)

    def offline(self) -> dict[str, str]:
        """This home's environment with AWS pointed at a closed port."""
        return {**self.env, "AWS_ENDPOINT_URL": unused_endpoint()}

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# --- generated configurations ------------------------------------------------------------------

_CLIENT_WORDS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "oscorp",
    "aperture",
    "blackmesa",
    "massive",
    "vandelay",
    "dunder",
    "pied",
    "gringotts",
    "monarch",
    "nakatomi",
    "prestige",
    "sterling",
    "wernham",
    "yoyodyne",
    "zorg",
    "bluth",
    "gekko",
    "duff",
    "krusty",
)
_ENVIRONMENTS = ("prod", "staging", "dev", "sandbox", "shared", "data", "audit", "network")
_ROLES = ("Admin", "Developer", "ReadOnly", "Deploy", "Billing", "SecurityAudit")
_REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2")


@dataclass(frozen=True)
class GeneratedConfig:
    config: str
    credentials: str
    profiles: int


def fleet_config(profiles: int, seed: int = 5) -> GeneratedConfig:
    """`profiles` role profiles the way consultancies and platform teams have them.

    Clients with several environments (one AWS account each) and several roles per account, all
    assumed from a handful of IAM users whose keys are in ~/.aws/credentials; some need MFA, some an
    external ID.
    """
    rng = random.Random(seed)
    sources = max(1, profiles // 200)
    config = ["[default]", "region = eu-west-1", ""]
    credentials = []
    for index in range(sources):
        name = f"iam-{index:02d}"
        config += [f"[profile {name}]", "region = eu-west-1", ""]
        credentials += [
            f"[{name}]",
            f"aws_access_key_id = AKIA{index:016d}",
            f"aws_secret_access_key = {SOURCE_SECRET}",
            "",
        ]
    made = 0
    client_number = 0
    while made < profiles:
        word = _CLIENT_WORDS[client_number % len(_CLIENT_WORDS)]
        client = word if client_number < len(_CLIENT_WORDS) else f"{word}{client_number}"
        client_number += 1
        source = f"iam-{rng.randrange(sources):02d}"
        needs_mfa = rng.random() < 0.3
        external_id = f"{client}-{rng.randrange(16**6):06x}" if rng.random() < 0.2 else None
        for environment in rng.sample(_ENVIRONMENTS, rng.randint(2, 5)):
            account = f"{rng.randrange(10**11, 10**12):012d}"
            region = rng.choice(_REGIONS)
            for role in rng.sample(_ROLES, rng.randint(2, 4)):
                if made == profiles:
                    break
                lines = [
                    f"[profile {client}-{environment}-{role.lower()}]",
                    f"role_arn = arn:aws:iam::{account}:role/{role}",
                    f"source_profile = {source}",
                    f"region = {region}",
                ]
                if needs_mfa:
                    lines.append(f"mfa_serial = arn:aws:iam::000000000000:mfa/{source}")
                if external_id:
                    lines.append(f"external_id = {external_id}")
                config += [*lines, ""]
                made += 1
    return GeneratedConfig("\n".join(config), "\n".join(credentials), made + sources + 1)


def switching_config(rounds: int, contenders: tuple[str, ...], fleet: int) -> GeneratedConfig:
    """The small config of the switching cases: a warm role, an MFA user, cold roles, a fleet."""
    config = [
        "[profile me]",
        "region = eu-west-1",
        "",
        f"[profile {MFA_USER}]",
        "region = eu-west-1",
        "mfa_serial = arn:aws:iam::123456789012:mfa/mfa-user",
        "",
        f"[profile {WARM_ROLE}]",
        "role_arn = arn:aws:iam::111111111111:role/Admin",
        "source_profile = me",
        "region = eu-west-1",
        "",
    ]
    names = [cold_profile(c, r) for c in contenders for r in range(rounds + 1)]
    names += [refresh_profile(i) for i in range(fleet)]
    for number, name in enumerate(names):
        config += [
            f"[profile {name}]",
            f"role_arn = arn:aws:iam::{200000000000 + number}:role/Operator",
            "source_profile = me",
            "region = eu-west-1",
            "",
        ]
    credentials = [
        "[me]",
        f"aws_access_key_id = {SOURCE_KEY_ID}",
        f"aws_secret_access_key = {SOURCE_SECRET}",
        "",
        f"[{MFA_USER}]",
        f"aws_access_key_id = {MFA_KEY_ID}",
        f"aws_secret_access_key = {MFA_SECRET}",
        "",
    ]
    return GeneratedConfig("\n".join(config), "\n".join(credentials), len(names) + 3)
