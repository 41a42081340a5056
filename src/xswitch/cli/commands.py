"""The everyday commands: picker, list, credential-process, whoami, login, logout; the parsers of
export, exec and console too (their handlers are in `cli.handoff`)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from xswitch.cli import handoff
from xswitch.cli.context import Context, plain
from xswitch.core import errors
from xswitch.core.actions import rows as listing
from xswitch.core.answer import CREDENTIAL_PROCESS_MIN_SECONDS, credential_process_json
from xswitch.core.console_pages import SERVICES as CONSOLE_SERVICES
from xswitch.core.model import MfaSessionInfo
from xswitch.core.shell import SHELLS
from xswitch.core.text import visible
from xswitch.core.times import countdown as _duration
from xswitch.core.times import local_time, rfc3339


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list clients, profiles and sessions")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=list_profiles)
    _add_export(subparsers)
    _add_exec(subparsers)

    parser = _profile_command(
        subparsers,
        "credential-process",
        "print Version 1 JSON for credential_process in ~/.aws/config",
    )
    _with_mfa(parser)
    parser.set_defaults(func=credential_process)

    parser = _profile_command(
        subparsers, "whoami", "show the identity the profile's credentials belong to"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    _with_region(parser)
    _with_mfa(parser)
    parser.set_defaults(func=whoami)
    _add_console(subparsers)

    parser = _profile_command(subparsers, "login", "obtain or refresh the profile's session now")
    _with_mfa(parser)
    _with_yes(parser)
    parser.set_defaults(func=login)

    parser = subparsers.add_parser("logout", help="forget cached sessions")
    parser.add_argument("profile", nargs="?", metavar="PROFILE")
    parser.add_argument("--all", action="store_true", help="forget every cached session")
    parser.set_defaults(func=logout)


def _profile_command(
    subparsers: argparse._SubParsersAction, name: str, help: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.add_argument("profile", metavar="PROFILE", help="profile name or client/profile")
    return parser


def _with_mfa(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mfa-code", metavar="CODE", help="MFA code (or set XSWITCH_MFA_CODE)")


def _with_region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        metavar="REGION",
        help="the region to use (default: the one picked in the picker, else the profile's, "
        "else AWS_REGION)",
    )


def _with_yes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes",
        action="store_true",
        help="confirm a production client without typing its name (scripts)",
    )


def _add_export(subparsers: argparse._SubParsersAction) -> None:
    parser = _profile_command(
        subparsers, "export", "print shell lines that export the profile's credentials"
    )
    parser.add_argument(
        "--shell",
        choices=SHELLS,
        help="shell syntax (default: $SHELL's, else the shell setting)",
    )
    parser.add_argument(
        "--copy", action="store_true", help="put the lines on the clipboard, print nothing secret"
    )
    _with_region(parser)
    _with_mfa(parser)
    _with_yes(parser)
    parser.set_defaults(func=handoff.export)


def _add_exec(subparsers: argparse._SubParsersAction) -> None:
    parser = _profile_command(
        subparsers, "exec", "run a command (default: a subshell) with the credentials"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a subshell inside an xswitch subshell"
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="require the agent's auto-refreshing endpoint (the default; fails without it)",
    )
    parser.add_argument(
        "--keys",
        action="store_true",
        help="export the session's keys instead of the agent's endpoint (tools that cannot use "
        "the container-credentials endpoint; no auto-refresh)",
    )
    parser.add_argument("--region", metavar="REGION", help="the region (AWS_REGION) to use")
    parser.add_argument(
        "--min-ttl",
        metavar="DURATION",
        help="refresh first if the session has less than DURATION left (45m, 1h30m), or refuse",
    )
    # Options may also follow PROFILE (`exec P --server -- CMD`): see `handoff.exec_options`.
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS")
    _with_mfa(parser)
    _with_yes(parser)
    parser.set_defaults(func=handoff.exec_command, after_parse=handoff.exec_options)


def _add_console(subparsers: argparse._SubParsersAction) -> None:
    parser = _profile_command(
        subparsers,
        "console",
        "open the AWS console signed in as the profile ('console bookmarks': switch-role "
        "bookmarks for every role)",
    )
    parser.add_argument("--region", metavar="R", help="the console's region (default: profile's)")
    page = parser.add_mutually_exclusive_group()
    page.add_argument(
        "--service", metavar="S", help="open this service's page: " + ", ".join(CONSOLE_SERVICES)
    )
    page.add_argument("--path", metavar="/PATH", help="open this console path (after the host)")
    parser.add_argument(
        "--print",
        action="store_true",
        help="print the sign-in link (valid for 15 minutes, once) instead of opening a browser",
    )
    parser.add_argument(
        "--browser",
        metavar="NAME",
        help="default, firefox-container, chromium, chrome, brave, edge, vivaldi, or a "
        "command template with {url} (default: the client's browser setting)",
    )
    parser.add_argument(
        "--format",
        choices=("html", "aesr"),
        default="html",
        help="bookmarks only: a Netscape bookmark file, or AWS Extend Switch Roles' configuration",
    )
    parser.add_argument("--output", metavar="FILE", help="bookmarks only: write FILE, not stdout")
    _with_mfa(parser)
    _with_yes(parser)
    parser.set_defaults(func=handoff.console)


# --- picker -------------------------------------------------------------------------------------


def picker(args: argparse.Namespace, ctx: Context) -> int:
    import sys

    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise errors.UsageError(
            "The picker is a full-screen program and needs a terminal, but its input or output "
            "is redirected (a pipe or a file).",
            "Run 'xswitch' alone in a terminal, or use 'xswitch list' (or 'xswitch list --json') "
            "to print the profiles.",
        )
    from xswitch.ui.heap import paused_for_startup

    startup = paused_for_startup()
    from xswitch.ui.app import XswitchApp

    ctx.announce_catalogs = False  # the picker does it after its first frame
    # Inside `xswitch demo -- SHELL` the picker runs on the demo's local AWS, which has no console.
    demo = bool(ctx.env.get("XSWITCH_DEMO"))
    XswitchApp(ctx.catalog(), ctx.sessions(), env=ctx.env, startup=startup, demo=demo).run()
    return 0


# --- list ---------------------------------------------------------------------------------------


def list_profiles(args: argparse.Namespace, ctx: Context) -> int:
    catalog = ctx.catalog()
    manager = ctx.sessions()
    now = datetime.now(UTC)
    mfa_sessions = [m for m in manager.mfa_sessions() if m.expiration > now]
    rows = listing.profile_rows(catalog, manager.cached_sessions(), mfa_sessions, now)
    if args.json:
        # One profile per line: readable, grep-friendly, and each row goes through the C encoder
        # (an indented dump takes the pure-Python one: a second for 10,000 profiles).
        objects = [json.dumps(row.to_json()) for row in rows]
        ctx.print("[\n  " + ",\n  ".join(objects) + "\n]" if rows else "[]")
        return 0
    _print_table(ctx, rows)
    if mfa_sessions:
        ctx.print("MFA sessions (a role assumed from one needs no MFA code)")
        for mfa in mfa_sessions:
            ctx.print("  " + _mfa_line(mfa, now))
    return 0


def _mfa_line(mfa: MfaSessionInfo, now: datetime) -> str:
    device = f" ({mfa.mfa_serial})" if mfa.mfa_serial else ""
    covers = ", ".join(mfa.covers) or "no role in the configuration"
    # Source, device and roles are names from the files.
    return visible(
        f"{mfa.source}{device}: {_duration(mfa.seconds_left(now))} left, until "
        f"{local_time(mfa.expiration, now)}; covers {covers}"
    )


def _session_cell(row: listing.ProfileRow, now: datetime) -> str:
    if row.seconds_left is None or row.expires is None:
        return "-"
    session = "expired" if row.state == "expired" else _duration(row.seconds_left)
    until = row.expires.replace(microsecond=0)  # as precise as the JSON's expires_at
    session += f" (until {local_time(until, now)})"
    if row.mfa_session_cap:
        session += " (via MFA session, max 1 h)"
    return session


def _print_table(ctx: Context, rows: list[listing.ProfileRow]) -> None:
    if not rows:
        ctx.note("No profiles found. Add some to ~/.aws/config or to xswitch's config.toml.")
        return
    headers = ("PROFILE", "KIND", "ACCOUNT", "REGION", "SESSION")
    now = datetime.now(UTC)
    table = [
        (
            visible(row.profile),
            row.kind,
            visible(row.account_id or "-"),
            visible(row.region or "-"),
            _session_cell(row, now),
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    client = None
    ctx.print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row, cells in zip(rows, table, strict=True):
        if row.client != client:
            client = row.client
            ctx.print(f"{visible(client)}{'  [prod]' if row.prod else ''}")
        ctx.print("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


# --- credentials --------------------------------------------------------------------------------


def credential_process(args: argparse.Namespace, ctx: Context) -> int:
    # Called by tools (the AWS CLI, SDKs): never a production question, and prompts only on a
    # controlling terminal; without one it fails at once rather than wait for nobody.
    ctx.terminal_only = True
    try:
        _, creds = handoff.obtain(
            ctx, args.profile, min_seconds_left=CREDENTIAL_PROCESS_MIN_SECONDS
        )
    except errors.NoTerminal as error:
        if "passphrase" not in error.message:  # the passphrase's own hint names its variable
            error.hint = (
                "credential-process was started without a terminal (by a tool or a service). "
                f"Run 'xswitch login {plain(args.profile)}' in a terminal first: the session it "
                "caches then answers this command without asking."
            )
        raise
    expiration = rfc3339(creds.expiration) if creds.expiration else None
    ctx.print(
        credential_process_json(
            creds.access_key_id, creds.secret_access_key, creds.session_token, expiration
        )
    )
    return 0


def whoami(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config import resolve

    profile = resolve(ctx.catalog(), args.profile)
    if args.region:
        import dataclasses

        from xswitch.core.regions import check

        # GetCallerIdentity goes to the profile's region: this one instead.
        pinned = {**profile.settings, "region": check(args.region)}
        profile = dataclasses.replace(profile, settings=pinned)
    now = datetime.now(UTC)
    row, mfa = listing.whoami(ctx.sessions(), profile, ctx.prompter(), now)
    if args.json:
        ctx.print(json.dumps(row.to_json(), indent=2))
        return 0
    # The ARN and account come from the endpoint's answer: untrusted text.
    ctx.print(visible(str(row.arn)))
    ctx.print(f"  account  {visible(str(row.account))}")
    if row.expires:
        left = int((row.expires - now).total_seconds())
        cap = " (assumed from an MFA session: AWS caps it at 1 h)" if row.mfa_session_cap else ""
        until = local_time(row.expires, now)
        ctx.print(f"  expires  {until} ({_duration(max(left, 0))} left){cap}")
    if mfa:
        ctx.print(f"  mfa      session of {_mfa_line(mfa, now)}")
    return 0


def login(args: argparse.Namespace, ctx: Context) -> int:
    handoff.confirm_production(ctx, args, args.profile)
    profile, creds = handoff.obtain(ctx, args.profile, force=True)
    if creds.expiration:
        left = int(creds.seconds_left() or 0)
        ctx.note(
            f"Logged in to '{visible(profile.name)}': session valid for {_duration(max(left, 0))}."
        )
    else:
        ctx.note(f"'{visible(profile.name)}' uses long-lived keys: nothing to refresh.")
    return 0


def logout(args: argparse.Namespace, ctx: Context) -> int:
    if not args.profile and not args.all:
        raise errors.UsageError(
            "Name a profile to log out of, or pass --all.", "Example: xswitch logout acme-admin"
        )
    name = None
    if args.profile:
        from xswitch.core.config import resolve

        name = resolve(ctx.catalog(), args.profile).name
    forgotten = ctx.sessions().logout(name)
    if forgotten:
        ctx.note("Forgot sessions: " + ", ".join(map(visible, forgotten)) + ".")
    else:
        ctx.note("There was no cached session to forget.")
    return 0
