"""The `xswitch` command line: parse arguments, call the core, print. No AWS logic lives here.

Each command group lives in its own module and registers itself with `add_parser(subparsers)`;
handlers take `(args, ctx)` and return an exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from xswitch import __version__
from xswitch.cli import commands, demo, keys, sso
from xswitch.cli.context import Context
from xswitch.core.errors import EXIT_AWS, EXIT_USAGE, XswitchError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xswitch",
        description="Switch between AWS accounts and roles. Without a command, opens the picker.",
    )
    parser.add_argument("--version", action="version", version=f"xswitch {__version__}")
    parser.set_defaults(func=commands.picker)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.add_parsers(subparsers)
    keys.add_parser(subparsers)
    sso.add_parser(subparsers)
    demo.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context.from_args(args)
    try:
        return int(args.func(args, ctx) or 0)
    except XswitchError as error:
        ctx.error(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    except Exception as error:  # the last line of defence: a sentence, not a traceback
        if os.environ.get("XSWITCH_DEBUG"):
            raise
        print(
            f"xswitch: unexpected internal error ({type(error).__name__}). This is a bug in "
            "xswitch, not in your configuration; nothing was changed. Run again with "
            "XSWITCH_DEBUG=1 to see the details, and please report them.",
            file=sys.stderr,
        )
        return EXIT_AWS
