"""The everyday commands: picker, list, export, exec, credential-process, console, whoami, login,
logout."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from xswitch.cli.context import Context, plain
from xswitch.cli.hot import CREDENTIAL_PROCESS_MIN_SECONDS, credential_process_json
from xswitch.core import errors
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
        help="serve auto-refreshing credentials through a local container-credentials endpoint "
        "instead of exporting keys (for work that outlives a session)",
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
    with_mfa(parser)
    parser.set_defaults(func=whoami)

    parser = profile_command("console", "open the AWS console signed in as the profile")
    parser.add_argument(
        "--print",
        action="store_true",
        help="print the sign-in link (valid for 15 minutes, once) instead of opening a browser",
    )
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
    from xswitch.core.profiles import resolve

    profile = resolve(ctx.catalog(), name)
    creds = ctx.sessions().credentials(
        profile, ctx.prompter(), force_refresh=force, min_seconds_left=min_seconds_left
    )
    recents.record(profile.name, ctx.env)
    return profile, creds


def _region(ctx: Context, profile: Profile) -> str | None:
    return profile.region_in(ctx.env)


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
    from xswitch.core.profiles import resolve
    from xswitch.core.shell import choose_shell, export_lines

    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile)
    shell = choose_shell(args.shell, ctx.env, ctx.catalog().settings.shell)
    lines = export_lines(creds, _region(ctx, profile), shell)
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


_EXEC_FLAGS = {"--force": "force", "--server": "server", "--yes": "yes"}


def exec_options(args: argparse.Namespace) -> None:
    """Take exec's own options from between PROFILE and `--` (`exec P --server -- CMD`):
    argparse leaves everything after PROFILE to the command."""
    command = list(args.command)
    while command and command[0] != "--":
        word = command[0]
        if word in _EXEC_FLAGS:
            setattr(args, _EXEC_FLAGS[word], True)
            del command[0]
        elif word == "--mfa-code":
            if len(command) < 2 or command[1] == "--":
                raise errors.UsageError(
                    "--mfa-code needs a value.", "Example: xswitch exec P --mfa-code 123456 -- CMD"
                )
            args.mfa_code = command[1]
            del command[:2]
        elif word.startswith("--mfa-code="):
            args.mfa_code = word.partition("=")[2]
            del command[0]
        elif word.startswith("-") and len(word) > 1:
            # A mistyped option (`--sever`) is not a program to look for on PATH.
            import difflib

            known = [*_EXEC_FLAGS, "--mfa-code"]
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
            raise errors.UsageError(
                f"exec has no option '{plain(word)}'."
                + (f" Did you mean '{close[0]}'?" if close else ""),
                "Its options are --server, --force, --yes and --mfa-code CODE; the command "
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
    from xswitch.core.profiles import resolve

    command = list(args.command)
    # A one-off command inside an xswitch shell is fine; a shell in a shell is easy to forget.
    if shell.in_subshell(ctx.env) and not command and not args.force:
        raise errors.NestedSession(
            "You are already in an xswitch subshell for "
            f"'{plain(ctx.env.get('XSWITCH_PROFILE', ''))}'.",
            "Type 'exit' to leave it first, pass --force to nest anyway, or run a single "
            "command with 'xswitch exec PROFILE -- CMD'.",
        )
    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile)
    catalog = ctx.catalog()
    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    prod = bool(client and client.prod)
    region = _region(ctx, profile)
    with contextlib.ExitStack() as stack:
        if args.server:
            from xswitch.core.server import CredentialsServer

            sessions, prompter = ctx.sessions(), ctx.prompter()
            server = stack.enter_context(
                CredentialsServer(
                    lambda: sessions.credentials(
                        profile, prompter, min_seconds_left=CREDENTIAL_PROCESS_MIN_SECONDS
                    )
                )
            )
            env = shell.subshell_env(
                ctx.env, None, region, profile.name, client_name, prod, server.environment()
            )
        else:
            env = shell.subshell_env(ctx.env, creds, region, profile.name, client_name, prod)
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
    from xswitch.core.console import chained_role, federation_login_url, open_in_browser
    from xswitch.core.profiles import resolve

    confirm_production(ctx, args, resolve(ctx.catalog(), args.profile))
    profile, creds = _obtain(ctx, args.profile)
    url = federation_login_url(
        creds,
        _region(ctx, profile),
        chained=chained_role(creds),
        endpoint=ctx.env.get("XSWITCH_SIGNIN_ENDPOINT"),
    )
    if args.print:
        ctx.print(url)
        return 0
    if open_in_browser(url):
        ctx.note(f"Opened the AWS console for '{plain(profile.name)}'.")
        return 0
    raise errors.UsageError(
        "No web browser could be opened here, so the console was not opened.",
        f"Run 'xswitch console {plain(args.profile)} --print' for the sign-in link (valid for "
        "15 minutes, once) and open it in a browser yourself.",
    )


def whoami(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.profiles import resolve
    from xswitch.core.sessions import live_mfa_session

    profile = resolve(ctx.catalog(), args.profile)
    sessions = ctx.sessions()
    identity = sessions.caller_identity(profile, ctx.prompter())
    info = sessions.cached_sessions().get(profile.name)
    now = datetime.now(UTC)
    mfa = live_mfa_session(profile.name, sessions.mfa_sessions(), now)
    result = {
        "profile": profile.name,
        "account": identity.get("Account"),
        "arn": identity.get("Arn"),
        "user_id": identity.get("UserId"),
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
    from xswitch.core.profiles import resolve

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
        from xswitch.core.profiles import resolve

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
