"""`xswitch demo`: the picker (or any command) on an embedded local AWS with sample clients."""

from __future__ import annotations

import argparse
import os

from xswitch.cli.context import Context
from xswitch.core import errors


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="try xswitch on an embedded local AWS (no account needed)",
        description=(
            "Start a local AWS on 127.0.0.1 with sample clients in a throwaway home and open the "
            "picker. With '-- CMD', run CMD in that world instead (e.g. 'xswitch demo -- bash' to "
            "try the commands). Nothing is left behind."
        ),
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS")
    parser.set_defaults(func=demo)


def demo(args: argparse.Namespace, ctx: Context) -> int:
    try:
        from xswitch.demo.world import DemoWorld
    except ImportError:  # pragma: no cover - depends on the installation
        raise errors.UsageError(
            "The demo needs the local AWS server (moto), which is not installed.",
            "Install it with: pip install 'xswitch[demo]'",
        ) from None
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    _exit_on_hangup()
    with DemoWorld() as world:
        if command:
            import subprocess

            return subprocess.call(command, env=dict(os.environ))
        from xswitch.ui.heap import paused_for_startup

        startup = paused_for_startup()
        from xswitch.core.config import load_catalog
        from xswitch.core.sessions import SessionManager
        from xswitch.ui.app import XswitchApp

        catalog = load_catalog(os.environ)
        app = XswitchApp(
            catalog,
            SessionManager(catalog, os.environ),
            env=os.environ,
            title="xswitch demo",
            subtitle=f"local AWS on {world.sts_url.removeprefix('http://')}",
            startup=startup,
            demo=True,
        )
        app.run()
    return 0


def _exit_on_hangup() -> None:
    """A closed terminal or a kill must still stop the servers and delete the throwaway home."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
