"""`xswitch doctor [PROFILE | --all] [--json]`: one line per check of a profile's chain, the cause
and the fix under each failure. Exit 0 when nothing failed, 1 when a check failed, 2 when the
configuration itself cannot be read."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.text import visible

if TYPE_CHECKING:
    from xswitch.core.doctor import Check


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    text = "test every link of a profile's chain against AWS and explain what fails"
    parser = subparsers.add_parser("doctor", help=text, description=text)
    parser.add_argument("profile", metavar="PROFILE", nargs="?", help="profile name")
    parser.add_argument("--all", action="store_true", help="every profile with credentials")
    parser.add_argument("--json", action="store_true", help="print a JSON array of checks")
    parser.add_argument("--mfa-code", metavar="CODE", help="MFA code (or set XSWITCH_MFA_CODE)")
    parser.set_defaults(func=doctor)


def doctor(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config.names import resolve
    from xswitch.core.doctor import Check, Status, diagnose, doctor_profiles, failed

    if bool(args.profile) == bool(args.all):
        raise errors.UsageError(
            "doctor needs one profile name, or --all.",
            "Example: 'xswitch doctor acme-dev'; 'xswitch list' shows the names.",
        )
    try:
        catalog = ctx.catalog()
    except errors.ConfigError as error:
        check = Check("", "configuration", Status.FAIL, error.message, fix=error.hint)
        if args.json:
            ctx.print(json.dumps([check.as_json()], indent=2))
        else:
            show_checks(ctx, [check])
        return errors.EXIT_USAGE
    profiles = doctor_profiles(catalog) if args.all else [resolve(catalog, args.profile)]
    checks: list[Check] = []
    for profile in profiles:
        found = diagnose(profile, catalog, ctx.prompter(), ctx.env)
        checks += found
        if not args.json:
            if args.all:
                ctx.print(f"{visible(profile.name)}:")
            show_checks(ctx, found)
    if args.json:
        ctx.print(json.dumps([check.as_json() for check in checks], indent=2))
    return errors.EXIT_AWS if failed(checks) else 0


def show_checks(ctx: Context, checks: list[Check]) -> None:
    """The checks as lines: status, name and summary; cause and fix indented under it."""
    from xswitch.core.doctor import lines

    for line in lines(checks):
        ctx.print(visible(line))
