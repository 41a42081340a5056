"""The `xswitch` command line: parse arguments, call the core, print. No AWS logic lives here.

Each command group lives in its own module and registers itself with `add_parser(subparsers)`;
handlers take `(args, ctx)` and return an exit code. They are imported only after the cached-switch
shortcut (`cli.hot`) has had its chance, so that a cached `export` pays for none of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # not typing's: the cached switch must not pay for importing typing
if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from xswitch import __version__
    from xswitch.cli import commands, demo, keys, sso

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
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["export"], ["credential-process"]):
        from xswitch.cli import hot

        code = hot.run(argv)  # a cached switch answers before anything heavy is imported
        if code is not None:
            return code
    from xswitch.cli.context import Context
    from xswitch.core.errors import EXIT_AWS, EXIT_USAGE, XswitchError

    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context()
    try:
        if hasattr(args, "after_parse"):
            args.after_parse(args)  # e.g. exec's options written after PROFILE
        ctx = Context.from_args(args)
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
