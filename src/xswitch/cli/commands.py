"""The everyday commands: picker, list, export, exec, credential-process, console, whoami, login,
logout."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from xswitch.cli.context import Context, plain
from xswitch.core import errors
from xswitch.core.answer import CREDENTIAL_PROCESS_MIN_SECONDS, credential_process_json
from xswitch.core.model import Credentials, MfaSessionInfo, Profile
from xswitch.core.shell import SHELLS
from xswitch.core.text import visible
from xswitch.core.times import countdown as _duration
from xswitch.core.times import local_time, parse_rfc3339, rfc3339


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    def profile_command(name: str, help: str) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help, description=help)
        parser.add_argument("profile", metavar="PROFILE", help="profile name or client/profile")
        return parser

    def with_mfa(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--mfa-code", metavar="CODE", help="MFA code (or set XSWITCH_MFA_CODE)")

    def with_region(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--region",
            metavar="REGION",
            help="the region to use (default: the one picked in the picker, else the profile's, "
            "else AWS_REGION)",
        )

    def with_yes(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--yes",
            action="store_true",
            help="confirm a production client without typing its name (scripts)",
        )

    parser = subparsers.add_parser("list", help="list clients, profiles and sessions")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=list_profiles)

    parser = profile_command("export", "print shell lines that export the profile's credentials")
    parser.add_argument(
        "--shell",
        choices=SHELLS,
        help="shell syntax (default: $SHELL's, else the shell setting)",
    )
    parser.add_argument(
        "--copy", action="store_true", help="put the lines on the clipboard, print nothing secret"
    )
    with_region(parser)
    with_mfa(parser)
    with_yes(parser)
    parser.set_defaults(func=export)

    parser = profile_command("exec", "run a command (default: a subshell) with the credentials")
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
    # Options may also follow PROFILE (`exec P --server -- CMD`): see `exec_options`.
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS")
    with_mfa(parser)
    with_yes(parser)
    parser.set_defaults(func=exec_command, after_parse=exec_options)

    parser = profile_command(
        "credential-process", "print Version 1 JSON for credential_process in ~/.aws/config"
    )
    with_mfa(parser)
    parser.set_defaults(func=credential_process)

    parser = profile_command("whoami", "show the identity the profile's credentials belong to")
    parser.add_argument("--json", action="store_true", help="print JSON")
    with_region(parser)
    with_mfa(parser)
    parser.set_defaults(func=whoami)

    parser = profile_command("console", "open the AWS console signed in as the profile")
    parser.add_argument(
        "--print",
        action="store_true",
        help="print the sign-in link (valid for 15 minutes, once) instead of opening a browser",
    )
    with_region(parser)
    with_mfa(parser)
    with_yes(parser)
    parser.set_defaults(func=console)

    parser = profile_command("login", "obtain or refresh the profile's session now")
    with_mfa(parser)
    with_yes(parser)
    parser.set_defaults(func=login)

    parser = subparsers.add_parser("logout", help="forget cached sessions")
    parser.add_argument("profile", nargs="?", metavar="PROFILE")
    parser.add_argument("--all", action="store_true", help="forget every cached session")
    parser.set_defaults(func=logout)

    parser = subparsers.add_parser("completion", help="print a shell completion script")
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))
    parser.set_defaults(func=completion)

    # Used by the completion scripts: profile names, one per line, fast. Not in --help.
    parser = subparsers.add_parser("_profiles")
    parser.set_defaults(func=print_profile_names)


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

    XswitchApp(ctx.catalog(), ctx.sessions(), env=ctx.env, startup=startup).run()
    return 0


# --- list ---------------------------------------------------------------------------------------


def list_profiles(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.sessions import live_mfa_session

    catalog = ctx.catalog()
    manager = ctx.sessions()
    sessions = manager.cached_sessions()
    now = datetime.now(UTC)
    mfa_sessions = [m for m in manager.mfa_sessions() if m.expiration > now]
    rows = []
    for profile in catalog.profiles.values():
        client = catalog.client(profile.client)
        info = sessions.get(profile.name)
        left = int((info.expiration - now).total_seconds()) if info else None
        mfa = live_mfa_session(profile.name, mfa_sessions, now) if mfa_sessions else None
        rows.append(
            {
                "profile": profile.name,
                "client": client.name if client else profile.client,
                "client_key": profile.client,
                "prod": bool(client and client.prod),
                "kind": profile.kind.value,
                "account_id": profile.account_id,
                "role": profile.role_name,
                "role_arn": profile.role_arn,
                "region": profile.region,
                "mfa_serial": profile.mfa_serial,
                "tags": list(profile.tags),
                "expires_at": rfc3339(info.expiration) if info else None,
                "seconds_left": max(left, 0) if left is not None else None,
                "state": _state(left, catalog.settings.refresh_margin),
                "mfa_session_cap": bool(info and info.mfa_session),
                "mfa_session": _mfa_json(mfa, now) if mfa else None,
            }
        )
    if args.json:
        # One profile per line: readable, grep-friendly, and each row goes through the C encoder
        # (an indented dump takes the pure-Python one: a second for 10,000 profiles).
        ctx.print("[\n  " + ",\n  ".join(map(json.dumps, rows)) + "\n]" if rows else "[]")
        return 0
    _print_table(ctx, rows)
    if mfa_sessions:
        ctx.print("MFA sessions (a role assumed from one needs no MFA code)")
        for mfa in mfa_sessions:
            ctx.print("  " + _mfa_line(mfa, now))
    return 0


def _mfa_json(mfa: MfaSessionInfo, now: datetime) -> dict:
    """The `mfa_session` field of `list --json` and `whoami --json`."""
    return {
        "source": mfa.source,
        "mfa_serial": mfa.mfa_serial,
        "expires_at": rfc3339(mfa.expiration),
        "seconds_left": max(int(mfa.seconds_left(now)), 0),
        "covers": list(mfa.covers),
    }


def _mfa_line(mfa: MfaSessionInfo, now: datetime) -> str:
    device = f" ({mfa.mfa_serial})" if mfa.mfa_serial else ""
    covers = ", ".join(mfa.covers) or "no role in the configuration"
    # Source, device and roles are names from the files.
    return visible(
        f"{mfa.source}{device}: {_duration(mfa.seconds_left(now))} left, until "
        f"{local_time(mfa.expiration, now)}; covers {covers}"
    )


def _state(left: int | None, margin: int) -> str:
    if left is None:
        return "none"
    if left <= 0:
        return "expired"
    return "expiring" if left < margin else "live"


def _print_table(ctx: Context, rows: list[dict]) -> None:
    if not rows:
        ctx.note("No profiles found. Add some to ~/.aws/config or to xswitch's config.toml.")
        return
    headers = ("PROFILE", "KIND", "ACCOUNT", "REGION", "SESSION")
    table = []
    now = datetime.now(UTC)
    for row in rows:
        session = "-"
        if row["seconds_left"] is not None:
            session = "expired" if row["state"] == "expired" else _duration(row["seconds_left"])
            until = parse_rfc3339(row["expires_at"])
            session += f" (until {local_time(until, now)})"
            if row["mfa_session_cap"]:
                session += " (via MFA session, max 1 h)"
        table.append(
            (
                visible(row["profile"]),
                row["kind"],
                visible(row["account_id"] or "-"),
                visible(row["region"] or "-"),
                session,
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    client = None
    ctx.print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row, cells in zip(rows, table, strict=True):
        if row["client"] != client:
            client = row["client"]
            ctx.print(f"{visible(client)}{'  [prod]' if row['prod'] else ''}")
        ctx.print("  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


# --- credentials out ----------------------------------------------------------------------------


def _obtain(
    ctx: Context, name: str, *, force: bool = False, min_seconds_left: int | None = None
) -> tuple[Profile, Credentials]:
    from xswitch.core import recents
    from xswitch.core.config import resolve

    profile = resolve(ctx.catalog(), name)
    creds = ctx.sessions().credentials(
        profile, ctx.prompter(), force_refresh=force, min_seconds_left=min_seconds_left
    )
    recents.record(profile.name, ctx.env)
    if creds.expiration is not None:
        from xswitch.core import agentlink
        from xswitch.core.session_store import _credentials_to_json

        agentlink.offer(ctx.env, profile.name, _credentials_to_json(creds))  # the warm switch
    return profile, creds


def _region(ctx: Context, profile: Profile, flag: str | None = None) -> str | None:
    from xswitch.core.regions import region_of

    return region_of(profile, ctx.env, flag)


def confirm_production(ctx: Context, args: argparse.Namespace, profile: Profile) -> None:
    """Ask for the client's name before handing out a production client's credentials.

    At a terminal the name must be typed (case and surrounding spaces ignored); without one,
    `--yes` confirms. Called before any credential is obtained, so a refusal changes nothing.
    """
    client = ctx.catalog().client(profile.client)
    if client is None or not client.prod or getattr(args, "yes", False):
        return
    prompter = ctx.prompter()
    what = f"'{plain(profile.name)}' belongs to the production client '{plain(client.name)}'"
    if not prompter.at_terminal():
        raise errors.UsageError(
            f"{what}, and there is no terminal to confirm on, so nothing was done.",
            "Pass --yes to confirm from a script.",
        )
    typed = prompter.ask(
        f"{what}.\nType the client's name to go on: ", "a confirmation of the production client"
    )
    if typed.strip().casefold() != client.name.strip().casefold():
        raise errors.UsageError(
            f"That is not the name of the client ('{plain(client.name)}'), so nothing was done.",
            "Run the command again and type the name as shown (or pass --yes).",
        )


def export(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config import resolve
    from xswitch.core.shell import choose_shell, export_lines

    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile)
    shell = choose_shell(args.shell, ctx.env, ctx.catalog().settings.shell)
    lines = export_lines(creds, _region(ctx, profile, args.region), shell)
    if args.copy:
        _copy(ctx, lines, f"{shell} export lines for '{plain(profile.name)}'")
        return 0
    ctx.out.write(lines if lines.endswith("\n") else lines + "\n")
    return 0


def _copy(ctx: Context, text: str, what: str) -> None:
    """Put `text` on the system clipboard, else send it by OSC 52 to the terminal (/dev/tty: the
    output may be captured), and say which; exit 2 when neither happened."""
    from xswitch.cli.context import TerminalPrompter, open_tty
    from xswitch.core.clipboard import Route, copy, osc52_sequence

    def to_terminal(data: str) -> None:
        tty = open_tty()
        if tty is not None:
            with tty:
                tty.write(osc52_sequence(data))

    terminal = to_terminal if TerminalPrompter.at_terminal() else None
    copied = copy(text, terminal=terminal, env=ctx.env)
    if copied.route is Route.NONE:
        raise errors.UsageError(copied.describe(what))
    ctx.note(copied.describe(what))


_EXEC_FLAGS = {"--force": "force", "--server": "server", "--keys": "keys", "--yes": "yes"}
_EXEC_VALUES = {"--mfa-code": "mfa_code", "--region": "region", "--min-ttl": "min_ttl"}


def exec_options(args: argparse.Namespace) -> None:
    """Take exec's own options from between PROFILE and `--` (`exec P --server -- CMD`):
    argparse leaves everything after PROFILE to the command."""
    command = list(args.command)
    while command and command[0] != "--":
        word = command[0]
        if word in _EXEC_FLAGS:
            setattr(args, _EXEC_FLAGS[word], True)
            del command[0]
        elif word in _EXEC_VALUES:
            if len(command) < 2 or command[1] == "--":
                example = {"--mfa-code": "123456", "--region": "eu-west-1", "--min-ttl": "45m"}
                raise errors.UsageError(
                    f"{word} needs a value.",
                    f"Example: xswitch exec P {word} {example[word]} -- CMD",
                )
            setattr(args, _EXEC_VALUES[word], command[1])
            del command[:2]
        elif word.partition("=")[0] in _EXEC_VALUES:
            name, _, value = word.partition("=")
            setattr(args, _EXEC_VALUES[name], value)
            del command[0]
        elif word.startswith("-") and len(word) > 1:
            # A mistyped option (`--sever`) is not a program to look for on PATH.
            import difflib

            known = [*_EXEC_FLAGS, *_EXEC_VALUES]
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
            raise errors.UsageError(
                f"exec has no option '{plain(word)}'."
                + (f" Did you mean '{close[0]}'?" if close else ""),
                "Its options are --keys, --server, --force, --yes, --region REGION, --min-ttl "
                "DURATION and --mfa-code CODE; the command "
                "to run goes after '--': xswitch exec PROFILE [OPTIONS] -- CMD ARGS.",
            )
        else:
            break
    args.command = command[1:] if command[:1] == ["--"] else command


def exec_command(args: argparse.Namespace, ctx: Context) -> int:
    import contextlib
    import shutil
    import tempfile

    from xswitch.core import shell
    from xswitch.core.config import resolve

    command = list(args.command)
    # A one-off command inside an xswitch shell is fine; a shell in a shell is easy to forget.
    if shell.in_subshell(ctx.env) and not command and not args.force:
        raise errors.NestedSession(
            "You are already in an xswitch subshell for "
            f"'{plain(ctx.env.get('XSWITCH_PROFILE', ''))}'.",
            "Type 'exit' to leave it first, pass --force to nest anyway, or run a single "
            "command with 'xswitch exec PROFILE -- CMD'.",
        )
    min_ttl = _min_ttl(args.min_ttl)
    region = _region(ctx, resolve(ctx.catalog(), args.profile), args.region)
    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile, min_seconds_left=min_ttl)
    catalog = ctx.catalog()
    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    prod = bool(client and client.prod)
    with contextlib.ExitStack() as stack:
        endpoint = None if args.keys else _agent_endpoint(ctx, args, profile.name, creds)
        if endpoint is not None:
            from xswitch.core import agentlink

            stack.callback(agentlink.release, ctx.env, endpoint["XSWITCH_SLOT"])
        env = shell.subshell_env(
            ctx.env, None if endpoint else creds, region, profile.name, client_name, prod, endpoint
        )
        if command:
            return shell.run_subshell(command, env)
        shell_path = ctx.env.get("SHELL") or shutil.which("bash") or "/bin/sh"
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="xswitch-"))
        argv, extra = shell.subshell_command(
            shell_path,
            f"{client_name}/{profile.name}",
            prod,
            Path(tmp),
            margin=catalog.settings.refresh_margin,
        )
        ctx.note(
            f"Entering a subshell for {plain(client_name)}/{plain(profile.name)}; "
            "type 'exit' to leave."
        )
        return shell.run_subshell(argv, {**env, **extra})


def _min_ttl(text: str | None) -> int | None:
    if text is None:
        return None
    from xswitch.core.times import parse_duration

    try:
        return parse_duration(text)
    except ValueError:
        raise errors.UsageError(
            f"--min-ttl '{plain(text)}' is not a duration.",
            "Write it like 45m, 1h30m, 2h or 900 (seconds).",
        ) from None


def _agent_endpoint(
    ctx: Context, args: argparse.Namespace, name: str, creds: Credentials
) -> dict[str, str] | None:
    """The agent's endpoint for a shell or command run by this process; None (keys are
    exported, with a note) when the agent cannot be used, unless --server insists on it."""
    import os

    from xswitch.core import agentlink

    try:
        return agentlink.endpoint_variables(ctx.env, name, os.getpid(), creds)
    except errors.AgentError as error:
        if args.server:
            raise
        ctx.note(f"xswitch: {error} The session's keys are exported instead (no auto-refresh).")
        return None


def credential_process(args: argparse.Namespace, ctx: Context) -> int:
    # Called by tools (the AWS CLI, SDKs): never a production question, and prompts only on a
    # controlling terminal; without one it fails at once rather than wait for nobody.
    ctx.terminal_only = True
    try:
        _, creds = _obtain(ctx, args.profile, min_seconds_left=CREDENTIAL_PROCESS_MIN_SECONDS)
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


def console(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config import resolve
    from xswitch.core.console import chained_role, federation_login_url, open_in_browser

    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile)
    url = federation_login_url(
        creds,
        _region(ctx, profile, args.region),
        chained=chained_role(creds),
        env=ctx.env,
    )
    if args.print:
        ctx.print(url)
        return 0
    if open_in_browser(url, ctx.env):
        ctx.note(f"Opened the AWS console for '{plain(profile.name)}'.")
        return 0
    raise errors.UsageError(
        "No web browser could be opened here, so the console was not opened.",
        f"Run 'xswitch console {plain(args.profile)} --print' for the sign-in link (valid for "
        "15 minutes, once) and open it in a browser yourself.",
    )


def whoami(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config import resolve
    from xswitch.core.sessions import live_mfa_session

    profile = resolve(ctx.catalog(), args.profile)
    if args.region:
        import dataclasses

        from xswitch.core.regions import check

        # GetCallerIdentity goes to the profile's region: this one instead.
        pinned = {**profile.settings, "region": check(args.region)}
        profile = dataclasses.replace(profile, settings=pinned)
    sessions = ctx.sessions()
    identity = sessions.caller_identity(profile, ctx.prompter())
    info = sessions.cached_sessions().get(profile.name)
    now = datetime.now(UTC)
    mfa = live_mfa_session(profile.name, sessions.mfa_sessions(), now)
    result = {
        "profile": profile.name,
        "account": identity.account,
        "arn": identity.arn,
        "user_id": identity.user_id,
        "expires_at": rfc3339(info.expiration) if info else None,
        "mfa_session_cap": bool(info and info.mfa_session),
        "mfa_session": _mfa_json(mfa, now) if mfa else None,
    }
    if args.json:
        ctx.print(json.dumps(result, indent=2))
        return 0
    # The ARN and account come from the endpoint's answer: untrusted text.
    ctx.print(visible(str(result["arn"])))
    ctx.print(f"  account  {visible(str(result['account']))}")
    if info:
        left = int((info.expiration - now).total_seconds())
        cap = " (assumed from an MFA session: AWS caps it at 1 h)" if info.mfa_session else ""
        until = local_time(info.expiration, now)
        ctx.print(f"  expires  {until} ({_duration(max(left, 0))} left){cap}")
    if mfa:
        ctx.print(f"  mfa      session of {_mfa_line(mfa, now)}")
    return 0


def login(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.config import resolve

    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile, force=True)
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


# --- completion -----------------------------------------------------------------------------------

# Commands whose argument is a profile name: the completion scripts offer `xswitch _profiles` there.
PROFILE_COMMANDS = (
    "export",
    "exec",
    "credential-process",
    "console",
    "whoami",
    "login",
    "logout",
)


def print_profile_names(args: argparse.Namespace, ctx: Context) -> int:
    """One name per line, control characters escaped (so a name never spans two lines or reaches
    the terminal raw). The completion scripts take each line as one literal word."""
    try:
        names = list(ctx.catalog().profiles)
    except errors.XswitchError:
        return 0  # completion must never print an error into the user's command line
    ctx.out.write("".join(visible(name) + "\n" for name in names))
    return 0


def command_tree() -> dict[str, list[str]]:
    """The public commands, each with its subcommands (empty for most), from the parser itself."""
    from xswitch.cli import build_parser, subcommands

    tree: dict[str, list[str]] = {}
    for name, sub in subcommands(build_parser()).items():
        tree[name] = list(subcommands(sub))
        for action in sub._actions:
            if not tree[name] and action.choices and not action.option_strings:
                tree[name] = [str(choice) for choice in action.choices]  # e.g. completion SHELL
    return tree


def completion(args: argparse.Namespace, ctx: Context) -> int:
    tree = command_tree()
    words = " ".join(tree)
    nested = {name: " ".join(subs) for name, subs in tree.items() if subs}
    profile_commands = [name for name in PROFILE_COMMANDS if name in tree]
    # Profile names come from files anyone can write to: each line of `xswitch _profiles` is one
    # word, never expanded by the shell (no compgen -W, no eval) and quoted when inserted.
    if args.shell == "bash":
        cases = "".join(
            f'            {name}) COMPREPLY=($(compgen -W "{subs}" -- "$cur")); return 0 ;;\n'
            for name, subs in nested.items()
        )
        script = f"""\
