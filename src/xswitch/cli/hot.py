"""The cached-switch shortcut for `export` and `credential-process`: the agent's session in memory
(`core.agentlink.warm`), else the cache pointer (`core.hotpath`).

Only the plain forms are handled here (`export P`, `export P --shell S`, `credential-process P`);
anything else, and any miss, returns None and the ordinary command runs. So does an `export` of
a production profile (the ordinary path asks for confirmation).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from xswitch.core.answer import CREDENTIAL_PROCESS_MIN_SECONDS, credential_process_json

__all__ = ["CREDENTIAL_PROCESS_MIN_SECONDS", "credential_process_json", "run"]


def run(argv: Sequence[str]) -> int | None:
    command, *rest = argv
    shell = None
    if command == "export" and len(rest) == 3 and rest[1] == "--shell":
        rest, shell = rest[:1], rest[2]
    if len(rest) != 1 or rest[0].startswith("-"):
        return None
    from xswitch.core import agentlink

    env = os.environ
    minimum = CREDENTIAL_PROCESS_MIN_SECONDS if command == "credential-process" else 0
    # A session the agent holds in memory, printed by the agent for this caller.
    text = agentlink.warm(env, command, rest[0], shell, minimum)
    if text is None:
        from xswitch.core import hotpath
        from xswitch.core.answer import render

        session = hotpath.lookup(env, rest[0], minimum)
        if session is None:
            return None
        text = render(session, command, shell, env)
        if text is None:
            return None
        if agentlink.present(env):
            agentlink.offer(env, rest[0], session)  # the next switch asks the agent only
        from xswitch.core import recents

        recents.record(rest[0], env)  # (the agent records the switches it answers)
    sys.stdout.write(text)
    return 0
