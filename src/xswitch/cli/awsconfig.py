"""`xswitch aws-config sync [--remove]`: profiles for every other tool, in xswitch's one generated
block of ~/.aws/config (core.config.awsblock); and the refresh `sso sync` does once opted in."""

from __future__ import annotations

import argparse

from xswitch.cli.context import Context, plain


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "aws-config", help="make xswitch's own profiles usable by the AWS CLI and SDKs"
    )
    actions = parser.add_subparsers(title="aws-config commands", metavar="ACTION", required=True)
    sync = actions.add_parser(
        "sync",
        help="write one generated block at the end of ~/.aws/config (credential_process "
        "profiles for the profiles that exist only in xswitch)",
        description="Write (or update) one clearly delimited block at the end of the AWS config "
        "file with a 'credential_process = xswitch credential-process NAME' profile for every "
        "profile that exists only in xswitch. Nothing outside the block changes; the previous "
        "file is kept as config.xswitch-backup.",
    )
    sync.add_argument("--remove", action="store_true", help="take the generated block away")
    sync.set_defaults(func=sync_command)


def sync_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config.awsblock import sync

    report = sync(ctx.catalog(), ctx.env, remove=args.remove)
    say(ctx, report, removing=args.remove)
    return 0


def say(ctx: Context, report, *, removing: bool = False) -> None:
    """The summary of a sync, on stderr (names come from files and the SSO portal)."""
    where = plain(str(report.path))
    if removing:
        ctx.note(
            f"Removed xswitch's generated profiles from {where}."
            if report.changed
            else f"{where} holds no xswitch block; nothing to do."
        )
    elif report.changed:
        ctx.note(f"{where}: {len(report.written)} generated profiles for other tools.")
    else:
        ctx.note(f"{where}: the {len(report.written)} generated profiles are up to date.")
    if report.backup is not None:
        ctx.note(f"The previous version is kept as {plain(str(report.backup))}.")
    for name, reason in report.left_out[:20]:
        ctx.note(f"  left out: {plain(name)} ({reason})")
