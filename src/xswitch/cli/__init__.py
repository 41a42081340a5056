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
    from xswitch.cli import (
        awsconfig,
        catalog,
        client,
        commands,
        completion,
        demo,
        doctor,
        keys,
        shells,
        sso,
    )

    parser = argparse.ArgumentParser(
        prog="xswitch",
        description="Switch between AWS accounts and roles. Without a command, opens the picker.",
    )
    parser.add_argument("--version", action="version", version=f"xswitch {__version__}")
    parser.set_defaults(func=commands.picker)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.add_parsers(subparsers)
    completion.add_parsers(subparsers)
    keys.add_parser(subparsers)
    client.add_parser(subparsers)
    doctor.add_parser(subparsers)
    sso.add_parser(subparsers)
    catalog.add_parser(subparsers)
    awsconfig.add_parser(subparsers)
    demo.add_parser(subparsers)
    shells.add_parser(subparsers)
    return parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The public subcommands of `parser` by name (internal ones start with "_")."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: sub for name, sub in action.choices.items() if name[:1] != "_"}
    return {}


def _unknown_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """A sentence for a first word that is no command (with a did-you-mean); None if it is one."""
    if not argv or argv[0][:1] == "-":
        return None
    word = argv[0]
    commands = subcommands(parser)
    if word in commands or word in ("_profiles", "_hook", "_window"):
        return None
    import difflib

    from xswitch.core.text import visible

    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'?" if close else "Run 'xswitch --help' to see the commands."
    return f"xswitch: there is no command '{visible(word)}'. {hint}"


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
    unknown = _unknown_command(parser, argv)
    if unknown is not None:
        print(unknown, file=sys.stderr)
        return EXIT_USAGE
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