_xswitch() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} line quoted
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{words}" -- "$cur"))
        return 0
    fi
    if [ "$COMP_CWORD" -eq 2 ]; then
        case ${{COMP_WORDS[1]}} in
{cases}        esac
    fi
    case ${{COMP_WORDS[1]}} in
        {"|".join(profile_commands)}) ;;
        *) return 0 ;;
    esac
    [[ $cur == -* ]] && return 0
    while IFS= read -r line; do
        printf -v quoted '%q' "$line"
        if [[ $line == "$cur"* || $quoted == "$cur"* ]]; then
            COMPREPLY+=("$quoted")
        fi
    done < <(xswitch _profiles 2>/dev/null)
    return 0
}}
complete -F _xswitch xswitch
"""
    elif args.shell == "zsh":
        cases = "".join(
            f"            {name}) compadd -- {subs}; return ;;\n" for name, subs in nested.items()
        )
        script = f"""\
#compdef xswitch
_xswitch() {{
    emulate -L zsh
    local -a names
    if (( CURRENT == 2 )); then
        compadd -- {words}
        return
    fi
    if (( CURRENT == 3 )); then
        case $words[2] in
{cases}        esac
    fi
    case $words[2] in
        {"|".join(profile_commands)})
            names=(${{(f)"$(xswitch _profiles 2>/dev/null)"}})
            compadd -- $names ;;
    esac
}}
compdef _xswitch xswitch
"""
    else:
        lines = [
            "function __xswitch_after",
            "    # __xswitch_after N CMD...: N words precede the cursor and the second is a CMD",
            "    set -l words (commandline -opc)",
            "    test (count $words) -ge 2; and contains -- $words[2] $argv[2..-1]; or return 1",
            "    test $argv[1] = any; or test (count $words) -eq $argv[1]",
            "end",
            "complete -c xswitch -f",
            f"complete -c xswitch -n __fish_use_subcommand -a '{words}'",
        ]
        for name, subs in nested.items():
            lines.append(f"complete -c xswitch -n '__xswitch_after 2 {name}' -a '{subs}'")
        lines.append(
            "complete -c xswitch -n '__xswitch_after any "
            + " ".join(profile_commands)
            + "' -a '(xswitch _profiles 2>/dev/null)'"
        )
        script = "\n".join(lines) + "\n"
    ctx.out.write(script)
    return 0
