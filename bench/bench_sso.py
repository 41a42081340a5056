"""Benchmark: `xswitch sso sync` discovery against a rate-limited portal.

Starts `python -m xswitch.demo.ssoserver --accounts N --roles R --rate L` in its own process (so
that the server does not share our interpreter), logs in through it, and runs discovery at the same
rate. Reports the requests made, the time taken against the bound (requests / L seconds), and when
the first account became visible through the progress callback.

Targets (issue #4): 1,000 accounts x 3 roles at 20 requests/s finish within 1.2x of the bound, and
the first accounts are visible within 2 s. Exit status 1 when a target is missed.

    .venv/bin/python bench/bench_sso.py                 # the full run, about a minute
    .venv/bin/python bench/bench_sso.py --accounts 100  # a quick look
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATIO_TARGET = 1.2
FIRST_VISIBLE_TARGET = 2.0


class QuietPrompter:
    """The standalone server approves device codes itself; nothing to show."""

    def mfa_code(self, serial: str, unlocks: list[str]) -> str:
        raise RuntimeError("no MFA in this benchmark")

    def sso_device_code(self, authorization) -> None:
        pass

    def cancelled(self) -> bool:
        return False


def start_server(accounts: int, roles: int, rate: float) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xswitch.demo.ssoserver",
            "--accounts",
            str(accounts),
            "--roles",
            str(roles),
            "--rate",
            str(rate),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    first = server.stdout.readline()  # "SSO server on http://127.0.0.1:PORT (start URL ...)"
    if not first.startswith("SSO server on "):
        server.kill()
        raise SystemExit(f"the SSO server did not start: {first!r}")
    return server, first.split()[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="portal limit and client rate")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="xswitch-bench-sso-"))
    os.environ.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        XSWITCH_NO_BROWSER="1",
    )
    server, url = start_server(args.accounts, args.roles, args.rate)
    try:
        os.environ["AWS_ENDPOINT_URL_SSO_OIDC"] = url
        os.environ["AWS_ENDPOINT_URL_SSO"] = url
        from xswitch.core.model import SsoSession
        from xswitch.core.sso.auth import SsoAuth
        from xswitch.core.sso.discovery import discover

        session = SsoSession("bench", "https://xswitch-demo.awsapps.com/start", "us-east-1")
        token = SsoAuth(session).login(QuietPrompter())

        started = time.monotonic()
        first_seen: list[float] = []

        def on_progress(progress) -> None:
            if not first_seen:
                first_seen.append(time.monotonic() - started)

        result = discover(session, token, rate=args.rate, on_progress=on_progress)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)

    bound = result.requests / args.rate
    ratio = elapsed / bound
    first = first_seen[0] if first_seen else float("inf")
    print(
        f"{len(result.accounts)} accounts, {result.role_count} roles: {result.requests} requests "
        f"({result.throttled} throttled) in {elapsed:.1f} s; bound {bound:.1f} s at "
        f"{args.rate:g}/s; ratio {ratio:.3f} (target <= {RATIO_TARGET}); first account visible "
        f"after {first:.2f} s (target <= {FIRST_VISIBLE_TARGET} s)"
    )
    return 0 if ratio <= RATIO_TARGET and first <= FIRST_VISIBLE_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
