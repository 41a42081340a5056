"""Credentials handed over: `export` (lines for a shell or the clipboard), `exec` (a subshell or a
command), `console` (a browser); and the production guard they all pass first."""

from __future__ import annotations

import argparse

from xswitch.cli.context import Context, plain
from xswitch.core import errors
from xswitch.core.actions import uses as actions
from xswitch.core.model import Credentials, Profile


def obtain(
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


def confirm_production(ctx: Context, args: argparse.Namespace, name: str) -> None:
    """Ask for the client's name before handing out a production client's credentials.

    At a terminal the name must be typed (case and surrounding spaces ignored); without one,
    `--yes` confirms. Called before any credential is obtained, so a refusal changes nothing.
    """
    from xswitch.core.config import resolve

    profile = resolve(ctx.catalog(), name)
    client = actions.production_client(ctx.catalog(), profile)
    if client is None or getattr(args, "yes", False):
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
    if not actions.confirms_production(typed, client):
        raise errors.UsageError(
            f"That is not the name of the client ('{plain(client.name)}'), so nothing was done.",
            "Run the command again and type the name as shown (or pass --yes).",
        )


def export(args: argparse.Namespace, ctx: Context) -> int:
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile)
    lines = actions.exports(ctx.catalog(), profile, creds, ctx.env, args.shell, args.region)
    if args.copy:
        _copy(ctx, lines.lines, f"{lines.shell} export lines for '{plain(profile.name)}'")
        return 0
    text = lines.lines
    ctx.out.write(text if text.endswith("\n") else text + "\n")
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
            raise _unknown_exec_option(word)
        else:
            break
    args.command = command[1:] if command[:1] == ["--"] else command


def _unknown_exec_option(word: str) -> errors.UsageError:
    """A mistyped option (`--sever`) is not a program to look for on PATH."""
    import difflib

    known = [*_EXEC_FLAGS, *_EXEC_VALUES]
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return errors.UsageError(
        f"exec has no option '{plain(word)}'." + (f" Did you mean '{close[0]}'?" if close else ""),
        "Its options are --keys, --server, --force, --yes, --region REGION, --min-ttl DURATION "
        "and --mfa-code CODE; the command to run goes after '--': xswitch exec PROFILE "
        "[OPTIONS] -- CMD ARGS.",
    )


def exec_command(args: argparse.Namespace, ctx: Context) -> int:
    import contextlib

    from xswitch.core.shell import run_subshell

    command = list(args.command)
    outer = actions.outer_subshell(ctx.env)
    # A one-off command inside an xswitch shell is fine; a shell in a shell is easy to forget.
    if outer is not None and not command and not args.force:
        raise errors.NestedSession(
            f"You are already in an xswitch subshell for '{plain(outer)}'.",
            "Type 'exit' to leave it first, pass --force to nest anyway, or run a single "
            "command with 'xswitch exec PROFILE -- CMD'.",
        )
    min_ttl = _min_ttl(args.min_ttl)
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile, min_seconds_left=min_ttl)
    with contextlib.ExitStack() as stack:
        endpoint = None if args.keys else _agent_endpoint(ctx, args, profile.name, creds)
        if endpoint is not None:
            from xswitch.core import agentlink

            stack.callback(agentlink.release, ctx.env, endpoint["XSWITCH_SLOT"])
        plan = actions.plan_subshell(
            ctx.catalog(),
            profile,
            None if endpoint else creds,
            ctx.env,
            served=endpoint,
            region=args.region,
        )
        if command:
            return run_subshell(command, plan.env)
        argv, env = stack.enter_context(plan.shell())
        ctx.note(
            f"Entering a subshell for {plain(plan.client_name)}/{plain(profile.name)}; "
            "type 'exit' to leave."
        )
        return run_subshell(argv, env)


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


CONSOLE_HANDOFF_WAIT = 60  # seconds the command waits for the browser to pick up the link


def console(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.browser import browser_for
    from xswitch.core.config import resolve
    from xswitch.core.console_pages import destination_for
    from xswitch.core.handoff import open_secret_url

    catalog = ctx.catalog()
    if args.profile == "bookmarks" and "bookmarks" not in catalog.profiles:
        return console_bookmarks(args, ctx)
    profile = resolve(catalog, args.profile)
    client = catalog.client(profile.client)
    # Everything the command line can get wrong is refused before any login or prompt.
    from xswitch.core.regions import region_of

    region = region_of(profile, ctx.env, args.region)  # `r` in the picker counts too
    destination_for(region, args.service, args.path)
    browser = browser_for(catalog.settings.browser, client, args.browser)
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile)
    if ctx.env.get("XSWITCH_DEMO") and not ctx.env.get("XSWITCH_SIGNIN_ENDPOINT"):
        # `xswitch demo -- bash`: the local AWS has no sign-in service to federate with.
        ctx.note("The demo's local AWS has no console sign-in; the role's switch-role link:")
        ctx.print(actions.demo_console_url(profile))
        return 0
    link = actions.console_link(
        catalog, profile, creds, ctx.env, region=region, service=args.service, path=args.path
    )
    if link.chained:
        ctx.note(plain(link.chained_notice(profile.name)))
    if args.print:
        ctx.print(link.url)
        return 0
    handoff = open_secret_url(link.url, browser, client, ctx.env, profile.name)
    if handoff is None:
        raise errors.UsageError(
            "No web browser could be opened here, so the console was not opened.",
            f"Run 'xswitch console {plain(args.profile)} --print' for the sign-in link (valid "
            "for 15 minutes, once) and open it in a browser yourself, or set a browser command "
            "(the browser setting, or --browser).",
        )
    try:
        if not handoff.wait(CONSOLE_HANDOFF_WAIT):
            raise errors.UsageError(
                f"The browser was started but did not open the sign-in link within "
                f"{CONSOLE_HANDOFF_WAIT} s.",
                "Check the browser setting: with firefox-container, the 'Open external links "
                "in a container' extension must be installed; a command template must open "
                "its {url}. Or use --print and open the link yourself.",
            )
    finally:
        handoff.close()
    where = f" ({args.service})" if args.service else ""
    ctx.note(f"Opened the AWS console for '{plain(profile.name)}'{where}.")
    return 0


def console_bookmarks(args: argparse.Namespace, ctx: Context) -> int:
    """`xswitch console bookmarks`: switch-role links for the browser's own Switch Role."""
    from xswitch.core.bookmarks import aesr_config, bookmark_file

    catalog = ctx.catalog()
    text = aesr_config(catalog) if args.format == "aesr" else bookmark_file(catalog)
    if not args.output:
        ctx.print(text.rstrip("\n"))
        return 0
    from pathlib import Path

    from xswitch.core import fs

    target = Path(args.output).expanduser()
    try:
        fs.write_private(target, text.encode("utf-8"))
    except OSError as error:
        raise errors.UsageError(
            f"Could not write {plain(str(target))} ({error.strerror or error}).",
            "Check that its directory exists and is writable.",
        ) from None
    ctx.note(f"Wrote {plain(str(target))}.")
    return 0
