"""Refresh many roles in one process: xswitch through its SessionManager in parallel, awsume
through its Python API one after another (how its users script it). Prints how many came back valid.

Usage: _refresh.py xswitch|awsume PROFILE...
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

# As many STS calls in flight as the picker's "refresh all" would have.
PARALLEL = 16


def refresh_with_xswitch(names: list[str]) -> int:
    from xswitch.cli.context import TerminalPrompter
    from xswitch.core.config import load_catalog
    from xswitch.core.sessions import SessionManager

    catalog = load_catalog()
    sessions = SessionManager(catalog)
    prompter = TerminalPrompter(None, sys.stderr)

    def refresh(name: str) -> bool:
        creds = sessions.credentials(name, prompter, force_refresh=True)
        return bool(creds.access_key_id and creds.session_token)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return sum(pool.map(refresh, names))


def refresh_with_awsume(names: list[str]) -> int:
    from awsume.awsumepy import awsume

    valid = 0
    for name in names:
        credentials = awsume(name).awsume_credentials
        valid += bool(credentials.get("AccessKeyId") and credentials.get("SessionToken"))
    return valid


def main() -> None:
    tool, *names = sys.argv[1:]
    refresh = refresh_with_xswitch if tool == "xswitch" else refresh_with_awsume
    print(refresh(names))


if __name__ == "__main__":
    main()
